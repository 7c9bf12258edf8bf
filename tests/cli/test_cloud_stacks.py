"""OpenStack stacks through the CLI, against the simulator: plan-time checks with zero writes,
drift, workspace isolation, audit, and validate without the network."""

from __future__ import annotations

import json

import pytest
from _cli_kit import CloudProject

pytestmark = pytest.mark.timeout(180)

SERVER_STACK = """heat_template_version: 2018-08-31
parameters:
  flavor:
    type: string
    default: m1.tiny
  name:
    type: string
    default: app
resources:
  net:
    type: OS::Neutron::Net
    properties:
      name: {get_param: name}
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.42.0.0/24
  server:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      name: {get_param: name}
      flavor: {get_param: flavor}
      image: cirros
      networks:
        - network: {get_resource: net}
outputs:
  server:
    value: {get_resource: server}
"""

DEV = "dev: {cloud: atonix-sim, project: demo, region: RegionOne, quotas: {vcpus: 4}}"
TWO_PROJECTS = """
dev: {cloud: atonix-sim, project: demo, region: RegionOne}
prod: {cloud: atonix-sim, project: other, region: RegionOne}
"""
SCOPE = ("-w", "team", "-E", "dev")


def _apply(cloud: CloudProject, *args: str) -> None:
    result = cloud.run("apply", "-auto-approve", *args)
    assert result.exit_code == 0, result.output


def _destroy(cloud: CloudProject, *args: str) -> None:
    result = cloud.run("destroy", "-auto-approve", *args)
    assert result.exit_code == 0, result.output


def test_quota_overrun_fails_the_plan_with_zero_writes(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", SERVER_STACK)
    cloud_project.sim.clear_request_log()
    result = cloud_project.run("plan", *SCOPE, "-var", "flavor=m1.xlarge")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: quota exceeded: vcpus: apply needs 8 at its peak, over the atonix.yaml team/dev"
        " limit of 4 (usage vcpus 0/4 → 8/4;"
    )
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", "flavor=m1.xlarge")
    assert applied.exit_code == 1
    assert "quota exceeded" in applied.stderr
    assert cloud_project.writes() == []
    assert cloud_project.sim.request_log(), "the checks did read the cloud"


def test_project_limits_count_too(cloud_project: CloudProject) -> None:
    cloud_project.bind("dev: {cloud: atonix-sim, project: other}")
    cloud_project.write("stack.yaml", SERVER_STACK)
    cloud_project.sim.set_quota("other", "network", network=0)
    try:
        cloud_project.sim.clear_request_log()
        result = cloud_project.run("plan", *SCOPE)
    finally:
        cloud_project.sim.set_quota("other", "network", network=100)
    assert result.exit_code == 1
    assert "networks: apply needs 1 at its peak, over the project other limit of 0" in (
        result.stderr
    )
    assert cloud_project.writes() == []


def test_plan_shows_usage_after_apply(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", SERVER_STACK)
    result = cloud_project.run("plan", *SCOPE, "-var", "flavor=m1.medium", "-out", "p.plan")
    assert result.exit_code == 0, result.output
    assert "Quota usage after apply:\n  instances " in result.stdout
    assert "  vcpus 0/4 → 2/4\n" in result.stdout
    shown = cloud_project.run("show", "-json", "p.plan")
    rows = json.loads(shown.stdout)["atonix"]["extra"]["quota"]
    assert {"resource": "vcpus", "used": 0, "after": 2, "limit": 4} in rows
    markdown = cloud_project.run("show", "-markdown", "p.plan").stdout
    assert "| 2 | 4 | vcpus | 0 |" in markdown  # after, limit, resource, used


def test_saved_plan_is_checked_again_before_apply(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", SERVER_STACK)
    planned = cloud_project.run("plan", *SCOPE, "-var", "flavor=m1.medium", "-out", "p.plan")
    assert planned.exit_code == 0, planned.output
    cloud_project.bind(DEV.replace("vcpus: 4", "vcpus: 1"))
    cloud_project.sim.clear_request_log()
    result = cloud_project.run("apply", "p.plan")
    assert result.exit_code == 1
    assert "vcpus: apply needs 2 at its peak, over the atonix.yaml team/dev limit of 1" in (
        result.stderr
    )
    assert cloud_project.writes() == []


def test_constraint_errors_are_located_with_did_you_mean(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write(
        "stack.yaml",
        SERVER_STACK.replace("image: cirros", "image: cirross\n      key_name: nope"),
    )
    cloud_project.sim.clear_request_log()
    result = cloud_project.run("plan", *SCOPE, "-var", "flavor=m1.smal")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "stack.yaml:24:7: error: `server` property `flavor`: flavor `m1.smal` not found"
        " (did you mean `m1.small`?)",
        "stack.yaml:25:7: error: `server` property `image`: image `cirross` not found"
        " (did you mean `cirros`?)",
        "stack.yaml:26:7: error: `server` property `key_name`: keypair `nope` not found",
    ]
    assert cloud_project.writes() == []


def test_validate_never_touches_the_network(cloud_project: CloudProject) -> None:
    cloud_project.bind("dev: {cloud: no-such-cloud, project: demo}")
    cloud_project.write("stack.yaml", SERVER_STACK)
    cloud_project.sim.clear_request_log()
    result = cloud_project.run("validate", *SCOPE)
    assert result.exit_code == 0, result.output
    assert cloud_project.sim.request_log() == []
    planned = cloud_project.run("plan", *SCOPE)
    assert planned.exit_code == 1
    assert "no-such-cloud" in planned.stderr and "Traceback" not in planned.output


def test_drift_deleted_server_is_recreated_renamed_server_is_updated(
    cloud_project: CloudProject,
) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", SERVER_STACK)
    _apply(cloud_project, *SCOPE, "-var", "name=drifty")
    try:
        server_id = cloud_project.state("stack", "team", "dev").resources["server"].physical_id
        sdk = cloud_project.sdk("demo")
        sdk.compute.update_server(server_id, name="renamed-by-hand")
        renamed = cloud_project.run("plan", *SCOPE, "-var", "name=drifty", "-detailed-exitcode")
        assert renamed.exit_code == 2, renamed.output
        assert "Note: Objects have changed outside of atonix" in renamed.stdout
        assert '# server has changed\n  ~ resource "OS::Nova::Server" "server" {\n' in (
            renamed.stdout
        )
        assert '~ name = "drifty" -> "renamed-by-hand"' in renamed.stdout
        assert "# server will be updated in place (stack.yaml:19:3)" in renamed.stdout
        assert '~ name = "renamed-by-hand" -> "drifty"' in renamed.stdout
        assert "Plan: 0 to add, 1 to change, 0 to destroy." in renamed.stdout

        server = sdk.compute.get_server(server_id)
        sdk.compute.delete_server(server)
        sdk.compute.wait_for_delete(server, interval=0.1, wait=30)
        gone = cloud_project.run("plan", *SCOPE, "-var", "name=drifty", "-detailed-exitcode")
        assert gone.exit_code == 2, gone.output
        assert "# server will be created" in gone.stdout
        assert "Plan: 1 to add, 0 to change, 0 to destroy." in gone.stdout
        _apply(cloud_project, *SCOPE, "-var", "name=drifty")
        again = cloud_project.run("plan", *SCOPE, "-var", "name=drifty", "-detailed-exitcode")
        assert again.exit_code == 0, again.output
    finally:
        _destroy(cloud_project, *SCOPE, "-var", "name=drifty")


def test_environments_land_in_their_own_projects(cloud_project: CloudProject) -> None:
    cloud_project.bind(TWO_PROJECTS)
    cloud_project.write("stack.yaml", SERVER_STACK)
    dev, prod = ("-w", "team", "-E", "dev"), ("-w", "team", "-E", "prod")
    _apply(cloud_project, *dev, "-var", "name=iso")
    _apply(cloud_project, *prod, "-var", "name=iso")
    try:
        ids = {
            env: cloud_project.state("stack", "team", env).resources["server"].physical_id
            for env in ("dev", "prod")
        }
        assert ids["dev"] != ids["prod"]
        demo, other = cloud_project.sdk("demo"), cloud_project.sdk("other")
        seen_demo = {s.id for s in demo.compute.servers()}
        seen_other = {s.id for s in other.compute.servers()}
        assert ids["dev"] in seen_demo and ids["dev"] not in seen_other
        assert ids["prod"] in seen_other and ids["prod"] not in seen_demo
        server = other.compute.get_server(ids["prod"])
        assert server.project_id == other.current_project_id
        identity = {k: v for k, v in server.metadata.items() if k.startswith("atonix:")}
        # The create's token (how an interrupted create is found again) rides along.
        token = identity.pop("atonix:token")
        state_token = cloud_project.state("stack", "team", "prod").resources["server"]
        assert token == state_token.create_token
        assert identity == {
            "atonix:workspace": "team",
            "atonix:environment": "prod",
            "atonix:stack": "stack",
            "atonix:address": "server",
        }

        audit = cloud_project.run("audit", "--json", *prod)
        records = json.loads(audit.stdout)
        assert records and {
            (r["workspace"], r["environment"], r["project"], r["action"]) for r in records
        } == {("team", "prod", "other", "create")}
        lines = cloud_project.run("audit", "--stack", "stack", *dev).stdout
        assert "team/dev/stack (demo)  create ok" in lines
    finally:
        _destroy(cloud_project, *dev, "-var", "name=iso")
        _destroy(cloud_project, *prod, "-var", "name=iso")
    deletes = json.loads(cloud_project.run("audit", "--json", *prod).stdout)
    assert {r["action"] for r in deletes} == {"create", "delete"}
    assert all(r["project"] == "other" and r["result"] == "ok" for r in deletes)


def test_pseudo_parameters_come_from_the_binding_and_token(cloud_project: CloudProject) -> None:
    cloud_project.bind("dev: {cloud: atonix-sim, project: other, region: RegionOne}")
    cloud_project.write(
        "stack.yaml",
        "heat_template_version: 2018-08-31\n"
        "resources:\n"
        "  net:\n"
        "    type: OS::Neutron::Net\n"
        "outputs:\n"
        "  project: {value: {get_param: 'OS::project_id'}}\n"
        "  region: {value: {get_param: 'OS::region'}}\n",
    )
    _apply(cloud_project, *SCOPE)
    try:
        project = cloud_project.run("output", "-raw", "project", *SCOPE).stdout.strip()
        region = cloud_project.run("output", "-raw", "region", *SCOPE).stdout.strip()
        assert project == cloud_project.sim.project_id("other")
        assert region == "RegionOne"
    finally:
        _destroy(cloud_project, *SCOPE)
