"""Manila in the simulator, driven by openstacksdk's own resource classes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from openstack import exceptions as os_exceptions

from atonix_iac.simulator import SimulatorServer


def test_share_builds_and_grants_access(sim: SimulatorServer, conn: Any) -> None:
    manila = conn.shared_file_system
    sim.set_delay(0.2, "share")
    share = manila.create_share(name="s1", size=1, share_proto="NFS", metadata={"a": "b"})
    assert share.status == "creating"
    with pytest.raises(os_exceptions.BadRequestException, match="must be available"):
        manila.create_access_rule(share.id, access_type="ip", access_to="10.0.0.1")
    time.sleep(0.25)
    assert manila.get_share(share.id).status == "available"
    rule = manila.create_access_rule(share.id, access_type="ip", access_to="10.0.0.0/24")
    assert [r.id for r in manila.access_rules(share.id)] == [rule.id]
    assert [e.path for e in manila.export_locations(share.id)]
    manila.delete_access_rule(rule.id, share.id)
    assert list(manila.access_rules(share.id)) == []
    manila.delete_share(share.id)
    with pytest.raises(os_exceptions.NotFoundException):
        manila.get_share(share.id)


def test_share_network_in_use_is_kept(sim: SimulatorServer, conn: Any) -> None:
    manila = conn.shared_file_system
    network = manila.create_share_network(name="sn")
    share = manila.create_share(size=1, share_proto="NFS", share_network_id=network.id)
    with pytest.raises(os_exceptions.ConflictException, match=r"it has 1 share\(s\)"):
        manila.delete_share_network(network.id)
    manila.delete_share(share.id)
    manila.delete_share_network(network.id)


def test_share_quota(sim: SimulatorServer, conn: Any) -> None:
    sim.configure(quotas={"shared-file-system": {"gigabytes": 2}})
    manila = conn.shared_file_system
    manila.create_share(size=2, share_proto="NFS")
    with pytest.raises(os_exceptions.HttpException, match="gigabytes quota"):
        manila.create_share(size=1, share_proto="NFS")


def test_quota_usage_only_on_detail(sim: SimulatorServer, conn: Any) -> None:
    """As Manila 23 answers: plain limits at /quota-sets/{id} (a Cinder-style ``?usage=True``
    is ignored), limit and in_use per key at /quota-sets/{id}/detail."""
    manila = conn.shared_file_system
    manila.create_share(size=3, share_proto="NFS")
    project = conn.current_project_id
    plain = manila.get(f"/quota-sets/{project}?usage=True", microversion="2.25").json()
    assert isinstance(plain["quota_set"]["gigabytes"], int)
    detail = manila.get(f"/quota-sets/{project}/detail", microversion="2.25").json()
    assert detail["quota_set"]["gigabytes"]["in_use"] == 3
    assert detail["quota_set"]["shares"]["in_use"] == 1


def _share_network(conn: Any) -> Any:
    net = conn.network.create_network(name="n")
    subnet = conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.9.0.0/24")
    return conn.shared_file_system.create_share_network(
        name="sn", neutron_net_id=net.id, neutron_subnet_id=subnet.id
    )


def _servers_type(conn: Any) -> Any:
    answer = conn.shared_file_system.post(
        "/types",
        json={
            "share_type": {
                "name": "servers",
                "extra_specs": {"driver_handles_share_servers": "True"},
            }
        },
    )
    return answer.json()["share_type"]


def test_share_server_set_up_by_the_first_share(sim: SimulatorServer, connect: Any) -> None:
    """As in Manila: the share network's CIDR appears with its share server, which only an
    admin sees, and from then on its security services are fixed."""
    admin = connect()
    member = connect("demo", username="demo-user", password="password")
    _servers_type(admin)
    network = _share_network(member)

    def seen(conn: Any) -> Any:
        return conn.shared_file_system.get(f"/share-networks/{network.id}").json()["share_network"]

    assert seen(member)["cidr"] is None
    service = member.shared_file_system.post(
        "/security-services", json={"security_service": {"type": "ldap", "name": "l"}}
    ).json()["security_service"]
    share = member.shared_file_system.create_share(
        size=1, share_proto="NFS", share_network_id=network.id, share_type="servers"
    )
    assert member.shared_file_system.get_share(share.id).share_server_id is None
    assert admin.shared_file_system.get_share(share.id).share_server_id
    assert seen(member)["cidr"] == "10.9.0.0/24" and seen(member)["segmentation_id"] is None
    assert seen(admin)["segmentation_id"]
    answer = member.shared_file_system.post(
        f"/share-networks/{network.id}/action",
        json={"add_security_service": {"security_service_id": service["id"]}},
    )
    assert answer.status_code == 403 and "Share network is used" in answer.text


def test_share_network_on_a_type_without_share_servers_fails(
    sim: SimulatorServer, conn: Any
) -> None:
    network = _share_network(conn)
    share = conn.shared_file_system.create_share(
        size=1, share_proto="NFS", share_network_id=network.id
    )
    assert conn.shared_file_system.get_share(share.id).status == "error"


def test_plain_lists_are_summaries(sim: SimulatorServer, conn: Any) -> None:
    manila = conn.shared_file_system
    share = manila.create_share(name="s", size=1, share_proto="NFS", metadata={"a": "b"})
    plain = manila.get("/shares").json()["shares"]
    assert plain == [{"id": share.id, "name": "s", "links": []}]
    assert manila.get("/shares/detail").json()["shares"][0]["metadata"] == {"a": "b"}


def test_access_rules_move_as_the_share_manager_moves_them(sim: SimulatorServer, conn: Any) -> None:
    """With a ``share_access`` delay a grant is queued and a revoked rule stays listed (and
    blocks granting its address again) until the backend is done; the share is ``syncing``
    meanwhile, as Manila's is."""
    manila = conn.shared_file_system
    share = manila.create_share(size=1, share_proto="NFS")
    sim.set_delay(0.3, "share_access")

    def status() -> str:
        shown = manila.get(f"/shares/{share.id}", microversion="2.45").json()["share"]
        return str(shown["access_rules_status"])

    rule = manila.create_access_rule(share.id, access_type="ip", access_to="10.0.0.1")
    assert [r.state for r in manila.access_rules(share.id)] == ["queued_to_apply"]
    assert status() == "syncing"
    time.sleep(0.35)
    assert [r.state for r in manila.access_rules(share.id)] == ["active"]
    assert status() == "active"

    manila.delete_access_rule(rule.id, share.id)
    assert [r.state for r in manila.access_rules(share.id)] == ["queued_to_deny"]
    assert status() == "syncing"
    with pytest.raises(os_exceptions.BadRequestException, match="10.0.0.1 exists"):
        manila.create_access_rule(share.id, access_type="ip", access_to="10.0.0.1")
    time.sleep(0.35)
    assert list(manila.access_rules(share.id)) == []
    assert status() == "active"


def test_access_rule_lifecycle_outcomes(sim: SimulatorServer, conn: Any) -> None:
    manila = conn.shared_file_system
    share = manila.create_share(size=1, share_proto="NFS")
    sim.set_lifecycle(
        [
            {"kind": "share_access", "outcome": "error", "name": "10.0.1.*"},
            {"kind": "share_access", "outcome": "stuck", "name": "10.0.2.*"},
        ]
    )
    manila.create_access_rule(share.id, access_type="ip", access_to="10.0.1.1")
    manila.create_access_rule(share.id, access_type="ip", access_to="10.0.2.1")
    states = {r.access_to: r.state for r in manila.access_rules(share.id)}
    assert states == {"10.0.1.1": "error", "10.0.2.1": "queued_to_apply"}
    shown = manila.get(f"/shares/{share.id}", microversion="2.45").json()["share"]
    assert shown["access_rules_status"] == "error"
    assert sim.release_stuck("share_access") == 1
    states = {r.access_to: r.state for r in manila.access_rules(share.id)}
    assert states == {"10.0.1.1": "error", "10.0.2.1": "active"}
