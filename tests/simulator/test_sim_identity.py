"""Keystone: discovery, tokens, catalog, projects and users, through openstacksdk."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable

import keystoneauth1.exceptions
import openstack
import pytest
from openstack.connection import Connection

from atonix_iac.simulator import SimulatorServer

Connect = Callable[..., Connection]


def test_auth_scopes_token_to_project(sim: SimulatorServer, conn: Connection) -> None:
    assert conn.current_project_id == sim.project_id("demo")
    project = conn.identity.get_project(conn.current_project_id)
    assert project.name == "demo"
    assert len(conn.current_project_id) == 32


def test_catalog_lists_every_service(sim: SimulatorServer, conn: Connection) -> None:
    catalog = conn.session.auth.get_access(conn.session).service_catalog.catalog
    types = {entry["type"] for entry in catalog}
    assert {"identity", "compute", "network", "block-storage", "image"} <= types
    compute = next(e for e in catalog if e["type"] == "compute")
    public = next(ep for ep in compute["endpoints"] if ep["interface"] == "public")
    assert public["url"] == f"{sim.url}/compute/v2.1"
    assert public["region_id"] == "RegionOne"


def test_wrong_password_is_unauthorized(sim: SimulatorServer) -> None:
    kwargs = sim.connect_kwargs("demo", password="wrong")
    bad = openstack.connect(**kwargs)
    with pytest.raises(keystoneauth1.exceptions.http.Unauthorized):
        list(bad.compute.flavors())


def test_member_user_cannot_scope_to_other_project(sim: SimulatorServer) -> None:
    member = openstack.connect(
        **sim.connect_kwargs("alt", username="demo-user", password="password")
    )
    with pytest.raises(keystoneauth1.exceptions.http.Unauthorized):
        list(member.network.networks())


def test_admin_lists_projects_and_users(conn: Connection) -> None:
    names = {p.name for p in conn.identity.projects()}
    assert {"admin", "demo", "alt"} <= names
    users = {u.name for u in conn.identity.users()}
    assert {"admin", "demo-user", "alt-user"} <= users


def test_member_is_refused_admin_listing(connect: Connect) -> None:
    member = connect("demo", username="demo-user", password="password")
    with pytest.raises(openstack.exceptions.ForbiddenException) as err:
        list(member.identity.projects())
    assert "identity:list_projects" in str(err.value.details)
    assert [p.name for p in member.identity.user_projects(member.current_user_id)] == ["demo"]


def test_version_documents(sim: SimulatorServer) -> None:
    req = urllib.request.Request(f"{sim.url}/identity", headers={"Accept": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)  # 300 Multiple Choices, as real Keystone
    assert err.value.code == 300
    doc = json.loads(err.value.read())
    assert doc["versions"]["values"][0]["links"][0]["href"] == f"{sim.url}/identity/v3/"
    with urllib.request.urlopen(f"{sim.url}/compute/v2.1") as resp:
        version = json.loads(resp.read())["version"]
    assert (version["min_version"], version["version"], version["status"]) == (
        "2.1",
        "2.96",
        "CURRENT",
    )


def test_missing_token_is_401_with_keystone_body(sim: SimulatorServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{sim.url}/compute/v2.1/servers")
    assert err.value.code == 401
    assert json.loads(err.value.read())["error"]["code"] == 401
