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
