"""Parallel server deletes: one shared list (by name) for every server being deleted, one
GET each to tell a deletion from a failure, and a failed delete reported at once.

These need the simulator's request log and a hand on its state, so they are skipped on a
real cloud; the contract tests cover deletes there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from atonix_iac.errors import ProviderTimeoutError, ResourceFailedError

from ._server_kit import in_parallel, network_with_subnet

pytestmark = pytest.mark.timeout(120)

SERVERS = 6


@pytest.fixture
def network_id(cloud: Any, ident: Any) -> Iterator[str]:
    yield from network_with_subnet(cloud, ident, "10.61.0.0/24")


def _props(cloud: Any, network_id: str, index: int) -> dict[str, Any]:
    # Names with regular-expression characters: the shared list filters by name.
    return {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": network_id}],
        "name": f"del-{index}.+(x)",
    }


def test_servers_being_deleted_are_watched_with_shared_lists(
    cloud: Any, ident: Any, network_id: str
) -> None:
    sim = cloud.require_sim()
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    created = [
        server_type.create(ident(f"server{i}"), _props(cloud, network_id, i))
        for i in range(SERVERS)
    ]
    sim.set_delay(0.6, "server_delete")
    sim.clear_request_log()

    in_parallel(
        SERVERS,
        lambda i: server_type.delete(
            ident(f"server{i}"), created[i].physical_id, _props(cloud, network_id, i)
        ),
    )

    log = [r for r in sim.request_log("compute") if r.method == "GET"]
    conn = cloud.sdk()
    for result in created:
        assert conn.compute.find_server(result.physical_id, ignore_missing=True) is None
        # Polled one by one from 0.05 s with 1.5x growth, each took 7 GETs to see a 0.6 s
        # delete end; now the shared list says when, and one GET confirms.
        own = [r for r in log if r.path.endswith(f"/servers/{result.physical_id}")]
        assert len(own) == 1
    lists = [r for r in log if r.path.endswith("/servers/detail")]
    assert 1 <= len(lists) < SERVERS * 4
    assert all("name=" in r.query for r in lists)


def test_a_server_renamed_behind_the_stack_is_still_waited_for(
    cloud: Any, ident: Any, network_id: str
) -> None:
    """The shared list asks by the name the stack knows: a server renamed since is missing
    from it, and its waiter falls back to polling it until it is really gone."""
    sim = cloud.require_sim()
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    props = _props(cloud, network_id, 0)
    created = server_type.create(ident("server0"), props)
    cloud.sdk().compute.update_server(created.physical_id, name="renamed-elsewhere")
    sim.set_delay(0.4, "server_delete")
    sim.clear_request_log()

    started = time.monotonic()
    server_type.delete(ident("server0"), created.physical_id, props)

    assert time.monotonic() - started >= 0.4
    assert cloud.sdk().compute.find_server(created.physical_id, ignore_missing=True) is None
    own = [
        r
        for r in sim.request_log("compute")
        if r.method == "GET" and r.path.endswith(f"/servers/{created.physical_id}")
    ]
    assert len(own) >= 2  # the first says it is still there; polling goes on


def test_a_server_whose_delete_fails_is_reported_at_once(
    cloud: Any, ident: Any, network_id: str
) -> None:
    """Nova puts a server whose delete failed in ERROR and keeps it: the shared list shows
    the ERROR, and the waiter's own GET reports it, long before the provider's timeout."""
    sim = cloud.require_sim()
    provider = cloud.provider(timeout_s=60.0)
    server_type = provider.resource_types()["OS::Nova::Server"]
    props = _props(cloud, network_id, 0)
    created = server_type.create(ident("server0"), props)
    server_id = created.physical_id
    sim.set_delay(30.0, "server_delete")
    store = sim.app.store

    def fail_the_delete() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with store.lock:
                rec = store.get("server", server_id)
                if rec is not None and rec.get("_deleting"):
                    rec.pop("_deleting")
                    rec["status"] = "ERROR"
                    rec["OS-EXT-STS:task_state"] = None
                    rec["fault"] = {"code": 500, "message": "the hypervisor would not let go"}
                    pending = store.meta.get("pending_deletes") or []
                    store.meta["pending_deletes"] = [p for p in pending if p[2] != server_id]
                    store.changed()
                    return
            time.sleep(0.01)

    failer = threading.Thread(target=fail_the_delete)
    failer.start()
    started = time.monotonic()
    try:
        with pytest.raises(ResourceFailedError, match="failed to delete"):
            server_type.delete(ident("server0"), server_id, props)
    finally:
        failer.join()
        sim.set_delay(0.0, "server_delete")
    assert time.monotonic() - started < 10
    with store.lock:  # let it go, for the network's teardown
        rec = store.get("server", server_id)
        assert rec is not None and rec["status"] == "ERROR"
    server_type.delete(ident("server0"), server_id, props)


def test_a_delete_that_outlasts_the_timeout_says_which_timeout(
    cloud: Any, ident: Any, network_id: str
) -> None:
    """The wait on the shared list and the GETs after it share one deadline, and the error
    names the provider's timeout, not what was left of it."""
    sim = cloud.require_sim()
    server_type = cloud.provider(timeout_s=1.0).resource_types()["OS::Nova::Server"]
    props = _props(cloud, network_id, 0)
    created = server_type.create(ident("server0"), props)
    sim.set_delay(5.0, "server_delete")
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError, match=r"still present after 1 s"):
        server_type.delete(ident("server0"), created.physical_id, props)
    assert time.monotonic() - started < 4
    sim.set_delay(0.0, "server_delete")
    deadline = time.monotonic() + 10
    while cloud.sdk().compute.find_server(created.physical_id, ignore_missing=True):
        assert time.monotonic() < deadline
        time.sleep(0.2)


def _failed_build(cloud: Any, ident: Any, network_id: str) -> tuple[Any, str, dict[str, Any]]:
    """A server left in ERROR by its build (as a failed create leaves it, to be replaced):
    its type, its id and its properties. Deleting it takes the simulator 0.5 s."""
    sim = cloud.require_sim()
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    props = _props(cloud, network_id, 0)
    sim.set_lifecycle([{"kind": "server", "outcome": "error", "name": props["name"]}])
    with pytest.raises(ResourceFailedError) as failed:
        server_type.create(ident("server0"), props)
    assert failed.value.physical_id
    sim.set_delay(0.5, "server_delete")
    return server_type, failed.value.physical_id, props


def test_a_server_that_failed_to_build_is_deleted_not_reported(
    cloud: Any, ident: Any, network_id: str
) -> None:
    """A server in ERROR from its build shows ERROR while Nova deletes it: that is no
    failed delete."""
    server_type, server_id, props = _failed_build(cloud, ident, network_id)
    cloud.sim.clear_request_log()
    server_type.delete(ident("server0"), server_id, props)
    own = [
        r
        for r in cloud.sim.request_log("compute")
        if r.method == "GET" and r.path.endswith(f"/servers/{server_id}")
    ]
    assert len(own) == 1  # the shared list waited while the task was still deleting
    assert cloud.sdk().compute.find_server(server_id, ignore_missing=True) is None


def test_a_failed_build_renamed_behind_the_stack_is_deleted_by_its_own_polling(
    cloud: Any, ident: Any, network_id: str
) -> None:
    """The same, off the shared list (renamed, so the list by name misses it): the server's
    own polling also waits while its task is still deleting."""
    server_type, server_id, props = _failed_build(cloud, ident, network_id)
    cloud.sdk().compute.update_server(server_id, name="renamed-elsewhere")
    server_type.delete(ident("server0"), server_id, props)
    assert cloud.sdk().compute.find_server(server_id, ignore_missing=True) is None
