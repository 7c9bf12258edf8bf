"""Octavia, Magnum and Manila through the CLI against the simulator: a cluster grown in place
(node_count, as the platform's "create kubernetes cluster" does), a share's access rules and a
pool's algorithm changed in place, a missing cluster template refused at plan time with zero
writes, drift read back, destroy."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)

STACK = """heat_template_version: 2018-08-31
parameters:
  nodes: {type: number, default: 1}
  algorithm: {type: string, default: ROUND_ROBIN}
  readers: {type: string, default: 10.50.0.0/24}
  template_name: {type: string, default: ""}
conditions:
  own_template: {equals: [{get_param: template_name}, ""]}
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.50.0.0/24}
  lb:
    type: OS::Octavia::LoadBalancer
    properties: {vip_subnet: {get_resource: subnet}}
  listener:
    type: OS::Octavia::Listener
    properties: {loadbalancer: {get_resource: lb}, protocol: HTTP, protocol_port: 80}
  pool:
    type: OS::Octavia::Pool
    properties:
      listener: {get_resource: listener}
      protocol: HTTP
      lb_algorithm: {get_param: algorithm}
  template:
    type: OS::Magnum::ClusterTemplate
    condition: own_template
    properties: {coe: kubernetes, image: cirros, external_network: public}
  cluster:
    type: OS::Magnum::Cluster
    properties:
      cluster_template:
        if: [own_template, {get_resource: template}, {get_param: template_name}]
      node_count: {get_param: nodes}
  share:
    type: OS::Manila::Share
    properties:
      share_protocol: NFS
      size: 1
      access_rules: [{access_type: ip, access_to: {get_param: readers}, access_level: ro}]
outputs:
  nodes:
    value: {get_attr: [cluster, node_addresses]}
"""


def _ok(cloud: CloudProject, *args: str) -> str:
    result = cloud.run(*args)
    assert result.exit_code == 0, result.output + result.stderr
    return str(result.output)


def test_cluster_grows_in_place_and_the_stack_converges(cloud_project: CloudProject) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", STACK)
    _ok(cloud, "apply", "-auto-approve", *SCOPE)
    state = cloud.state("stack", "team", "dev")
    cluster_id = state.resources["cluster"].physical_id
    share_id = state.resources["share"].physical_id
    assert _ok(cloud, "plan", *SCOPE).startswith("No changes.")

    changed = ("-var", "nodes=3", "-var", "algorithm=SOURCE_IP", "-var", "readers=10.51.0.0/24")
    planned = _ok(cloud, "plan", *SCOPE, *changed)
    assert "Plan: 0 to add, 3 to change, 0 to destroy." in planned
    assert "~ node_count = 1 -> 3" in planned
    _ok(cloud, "apply", "-auto-approve", *SCOPE, *changed)
    sdk = cloud.sdk()
    cluster = sdk.container_infrastructure_management.get_cluster(cluster_id)
    assert (cluster.status, cluster.node_count) == ("UPDATE_COMPLETE", 3)
    assert cloud.state("stack", "team", "dev").resources["cluster"].physical_id == cluster_id
    rules = list(sdk.shared_file_system.access_rules(share_id))
    assert [r.access_to for r in rules] == ["10.51.0.0/24"]
    assert _ok(cloud, "plan", *SCOPE, *changed).startswith("No changes.")

    # Drift: the cluster shrunk behind the stack's back is seen and put back.
    magnum = sdk.container_infrastructure_management
    patch = [{"op": "replace", "path": "/node_count", "value": 2}]
    assert magnum.patch(f"/clusters/{cluster_id}", json=patch).status_code == 202
    drifted = _ok(cloud, "plan", *SCOPE, *changed)
    assert "node_count" in drifted and "1 to change" in drifted

    destroyed = _ok(cloud, "destroy", "-auto-approve", *SCOPE, *changed)
    assert "Resources: 8 destroyed." in destroyed
    assert list(magnum.clusters()) == []
    assert list(sdk.load_balancer.load_balancers()) == []


def test_missing_cluster_template_is_refused_at_plan_time(cloud_project: CloudProject) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", STACK)
    cloud.sim.clear_request_log()
    result = cloud.run("plan", *SCOPE, "-var", "template_name=k8s-1.27")
    assert result.exit_code == 1
    assert "cluster template `k8s-1.27` not found" in result.stderr
    assert cloud.writes() == []
