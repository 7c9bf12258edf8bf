"""The stack service against a real OpenStack (the dev cloud): ``atonix serve`` on Heat's port
validates tokens with the cloud's own Keystone, whose catalog lists it as ``orchestration``, and
the unmodified ``openstack`` CLI (python-heatclient) and openstacksdk drive a stack of real
networks, ports, a security group and a server through it, as they would drive Heat.

Runs only when ``ATONIX_REALCLOUD_CLOUDS`` names the dev cloud's clouds.yaml (cloud
``ATONIX_REALCLOUD_CLOUD``, a member of both ``ATONIX_REALCLOUD_PROJECTS``; the admin cloud
``ATONIX_REALCLOUD_ADMIN_CLOUD`` gives the unbound project and the second domain), and only
where port 8004 is free: inside the dev cloud's network namespace (``devcloud/in-netns``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openstack
import pytest
import requests
import yaml
from _service_kit import start_process, wait_http
from keystoneauth1 import session
from keystoneauth1.identity import v3

pytestmark = pytest.mark.realcloud

OPENSTACK = Path(sys.executable).with_name("openstack")
PORT = 8004
WORKSPACE = "svc"

TEMPLATE = """\
heat_template_version: 2018-08-31
description: networks, a port, a security group and a server, made through the stack service
parameters:
  group_description:
    type: string
    default: first
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: svc-real-net}
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.61.0.0/24
  group:
    type: OS::Neutron::SecurityGroup
    properties:
      description: {get_param: group_description}
      rules:
        - {protocol: tcp, port_range_min: 22, port_range_max: 22, remote_ip_prefix: 10.0.0.0/8}
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
      fixed_ips: [{subnet: {get_resource: subnet}}]
      security_groups: [{get_resource: group}]
  server:
    type: OS::Nova::Server
    properties:
      image: cirros
      flavor: m1.tiny
      networks: [{port: {get_resource: port}}]
outputs:
  address:
    description: the port's fixed address
    value: {get_attr: [port, fixed_ips, 0, ip_address]}
"""


@dataclass
class RealService:
    """The running service, and what the clients need to reach it as the cloud's users."""

    root: Path
    clouds_yaml: str
    cloud: str
    projects: tuple[str, str]
    admin_cloud: str | None
    auth: dict[str, Any]  # the test user's clouds.yaml auth section

    def openstack(self, *args: str, project: str | None = None, cloud: str | None = None) -> Any:
        """``openstack`` as a user runs it: ``--os-cloud``, the project to act in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["OS_CLIENT_CONFIG_FILE"] = self.clouds_yaml
        scope = ["--os-cloud", cloud or self.cloud]
        if cloud is None:
            scope += ["--os-project-name", project or self.projects[0]]
        return subprocess.run(
            [str(OPENSTACK), *scope, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
            cwd=self.root,
        )

    def ok(self, *args: str, project: str | None = None) -> Any:
        """stdout, or its JSON document (``--wait`` prints the stack's events before it)."""
        result = self.openstack(*args, project=project)
        assert result.returncode == 0, f"openstack {' '.join(args)}:\n{result.stderr}"
        if "json" not in args:
            return result.stdout
        lines = result.stdout.splitlines()
        start = lines.index("{") if "--wait" in args else 0  # the document's first line
        return json.loads("\n".join(lines[start:]))

    def sdk(self, project: str | None = None, cloud: str | None = None) -> Any:
        if cloud is not None:
            return openstack.connect(cloud=cloud)
        return openstack.connect(cloud=self.cloud, project_name=project or self.projects[0])


def _clouds() -> tuple[str, dict[str, Any]]:
    path = os.environ.get("ATONIX_REALCLOUD_CLOUDS")
    if not path:
        pytest.skip("ATONIX_REALCLOUD_CLOUDS is not set")
    return path, yaml.safe_load(Path(path).read_text())["clouds"]


def _port_free() -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", PORT))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def real(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: Any
) -> Iterator[RealService]:
    clouds_yaml, clouds = _clouds()
    cloud = os.environ.get("ATONIX_REALCLOUD_CLOUD", "atonix-real")
    first, second = os.environ.get("ATONIX_REALCLOUD_PROJECTS", "demo,other").split(",")[:2]
    if not _port_free():
        pytest.skip(f"127.0.0.1:{PORT} is taken (run inside the dev cloud's namespace)")
    root = tmp_path_factory.mktemp("svc-real")
    environments = {
        "a": {"cloud": cloud, "project": first},
        "b": {"cloud": cloud, "project": second},
    }
    (root / "atonix.yaml").write_text(
        yaml.safe_dump({"workspaces": {WORKSPACE: {"environments": environments}}})
    )
    auth = clouds[cloud]["auth"]
    monkeypatch_module.setenv("OS_CLIENT_CONFIG_FILE", clouds_yaml)
    monkeypatch_module.delenv("OS_CLOUD", raising=False)
    env = {
        "ATONIX_CONFIG": str(root / "atonix.yaml"),
        "ATONIX_AUTH_URL": auth["auth_url"],
        "OS_CLIENT_CONFIG_FILE": clouds_yaml,
        "ATONIX_SERVICE_WORKERS": "2",
    }
    log = root / "serve.log"
    process = start_process(["serve", "--port", str(PORT)], env, log)
    try:
        wait_http(f"http://127.0.0.1:{PORT}/health")
        yield RealService(
            root=root,
            clouds_yaml=clouds_yaml,
            cloud=cloud,
            projects=(first, second),
            admin_cloud=os.environ.get("ATONIX_REALCLOUD_ADMIN_CLOUD") or None,
            auth=auth,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        sys.stderr.write(log.read_text()[-4000:])


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _identity_tags(name: str, environment: str) -> set[str]:
    return {
        f"atonix:workspace={WORKSPACE}",
        f"atonix:environment={environment}",
        f"atonix:stack={name}",
    }


def test_catalog_lists_the_service_as_heat(real: RealService) -> None:
    """The endpoint clients find is the cloud's own catalog entry, with the project's id."""
    conn = real.sdk()
    try:
        url = conn.session.get_endpoint(service_type="orchestration", interface="public")
        assert url.rstrip("/") == f"http://127.0.0.1:{PORT}/v1/{conn.current_project_id}"
    finally:
        conn.close()


def test_stack_lifecycle_with_the_openstack_cli(real: RealService) -> None:
    name = f"svc-real-{uuid.uuid4().hex[:8]}"
    template = real.root / "stack.yaml"
    template.write_text(TEMPLATE)
    conn = real.sdk()
    try:
        created = real.ok("stack", "create", "-t", str(template), "--wait", "-f", "json", name)
        assert created["stack_status"] == "CREATE_COMPLETE", created
        stack_id = created["id"]

        shown = real.ok("stack", "show", "-f", "json", name)
        assert (shown["id"], shown["stack_status"]) == (stack_id, "CREATE_COMPLETE")
        assert shown["parameters"]["group_description"] == "first"
        address = real.ok("stack", "output", "show", "-f", "json", name, "address")
        resources = {
            r["resource_name"]: r for r in real.ok("stack", "resource", "list", "-f", "json", name)
        }
        assert set(resources) == {"net", "subnet", "group", "port", "server"}
        assert {r["resource_status"] for r in resources.values()} == {"CREATE_COMPLETE"}
        events = real.ok("stack", "event", "list", "-f", "json", name)
        completed = {
            e["resource_name"] for e in events if e["resource_status"] == "CREATE_COMPLETE"
        }
        assert completed >= {"net", "subnet", "group", "port", "server", name}
        ids = {key: r["physical_resource_id"] for key, r in resources.items()}

        # The objects exist, in the token's project, carrying the stack's identity.
        project_id = conn.current_project_id
        tags = _identity_tags(name, "a")
        net = conn.network.get_network(ids["net"])
        subnet = conn.network.get_subnet(ids["subnet"])
        group = conn.network.get_security_group(ids["group"])
        port = conn.network.get_port(ids["port"])
        server = conn.compute.get_server(ids["server"])
        for thing in (net, subnet, group, port):
            assert thing.project_id == project_id
            assert tags <= set(thing.tags), (thing, thing.tags)
        assert server.project_id == project_id and server.status == "ACTIVE"
        assert server.metadata["atonix:stack"] == name
        assert port.device_id == server.id
        assert port.security_group_ids == [group.id]
        assert address["output_value"] == port.fixed_ips[0]["ip_address"]
        assert group.description == "first"

        # openstacksdk's orchestration proxy, unmodified, sees the same stack.
        assert [s.id for s in conn.orchestration.stacks() if s.name == name] == [stack_id]

        updated = real.ok(
            "stack", "update", "--existing", "--parameter", "group_description=second",
            "--wait", "-f", "json", name,
        )  # fmt: skip
        assert updated["stack_status"] == "UPDATE_COMPLETE", updated
        group = conn.network.get_security_group(ids["group"])  # the same group, updated in place
        assert group.description == "second"
        after = {
            r["resource_name"]: r["physical_resource_id"]
            for r in real.ok("stack", "resource", "list", "-f", "json", name)
        }
        assert after == ids

        deleted = real.openstack("stack", "delete", "--yes", "--wait", name)
        assert deleted.returncode == 0, deleted.stderr
        assert name not in {s["Stack Name"] for s in real.ok("stack", "list", "-f", "json")}
        assert conn.compute.find_server(ids["server"]) is None
        for kind in ("network", "subnet", "security_group", "port"):
            key = {"network": "net", "security_group": "group"}.get(kind, kind)
            assert getattr(conn.network, f"find_{kind}")(ids[key]) is None, kind
        for kinds in (conn.network.networks, conn.network.ports, conn.network.security_groups):
            assert list(kinds(tags=f"atonix:stack={name}")) == []
    finally:
        conn.close()


def test_projects_are_isolated(real: RealService) -> None:
    """Another bound project's token: 404 for the stack; an unbound project: 403; a token
    Keystone does not know: 401."""
    name = f"svc-iso-{uuid.uuid4().hex[:8]}"
    template = real.root / "value.yaml"
    template.write_text(
        "heat_template_version: 2018-08-31\n"
        "resources:\n  v: {type: OS::Heat::Value, properties: {value: 1}}\n"
    )
    created = real.ok("stack", "create", "-t", str(template), "--wait", "-f", "json", name)
    stack_id = created["id"]
    try:
        other = real.openstack("stack", "show", stack_id, project=real.projects[1])
        assert other.returncode != 0
        assert "not found" in other.stderr.lower(), other.stderr
        assert name not in real.openstack("stack", "list", project=real.projects[1]).stdout

        conn = real.sdk()
        try:
            url = conn.session.get_endpoint(service_type="orchestration", interface="public")
            bad = requests.get(f"{url}/stacks", headers={"X-Auth-Token": "gAAAAA-not-a-token"})
            assert bad.status_code == 401, bad.text
        finally:
            conn.close()

        if real.admin_cloud is None:
            pytest.skip("no admin cloud: the unbound project is not checked")
        unbound = real.openstack("stack", "list", cloud=real.admin_cloud)
        assert unbound.returncode != 0
        assert "is bound to no workspace environment" in unbound.stderr, unbound.stderr

        # A system-scoped token (real Keystone's admin has one) names no project: 403, saying so.
        admin = _clouds()[1][real.admin_cloud]["auth"]
        system = session.Session(
            auth=v3.Password(
                auth_url=admin["auth_url"],
                username=admin["username"],
                password=admin["password"],
                user_domain_name=admin.get("user_domain_name", "Default"),
                system_scope="all",
            )
        )
        refused = requests.get(f"{url}/stacks", headers={"X-Auth-Token": system.get_token()})
        assert refused.status_code == 403, refused.text
        assert "scoped to no project" in refused.json()["error"]["message"]
    finally:
        real.ok("stack", "delete", "--yes", "--wait", name)


def test_same_project_name_in_another_domain_is_not_bound(real: RealService) -> None:
    """Project names are unique only within a domain: a token for a project named like a bound
    one, in another domain, is refused rather than given that binding's stacks and cloud."""
    if real.admin_cloud is None:
        pytest.skip("needs the admin cloud to make a domain")
    admin = real.sdk(cloud=real.admin_cloud)
    domain = admin.identity.create_domain(name=f"svc-real-{uuid.uuid4().hex[:8]}")
    try:
        project = admin.identity.create_project(name=real.projects[0], domain_id=domain.id)
        user = admin.identity.find_user(real.auth["username"], domain_id="default")
        member = admin.identity.find_role("member")
        admin.identity.assign_project_role_to_user(project, user, member)
        sess = session.Session(
            auth=v3.Password(
                auth_url=real.auth["auth_url"],
                username=real.auth["username"],
                password=real.auth["password"],
                user_domain_name=real.auth.get("user_domain_name", "Default"),
                project_id=project.id,
            )
        )
        url = sess.get_endpoint(service_type="orchestration", interface="public")
        assert url.rstrip("/").endswith(project.id)
        answer = requests.get(f"{url}/stacks", headers={"X-Auth-Token": sess.get_token()})
        assert answer.status_code == 403, answer.text
    finally:
        admin.identity.update_domain(domain, is_enabled=False)
        admin.identity.delete_domain(domain)
        admin.close()
