"""Issue 9, shown: an apply while ~10% of compute, network and volume writes fail (500 and 409
before processing, 503 after it, connection resets before and after) must converge in that
same run, with no orphan or duplicate, and the destroy after it must leave nothing. CI's short
version of ``bench/soak.py --kind faults`` (5 trials on the simulator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from soak import run_soak

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_apply_under_injected_faults_converges_in_the_same_run(tmp_path: Path) -> None:
    report = run_soak(["faults"], 5, seed=11, work=tmp_path, trial_timeout=90, budget_s=250)
    assert report.summary()["faults"].trials == 5, report.explain()
    assert report.clean, report.explain()
