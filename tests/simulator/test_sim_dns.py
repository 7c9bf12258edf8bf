"""Designate v2 as the simulator serves it: 202 with PENDING/CREATE, ACTIVE after the delay,
managed SOA and NS recordsets, names unique across projects, recordsets within their zone,
``links`` + ``metadata.total_count`` listings, Designate's error document."""

from __future__ import annotations

import time
from typing import Any


def test_zone_create_is_pending_then_active_with_managed_recordsets(sim: Any, conn: Any) -> None:
    sim.configure(delays={"zone": 0.2})
    made = conn.dns.post("zones", json={"name": "example.com.", "email": "a@example.com"})
    assert made.status_code == 202
    zone = made.json()
    assert (zone["status"], zone["action"], zone["ttl"]) == ("PENDING", "CREATE", 3600)
    time.sleep(0.3)
    zone = conn.dns.get(f"zones/{zone['id']}").json()
    assert (zone["status"], zone["action"]) == ("ACTIVE", "NONE")
    listing = conn.dns.get(f"zones/{zone['id']}/recordsets").json()
    assert sorted(r["type"] for r in listing["recordsets"]) == ["NS", "SOA"]
    assert listing["metadata"] == {"total_count": 2} and "self" in listing["links"]


def test_errors_and_rules(connect: Any) -> None:
    demo, alt = connect("demo").dns, connect("alt").dns
    zone = demo.post("zones", json={"name": "shop.example.", "email": "a@b.c"}).json()
    no_dot = demo.post("zones", json={"name": "shop.example", "email": "a@b.c"}, raise_exc=False)
    assert no_dot.status_code == 400 and no_dot.json()["type"] == "invalid_object"
    no_email = demo.post("zones", json={"name": "x.example."}, raise_exc=False)
    assert no_email.status_code == 400
    taken = alt.post("zones", json={"name": "shop.example.", "email": "a@b.c"}, raise_exc=False)
    assert taken.status_code == 409 and taken.json()["type"] == "duplicate_zone"
    assert alt.get(f"zones/{zone['id']}", raise_exc=False).json()["type"] == "zone_not_found"
    outside = demo.post(
        f"zones/{zone['id']}/recordsets",
        json={"name": "www.other.example.", "type": "A", "records": ["10.0.0.1"]},
        raise_exc=False,
    )
    assert outside.status_code == 400
    rs = {"name": "www.shop.example.", "type": "A", "records": ["10.0.0.1"]}
    assert demo.post(f"zones/{zone['id']}/recordsets", json=rs).status_code == 202
    again = demo.post(f"zones/{zone['id']}/recordsets", json=rs, raise_exc=False)
    assert again.status_code == 409 and again.json()["type"] == "duplicate_recordset"


def test_update_and_delete_are_asynchronous(sim: Any, conn: Any) -> None:
    sim.configure(delays={"zone": 0.0, "zone_delete": 0.2})
    zone = conn.dns.post("zones", json={"name": "z.example.", "email": "a@b.c"}).json()
    serial = conn.dns.get(f"zones/{zone['id']}").json()["serial"]
    patched = conn.dns.patch(f"zones/{zone['id']}", json={"ttl": 60})
    assert patched.status_code == 202 and patched.json()["action"] == "UPDATE"
    after = conn.dns.get(f"zones/{zone['id']}").json()
    assert after["ttl"] == 60 and after["serial"] > serial
    gone = conn.dns.delete(f"zones/{zone['id']}")
    assert (gone.status_code, gone.json()["action"]) == (202, "DELETE")
    assert conn.dns.get(f"zones/{zone['id']}").json()["status"] == "PENDING"
    time.sleep(0.3)
    assert conn.dns.get(f"zones/{zone['id']}", raise_exc=False).status_code == 404


def test_answers_as_designate_23_gives_them(conn: Any) -> None:
    """Shapes and messages checked against Designate 23.0.0 on the dev cloud."""
    dns = conn.dns
    no_dot = dns.post("zones", json={"name": "a.example", "email": "a@b.c"}, raise_exc=False)
    assert no_dot.json()["message"] == (
        "Provided object is not valid. Got a ValueError error with message "
        "Domain a.example does not end with a dot"
    )
    no_email = dns.post("zones", json={"name": "b.example."}, raise_exc=False).json()
    assert "message" not in no_email
    assert no_email["errors"]["errors"][0]["message"] == "'email' is a required property"
    zone = dns.post("zones", json={"name": "c.example.", "email": "a@b.c", "ttl": 0}).json()
    assert zone["ttl"] == 0
    bad_id = dns.get("zones/c.example.", raise_exc=False)
    assert (bad_id.status_code, bad_id.json()["type"]) == (400, "invalid_uuid")
    managed = dns.get(f"zones/{zone['id']}/recordsets").json()["recordsets"]
    assert {r["type"]: r["ttl"] for r in managed} == {"SOA": None, "NS": None}
    rs_url = f"zones/{zone['id']}/recordsets"
    apex_ns = {"name": "c.example.", "type": "NS", "records": ["ns9.example."]}
    assert dns.post(rs_url, json=apex_ns, raise_exc=False).status_code == 409
    soa = next(r for r in managed if r["type"] == "SOA")
    refused = dns.delete(f"{rs_url}/{soa['id']}", raise_exc=False)
    assert (refused.status_code, refused.json()["message"]) == (
        400,
        "Deleting a SOA recordset is not allowed",
    )
    relative = dns.post(rs_url, json={"name": "www", "type": "A", "records": ["10.0.0.1"]})
    assert relative.status_code == 400 and "does not end with a dot" in relative.json()["message"]
    bad_a = dns.post(rs_url, json={"name": "w.c.example.", "type": "A", "records": ["nope"]})
    assert bad_a.json()["errors"]["errors"][0]["message"] == "'nope' is not a 'A' Record"
    empty = dns.post(rs_url, json={"name": "e.c.example.", "type": "A"})
    assert (empty.status_code, empty.json()["status"], empty.json()["records"]) == (
        201,
        "ACTIVE",
        [],
    )
    renamed = dns.put(f"{rs_url}/{empty.json()['id']}", json={"name": "x.c.example."})
    assert renamed.json()["message"] == (
        "Provided object does not match schema. Keys ['name'] are not valid for recordset"
    )
