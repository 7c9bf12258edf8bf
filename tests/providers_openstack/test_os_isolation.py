"""Two bindings, two projects: each workspace's resources land in its own project, unseen by
the other."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.timeout(120)


def test_workspaces_land_in_their_own_projects(cloud: Any, ident: Any, unique: str) -> None:
    first, second = cloud.projects
    provider_a, provider_b = cloud.provider(first), cloud.provider(second)
    sdk_a, sdk_b = cloud.sdk(first), cloud.sdk(second)
    net_a = provider_a.resource_types()["OS::Neutron::Net"].create(ident("net"), {})
    vol_b = provider_b.resource_types()["OS::Cinder::Volume"].create(ident("vol"), {"size": 1})
    net_b = provider_b.resource_types()["OS::Neutron::Net"].create(ident("net"), {})
    try:
        assert sdk_a.network.get_network(net_a.physical_id).project_id == sdk_a.current_project_id
        assert sdk_b.network.get_network(net_b.physical_id).project_id == sdk_b.current_project_id
        assert sdk_a.current_project_id != sdk_b.current_project_id

        ids_a = {n.id for n in sdk_a.network.networks()}
        ids_b = {n.id for n in sdk_b.network.networks()}
        assert net_a.physical_id in ids_a and net_a.physical_id not in ids_b
        assert net_b.physical_id in ids_b and net_b.physical_id not in ids_a
        assert vol_b.physical_id not in {v.id for v in sdk_a.block_storage.volumes()}

        # Same stack identity, different project: the provider of one cannot see the other's.
        net_type_b = provider_b.resource_types()["OS::Neutron::Net"]
        assert net_type_b.read(ident("net"), net_a.physical_id, {}) is None
        volume_type_a = provider_a.resource_types()["OS::Cinder::Volume"]
        assert volume_type_a.read(ident("vol"), vol_b.physical_id, {}) is None
    finally:
        provider_a.resource_types()["OS::Neutron::Net"].delete(ident("net"), net_a.physical_id, {})
        provider_b.resource_types()["OS::Neutron::Net"].delete(ident("net"), net_b.physical_id, {})
        provider_b.resource_types()["OS::Cinder::Volume"].delete(
            ident("vol"), vol_b.physical_id, {}
        )


def test_parallel_threads_get_their_own_connections(cloud: Any, ident: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    provider = cloud.provider()
    net_type = provider.resource_types()["OS::Neutron::Net"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        created = list(pool.map(lambda i: net_type.create(ident(f"net{i}"), {}), range(8)))
    assert len({c.physical_id for c in created}) == 8
    assert len(provider.session.pool._all) == 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda c: net_type.delete(ident("x"), c.physical_id, {}), created))
    sdk = cloud.sdk()
    assert not {c.physical_id for c in created} & {n.id for n in sdk.network.networks()}
