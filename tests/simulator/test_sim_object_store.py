"""Swift v1 as the simulator serves it: status codes, headers and listings pinned to Swift's
proxy API (PUT 201/202, HEAD 204 with counts, DELETE of a non-empty container 409, JSON
listings paged by marker, metadata set and removed through headers)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from openstack import exceptions


def test_container_put_is_idempotent_and_head_reports_counts(conn: Any) -> None:
    store = conn.object_store
    first = store.put("logs", headers={"X-Container-Meta-Color": "red"}, raise_exc=False)
    again = store.put("logs", headers={"X-Container-Write": "demo:*"}, raise_exc=False)
    assert (first.status_code, again.status_code) == (201, 202)
    store.create_object("logs", "2026/12/06.log", data=b"12345")
    head = store.head("logs", raise_exc=False)
    assert head.status_code == 204
    assert head.headers["X-Container-Object-Count"] == "1"
    assert head.headers["X-Container-Bytes-Used"] == "5"
    assert head.headers["X-Container-Meta-Color"] == "red"
    assert head.headers["X-Container-Write"] == "demo:*"
    assert head.headers["X-Storage-Policy"]
    assert [o.name for o in store.objects("logs")] == ["2026/12/06.log"]
    assert store.get("logs/2026/12/06.log", raise_exc=False).content == b"12345"


def test_metadata_removed_by_empty_value_or_remove_header(conn: Any) -> None:
    store = conn.object_store
    store.put("m", headers={"X-Container-Meta-A": "1", "X-Container-Meta-B": "2"})
    store.post("m", headers={"X-Container-Meta-A": "", "X-Remove-Container-Meta-B": "x"})
    assert store.get_container_metadata("m").metadata == {}
    too_long = store.post("m", headers={"X-Container-Meta-C": "v" * 257}, raise_exc=False)
    assert too_long.status_code == 400


def test_delete_non_empty_is_conflict_then_gone_is_404(conn: Any) -> None:
    store = conn.object_store
    store.create_container(name="full")
    store.create_object("full", "x", data=b"x")
    with pytest.raises(exceptions.ConflictException):
        store.delete_container("full", ignore_missing=False)
    store.delete_object("x", container="full")
    assert store.delete("full", raise_exc=False).status_code == 204
    assert store.delete("full", raise_exc=False).status_code == 404
    with pytest.raises(exceptions.NotFoundException):
        store.get_container_metadata("full")


def test_listing_pages_by_marker_with_account_count(conn: Any) -> None:
    store = conn.object_store
    for name in ("c3", "c1", "c2"):
        store.create_container(name=name)
    page = store.get("", params={"limit": 2, "format": "json"}, raise_exc=False)
    assert [c["name"] for c in page.json()] == ["c1", "c2"]
    assert page.headers["X-Account-Container-Count"] == "3"
    rest = store.get("", params={"marker": "c2", "format": "json"}, raise_exc=False)
    assert [c["name"] for c in rest.json()] == ["c3"]
    assert sorted(c.name for c in store.containers()) == ["c1", "c2", "c3"]


def test_account_is_the_tokens_project_only(connect: Any) -> None:
    demo, alt = connect("demo"), connect("alt")
    demo.object_store.create_container(name="private")
    other = alt.object_store.get_endpoint().rsplit("/", 1)[1]
    url = demo.object_store.get_endpoint().rsplit("/", 1)[0] + f"/{other}/private"
    assert demo.object_store.head(url, raise_exc=False).status_code == 403
    assert [c.name for c in alt.object_store.containers()] == []
    account = demo.object_store.head("", raise_exc=False)
    assert account.headers["X-Account-Container-Count"] == "1"


def _temp_url(
    conn: Any, path: str, method: str, *, key: str = "k3y", expired: bool = False, **extra: Any
) -> str:
    """A TempURL as openstacksdk signs it (the path Swift sees, from ``/v1/``)."""
    endpoint = conn.object_store.get_endpoint()
    root = endpoint[: endpoint.index("/v1/")]
    when, absolute = (int(time.time()) - 5, True) if expired else (60, False)
    signed = conn.object_store.generate_temp_url(
        path, when, method, absolute=absolute, temp_url_key=key, **extra
    )
    return root + signed


def test_temp_url_reaches_one_object_without_a_token(conn: Any) -> None:
    store = conn.object_store
    store.set_account_temp_url_key("k3y")
    store.create_container(name="drop")
    account = store.get_endpoint().rsplit("/", 1)[1]
    path = f"/v1/{account}/drop/report.json"
    put = requests.put(_temp_url(conn, path, "PUT"), data=b'{"ok": 1}', timeout=10)
    assert put.status_code == 201
    assert store.download_object("report.json", container="drop") == b'{"ok": 1}'
    got = requests.get(_temp_url(conn, path, "GET"), timeout=10)
    assert (got.status_code, got.content) == (200, b'{"ok": 1}')
    # A GET signature does not allow a PUT; a wrong key, an expired URL, a container path: 401.
    assert requests.put(_temp_url(conn, path, "GET"), data=b"x", timeout=10).status_code == 401
    wrong = _temp_url(conn, path, "PUT", key="other")
    assert requests.put(wrong, data=b"x", timeout=10).status_code == 401
    expired = _temp_url(conn, path, "PUT", expired=True)
    assert requests.put(expired, data=b"x", timeout=10).status_code == 401
    container = _temp_url(conn, f"/v1/{account}/drop/", "GET", prefix=True)
    assert requests.get(container, timeout=10).status_code == 401


def test_versions_location_archives_overwrites_and_delete_restores(conn: Any) -> None:
    store = conn.object_store
    store.create_container(name="signals", versions_location="signals")
    assert store.get_container_metadata("signals").versions_location == "signals"
    for body in (b"one", b"two", b"three"):
        store.create_object("signals", "h", data=body)
    names = sorted(o.name for o in store.objects("signals"))
    assert len(names) == 3 and names[-1] == "h"
    assert all(n.startswith("001h/") for n in names[:-1])
    assert [store.download_object(n, container="signals") for n in names] == [
        b"one",
        b"two",
        b"three",
    ]
    store.delete_object("h", container="signals")
    assert store.download_object("h", container="signals") == b"two"
    store.delete_object("h", container="signals")
    store.delete_object("h", container="signals")
    assert list(store.objects("signals")) == []
