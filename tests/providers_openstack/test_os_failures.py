"""Failures surface as typed errors with the service's own message, never a secret."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _services import require_service
from openstack import exceptions as os_exceptions

from atonix_iac.errors import (
    ProviderConfigError,
    ProviderError,
    ProviderTimeoutError,
    ResourceFailedError,
)
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.workspace.config import Binding

from ._server_kit import network_with_subnet

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def network_id(cloud: Any, ident: Any) -> Iterator[str]:
    yield from network_with_subnet(cloud, ident, "10.50.0.0/24")


def test_api_error_keeps_the_service_message(cloud: Any, ident: Any) -> None:
    sim = cloud.require_sim()
    sim.add_fault(
        service="network",
        method="POST",
        path="/networks",
        status=409,
        message="Quota exceeded for resources: ['network'].",
        count=1,
    )
    net_type = cloud.provider().resource_types()["OS::Neutron::Net"]
    with pytest.raises(ProviderError) as info:
        net_type.create(ident("net"), {"name": "boom"})
    assert info.value.message == (
        "creating network: Quota exceeded for resources: ['network']. (HTTP 409)"
    )
    assert isinstance(info.value.__cause__, os_exceptions.ConflictException)


def test_server_error_status_is_resource_failed(cloud: Any, ident: Any, network_id: str) -> None:
    sim = cloud.require_sim()
    sim.set_lifecycle([{"kind": "server", "outcome": "error", "count": 1}])
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": network_id}],
    }
    with pytest.raises(ResourceFailedError) as info:
        server_type.create(ident("server"), props)
    # The object exists (in ERROR): its id travels with the error so apply can taint it.
    failed_id = info.value.physical_id
    assert failed_id is not None
    assert "went to status ERROR" in info.value.message
    server_type.delete(ident("server"), failed_id, props)
    assert server_type.read(ident("server"), failed_id, props) is None


def test_volume_stuck_times_out(cloud: Any, ident: Any) -> None:
    sim = cloud.require_sim()
    sim.set_lifecycle([{"kind": "volume", "outcome": "stuck", "count": 1}])
    volume_type = cloud.provider(timeout_s=0.3).resource_types()["OS::Cinder::Volume"]
    with pytest.raises(ProviderTimeoutError) as info:
        volume_type.create(ident("vol"), {"size": 1})
    assert "not ready after 0.3 s (status creating)" in info.value.message
    stuck_id = info.value.physical_id
    assert stuck_id is not None
    # Cinder refuses to delete a volume still `creating`: an operator force-deletes it.
    with pytest.raises(ProviderError, match="Volume status must be available"):
        volume_type.delete(ident("vol"), stuck_id, {})
    cloud.sdk().block_storage.delete_volume(stuck_id, force=True)


def test_waits_poll_quickly_then_back_off(cloud: Any, ident: Any) -> None:
    """With a 0.4 s build, a 2 s poll (the SDK default) would GET twice; ours GETs 0.05 s,
    then 0.1, 0.2, 0.4 ... apart, so a handful of polls and no long overshoot."""
    sim = cloud.require_sim()
    sim.set_delay(0.4, "volume")
    volume_type = cloud.provider().resource_types()["OS::Cinder::Volume"]
    sim.clear_request_log()
    created = volume_type.create(ident("vol"), {"size": 1})
    polls = [
        r
        for r in sim.request_log("block-storage")
        if r.method == "GET" and r.path.endswith(created.physical_id)
    ]
    assert 3 <= len(polls) <= 8
    volume_type.delete(ident("vol"), created.physical_id, {})


def test_secrets_never_reach_error_messages(cloud: Any, ident: Any, network_id: str) -> None:
    sim = cloud.require_sim()
    sim.add_fault(service="compute", method="POST", path="/servers", status=400, count=1)
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    assert server_type.schema.properties["admin_pass"].sensitive
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": network_id}],
        "admin_pass": "hunter2-very-secret",
    }
    with pytest.raises(ProviderError) as info:
        server_type.create(ident("server"), props)
    assert "hunter2-very-secret" not in info.value.format()
    assert "hunter2-very-secret" not in repr(info.value.args)


def test_unknown_flavor_fails_before_any_write(cloud: Any, ident: Any, network_id: str) -> None:
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    props = {"flavor": "m1.smal", "image": cloud.image, "networks": [{"network": network_id}]}
    with pytest.raises(ProviderError, match=r"flavor `m1.smal` not found \(did you mean"):
        server_type.create(ident("server"), props)


def test_binding_without_cloud_is_a_config_error() -> None:
    with pytest.raises(ProviderConfigError, match="bound to no cloud"):
        OpenStackProvider(Binding("default", "default"))


def test_unknown_cloud_is_a_config_error(cloud: Any, ident: Any) -> None:
    provider = OpenStackProvider(Binding("w", "e", "no-such-cloud", "demo"))
    try:
        with pytest.raises(ProviderConfigError, match="no-such-cloud"):
            provider.resource_types()["OS::Neutron::Net"].read(ident("net"), "x", {})
    finally:
        provider.close()


def test_unknown_project_is_a_config_error(cloud: Any, ident: Any) -> None:
    provider = OpenStackProvider(Binding("w", "e", cloud.name, "no-such-project"))
    try:
        with pytest.raises(ProviderConfigError, match="authenticating"):
            provider.resource_types()["OS::Neutron::Net"].read(ident("net"), "x", {})
    finally:
        provider.close()


def test_schema_error_without_a_message_keeps_the_reason(
    cloud: Any, ident: Any, unique: str
) -> None:
    """Designate answers a JSON-schema failure with a list of errors and no message."""
    require_service(cloud, "dns")
    types = cloud.provider().resource_types()
    zone_name = f"schema{unique}.example.com."
    zone = types["OS::Designate::Zone"].create(ident("zone"), {"name": zone_name, "email": "a@b.c"})
    rs_type = types["OS::Designate::RecordSet"]
    with pytest.raises(ProviderError) as info:
        rs_type.create(ident("www"), {"zone": zone_name, "type": "A", "records": ["nope"]})
    assert info.value.message.endswith(": 'nope' is not a 'A' Record (HTTP 400)")
    types["OS::Designate::Zone"].delete(ident("zone"), zone.physical_id, {})
