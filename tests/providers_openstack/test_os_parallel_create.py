"""Parallel creates: one token for every worker thread, one list for every building server.

These need the simulator's request log (and fault injection), so they are skipped on a real
cloud; what they check there is only speed, and the contract tests cover the results.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openstack.compute.v2 import server as sdk_server

from atonix_iac.errors import ProviderTimeoutError
from atonix_iac.providers.openstack._base import SECRET_FIELDS, show
from atonix_iac.providers.openstack._watch import changed_servers

from ._server_kit import in_parallel, network_with_subnet

pytestmark = pytest.mark.timeout(120)

SERVERS = 6
SERVER_PATH = re.compile(r"/servers/[0-9a-f-]{36}$")


@pytest.fixture
def network_id(cloud: Any, ident: Any) -> Iterator[str]:
    yield from network_with_subnet(cloud, ident, "10.60.0.0/24")


def _create_servers(cloud: Any, ident: Any, network_id: str) -> tuple[Any, list[Any]]:
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": network_id}],
    }
    results = in_parallel(
        # Names with regular-expression characters: the shared read filters by name.
        SERVERS,
        lambda i: server_type.create(ident(f"server{i}"), {**props, "name": f"par-{i}.+(x)"}),
    )
    return server_type, results


def _delete(server_type: Any, ident: Any, results: list[Any]) -> None:
    for i, result in enumerate(results):
        server_type.delete(ident(f"server{i}"), result.physical_id, {})


def test_building_servers_are_watched_with_shared_lists(
    cloud: Any, ident: Any, network_id: str
) -> None:
    sim = cloud.require_sim()
    sim.set_delay(0.6, "server")
    sim.clear_request_log()

    server_type, results = _create_servers(cloud, ident, network_id)
    try:
        log = [r for r in sim.request_log("compute") if r.method == "GET"]
        conn = cloud.sdk()
        for result in results:
            # Read from the shared list of the servers that left BUILD, never on its own, and
            # just as a GET of the server shows it.
            assert not [r for r in log if r.path.endswith(f"/servers/{result.physical_id}")]
            assert result.attributes["show"] == show(conn.compute.get_server(result.physical_id))
            assert result.attributes["show"]["status"] == "ACTIVE"
        lists = [r for r in log if r.path.endswith("/servers") and "status=BUILD" in r.query]
        # Six servers polled one by one from 0.05 s with 1.5x growth take 7 GETs each to see
        # a 0.6 s build end; shared lists cost about one per 0.05 s, whoever is waiting.
        assert 1 <= len(lists) < SERVERS * 4
        reads = [r for r in log if r.path.endswith("/servers/detail")]
        assert 1 <= len(reads) <= len(lists)
        assert all("changes-since=" in r.query and "status=ACTIVE" in r.query for r in reads)
        assert all("name=" in r.query for r in reads)
    finally:
        _delete(server_type, ident, results)


def test_a_failing_read_of_the_built_servers_falls_back_to_a_get_each(
    cloud: Any, ident: Any, network_id: str
) -> None:
    sim = cloud.require_sim()
    sim.set_delay(0.3, "server")
    sim.add_fault(service="compute", method="GET", path="/servers/detail", status=500)
    sim.clear_request_log()
    try:
        server_type, results = _create_servers(cloud, ident, network_id)
    finally:
        sim.clear_faults()
    try:
        log = [r for r in sim.request_log("compute") if r.method == "GET"]
        assert any(r.path.endswith("/servers/detail") and r.status == 500 for r in log)
        for result in results:
            assert result.attributes["show"]["status"] == "ACTIVE"
            own = [r for r in log if r.path.endswith(f"/servers/{result.physical_id}")]
            assert len(own) == 1
    finally:
        _delete(server_type, ident, results)


def test_a_server_read_from_the_list_shows_its_group_as_a_get_does(
    cloud: Any, ident: Any, network_id: str
) -> None:
    """Nova leaves ``server_groups`` out of lists; the server's one group is its hint's."""
    sim = cloud.require_sim()
    sim.set_delay(0.3, "server")
    types = cloud.provider().resource_types()
    group = types["OS::Nova::ServerGroup"].create(ident("group"), {"policies": ["affinity"]})
    server_type = types["OS::Nova::Server"]
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": network_id}],
    }
    sim.clear_request_log()
    grouped, alone = in_parallel(
        2,
        lambda i: server_type.create(
            ident(f"server{i}"),
            {**props, "scheduler_hints": {"group": group.physical_id}} if i == 0 else props,
        ),
    )
    try:
        log = [r for r in sim.request_log("compute") if r.method == "GET"]
        assert not [r for r in log if SERVER_PATH.search(r.path)]  # both from the list
        conn = cloud.sdk()
        assert grouped.attributes["show"]["server_groups"] == [group.physical_id]
        assert alone.attributes["show"]["server_groups"] == []
        for result in (grouped, alone):
            assert result.attributes["show"] == show(conn.compute.get_server(result.physical_id))
    finally:
        server_type.delete(ident("server0"), grouped.physical_id, {})
        server_type.delete(ident("server1"), alone.physical_id, {})
        types["OS::Nova::ServerGroup"].delete(ident("group"), group.physical_id, {})


def test_a_failing_list_falls_back_to_polling_each_server(
    cloud: Any, ident: Any, network_id: str
) -> None:
    """The servers are held in BUILD until each has been polled on its own twice (so the
    fallback is seen polling, whatever the machine's load), then let go to ACTIVE."""
    sim = cloud.require_sim()
    sim.set_lifecycle([{"kind": "server", "outcome": "stuck", "name": "par-*"}])
    sim.add_fault(service="compute", method="GET", path="/servers", status=500)
    sim.clear_request_log()

    def own_polls() -> Counter[str]:
        gets = [r.path for r in sim.request_log("compute") if r.method == "GET"]
        return Counter(p.rsplit("/", 1)[1] for p in gets if SERVER_PATH.search(p))

    with ThreadPoolExecutor(max_workers=1) as background:
        creating = background.submit(_create_servers, cloud, ident, network_id)
        try:
            deadline = time.monotonic() + 60
            while sum(1 for n in own_polls().values() if n >= 2) < SERVERS:
                assert time.monotonic() < deadline, own_polls()
                assert not creating.done(), creating.exception()
                time.sleep(0.05)
            held = own_polls()
        finally:
            sim.set_lifecycle([])
            sim.release_stuck("server")
        server_type, results = creating.result(timeout=60)
    try:
        log = [r for r in sim.request_log("compute") if r.method == "GET"]
        assert any(r.path.endswith("/servers") and r.status == 500 for r in log)
        assert set(held) == {result.physical_id for result in results}
        for result in results:
            # Polled on its own while in BUILD, then once more to find it ACTIVE.
            assert result.attributes["show"]["status"] == "ACTIVE"
            assert own_polls()[result.physical_id] > held[result.physical_id]
    finally:
        sim.clear_faults()
        _delete(server_type, ident, results)


def test_worker_threads_share_one_token_and_one_discovery(cloud: Any) -> None:
    sim = cloud.require_sim()
    provider = cloud.provider()
    provider.connection.compute.get("/flavors")  # the first thread authenticates
    sim.clear_request_log()

    conns = in_parallel(8, lambda _: provider.connection)
    for conn in conns:
        conn.compute.get("/flavors")

    assert len({id(conn) for conn in conns}) == 8  # each thread still has its own proxies
    paths = [r.path for r in sim.request_log()]
    assert not [p for p in paths if p.endswith("/auth/tokens")]
    assert paths.count("/compute/v2.1/flavors") == 8
    assert len(paths) == 8  # no version discovery either


def test_concurrent_lookups_of_one_flavor_send_one_lookup(cloud: Any) -> None:
    sim = cloud.require_sim()
    provider = cloud.provider()
    provider.connection.compute.get("/flavors")
    sim.clear_request_log()

    sizes = in_parallel(10, lambda _: provider.flavor_size(cloud.small_flavor))

    assert sizes == [(1, 2048)] * 10
    flavor_reads = [r for r in sim.request_log("compute") if "/flavors" in r.path]
    # find_flavor is a name GET then a list, once; ten threads racing used to send ten.
    assert 1 <= len(flavor_reads) <= 2


def test_show_is_the_sdk_representation(cloud: Any, ident: Any, network_id: str) -> None:
    conn = cloud.sdk()
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": network_id}],
        "name": "show-1.+(x)",  # regular-expression characters, for the name filter below
    }
    created = server_type.create(ident("server"), props)
    try:
        # The shared read's name filter finds the server on this cloud (a filter the cloud
        # read differently would only ever fall back to a GET per server, silently).
        since = datetime.now(UTC) - timedelta(minutes=10)
        version = sdk_server.Server._get_microversion(conn.compute)
        wanted = {created.physical_id: props["name"]}
        found = changed_servers(conn, "/servers/detail", version, wanted, since)
        assert list(found) == [created.physical_id]
        assert changed_servers(conn, "/servers/detail", version, {"x": "show-1"}, since) == {}
        # However the provider read the built server (its own GET, or the shared read of the
        # servers that left BUILD), its show is what a GET of it answers.
        got = show(conn.compute.get_server(created.physical_id))
        shown = created.attributes["show"]
        assert set(shown) == set(got)
        for key in ("id", "name", "status", "flavor", "image", "server_groups", "metadata"):
            assert shown[key] == got[key], key
        objects = [
            conn.compute.get_server(created.physical_id),  # has computed fields besides location
            conn.compute.find_flavor(cloud.small_flavor),
            conn.image.find_image(cloud.image),
            conn.network.get_network(network_id),
            next(iter(conn.network.ports(network_id=network_id))),
        ]
        for obj in objects:
            full = obj.to_dict(computed=False)
            expected = {k: v for k, v in full.items() if k not in SECRET_FIELDS | {"location"}}
            assert show(obj) == expected, type(obj).__name__
    finally:
        server_type.delete(ident("server"), created.physical_id, {})


def test_a_server_stuck_in_build_times_out_while_watched(
    cloud: Any, ident: Any, network_id: str
) -> None:
    sim = cloud.require_sim()
    sim.set_lifecycle([{"kind": "server", "outcome": "stuck", "count": 1}])
    server_type = cloud.provider(timeout_s=1.0).resource_types()["OS::Nova::Server"]
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": network_id}],
    }

    with pytest.raises(ProviderTimeoutError) as info:
        server_type.create(ident("server"), props)

    assert info.value.physical_id is not None
    assert "not ready after 1 s (status build)" in info.value.message
    server_type.delete(ident("server"), info.value.physical_id, {})
