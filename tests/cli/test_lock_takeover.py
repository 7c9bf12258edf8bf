"""`atonix apply` killed with SIGKILL while it holds the stack lock does not block the next run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from _cli_kit import ATONIX

from atonix_iac.state import StackKey, open_store
from atonix_iac.state.model import ResourceStatus

STACK = """heat_template_version: 2018-08-31
resources:
  slow:
    type: OS::Heat::TestResource
    properties: {value: slow, wait_secs: WAIT}
"""


def test_an_apply_killed_holding_the_lock_is_taken_over_by_the_next(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(STACK.replace("WAIT", "120"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("ATONIX_STATE_URL", None)
    killed = subprocess.Popen(
        [str(ATONIX), "apply", "-auto-approve"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert killed.stdout is not None
        for line in killed.stdout:  # the lock is held and the create is in flight
            if line.startswith("slow: Creating"):
                break
        else:
            raise AssertionError(f"apply ended early: {killed.communicate()}")
    finally:
        killed.kill()
        killed.communicate(timeout=60)

    (tmp_path / "stack.yaml").write_text(STACK.replace("WAIT", "0"))
    again = subprocess.run(
        [str(ATONIX), "apply", "-auto-approve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )

    assert again.returncode == 0, again.stderr
    warnings = [line for line in again.stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1, again.stderr
    (warning,) = warnings
    assert warning.startswith(
        "Warning: took over the lock on the state of default/default/stack from "
    )
    assert f" pid {killed.pid} (apply) since " in warning
    assert warning.endswith(" UTC: that process is gone")
    assert "Traceback" not in again.stderr
    assert "Apply complete!" in again.stdout
    store = open_store(None, project_dir=tmp_path)
    try:
        key = StackKey("default", "default", "stack")
        assert store.current_lock(key) is None
        assert store.load(key).resources["slow"].status is ResourceStatus.READY
    finally:
        store.close()
