"""The README's quick start runs end to end against the installed ``atonix``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from _cli_kit import ATONIX

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quickstart_script_runs_end_to_end() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "examples" / "quickstart" / "run.sh")],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "ATONIX": str(ATONIX)},
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    for step in ("validate", "plan", "apply -auto-approve", "plan -detailed-exitcode", "output"):
        assert f"==> atonix {step}" in result.stdout
    assert "Apply complete!" in result.stdout
    assert "db_password = <sensitive>" in result.stdout
    assert "Destroy complete!" in result.stdout
    assert "Quick start complete." in result.stdout
