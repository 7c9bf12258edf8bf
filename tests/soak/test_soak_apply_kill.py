"""Issue 9, shown: ``kill -9`` of ``atonix apply`` at a random instant, then ONE plain apply,
must leave no orphan, no duplicate, no lock to break by hand, and a converged stack; the
destroy after it must leave nothing. CI's short version of ``bench/soak.py --kind
apply-kill`` (5 trials on the simulator, in its own process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from soak import run_soak

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_apply_killed_at_random_converges_after_one_plain_rerun(tmp_path: Path) -> None:
    report = run_soak(["apply-kill"], 5, seed=9, work=tmp_path, trial_timeout=60, budget_s=250)
    assert report.summary()["apply-kill"].trials == 5, report.explain()
    assert report.clean, report.explain()
