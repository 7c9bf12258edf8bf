"""ResourceGroup members on the simulator: grow, shrink, removal_policies, -target."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(240)


GROUP_STACK = """heat_template_version: 2018-08-31
parameters:
  count:
    type: number
    default: 3
  removed:
    type: json
    default: []
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: grp-net}
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.77.0.0/24
  servers:
    type: OS::Heat::ResourceGroup
    depends_on: subnet
    properties:
      count: {get_param: count}
      removal_policies: [{resource_list: {get_param: removed}}]
      resource_def:
        type: OS::Nova::Server
        properties:
          name: web-%index%
          flavor: m1.tiny
          image: cirros
          networks: [{network: {get_resource: net}}]
outputs:
  names:
    value: {get_attr: [servers, name]}
  refs:
    value: {get_attr: [servers, refs]}
  first:
    value: {get_attr: [servers, resource.0.name]}
"""


def _run(cloud: CloudProject, *args: str) -> str:
    result = cloud.run(*args)
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def _server_names(cloud: CloudProject) -> list[str]:
    return sorted(s.name for s in cloud.sdk().compute.servers() if s.name.startswith("web-"))


def test_group_of_servers_grows_shrinks_and_never_reuses_removed_names(
    cloud_project: CloudProject,
) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", GROUP_STACK)
    _run(cloud, "apply", "-auto-approve", *SCOPE)
    assert _server_names(cloud) == ["web-0", "web-1", "web-2"]
    state = cloud.state(workspace="team", environment="dev")
    assert state.outputs["names"] == ["web-0", "web-1", "web-2"]
    assert state.outputs["first"] == "web-0"
    assert state.outputs["refs"] == [state.resources[f"servers.{i}"].physical_id for i in range(3)]

    grow = _run(cloud, "plan", *SCOPE, "-var", "count=5")
    assert "servers.3" in grow and "servers.4" in grow
    assert "Plan: 2 to add, 1 to change, 0 to destroy." in grow
    _run(cloud, "apply", "-auto-approve", *SCOPE, "-var", "count=5")
    assert _server_names(cloud) == [f"web-{i}" for i in range(5)]

    shrink = _run(cloud, "plan", *SCOPE, "-var", "count=2")
    assert "Plan: 0 to add, 1 to change, 3 to destroy." in shrink
    for gone in ("servers.2", "servers.3", "servers.4"):
        assert f"# {gone} will be destroyed" in shrink
    _run(cloud, "apply", "-auto-approve", *SCOPE, "-var", "count=2")
    assert _server_names(cloud) == ["web-0", "web-1"]

    # removal_policies: member 0 goes although the count stays; its name is never reused.
    _run(cloud, "apply", "-auto-approve", *SCOPE, "-var", "count=2", "-var", 'removed=["0"]')
    assert _server_names(cloud) == ["web-1", "web-2"]
    _run(cloud, "apply", "-auto-approve", *SCOPE, "-var", "count=3")
    assert _server_names(cloud) == ["web-1", "web-2", "web-3"]
    state = cloud.state(workspace="team", environment="dev")
    assert state.resources["servers"].attributes["removed_rsrc_list"] == ["0"]

    # -target reaches one member by its dotted address.
    targeted = _run(cloud, "plan", *SCOPE, "-var", "count=4", "-target", "servers.4")
    assert "servers.4" in targeted and "Plan: 1 to add, 0 to change, 0 to destroy." in targeted

    _run(cloud, "destroy", "-auto-approve", *SCOPE, "-var", "count=3")
    assert _server_names(cloud) == []


def test_a_member_property_the_cloud_refuses_is_located_in_the_definition(
    cloud_project: CloudProject,
) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", GROUP_STACK.replace("flavor: m1.tiny", "flavor: m1.nope"))
    cloud.sim.clear_request_log()
    result = cloud.run("plan", *SCOPE, "-var", "count=2")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "error:" in line]
    assert lines and all(line.startswith("stack.yaml:28:11: error: `servers.") for line in lines)
    assert "m1.nope" in lines[0]
    assert cloud.writes() == []
