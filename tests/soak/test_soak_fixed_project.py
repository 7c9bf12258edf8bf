"""The real-cloud path of the soak (``--clouds``: one fixed project, no simulator of its own,
no fault injection), run against a simulator standing in for the real cloud, so the realcloud
tier's code is exercised where no real cloud is up. What the project held before a trial (here
an object with a web-tier name) never counts as the trial's."""

from __future__ import annotations

from pathlib import Path

import openstack
import pytest
from soak import run_soak

from atonix_iac.simulator import SimConfig, SimulatorServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_one_project_of_an_existing_cloud(tmp_path: Path) -> None:
    config = SimConfig(delays={"server": 1.0, "volume": 0.3})
    with SimulatorServer(tmp_path / "sim", projects=["shared"], config=config) as sim:
        clouds = sim.write_clouds_yaml()
        conn = openstack.connect(**sim.connect_kwargs("shared"))
        try:
            decoy = conn.network.create_network(name="web-net")
            report = run_soak(
                ["apply-kill"],
                1,
                seed=3,
                work=tmp_path,
                clouds_yaml=clouds,
                cloud="atonix-sim",
                project="shared",
                trial_timeout=60,
                budget_s=200,
            )
            (trial,) = report.trials
            assert trial.project == "shared" and trial.writes_before_kill is None
            assert decoy.id not in " ".join(trial.orphans + trial.duplicates + trial.left)
            assert conn.network.get_network(decoy.id).name == "web-net"
        finally:
            conn.close()
    assert report.clean, report.explain()
