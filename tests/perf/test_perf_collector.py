"""The CLI's garbage-collector policy (``cli/collector.py``): what a phase builds is frozen
out of the collector's scans, and only in a run that ``main`` tuned."""

from __future__ import annotations

import gc
import subprocess
import sys

from atonix_iac.cli import collector

_TUNED_RUN = """
import gc
from atonix_iac.cli import collector

collector.tune()
with collector.lasting():
    enabled_inside = gc.isenabled()
    built = [[i] for i in range(1000)]
scanned = {id(o) for o in gc.get_objects()}  # every generation but the frozen one
print("INSIDE", enabled_inside, "AFTER", gc.isenabled())
print("FROZEN", not any(id(item) in scanned for item in built))
try:
    with collector.lasting():
        lost = [[0]]
        raise ValueError
except ValueError:
    pass
print("RAISED", gc.isenabled(), id(lost[0]) in {id(o) for o in gc.get_objects()})
"""


def test_a_tuned_run_freezes_what_a_lasting_phase_builds() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _TUNED_RUN], capture_output=True, text=True, check=True
    ).stdout
    assert "INSIDE False AFTER True" in out  # no collection inside, collector back on after
    assert "FROZEN True" in out
    assert "RAISED True True" in out  # a phase that failed is left to the collector


def test_without_main_nothing_is_frozen() -> None:
    """Tests call the CLI in-process, and the stack service is one long process: neither
    may keep each run's objects for good."""
    assert gc.isenabled()
    with collector.lasting():
        assert gc.isenabled()
        built = [[i] for i in range(10)]
    collector.keep()
    scanned = {id(o) for o in gc.get_objects()}
    assert all(id(item) in scanned for item in built)
