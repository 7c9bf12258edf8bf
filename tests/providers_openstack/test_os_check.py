"""Plan-time custom constraints: names checked against the cloud, with "did you mean"."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.template.values import UNKNOWN

pytestmark = pytest.mark.timeout(60)


def test_server_constraints(cloud: Any) -> None:
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    good = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": cloud.public_network}],
    }
    assert server_type.check(good) == []
    bad = {
        "flavor": "m1.smal",
        "image": "cirross",
        "key_name": "nope-key",
        "networks": [{"network": "no-such-net"}, {"port": UNKNOWN}],
        "security_groups": ["no-such-group"],
    }
    found = {d.message: d.hint for d in server_type.check(bad)}
    assert found == {
        "flavor `m1.smal` not found": f"did you mean `{cloud.small_flavor}`?",
        "image `cirross` not found": f"did you mean `{cloud.image}`?",
        "keypair `nope-key` not found": None,
        "network `no-such-net` not found": None,
        "security group `no-such-group` not found": None,
    }


def test_values_known_after_apply_are_skipped(cloud: Any) -> None:
    port_type = cloud.provider().resource_types()["OS::Neutron::Port"]
    props = {"network": UNKNOWN, "fixed_ips": [{"subnet": UNKNOWN}], "security_groups": [UNKNOWN]}
    assert port_type.check(props) == []


def test_nested_constraints(cloud: Any) -> None:
    types = cloud.provider().resource_types()
    router = {"external_gateway_info": {"network": "pubic"}}
    (diag,) = types["OS::Neutron::Router"].check(router)
    assert (
        diag.format()
        == f"error: network `pubic` not found (did you mean `{cloud.public_network}`?)"
    )
    volume = {"size": 1, "volume_type": "no-such-type"}
    assert [d.message for d in types["OS::Cinder::Volume"].check(volume)] == [
        "volume type `no-such-type` not found"
    ]


def test_checks_only_read(cloud: Any) -> None:
    sim = cloud.require_sim()
    sim.clear_request_log()
    cloud.provider().resource_types()["OS::Nova::Server"].check({"flavor": "m1.nope"})
    assert sim.request_log(writes_only=True) == []
