"""Seed the dev cloud through its own APIs; runs inside the dev cloud's venv (openstacksdk).

``seed_cloud.py STATE_DIR catalog``   service project, users and the service catalog
``seed_cloud.py STATE_DIR external``  catalog entries of services run beside the dev cloud
``seed_cloud.py STATE_DIR compute``   wait until nova-compute has registered with Nova
``seed_cloud.py STATE_DIR tenants``   projects, users, flavors, image, public network,
                                      clouds.yaml; then check every service reports up
Every step finds before it creates, so a warm start re-runs it cheaply.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import openstack
import yaml

HOST = "127.0.0.1"
REGION = "RegionOne"
KEYSTONE = f"http://{HOST}:5000/v3"
ENDPOINTS = {
    # service name -> (type, URL)
    "placement": ("placement", f"http://{HOST}:8778"),
    "glance": ("image", f"http://{HOST}:9292"),
    "neutron": ("network", f"http://{HOST}:9696"),
    "nova": ("compute", f"http://{HOST}:8774/v2.1"),
    "cinder": ("block-storage", f"http://{HOST}:8776/v3"),
    # Nova's [cinder] catalog_info looks for volumev3.
    "cinderv3": ("volumev3", f"http://{HOST}:8776/v3"),
}
SERVICE_USERS = ("placement", "glance", "neutron", "nova", "cinder")
# The optional services (devcloud ATONIX_DEVCLOUD_OPTIONAL): name -> (type, URL); each has a
# service user of its own name.
OPTIONAL_ENDPOINTS = {
    "barbican": ("key-manager", f"http://{HOST}:9311"),
    "swift": ("object-store", f"http://{HOST}:8080/v1/AUTH_%(project_id)s"),
    "octavia": ("load-balancer", f"http://{HOST}:9876"),
    "designate": ("dns", f"http://{HOST}:9001"),
    # sharev2: the type Manila registers (openstacksdk's shared-file-system alias).
    "manila": ("sharev2", f"http://{HOST}:8786/v2"),
}
# Services the dev cloud does not run but lists, on their standard ports, so that a process
# started in its network namespace is found by clients exactly as the real service would be:
# the project's stack service (`atonix serve`) answers as Heat, with Heat's devstack endpoint.
EXTERNAL_ENDPOINTS = {
    "heat": ("orchestration", f"http://{HOST}:8004/v1/$(project_id)s"),
}
PROJECTS = ("atonix-dev", "atonix-staging")
# The provider contract tests get projects of their own (user atonix-ci is a member of both), so
# they never race the functional suite's before/after inventories of atonix-dev/-staging.
CONTRACT_PROJECTS = ("atonix-ci-a", "atonix-ci-b")
# The same flavors as the simulator (atonix_iac/simulator/seed.py): id, name, vcpus, ram, disk
FLAVORS = (
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
    ("4", "m1.large", 4, 8192, 80),
    ("5", "m1.xlarge", 8, 16384, 160),
)
PUBLIC_CIDR = "172.24.0.0/16"
PUBLIC_GATEWAY = "172.24.0.1"


def _admin(secrets: dict[str, str]) -> Any:
    return openstack.connect(
        auth_url=KEYSTONE,
        username="admin",
        password=secrets["admin"],
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=REGION,
        load_yaml_config=False,
        load_envvars=False,
    )


def _role(conn: Any, name: str) -> Any:
    return conn.identity.find_role(name) or conn.identity.create_role(name=name)


def _project(conn: Any, name: str, description: str) -> Any:
    found = conn.identity.find_project(name, domain_id="default")
    return found or conn.identity.create_project(
        name=name, domain_id="default", description=description
    )


def _user(conn: Any, name: str, password: str, project: Any) -> Any:
    user = conn.identity.find_user(name, domain_id="default")
    if user is None:
        return conn.identity.create_user(
            name=name, password=password, domain_id="default", default_project_id=project.id
        )
    return conn.identity.update_user(user, password=password)


def catalog(secrets: dict[str, str]) -> None:
    conn = _admin(secrets)
    service_project = _project(conn, "service", "OpenStack service users")
    admin_role, service_role = _role(conn, "admin"), _role(conn, "service")
    for name in SERVICE_USERS:
        user = _user(conn, name, secrets["service"], service_project)
        conn.identity.assign_project_role_to_user(service_project, user, admin_role)
        conn.identity.assign_project_role_to_user(service_project, user, service_role)
    for name, (kind, url) in ENDPOINTS.items():
        _register(conn, name, kind, url)


def _register(conn: Any, name: str, kind: str, url: str) -> None:
    service = next(iter(conn.identity.services(type=kind)), None)
    if service is None:
        service = conn.identity.create_service(name=name, type=kind)
    have = {e.interface for e in conn.identity.endpoints(service_id=service.id)}
    for interface in ("public", "internal"):
        if interface not in have:
            conn.identity.create_endpoint(
                service_id=service.id, interface=interface, url=url, region_id=REGION
            )


def external(secrets: dict[str, str]) -> None:
    """Catalog entries of the services run beside the dev cloud (checked on every start, so a
    state made before an entry was added gains it)."""
    conn = _admin(secrets)
    for name, (kind, url) in EXTERNAL_ENDPOINTS.items():
        _register(conn, name, kind, url)


def optional(secrets: dict[str, str], enabled: list[str]) -> None:
    """Catalog entries and service users of the enabled optional services; the disabled ones'
    entries go, so tests that look a service up in the catalog skip instead of failing."""
    conn = _admin(secrets)
    for name, (kind, url) in OPTIONAL_ENDPOINTS.items():
        if name in enabled:
            service_project = _project(conn, "service", "OpenStack service users")
            user = _user(conn, name, secrets["service"], service_project)
            for role in ("admin", "service"):
                conn.identity.assign_project_role_to_user(service_project, user, _role(conn, role))
            _register(conn, name, kind, url)
            continue
        for service in list(conn.identity.services(type=kind)):
            for endpoint in list(conn.identity.endpoints(service_id=service.id)):
                conn.identity.delete_endpoint(endpoint)
            conn.identity.delete_service(service)


def wait_for_compute(secrets: dict[str, str], timeout_s: float = 120.0) -> None:
    conn = _admin(secrets)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(s.binary == "nova-compute" and s.state == "up" for s in conn.compute.services()):
            return
        time.sleep(1.0)
    raise SystemExit("nova-compute did not register with Nova (see logs/nova-compute.log)")


def tenants(secrets: dict[str, str], state: Path) -> None:
    conn = _admin(secrets)
    member = _role(conn, "member")
    projects = {name: _project(conn, name, "atonix functional tests") for name in PROJECTS}
    for name, project in projects.items():
        user = _user(conn, name, secrets[name], project)
        conn.identity.assign_project_role_to_user(project, user, member)
    contract = {
        name: _project(conn, name, "atonix provider contract tests") for name in CONTRACT_PROJECTS
    }
    ci_user = _user(conn, "atonix-ci", secrets["atonix-ci"], contract["atonix-ci-a"])
    for project in contract.values():
        conn.identity.assign_project_role_to_user(project, ci_user, member)
    _flavors(conn)
    _image(conn, state)
    _public_network(conn)
    if conn.has_service("shared-file-system"):
        _share_types(conn)
    _check_services(conn)
    _write_clouds_yaml(secrets, state / "clouds.yaml")


def _flavors(conn: Any) -> None:
    have = {f.id for f in conn.compute.flavors(is_public=None)}
    for fid, name, vcpus, ram, disk in FLAVORS:
        if fid not in have:
            conn.compute.create_flavor(id=fid, name=name, vcpus=vcpus, ram=ram, disk=disk)


def _image(conn: Any, state: Path) -> None:
    if conn.image.find_image("cirros") is not None:
        return
    # The fake hypervisor never reads the image: a small raw file stands in for cirros.
    data = state / "data" / "cirros.raw"
    data.write_bytes(b"\0" * (1 << 20))
    conn.image.create_image(
        name="cirros",
        filename=str(data),
        disk_format="raw",
        container_format="bare",
        visibility="public",
        wait=True,
        allow_duplicates=False,
    )


def _public_network(conn: Any) -> None:
    net = conn.network.find_network("public")
    if net is None:
        net = conn.network.create_network(
            name="public",
            is_router_external=True,
            provider_network_type="flat",
            provider_physical_network="public",
            is_default=True,
        )
    if conn.network.find_subnet("public-subnet", network_id=net.id) is None:
        conn.network.create_subnet(
            name="public-subnet",
            network_id=net.id,
            ip_version=4,
            cidr=PUBLIC_CIDR,
            gateway_ip=PUBLIC_GATEWAY,
            is_dhcp_enabled=False,
        )


# Manila's default share type (manila.conf default_share_type): shares without a share network,
# on the backend that handles no share servers.
SHARE_TYPE = ("default", {"driver_handles_share_servers": "False", "snapshot_support": "True"})
MANILA_BACKENDS = ("flat", "servers")
MANILA_VERSION = "2.45"


def _share_types(conn: Any, timeout_s: float = 120.0) -> None:
    """Create the default share type, then wait until the scheduler knows both backends (it
    learns a backend from manila-share's periodic report: a share made earlier finds no
    host)."""
    manila = conn.shared_file_system
    types = manila.get("/types", microversion=MANILA_VERSION).json()["share_types"]
    name, specs = SHARE_TYPE
    if not any(t["name"] == name for t in types):
        body = {"name": name, "extra_specs": specs, "share_type_access:is_public": True}
        answer = manila.post("/types", json={"share_type": body}, microversion=MANILA_VERSION)
        if answer.status_code >= 400:
            raise SystemExit(f"creating share type {name}: {answer.status_code} {answer.text}")
    deadline = time.monotonic() + timeout_s
    while True:
        pools = manila.get("/scheduler-stats/pools", microversion=MANILA_VERSION).json()
        seen = {p.get("backend") for p in pools.get("pools") or []}
        if set(MANILA_BACKENDS) <= seen:
            return
        if time.monotonic() > deadline:
            raise SystemExit(
                f"Manila's scheduler knows backends {sorted(seen)}, not {list(MANILA_BACKENDS)}"
                " (see logs/manila-share.log)"
            )
        time.sleep(1.0)


def _check_services(conn: Any, timeout_s: float = 120.0) -> None:
    """Wait until every scheduler and worker reports up. On a machine's first start a service
    can register well after its API answers (nova-scheduler once took longer than the seed)."""
    want = {
        **{b: "up" for b in ("nova-conductor", "nova-scheduler", "nova-compute")},
        **{b: "up" for b in ("cinder-scheduler", "cinder-volume")},
    }
    deadline = time.monotonic() + timeout_s
    while True:
        compute = {s.binary: s.state for s in conn.compute.services()}
        volume = {s.binary: s.state for s in conn.block_storage.services()}
        seen = {**compute, **volume}
        down = sorted(b for b, s in want.items() if seen.get(b) != s)
        if not down or time.monotonic() > deadline:
            break
        time.sleep(2.0)
    if down:
        raise SystemExit(f"services not up: {', '.join(down)} (states: {seen})")
    if not list(conn.compute.hypervisors()):
        raise SystemExit("Nova lists no hypervisor: was discover_hosts run?")


def _write_clouds_yaml(secrets: dict[str, str], path: Path) -> None:
    def entry(user: str, password: str, project: str) -> dict[str, Any]:
        return {
            "auth": {
                "auth_url": KEYSTONE,
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": REGION,
            "identity_api_version": 3,
            "interface": "public",
        }

    clouds = {
        "atonix-admin": entry("admin", secrets["admin"], "admin"),
        "atonix-dev": entry("atonix-dev", secrets["atonix-dev"], "atonix-dev"),
        "atonix-staging": entry("atonix-staging", secrets["atonix-staging"], "atonix-staging"),
        # A member of both projects: the provider contract tests switch projects with it.
        "atonix-real": entry("atonix-ci", secrets["atonix-ci"], CONTRACT_PROJECTS[0]),
    }
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump({"clouds": clouds}, sort_keys=False))


def main(argv: list[str]) -> None:
    state, step = Path(argv[1]), argv[2]
    secrets = json.loads((state / "secrets.json").read_text())
    os.environ.pop("OS_CLOUD", None)
    if step == "catalog":
        catalog(secrets)
    elif step == "external":
        external(secrets)
    elif step == "optional":
        optional(secrets, [n for n in argv[3].split(",") if n and n != "none"])
    elif step == "compute":
        wait_for_compute(secrets)
    elif step == "tenants":
        tenants(secrets, state)
    else:
        raise SystemExit(f"unknown step {step!r}")


if __name__ == "__main__":
    main(sys.argv)
