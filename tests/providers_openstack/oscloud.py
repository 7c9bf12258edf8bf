"""The target cloud of the provider contract tests (imported by conftest and the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import openstack
import pytest

from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.simulator.server import SimulatorServer
from atonix_iac.workspace.config import Binding


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
