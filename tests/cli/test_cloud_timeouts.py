"""A cloud that is slow, silent or closed: one error line that names the limit and its variable.

Real processes against the simulator (with added latency), a listening socket that never
accepts (its backlog full, so a connect hangs) and a closed port.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from _cli_kit import CloudProject, Project

STACK = """\
heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: net}
"""
BINDING = "dev: {cloud: CLOUD, project: demo}"
CLOUDS = """\
clouds:
  nowhere:
    auth:
      auth_url: http://127.0.0.1:PORT/v3
      username: someone
      password: not-a-secret
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
"""


def _only_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


def test_a_cloud_that_does_not_answer_in_time_names_the_api_timeout(
    cloud_project: CloudProject,
) -> None:
    cloud_project.bind(BINDING.replace("CLOUD", "atonix-sim"))
    cloud_project.write("stack.yaml", STACK)
    cloud_project.sim.configure(latency=2.0)
    try:
        result = cloud_project.process("plan", "stack.yaml", ATONIX_API_TIMEOUT_S="0.3")
    finally:
        cloud_project.sim.configure(latency=0.0)
    assert result.returncode == 1
    line = _only_error_line(result.stderr)
    assert "timed out" in line
    assert "no answer within the API timeout of 0.3s (ATONIX_API_TIMEOUT_S sets it)" in line


def _nowhere(project: Project, port: int) -> dict[str, str]:
    project.write("clouds.yaml", CLOUDS.replace("PORT", str(port)))
    project.write(
        "atonix.yaml",
        f"workspaces:\n  team:\n    environments:\n      {BINDING.replace('CLOUD', 'nowhere')}\n",
    )
    project.write("stack.yaml", STACK)
    return {"OS_CLIENT_CONFIG_FILE": str(project.root / "clouds.yaml")}


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A port whose listener never accepts and whose queue is full: connecting hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = int(server.getsockname()[1])
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def test_a_connection_that_never_completes_names_the_connect_timeout(
    project: Project, unaccepting_port: int
) -> None:
    env = _nowhere(project, unaccepting_port)
    result = project.process("plan", "stack.yaml", ATONIX_CONNECT_TIMEOUT_S="0.5", **env)
    assert result.returncode == 1
    line = _only_error_line(result.stderr)
    assert "no connection within the connect timeout of 0.5s" in line, line
    assert "(ATONIX_CONNECT_TIMEOUT_S sets it)" in line


def test_a_closed_port_is_one_error_line_without_keystoneauth_logging(project: Project) -> None:
    with socket.socket() as probe:  # a port nothing listens on once this is closed
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = _nowhere(project, port)
    result = project.process("plan", "stack.yaml", **env)
    assert result.returncode == 1
    line = _only_error_line(result.stderr)
    url = f"http://127.0.0.1:{port}/v3/auth/tokens"
    assert line.endswith(f"Unable to establish connection to {url}: connection refused"), line
    assert "Failed to discover" not in result.stderr
    assert result.stdout == ""


def test_timeouts_are_read_from_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from atonix_iac.errors import ProviderConfigError
    from atonix_iac.providers.openstack._timeouts import requests_timeout

    monkeypatch.setenv("ATONIX_CONNECT_TIMEOUT_S", "4")
    monkeypatch.setenv("ATONIX_API_TIMEOUT_S", "30")
    assert requests_timeout() == (4.0, 30.0)
    monkeypatch.setenv("ATONIX_CONNECT_TIMEOUT_S", "")
    monkeypatch.setenv("ATONIX_API_TIMEOUT_S", "0")
    assert requests_timeout() == (10.0, 120.0)
    monkeypatch.setenv("ATONIX_CONNECT_TIMEOUT_S", "ten")
    with pytest.raises(ProviderConfigError, match="ATONIX_CONNECT_TIMEOUT_S='ten'"):
        requests_timeout()
