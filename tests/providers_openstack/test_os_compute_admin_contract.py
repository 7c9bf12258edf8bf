"""Contract tests for OS::Nova::Flavor (extra specs and project access in place, the token in
the description) and the quota types OS::Nova::Quota and OS::Cinder::Quota (set, changed,
read for drift, reset to the defaults on destroy). Both need an admin binding: on a real
target they run only when ATONIX_REALCLOUD_ADMIN_CLOUD names one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.workspace.config import Binding

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def admin(cloud: Any) -> Any:
    if cloud.sim is None:
        if cloud.admin_cloud is None:
            pytest.skip("flavors and quotas need ATONIX_REALCLOUD_ADMIN_CLOUD")
        provider = OpenStackProvider(Binding("ws", "env", cloud.admin_cloud, None, "RegionOne"))
        cloud._providers.append(provider)
        return provider.resource_types()
    return cloud.provider().resource_types()


def test_flavor_lifecycle(cloud: Any, admin: Any, ident: Any, unique: str) -> None:
    flavor_type = admin["OS::Nova::Flavor"]
    other = cloud.sdk(cloud.projects[1]).current_project_id
    who = replace(ident("flavor"), token=f"tok-{unique}")
    props = {
        "name": f"f-{unique}",
        "ram": 512,
        "vcpus": 1,
        "disk": 1,
        "is_public": False,
        "extra_specs": {"hw:cpu_policy": "dedicated"},
        "tenants": [cloud.projects[1]],
    }
    started = flavor_type.start_create(who, props)
    assert flavor_type.find_created(who, props, None, ()) == started.physical_id
    assert flavor_type.find_created(who, props, None, (started.physical_id,)) is None
    created = flavor_type.finish_create(who, started, props)
    assert created.attributes["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert created.attributes["is_public"] is False
    sdk = cloud.sdk() if cloud.sim is not None else cloud.admin_sdk()
    assert [a["tenant_id"] for a in sdk.compute.get_flavor_access(started.physical_id)] == [other]
    read = flavor_type.read(who, started.physical_id, props)
    assert read is not None and read.properties == props

    new = {**props, "extra_specs": {"hw:mem_page_size": "large"}, "tenants": []}
    updated = flavor_type.update(
        who, started.physical_id, props, new, frozenset({"extra_specs", "tenants"})
    )
    assert updated.attributes["extra_specs"] == {"hw:mem_page_size": "large"}
    assert list(sdk.compute.get_flavor_access(started.physical_id)) == []

    flavor_type.delete(who, started.physical_id, new)
    assert flavor_type.read(who, started.physical_id, new) is None
    flavor_type.delete(who, started.physical_id, new)


@pytest.mark.parametrize(
    ("type_name", "limits", "changed"),
    [
        ("OS::Nova::Quota", {"instances": 7, "cores": 11}, {"cores": 13}),
        ("OS::Cinder::Quota", {"volumes": 6, "gigabytes": 60}, {"gigabytes": 70}),
        ("OS::Neutron::Quota", {"network": 7, "port": 30}, {"port": 40}),
    ],
)
def test_quota_lifecycle(
    cloud: Any,
    admin: Any,
    ident: Any,
    type_name: str,
    limits: dict[str, int],
    changed: dict[str, int],
) -> None:
    quota_type = admin[type_name]
    props = {"project": cloud.projects[1], **limits}
    created = quota_type.create(ident("quota"), props)
    read = quota_type.read(ident("quota"), created.physical_id, props)
    assert read is not None and read.properties == props
    new = {**props, **changed}
    quota_type.update(ident("quota"), created.physical_id, props, new, frozenset(changed))
    after = quota_type.read(ident("quota"), created.physical_id, new)
    assert after is not None and after.properties == new
    quota_type.delete(ident("quota"), created.physical_id, new)
    reset = quota_type.read(ident("quota"), created.physical_id, new)
    assert reset is not None and reset.properties is not None
    assert all(reset.properties[k] != v for k, v in changed.items())


def test_volume_type_lifecycle(cloud: Any, admin: Any, ident: Any, unique: str) -> None:
    type_type = admin["OS::Cinder::VolumeType"]
    sdk = cloud.sdk() if cloud.sim is not None else cloud.admin_sdk()
    other = cloud.sdk(cloud.projects[1]).current_project_id
    props = {
        "name": f"vt-{unique}",
        "description": "fast",
        "is_public": False,
        "metadata": {"volume_backend_name": "ssd", "replication": "off"},
        "projects": [cloud.projects[1]],
    }
    assert type_type.check(props) == []
    created = type_type.create(ident("vtype"), props)
    live = sdk.block_storage.get_type(created.physical_id)
    assert live.extra_specs == {"volume_backend_name": "ssd", "replication": "off"}
    assert [a["project_id"] for a in sdk.block_storage.get_type_access(live)] == [other]
    read = type_type.read(ident("vtype"), created.physical_id, props)
    assert read is not None and read.properties == props
    assert type_type.find_created(ident("vtype"), props, None, ()) == created.physical_id

    new = {
        **props,
        "name": f"vt2-{unique}",
        "metadata": {"volume_backend_name": "nvme"},
        "projects": [],
    }
    type_type.update(
        ident("vtype"), created.physical_id, props, new, frozenset({"name", "metadata", "projects"})
    )
    live = sdk.block_storage.get_type(created.physical_id)
    assert (live.name, live.extra_specs) == (f"vt2-{unique}", {"volume_backend_name": "nvme"})
    assert list(sdk.block_storage.get_type_access(live)) == []

    type_type.delete(ident("vtype"), created.physical_id, new)
    assert type_type.read(ident("vtype"), created.physical_id, new) is None
    type_type.delete(ident("vtype"), created.physical_id, new)


def test_member_binding_is_refused_for_admin_types(
    cloud: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = cloud.require_sim()
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  member:\n    auth:\n"
        f"      auth_url: {sim.auth_url}\n      username: demo-user\n      password: password\n"
        "      project_name: demo\n      user_domain_name: Default\n"
        "      project_domain_name: Default\n    region_name: RegionOne\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    provider = OpenStackProvider(Binding("ws", "env", "member", "demo", "RegionOne"))
    try:
        types = provider.resource_types()
        for type_name, props in (
            ("OS::Nova::Flavor", {"ram": 1, "vcpus": 1}),
            ("OS::Nova::Quota", {"project": "demo", "cores": 1}),
            ("OS::Cinder::VolumeType", {"name": "x"}),
        ):
            found = types[type_name].check(props)
            assert len(found) == 1
            assert found[0].message.startswith(f"{type_name} needs an admin binding")
    finally:
        provider.close()


def test_qos_specs_association_and_encryption(
    cloud: Any, admin: Any, ident: Any, unique: str
) -> None:
    vtype = admin["OS::Cinder::VolumeType"].create(ident("vt"), {"name": f"qos-vt-{unique}"})
    qos_type = admin["OS::Cinder::QoSSpecs"]
    specs = {"name": f"qos-{unique}", "specs": {"read_iops_sec": "500", "write_iops_sec": "200"}}
    qos = qos_type.create(ident("qos"), specs)
    assert qos_type.find_created(ident("qos"), specs, None, ()) == qos.physical_id
    read = qos_type.read(ident("qos"), qos.physical_id, specs)
    assert read is not None and read.properties == specs
    new_specs = {**specs, "specs": {"read_iops_sec": "900"}}
    qos_type.update(ident("qos"), qos.physical_id, specs, new_specs, frozenset({"specs"}))
    after = qos_type.read(ident("qos"), qos.physical_id, new_specs)
    assert after is not None and after.attributes["show"]["specs"] == {"read_iops_sec": "900"}

    assoc_type = admin["OS::Cinder::QoSAssociation"]
    assoc = {"qos_specs": f"qos-{unique}", "volume_types": [f"qos-vt-{unique}"]}
    made = assoc_type.create(ident("assoc"), assoc)
    assert made.physical_id == qos.physical_id
    sdk = cloud.sdk() if cloud.sim is not None else cloud.admin_sdk()

    def qos_of_type() -> Any:
        shown = sdk.block_storage.get(f"/types/{vtype.physical_id}").json()
        return shown["volume_type"]["qos_specs_id"]

    assert qos_of_type() == qos.physical_id
    read = assoc_type.read(ident("assoc"), made.physical_id, assoc)
    assert read is not None and read.properties == assoc
    assoc_type.delete(ident("assoc"), made.physical_id, assoc)
    assert qos_of_type() is None

    enc_type = admin["OS::Cinder::EncryptedVolumeType"]
    enc = {
        "volume_type": f"qos-vt-{unique}",
        "provider": "luks",
        "cipher": "aes-xts-plain64",
        "key_size": 256,
        "control_location": "front-end",
    }
    encrypted = enc_type.create(ident("enc"), enc)
    assert encrypted.physical_id == vtype.physical_id
    assert encrypted.attributes["show"]["provider"] == "luks"
    new_enc = {**enc, "key_size": 512}
    enc_type.update(ident("enc"), encrypted.physical_id, enc, new_enc, frozenset({"key_size"}))
    read = enc_type.read(ident("enc"), encrypted.physical_id, new_enc)
    assert read is not None and read.properties == new_enc
    enc_type.delete(ident("enc"), encrypted.physical_id, new_enc)
    assert enc_type.read(ident("enc"), encrypted.physical_id, new_enc) is None

    qos_type.delete(ident("qos"), qos.physical_id, new_specs)
    assert qos_type.read(ident("qos"), qos.physical_id, new_specs) is None
    admin["OS::Cinder::VolumeType"].delete(ident("vt"), vtype.physical_id, {})


def test_host_aggregate_lifecycle(cloud: Any, admin: Any, ident: Any, unique: str) -> None:
    aggregate_type = admin["OS::Nova::HostAggregate"]
    sdk = cloud.sdk() if cloud.sim is not None else cloud.admin_sdk()
    if cloud.sim is not None:
        host = "sim-compute-1"  # the simulator's one compute host
    else:
        computes = [s.host for s in sdk.compute.services() if s.binary == "nova-compute"]
        host = computes[0] if computes else None
    if host is None:
        pytest.skip("the cloud lists no compute host")
    props = {
        "name": f"agg-{unique}",
        "availability_zone": f"az-{unique}",
        "hosts": [host],
        "metadata": {"ssd": "true"},
    }
    made = aggregate_type.create(ident("agg"), props)
    live = sdk.compute.get_aggregate(made.physical_id)
    assert (live.hosts, live.metadata["ssd"]) == ([host], "true")
    read = aggregate_type.read(ident("agg"), made.physical_id, props)
    assert read is not None and read.properties == props
    assert aggregate_type.find_created(ident("agg"), props, None, ()) == made.physical_id

    new = {**props, "name": f"agg2-{unique}", "hosts": [], "metadata": {"gpu": "a100"}}
    aggregate_type.update(
        ident("agg"), made.physical_id, props, new, frozenset({"name", "hosts", "metadata"})
    )
    live = sdk.compute.get_aggregate(made.physical_id)
    assert (live.name, live.hosts) == (f"agg2-{unique}", [])
    assert "ssd" not in live.metadata and live.metadata["gpu"] == "a100"

    back = {**new, "hosts": [host]}
    aggregate_type.update(ident("agg"), made.physical_id, new, back, frozenset({"hosts"}))
    aggregate_type.delete(ident("agg"), made.physical_id, back)  # takes the host out first
    assert aggregate_type.read(ident("agg"), made.physical_id, back) is None
    aggregate_type.delete(ident("agg"), made.physical_id, back)
