"""The CLI's garbage-collector policy (``cli/collector.py``): what a phase builds is frozen
out of the collector's scans, and only in a run that ``main`` tuned."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

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


_SAVED_PLAN_APPLY = """
import gc, sys
from atonix_iac.cli import main as cli_main, stack_commands

inside = []
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and inside and collections.append(1))

def watched(function):
    def run(*args, **kwargs):
        inside.append(1)
        try:
            return function(*args, **kwargs)
        finally:
            inside.pop()
    return run

stack_commands._read_plan = watched(stack_commands._read_plan)
stack_commands.check_template_unchanged = watched(stack_commands.check_template_unchanged)
sys.argv = ["atonix", "apply", "-auto-approve", sys.argv[1], "--state-url", sys.argv[2]]
try:
    cli_main.main()
finally:
    print("COLLECTIONS", len(collections))
"""


def test_reading_a_saved_plan_and_its_template_runs_no_collection(tmp_path: Path) -> None:
    """Like a plain apply's template and state, a saved plan and the template checked
    against it live until the run ends, so no collection runs while they are read (they
    did, and scanned them: a 10,000-resource saved plan cost ~0.1 CPU s more to apply than
    no plan)."""
    stack = tmp_path / "stack.yaml"
    stack.write_text(
        "heat_template_version: 2018-08-31\nresources:\n"
        + "".join(
            f"  v{i}: {{type: OS::Heat::Value, properties: {{value: {{n: {i}, l: [a, b]}}}}}}\n"
            for i in range(3000)
        )
    )
    state = f"sqlite:///{tmp_path}/state.db"
    plan = tmp_path / "p.plan"
    subprocess.run(
        [str(Path(sys.executable).with_name("atonix")), "plan", "-out", str(plan), str(stack)]
        + ["--state-url", state],
        capture_output=True,
        check=True,
        cwd=tmp_path,
    )
    out = subprocess.run(
        [sys.executable, "-c", _SAVED_PLAN_APPLY, str(plan), state],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert "COLLECTIONS 0" in out
