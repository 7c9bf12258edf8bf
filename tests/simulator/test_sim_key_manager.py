"""Barbican v1 as the simulator serves it: 201 with a reference only, metadata without the
payload, the payload by content type, PUT of a payload once, Barbican's error document,
orders PENDING then ACTIVE, the ``{"secrets": [...], "total": n}`` listing."""

from __future__ import annotations

import time
from typing import Any


def _id(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def test_secret_create_answers_a_reference_and_hides_the_payload(conn: Any) -> None:
    km = conn.key_manager
    made = km.post(
        "secrets", json={"name": "pw", "payload": "hunter2", "payload_content_type": "text/plain"}
    )
    assert made.status_code == 201
    assert list(made.json()) == ["secret_ref"]
    doc = km.get(f"secrets/{_id(made.json()['secret_ref'])}").json()
    assert doc["content_types"] == {"default": "text/plain"}
    assert "payload" not in doc and doc["status"] == "ACTIVE" and doc["secret_type"] == "opaque"
    payload = km.get(f"secrets/{_id(doc['secret_ref'])}/payload", headers={"Accept": "text/plain"})
    assert payload.content == b"hunter2"
    wrong = km.get(
        f"secrets/{_id(doc['secret_ref'])}/payload",
        headers={"Accept": "application/octet-stream"},
        raise_exc=False,
    )
    assert wrong.status_code == 406


def test_payload_put_once_and_errors_in_barbicans_shape(conn: Any) -> None:
    km = conn.key_manager
    ref = km.post("secrets", json={"name": "later"}).json()["secret_ref"]
    url = f"secrets/{_id(ref)}"
    assert "content_types" not in km.get(url).json()
    first = km.put(url, data=b"abc", headers={"Content-Type": "text/plain"}, raise_exc=False)
    again = km.put(url, data=b"xyz", headers={"Content-Type": "text/plain"}, raise_exc=False)
    assert (first.status_code, again.status_code) == (204, 409)
    missing = km.post("secrets", json={"payload": "x"}, raise_exc=False)
    assert missing.status_code == 400
    assert set(missing.json()) == {"code", "title", "description"}
    assert km.delete(url, raise_exc=False).status_code == 204
    assert km.get(url, raise_exc=False).status_code == 404


def test_order_goes_pending_then_active(sim: Any, conn: Any) -> None:
    sim.configure(delays={"order": 0.3})
    km = conn.key_manager
    made = km.post(
        "orders", json={"type": "key", "meta": {"name": "k", "algorithm": "aes", "bit_length": 128}}
    )
    assert made.status_code == 202
    url = f"orders/{_id(made.json()['order_ref'])}"
    assert km.get(url).json()["status"] == "PENDING"
    time.sleep(0.4)
    doc = km.get(url).json()
    assert doc["status"] == "ACTIVE"
    secret = km.get(f"secrets/{_id(doc['secret_ref'])}").json()
    assert (secret["secret_type"], secret["bit_length"]) == ("symmetric", 128)


def test_listing_and_project_isolation(connect: Any) -> None:
    demo, alt = connect("demo").key_manager, connect("alt").key_manager
    refs = [demo.post("secrets", json={"name": f"s{i}"}).json()["secret_ref"] for i in range(3)]
    page = demo.get("secrets", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["secrets"]) == 2 and "next" in page
    assert demo.get("secrets", params={"name": "s1"}).json()["total"] == 1
    assert alt.get("secrets").json()["total"] == 0
    assert alt.get(f"secrets/{_id(refs[0])}", raise_exc=False).status_code == 404
    container = demo.post(
        "containers",
        json={"type": "rsa", "secret_refs": [{"name": "certificate", "secret_ref": refs[0]}]},
        raise_exc=False,
    )
    assert container.status_code == 400
