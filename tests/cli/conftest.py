"""CLI tests share ``_cli_kit``; make it importable whether or not pytest treats this
directory as a package."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from _cli_kit import CloudProject, Project  # noqa: E402

from atonix_iac.simulator.server import SimulatorServer  # noqa: E402


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ATONIX_STATE_URL", raising=False)
    yield Project(tmp_path, CliRunner())


def simulated_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    """A simulated cloud with projects ``demo`` and ``other``, its clouds.yaml written."""
    with SimulatorServer(tmp_path_factory.mktemp("sim"), projects=("demo", "other")) as server:
        server.configure(persist_interval=0.5)
        server.write_clouds_yaml()
        yield server


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    """One simulated cloud (projects ``demo`` and ``other``) for the CLI's cloud tests."""
    yield from simulated_cloud(tmp_path_factory)


@pytest.fixture(scope="module")
def own_simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    """A cloud of the module's own, for tests whose templates depend on what the project holds
    (Heat's examples name no network: Nova refuses a server when the project has several)."""
    yield from simulated_cloud(tmp_path_factory)


@pytest.fixture
def cloud_project(
    project: Project, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CloudProject]:
    """A temporary project whose atonix.yaml may bind the simulator's cloud ``atonix-sim``."""
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(simulator.data_dir / "clouds.yaml"))
    for name in ("OS_CLOUD", "ATONIX_WORKSPACE", "ATONIX_ENVIRONMENT", "ATONIX_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    cloud = CloudProject(project.root, project.runner, simulator)
    try:
        yield cloud
    finally:
        cloud.close()
        simulator.clear_request_log()
