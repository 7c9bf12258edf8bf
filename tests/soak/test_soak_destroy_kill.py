"""Issue 9, shown: ``kill -9`` of ``atonix destroy`` at a random instant, then ONE plain
destroy, must leave nothing in the cloud or in state and need no manual unlock. CI's short
version of ``bench/soak.py --kind destroy-kill`` (5 trials on the simulator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from soak import run_soak

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_destroy_killed_at_random_finishes_with_one_plain_destroy(tmp_path: Path) -> None:
    report = run_soak(["destroy-kill"], 5, seed=10, work=tmp_path, trial_timeout=60, budget_s=250)
    assert report.summary()["destroy-kill"].trials == 5, report.explain()
    assert report.clean, report.explain()
