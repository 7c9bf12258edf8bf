"""The harness stops every process it started when it is interrupted (Ctrl-C or SIGTERM)
in the middle of a run: the simulator and the atonix run it was waiting for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def _processes_under(root: Path) -> list[str]:
    """Processes whose command line or working directory is inside ``root``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if str(root) in cmdline or cwd.startswith(str(root)):
            found.append(f"{entry.name}: {cmdline}")
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_soak_leaves_no_process(tmp_path: Path, signum: int) -> None:
    argv = [sys.executable, str(SOAK), "--kind", "apply-kill", "--trials", "1", "--work"]
    soak = subprocess.Popen(
        [*argv, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        # The measuring apply runs in <work>/atonix-soak-*/measure/...: the simulator is up
        # and an atonix process is running.
        while not any(p for p in _processes_under(tmp_path) if "atonix apply" in p):
            assert soak.poll() is None, soak.communicate()[0]
            assert time.monotonic() < deadline, "the soak never started an apply"
            time.sleep(0.1)
        soak.send_signal(signum)
        out, _ = soak.communicate(timeout=30)
    finally:
        if soak.poll() is None:
            os.killpg(soak.pid, signal.SIGKILL)
            soak.wait()
    assert soak.returncode == 130, out
    assert "every process the soak started is stopped" in out
    assert _processes_under(tmp_path) == []
    assert list(tmp_path.iterdir()) == []  # the work directory is gone too
