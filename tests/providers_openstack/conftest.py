"""The cloud the provider contract tests run against.

``cloud`` is parametrised by target: ``sim`` starts the bundled simulator (projects ``demo`` and
``other``) on a free port and points ``OS_CLIENT_CONFIG_FILE`` at its clouds.yaml; ``real`` runs
only when ``ATONIX_REALCLOUD_CLOUDS`` names a clouds.yaml (cloud ``ATONIX_REALCLOUD_CLOUD``,
default ``atonix-real``, whose user is a member of projects ``ATONIX_REALCLOUD_PROJECTS``,
default ``demo,other``; ``ATONIX_REALCLOUD_ADMIN_CLOUD`` optionally names an admin cloud for
reads only admins may make). Tests use the provider API and SDK reads only; what needs the
simulator's request log or fault injection asks for ``cloud.sim`` and is skipped elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openstack
import pytest

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.simulator.server import SimulatorServer
from atonix_iac.workspace.config import Binding

REAL_CLOUDS_ENV = "ATONIX_REALCLOUD_CLOUDS"


@dataclass
class Cloud:
    """One target cloud, seen the way the provider sees it."""

    name: str  # clouds.yaml entry
    projects: tuple[str, str]
    public_network: str = "public"
    image: str = "cirros"
    small_flavor: str = "m1.small"
    bigger_flavor: str = "m1.medium"
    sim: SimulatorServer | None = None
    admin_cloud: str | None = None  # clouds.yaml entry of an admin, when the target has one
    timeout_s: float = 60.0
    _providers: list[OpenStackProvider] = field(default_factory=list)
    _conns: list[Any] = field(default_factory=list)

    @property
    def project(self) -> str:
        return self.projects[0]

    def binding(self, project: str | None = None, workspace: str = "ws") -> Binding:
        project = project or self.project
        return Binding(workspace, project, self.name, project, "RegionOne")

    def provider(
        self, project: str | None = None, timeout_s: float | None = None
    ) -> OpenStackProvider:
        provider = OpenStackProvider(self.binding(project), timeout_s=timeout_s or self.timeout_s)
        self._providers.append(provider)
        return provider

    def sdk(self, project: str | None = None) -> Any:
        """A plain SDK connection, for changes made behind the provider's back."""
        conn = openstack.connect(cloud=self.name, project_name=project or self.project)
        self._conns.append(conn)
        return conn

    def admin_sdk(self) -> Any | None:
        """An admin's SDK connection (what only admins may read), or None if there is none."""
        if self.admin_cloud is None:
            return None
        conn = openstack.connect(cloud=self.admin_cloud)
        self._conns.append(conn)
        return conn

    def require_sim(self) -> SimulatorServer:
        if self.sim is None:
            pytest.skip("needs the simulator (request log or fault injection)")
        return self.sim

    def close(self) -> None:
        for provider in self._providers:
            provider.close()
        for conn in self._conns:
            conn.close()
        self._providers.clear()
        self._conns.clear()


@pytest.fixture(scope="session")
def _simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    data = tmp_path_factory.mktemp("sim")
    with SimulatorServer(data, projects=("demo", "other")) as server:
        server.configure(persist_interval=0.5)
        yield server


def _real_cloud() -> Cloud:
    projects = os.environ.get("ATONIX_REALCLOUD_PROJECTS", "demo,other").split(",")
    return Cloud(
        name=os.environ.get("ATONIX_REALCLOUD_CLOUD", "atonix-real"),
        projects=(projects[0], projects[1]),
        public_network=os.environ.get("ATONIX_REALCLOUD_PUBLIC_NETWORK", "public"),
        image=os.environ.get("ATONIX_REALCLOUD_IMAGE", "cirros"),
        timeout_s=300.0,
        admin_cloud=os.environ.get("ATONIX_REALCLOUD_ADMIN_CLOUD") or None,
    )


@pytest.fixture(
    params=[
        pytest.param("sim", id="sim"),
        pytest.param("real", id="real", marks=pytest.mark.realcloud),
    ]
)
def cloud(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    if request.param == "real":
        clouds = os.environ.get(REAL_CLOUDS_ENV)
        if not clouds:
            pytest.skip(f"{REAL_CLOUDS_ENV} is not set")
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", clouds)
        target = _real_cloud()
    else:
        sim: SimulatorServer = request.getfixturevalue("_simulator")
        clouds_yaml = sim.write_clouds_yaml(Path(sim.data_dir) / "clouds.yaml")
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds_yaml))
        monkeypatch.delenv("OS_CLOUD", raising=False)
        target = Cloud(
            name="atonix-sim",
            projects=("demo", "other"),
            sim=sim,
            timeout_s=20.0,
            admin_cloud="atonix-sim",  # the simulator's clouds are its admin's
        )
    try:
        yield target
    finally:
        target.close()
        if target.sim is not None:
            target.sim.clear_faults()
            target.sim.set_lifecycle([])
            # Every delay kind, not only the default: a per-kind delay a test set (e.g.
            # "server") must not leak into the next test on the same simulator.
            target.sim.configure(build_delay=0.0, delays={}, latency=0.0)
            target.sim.clear_request_log()


@pytest.fixture
def unique() -> str:
    """A short random suffix so tests never collide on names in a shared project."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def ident(unique: str) -> Any:
    """``ident("net")`` -> the identity of resource ``net`` in this test's own stack."""

    def make(address: str) -> ResourceIdentity:
        return ResourceIdentity("ws", "env", f"stack-{unique}", address)

    return make


def require_service(cloud: Cloud, service_type: str) -> None:
    """Skip unless the target's catalog has ``service_type`` (the dev cloud runs Keystone,
    Nova, Neutron, Cinder and Glance only: no Octavia, Magnum or Manila)."""
    if cloud.sim is None and not cloud.sdk().has_service(service_type):
        pytest.skip(f"the target cloud has no {service_type} service")
