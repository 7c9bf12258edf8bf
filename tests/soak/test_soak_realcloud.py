"""The soak's kill trials against a real OpenStack (devcloud/, run by devcloud/ci-realcloud.sh):
3 x ``kill -9`` of ``atonix apply`` of the web tier at a random instant, then ONE plain apply,
then destroy, counted through the cloud's API exactly as on the simulator (no fault injection
here). Skipped unless ``ATONIX_REALCLOUD_CLOUDS`` names the cloud's clouds.yaml.

The trials run in ``ATONIX_SOAK_PROJECT`` (default: the last of ``ATONIX_REALCLOUD_PROJECTS``)
through the clouds.yaml entry ``ATONIX_REALCLOUD_CLOUD``; each trial only counts objects that
appeared during it and carry its identity (or a web-tier name), so other tests working in the
same project do not count."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from soak import run_soak

pytestmark = [pytest.mark.realcloud, pytest.mark.timeout(900)]


def test_apply_killed_at_random_on_a_real_cloud(tmp_path: Path) -> None:
    clouds = os.environ.get("ATONIX_REALCLOUD_CLOUDS")
    if not clouds:
        pytest.skip(
            "ATONIX_REALCLOUD_CLOUDS is not set (run devcloud/up, point it at its clouds.yaml)"
        )
    projects = [p for p in os.environ.get("ATONIX_REALCLOUD_PROJECTS", "").split(",") if p]
    project = os.environ.get("ATONIX_SOAK_PROJECT") or (projects[-1] if projects else "")
    if not project:
        pytest.skip("set ATONIX_SOAK_PROJECT or ATONIX_REALCLOUD_PROJECTS")
    trials = int(os.environ.get("ATONIX_SOAK_REALCLOUD_TRIALS", "3"))
    report = run_soak(
        ["apply-kill"],
        trials,
        seed=12,
        work=tmp_path,
        clouds_yaml=Path(clouds).expanduser(),
        cloud=os.environ.get("ATONIX_REALCLOUD_CLOUD", "atonix-real"),
        project=project,
        trial_timeout=240,
        budget_s=840,
    )
    print(report.explain())
    assert report.summary()["apply-kill"].trials == trials, report.explain()
    assert report.clean, report.explain()
