"""Delete every object in the test projects; runs inside the dev cloud's venv (openstacksdk).

``sweep_projects.py CLOUDS_YAML PROJECT...``  as cloud ``atonix-admin``; Barbican's and
Swift's objects as a member of each project (they list only the token's project's)

A warm dev cloud keeps its databases, so whatever an interrupted or failing test left behind
would still be there on the next run: quotas fill up and inventories drift. The realcloud tier
starts from empty test projects instead. Prints what it removed; exits 1 if anything stays.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import openstack
import yaml
from openstack import exceptions

GONE_WAIT_S = 120.0


def _quietly(what: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except exceptions.NotFoundException:
        pass
    except exceptions.SDKException as exc:
        print(f"  could not remove {what}: {exc}", file=sys.stderr)


def _wait_gone(what: str, alive: Callable[[], Iterable[Any]]) -> None:
    deadline = time.monotonic() + GONE_WAIT_S
    while list(alive()):
        if time.monotonic() > deadline:
            print(f"  {what} still present after {GONE_WAIT_S:g} s", file=sys.stderr)
            return
        time.sleep(0.5)


def _in_catalog(conn: Any, service_type: str) -> bool:
    try:
        return bool(conn.endpoint_for(service_type))
    except exceptions.SDKException:
        return False


def _load_balancers(admin: Any, project_id: str) -> list[Any]:
    if not _in_catalog(admin, "load-balancer"):
        return []
    return [
        lb
        for lb in admin.load_balancer.load_balancers(project_id=project_id)
        if lb.provisioning_status != "DELETED"
    ]


def sweep_load_balancers(admin: Any, project_id: str, name: str) -> int:
    """Octavia first: a load balancer holds its VIP port and subnet. A cascade delete takes
    its listeners, pools, members, monitors and L7 policies; one in PENDING_* refuses any
    delete (409) until its worker is done, so those are waited for."""

    def pending() -> list[Any]:
        return [
            lb
            for lb in _load_balancers(admin, project_id)
            if lb.provisioning_status in ("PENDING_CREATE", "PENDING_UPDATE")
        ]

    _wait_gone(f"{name}: load balancers in PENDING_CREATE/UPDATE", pending)
    removed = 0
    for lb in _load_balancers(admin, project_id):
        if lb.provisioning_status != "PENDING_DELETE":
            removed += 1
            _quietly(
                f"load balancer {lb.id}",
                lambda b=lb: admin.load_balancer.delete_load_balancer(b, cascade=True),
            )
    _wait_gone(f"{name}: load balancers", lambda: _load_balancers(admin, project_id))
    return removed


def _secrets(member: Any) -> tuple[list[Any], list[Any]]:
    if not _in_catalog(member, "key-manager"):
        return [], []
    return list(member.key_manager.containers()), list(member.key_manager.secrets())


def _containers(member: Any) -> list[Any]:
    if not _in_catalog(member, "object-store"):
        return []
    return list(member.object_store.containers())


def sweep_member_objects(member: Any) -> int:
    """Barbican containers and secrets, Swift containers and their objects: listed with a
    member's token of the project (neither service lists another project's to an admin)."""
    removed = 0
    containers, secrets = _secrets(member)
    for container in containers:
        removed += 1
        _quietly(
            f"secret container {container.id}",
            lambda c=container: member.key_manager.delete_container(c),
        )
    for secret in secrets:
        removed += 1
        _quietly(f"secret {secret.id}", lambda s=secret: member.key_manager.delete_secret(s))
    for bucket in _containers(member):
        removed += 1
        for obj in member.object_store.objects(bucket.name):
            _quietly(
                f"object {bucket.name}/{obj.name}",
                lambda o=obj, b=bucket: member.object_store.delete_object(o, container=b.name),
            )
        _quietly(
            f"Swift container {bucket.name}",
            lambda b=bucket: member.object_store.delete_container(b.name),
        )
    return removed


def _member_left(member: Any) -> list[str]:
    containers, secrets = _secrets(member)
    left = [f"secret container {c.id}" for c in containers]
    left += [f"secret {s.id}" for s in secrets]
    left += [f"Swift container {c.name}" for c in _containers(member)]
    return left


def _zones(admin: Any, project_id: str) -> list[Any]:
    """The project's Designate zones (none when the cloud runs no Designate), listed as admin
    on the project's behalf (``x-auth-sudo-project-id``)."""
    if not admin.has_service("dns"):
        return []
    return [z for z in admin.dns.zones(project_id=project_id) if z.project_id == project_id]


def _delete_zone(admin: Any, zone_id: str, project_id: str) -> None:
    # The proxy's delete_zone has no project scope: the same request with the sudo header.
    response = admin.dns.delete(
        f"/zones/{zone_id}", headers={"x-auth-sudo-project-id": project_id}, raise_exc=False
    )
    exceptions.raise_from_response(response)


MANILA_VERSION = "2.45"


def _manila_list(admin: Any, path: str, key: str, project_id: str) -> list[dict[str, Any]]:
    """An admin's listing of one project's Manila objects (none when Manila is not there)."""
    if not admin.has_service("shared-file-system"):
        return []
    answer = admin.shared_file_system.get(
        f"{path}?all_tenants=1&project_id={project_id}", microversion=MANILA_VERSION
    )
    exceptions.raise_from_response(answer)
    return [i for i in answer.json()[key] if i.get("project_id") in (None, project_id)]


def _manila_call(admin: Any, method: str, path: str, body: Any = None) -> None:
    answer = admin.shared_file_system.request(path, method, json=body, microversion=MANILA_VERSION)
    exceptions.raise_from_response(answer)


def sweep_manila(admin: Any, project_id: str, name: str) -> int:
    """Shares (their access rules go with them), then share networks (Manila deletes their
    share servers and ports), then security services; each waits for the one before."""
    removed = 0

    def listed(path: str, key: str) -> Callable[[], list[dict[str, Any]]]:
        return lambda: _manila_list(admin, path, key, project_id)

    shares = listed("/shares/detail", "shares")
    for share in shares():
        removed += 1
        _quietly(
            f"share {share['id']}",
            lambda s=share: _manila_call(
                admin, "POST", f"/shares/{s['id']}/action", {"force_delete": None}
            ),
        )
    _wait_gone(f"{name}: shares", shares)
    networks = listed("/share-networks/detail", "share_networks")
    for net in networks():
        removed += 1
        _quietly(
            f"share network {net['id']}",
            lambda n=net: _manila_call(admin, "DELETE", f"/share-networks/{n['id']}"),
        )
    _wait_gone(f"{name}: share networks", networks)
    for service in listed("/security-services/detail", "security_services")():
        removed += 1
        _quietly(
            f"security service {service['id']}",
            lambda s=service: _manila_call(admin, "DELETE", f"/security-services/{s['id']}"),
        )
    return removed


def sweep(admin: Any, project_id: str, name: str) -> int:
    """Remove everything ``project_id`` owns; the number of objects removed."""
    compute, network, volume = admin.compute, admin.network, admin.block_storage
    # Manila first: its share servers hold ports on the project's networks.
    removed = sweep_manila(admin, project_id, name)
    removed += sweep_load_balancers(admin, project_id, name)
    # Zones take their recordsets with them.
    for zone in _zones(admin, project_id):
        removed += 1
        _quietly(f"zone {zone.name}", lambda z=zone: _delete_zone(admin, z.id, project_id))
    _wait_gone(f"{name}: zones", lambda: _zones(admin, project_id))

    def servers() -> list[Any]:
        return list(compute.servers(all_projects=True, project_id=project_id))

    for server in servers():
        removed += 1
        _quietly(f"server {server.id}", lambda s=server: compute.delete_server(s, force=True))
    _wait_gone(f"{name}: servers", servers)
    for group in compute.server_groups(all_projects=True):
        if group.project_id == project_id:
            removed += 1
            _quietly(f"server group {group.id}", lambda g=group: compute.delete_server_group(g))
    for ip in network.ips(project_id=project_id):
        removed += 1
        _quietly(f"floating IP {ip.id}", lambda i=ip: network.delete_ip(i))
    for router in network.routers(project_id=project_id):
        removed += 1
        for port in network.ports(device_id=router.id):
            if port.device_owner == "network:router_interface":
                for fixed in port.fixed_ips:
                    _quietly(
                        f"router interface {port.id}",
                        lambda r=router, f=fixed: network.remove_interface_from_router(
                            r, subnet_id=f["subnet_id"]
                        ),
                    )
        _quietly(f"router {router.id}", lambda r=router: network.delete_router(r))
    for port in network.ports(project_id=project_id):
        if not str(port.device_owner or "").startswith("network:"):
            removed += 1
            _quietly(f"port {port.id}", lambda p=port: network.delete_port(p))
    for net in network.networks(project_id=project_id):
        if not net.is_router_external:
            removed += 1
            _quietly(f"network {net.id}", lambda n=net: network.delete_network(n))
    for group in network.security_groups(project_id=project_id):
        if group.name != "default":
            removed += 1
            _quietly(f"security group {group.id}", lambda g=group: network.delete_security_group(g))
    for snapshot in volume.snapshots(all_projects=True, project_id=project_id):
        removed += 1
        _quietly(f"snapshot {snapshot.id}", lambda s=snapshot: volume.delete_snapshot(s))
    _wait_gone(
        f"{name}: snapshots",
        lambda: volume.snapshots(all_projects=True, project_id=project_id),
    )

    def volumes() -> list[Any]:
        return list(volume.volumes(all_projects=True, project_id=project_id))

    for vol in volumes():
        removed += 1
        if vol.status in ("in-use", "attaching", "detaching", "reserved"):
            _quietly(
                f"volume {vol.id} status",
                lambda v=vol: volume.reset_volume_status(
                    v, status="available", attach_status="detached", migration_status=None
                ),
            )
        _quietly(f"volume {vol.id}", lambda v=vol: volume.delete_volume(v, force=True))
    _wait_gone(f"{name}: volumes", volumes)
    return removed


def _left(admin: Any, project_id: str) -> list[str]:
    compute, network, volume = admin.compute, admin.network, admin.block_storage
    left = [f"server {s.id}" for s in compute.servers(all_projects=True, project_id=project_id)]
    left += [
        f"network {n.id}"
        for n in network.networks(project_id=project_id)
        if not n.is_router_external
    ]
    left += [f"router {r.id}" for r in network.routers(project_id=project_id)]
    left += [f"volume {v.id}" for v in volume.volumes(all_projects=True, project_id=project_id)]
    left += [f"load balancer {lb.id}" for lb in _load_balancers(admin, project_id)]
    left += [f"zone {z.name}" for z in _zones(admin, project_id)]
    left += [
        f"share {s['id']}" for s in _manila_list(admin, "/shares/detail", "shares", project_id)
    ]
    return left


def _member_cloud(clouds_yaml: str, project: str) -> str:
    """The clouds.yaml entry of a member of ``project``: its own (atonix-dev, ...), else
    atonix-real, whose user is a member of both contract projects."""
    with open(clouds_yaml) as handle:
        clouds = yaml.safe_load(handle)["clouds"]
    return project if project in clouds else "atonix-real"


def main(argv: list[str]) -> int:
    clouds_yaml, projects = argv[0], argv[1:]
    os.environ["OS_CLIENT_CONFIG_FILE"] = clouds_yaml
    admin = openstack.connect(cloud="atonix-admin")
    # Keypairs belong to users, not projects: the test users' own.
    for user in admin.identity.users():
        if user.name in projects or user.name == "atonix-ci":
            for keypair in admin.compute.keypairs(user_id=user.id):
                _quietly(
                    f"keypair {keypair.name}",
                    lambda k=keypair, u=user: admin.compute.delete_keypair(k, user_id=u.id),
                )
    status = 0
    for name in projects:
        project = admin.identity.find_project(name, domain_id="default")
        if project is None:
            continue
        removed = sweep(admin, project.id, name)
        left = _left(admin, project.id)
        member = openstack.connect(cloud=_member_cloud(clouds_yaml, name), project_name=name)
        removed += sweep_member_objects(member)
        left += _member_left(member)
        member.close()
        print(
            f"{name}: removed {removed} leftover object(s)"
            + (f"; still there: {left}" if left else "")
        )
        status = status or (1 if left else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
