"""Contract tests for the Keystone types: domains, projects, users (groups, role grants, a
password that works), groups, roles, services, endpoints, regions, role assignments; drift;
the token found again after an interrupted create; and the plan-time refusal of a binding
whose token holds no admin role. Keystone administration needs an admin cloud: on a real
target these run only when ATONIX_REALCLOUD_ADMIN_CLOUD names one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openstack
import pytest

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.workspace.config import Binding

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def admin(cloud: Any) -> Any:
    """The types of a provider bound as an admin (skipped on a real cloud without one)."""
    if cloud.sim is None:
        if cloud.admin_cloud is None:
            pytest.skip("Keystone administration needs ATONIX_REALCLOUD_ADMIN_CLOUD")
        provider = OpenStackProvider(Binding("ws", "env", cloud.admin_cloud, None, "RegionOne"))
        cloud._providers.append(provider)
        return provider.resource_types()
    return cloud.provider().resource_types()


def _with_token(who: ResourceIdentity, token: str) -> ResourceIdentity:
    return ResourceIdentity(who.workspace, who.environment, who.stack, who.address, token)


def test_domain_project_user_group_roles(cloud: Any, admin: Any, ident: Any, unique: str) -> None:
    domain_type, project_type = admin["OS::Keystone::Domain"], admin["OS::Keystone::Project"]
    user_type, group_type = admin["OS::Keystone::User"], admin["OS::Keystone::Group"]
    role_type = admin["OS::Keystone::Role"]
    domain_props = {"name": f"dom-{unique}", "description": "tenants"}
    assert domain_type.check(domain_props) == []
    domain = domain_type.create(ident("domain"), domain_props)
    project_props = {"name": f"proj-{unique}", "domain": f"dom-{unique}", "tags": ["team-a"]}
    project = project_type.create(ident("project"), project_props)
    assert project.attributes["domain_id"] == domain.physical_id
    assert project.attributes["parent_id"] == domain.physical_id
    role = role_type.create(ident("role"), {"name": f"role-{unique}"})
    group_props = {"name": f"ops-{unique}", "domain": domain.physical_id}
    group = group_type.create(ident("group"), group_props)

    user_props = {
        "name": f"alice-{unique}",
        "domain": f"dom-{unique}",
        "password": "correct-horse-battery",
        "default_project": project.physical_id,
        "groups": [f"ops-{unique}"],
        "roles": [{"role": f"role-{unique}", "project": f"proj-{unique}"}],
    }
    user = user_type.create(ident("user"), user_props)
    assert user.attributes["default_project_id"] == project.physical_id
    assert "correct-horse-battery" not in str(user.attributes)
    read = user_type.read(ident("user"), user.physical_id, user_props)
    assert read is not None and read.properties is not None
    assert {k: read.properties[k] for k in ("groups", "roles", "domain")} == {
        k: user_props[k] for k in ("groups", "roles", "domain")
    }
    if cloud.sim is not None:  # the password and the grant work: the user can sign in
        conn = openstack.connect(
            auth_url=cloud.sim.auth_url,
            username=f"alice-{unique}",
            password="correct-horse-battery",
            project_id=project.physical_id,
            user_domain_id=domain.physical_id,
            region_name="RegionOne",
        )
        assert conn.current_project_id == project.physical_id
        conn.close()

    # Update in place: rename, leave the group, role moved to a domain grant.
    new_user = {
        **user_props,
        "name": f"alice2-{unique}",
        "groups": [],
        "roles": [{"role": role.physical_id, "domain": domain.physical_id}],
    }
    user_type.update(
        ident("user"),
        user.physical_id,
        user_props,
        new_user,
        frozenset({"name", "groups", "roles"}),
    )
    sdk = cloud.sdk() if cloud.sim is not None else cloud.admin_sdk()
    assert sdk.identity.get_user(user.physical_id).name == f"alice2-{unique}"
    assert list(sdk.identity.group_users(group.physical_id)) == []
    grants = list(sdk.identity.role_assignments(user_id=user.physical_id))
    assert [(g.role["id"], g.scope) for g in grants] == [
        (role.physical_id, {"domain": {"id": domain.physical_id}})
    ]

    # Drift: the grant revoked behind our back shows as a roles change.
    sdk.identity.unassign_domain_role_from_user(
        domain.physical_id, user.physical_id, role.physical_id
    )
    drift = user_type.read(ident("user"), user.physical_id, new_user)
    assert drift is not None and drift.properties is not None and drift.properties["roles"] == []

    for kind, result, props in (
        (user_type, user, new_user),
        (group_type, group, group_props),
        (role_type, role, {}),
        (project_type, project, project_props),
        (domain_type, domain, domain_props),  # disabled first, then deleted
    ):
        kind.delete(ident("x"), result.physical_id, props)
        assert kind.read(ident("x"), result.physical_id, props) is None
        kind.delete(ident("x"), result.physical_id, props)


def test_catalog_types_and_assignments(cloud: Any, admin: Any, ident: Any, unique: str) -> None:
    service = admin["OS::Keystone::Service"].create(
        ident("svc"), {"name": f"svc-{unique}", "type": f"thing-{unique}"}
    )
    region = admin["OS::Keystone::Region"].create(ident("region"), {"id": f"Region-{unique}"})
    assert region.physical_id == f"Region-{unique}"
    endpoint_props = {
        "service": service.physical_id,
        "region": f"Region-{unique}",
        "interface": "public",
        "url": f"https://{unique}.example.com/v1",
    }
    endpoint = admin["OS::Keystone::Endpoint"].create(ident("ep"), endpoint_props)
    assert endpoint.attributes["show"]["region_id"] == f"Region-{unique}"
    moved = {**endpoint_props, "url": f"https://{unique}.example.com/v2"}
    admin["OS::Keystone::Endpoint"].update(
        ident("ep"), endpoint.physical_id, endpoint_props, moved, frozenset({"url"})
    )
    read = admin["OS::Keystone::Endpoint"].read(ident("ep"), endpoint.physical_id, moved)
    assert read is not None and read.properties == moved

    user = admin["OS::Keystone::User"].create(ident("bob"), {"name": f"bob-{unique}"})
    role = admin["OS::Keystone::Role"].create(ident("r"), {"name": f"viewer-{unique}"})
    project = admin["OS::Keystone::Project"].create(ident("p"), {"name": f"p-{unique}"})
    grant = {
        "user": f"bob-{unique}",
        "roles": [{"role": f"viewer-{unique}", "project": f"p-{unique}"}],
    }
    assignment_type = admin["OS::Keystone::UserRoleAssignment"]
    assignment = assignment_type.create(ident("grant"), grant)
    assert assignment.physical_id == user.physical_id
    assert assignment_type.read(ident("grant"), assignment.physical_id, grant).properties == {
        "roles": grant["roles"]
    }
    assignment_type.delete(ident("grant"), assignment.physical_id, grant)
    gone = assignment_type.read(ident("grant"), assignment.physical_id, grant)
    assert gone is not None and gone.properties == {"roles": []}

    for type_name, result in (
        ("OS::Keystone::Project", project),
        ("OS::Keystone::Role", role),
        ("OS::Keystone::User", user),
        ("OS::Keystone::Endpoint", endpoint),
        ("OS::Keystone::Region", region),
        ("OS::Keystone::Service", service),
    ):
        admin[type_name].delete(ident("x"), result.physical_id, {})
        assert admin[type_name].read(ident("x"), result.physical_id, {}) is None


def test_interrupted_create_needs_the_token(admin: Any, ident: Any, unique: str) -> None:
    project_type = admin["OS::Keystone::Project"]
    props = {"name": f"lost-{unique}"}
    ours = _with_token(ident("p"), "token-1")
    started = project_type.start_create(ours, props)
    assert project_type.find_created(ours, props, None, ()) == started.physical_id
    assert project_type.find_created(ours, props, None, (started.physical_id,)) is None
    # Same name, another create's token: not ours, never adopted.
    assert project_type.find_created(_with_token(ident("p"), "token-2"), props, None, ()) is None
    project_type.delete(ours, started.physical_id, props)


def test_member_binding_is_refused_at_plan_time(
    cloud: Any, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
        project_type = provider.resource_types()["OS::Keystone::Project"]
        found = project_type.check({"name": f"nope-{unique}"})
        assert len(found) == 1
        assert found[0].message.startswith("OS::Keystone::Project needs an admin binding")
        assert "member, reader" in found[0].message
    finally:
        provider.close()
