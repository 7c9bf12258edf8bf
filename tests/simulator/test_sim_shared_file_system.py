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
