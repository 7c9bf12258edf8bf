"""Keystone's administration API as the simulator serves it: wrapped bodies, 201/200/204,
names unique within a domain (409), extra attributes kept, a domain deleted only once
disabled (403), members refused (403), grants that let a new user sign in."""

from __future__ import annotations

from typing import Any

import openstack


def test_create_update_delete_and_extras(conn: Any) -> None:
    ks = conn.identity
    made = ks.post("/domains", json={"domain": {"name": "acme", "atonix_token": "t-1"}})
    assert made.status_code == 201
    domain = made.json()["domain"]
    assert domain["atonix_token"] == "t-1" and domain["enabled"] is True
    project = {"project": {"name": "web", "domain_id": domain["id"]}}
    first = ks.post("/projects", json=project).json()["project"]
    assert first["parent_id"] == domain["id"]
    dup = ks.post("/projects", json=project, raise_exc=False)
    assert dup.status_code == 409 and "Duplicate entry" in dup.json()["error"]["message"]
    assert ks.post("/projects", json={"project": {"name": "web"}}).status_code == 201
    patched = ks.patch(f"/projects/{first['id']}", json={"project": {"description": "d"}})
    assert patched.status_code == 200 and patched.json()["project"]["description"] == "d"
    assert ks.delete(f"/domains/{domain['id']}", raise_exc=False).status_code == 403
    ks.patch(f"/domains/{domain['id']}", json={"domain": {"enabled": False}})
    assert ks.delete(f"/domains/{domain['id']}").status_code == 204
    assert ks.get(f"/projects/{first['id']}", raise_exc=False).status_code == 404


def test_grants_let_a_new_user_sign_in(sim: Any, conn: Any) -> None:
    ks = conn.identity
    project = ks.post("/projects", json={"project": {"name": "ops"}}).json()["project"]
    user = ks.post("/users", json={"user": {"name": "carol", "password": "pw-123"}}).json()["user"]
    assert "password" not in user
    member = next(r for r in ks.get("/roles").json()["roles"] if r["name"] == "member")
    path = f"/projects/{project['id']}/users/{user['id']}/roles/{member['id']}"
    assert ks.head(path, raise_exc=False).status_code == 404
    assert ks.put(path).status_code == 204
    assert ks.head(path).status_code == 204
    listed = ks.get("/role_assignments", params={"user.id": user["id"]}).json()
    assert listed["role_assignments"][0]["scope"] == {"project": {"id": project["id"]}}
    carol = openstack.connect(**sim.connect_kwargs("ops", username="carol", password="pw-123"))
    assert carol.current_project_id == project["id"]
    refused = carol.identity.post("/users", json={"user": {"name": "x"}}, raise_exc=False)
    assert refused.status_code == 403
    carol.close()
    assert ks.delete(path).status_code == 204
    assert ks.delete(path, raise_exc=False).status_code == 404


def test_groups_services_endpoints_regions(conn: Any) -> None:
    ks = conn.identity
    group = ks.post("/groups", json={"group": {"name": "ops"}}).json()["group"]
    user = ks.post("/users", json={"user": {"name": "dan"}}).json()["user"]
    assert ks.put(f"/groups/{group['id']}/users/{user['id']}").status_code == 204
    assert [g["id"] for g in ks.get(f"/users/{user['id']}/groups").json()["groups"]] == [
        group["id"]
    ]
    region = ks.post("/regions", json={"region": {"id": "Edge"}}).json()["region"]
    assert region["id"] == "Edge"
    service = ks.post("/services", json={"service": {"type": "thing", "name": "t"}}).json()
    service_id = service["service"]["id"]
    body = {
        "endpoint": {
            "service_id": service_id,
            "interface": "public",
            "url": "https://t.example",
            "region_id": "Edge",
        }
    }
    endpoint = ks.post("/endpoints", json=body).json()["endpoint"]
    assert endpoint["region"] == "Edge"
    types = {s["type"] for s in ks.get("/services").json()["services"]}
    assert {"thing", "compute", "identity"} <= types
    bad = ks.post(
        "/endpoints", json={"endpoint": {**body["endpoint"], "interface": "x"}}, raise_exc=False
    )
    assert bad.status_code == 400
    assert ks.delete(f"/services/{service_id}").status_code == 204
    assert ks.get(f"/endpoints/{endpoint['id']}", raise_exc=False).status_code == 404
