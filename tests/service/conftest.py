"""Service tests share ``_service_kit``; one simulator (projects demo and alt) per module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from _service_kit import RunningService, in_process_service  # noqa: E402

from atonix_iac.simulator.server import SimulatorServer  # noqa: E402


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    with SimulatorServer(tmp_path_factory.mktemp("sim"), projects=("demo", "alt")) as server:
        server.configure(persist_interval=0.5)
        yield server


@pytest.fixture(scope="module")
def service(
    simulator: SimulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    with in_process_service(simulator, tmp_path_factory.mktemp("svc")) as running:
        yield running
