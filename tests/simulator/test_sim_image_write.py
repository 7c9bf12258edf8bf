"""Glance v2's writes as the simulator serves them: create 201 ``queued``, web-download import
202 then ``importing`` -> ``active``, JSON-patch with its own media type (415 otherwise),
read-only fields refused, tags, members and deactivation, protected images kept."""

from __future__ import annotations

import time
from typing import Any

PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


def test_create_then_import_from_a_url(sim: Any, conn: Any) -> None:
    sim.configure(delays={"image": 0.3})
    made = conn.image.post(
        "/images",
        json={
            "name": "web",
            "disk_format": "qcow2",
            "container_format": "bare",
            "hw_rng_model": "virtio",
        },
    )
    assert made.status_code == 201
    image = made.json()
    assert (image["status"], image["visibility"], image["hw_rng_model"]) == (
        "queued",
        "shared",
        "virtio",
    )
    bad = conn.image.post(
        f"/images/{image['id']}/import",
        json={"method": {"name": "web-download", "uri": "file:///x"}},
        raise_exc=False,
    )
    assert bad.status_code == 400
    started = conn.image.post(
        f"/images/{image['id']}/import",
        json={"method": {"name": "web-download", "uri": "https://x/y.img"}},
    )
    assert started.status_code == 202
    assert conn.image.get(f"/images/{image['id']}").json()["status"] == "importing"
    time.sleep(0.4)
    done = conn.image.get(f"/images/{image['id']}").json()
    assert done["status"] == "active" and done["size"] > 0 and done["checksum"]
    assert conn.image.get_image(image["id"]).status == "active"


def test_patch_tags_members_and_protection(connect: Any) -> None:
    demo, alt = connect("demo"), connect("alt")
    image = demo.image.post("/images", json={"name": "p", "visibility": "private"}).json()
    url = f"/images/{image['id']}"
    wrong = demo.image.patch(
        url, json=[{"op": "replace", "path": "/name", "value": "q"}], raise_exc=False
    )
    assert wrong.status_code == 415
    ops = [
        {"op": "replace", "path": "/name", "value": "q"},
        {"op": "add", "path": "/os_distro", "value": "cirros"},
        {"op": "replace", "path": "/visibility", "value": "shared"},
        {"op": "replace", "path": "/protected", "value": True},
    ]
    patched = demo.image.patch(url, json=ops, headers=PATCH).json()
    assert (patched["name"], patched["os_distro"], patched["protected"]) == ("q", "cirros", True)
    read_only = demo.image.patch(
        url,
        json=[{"op": "replace", "path": "/status", "value": "x"}],
        headers=PATCH,
        raise_exc=False,
    )
    assert read_only.status_code == 403
    assert demo.image.put(f"{url}/tags/gold").status_code == 204
    assert demo.image.get(url).json()["tags"] == ["gold"]
    assert alt.image.get(url, raise_exc=False).status_code == 404
    member = demo.image.post(f"{url}/members", json={"member": alt.current_project_id})
    assert member.json()["status"] == "pending"
    assert alt.image.get(url).status_code == 200
    assert demo.image.delete(url, raise_exc=False).status_code == 403
    demo.image.patch(
        url, json=[{"op": "replace", "path": "/protected", "value": False}], headers=PATCH
    )
    assert demo.image.delete(url).status_code == 204
    assert demo.image.get(url, raise_exc=False).status_code == 404
