"""Types Heat hides but still accepts, through the CLI against the simulator: apply, plan
again (nothing to do), destroy.

OS::Nova::FloatingIP / FloatingIPAssociation and OS::Neutron::RouterGateway run on Neutron as
Heat's plugins do today; the retired types (Designate v1, LBaaS v1, Monasca) are Heat's
NoneResource now and touch no cloud."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

from atonix_iac.simulator.server import SimulatorServer


@pytest.fixture(scope="module")
def simulator(own_simulator: SimulatorServer) -> SimulatorServer:
    """This module's stacks depend on the project holding only their own networks."""
    return own_simulator


pytestmark = pytest.mark.timeout(240)


NOVA_NETWORK_STACK = """heat_template_version: 2013-05-23
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network_id: {get_resource: net}, cidr: 10.20.0.0/24}
  router:
    type: OS::Neutron::Router
  router_gateway:
    type: OS::Neutron::RouterGateway
    properties:
      router_id: {get_resource: router}
      network_id: public
  router_interface:
    type: OS::Neutron::RouterInterface
    properties: {router_id: {get_resource: router}, subnet_id: {get_resource: subnet}}
  server:
    type: OS::Nova::Server
    properties:
      image: cirros
      flavor: m1.small
      networks: [{network: {get_resource: net}}]
  floating_ip:
    type: OS::Nova::FloatingIP
  floating_ip_association:
    type: OS::Nova::FloatingIPAssociation
    depends_on: [router_interface, router_gateway]
    properties:
      floating_ip: {get_resource: floating_ip}
      server_id: {get_resource: server}
outputs:
  ip:
    value: {get_attr: [floating_ip, ip]}
  pool:
    value: {get_attr: [floating_ip, pool]}
"""

RETIRED_STACK = """heat_template_version: 2015-04-30
resources:
  domain:
    type: OS::Designate::Domain
    properties: {name: example.com., email: admin@example.com, ttl: 3600}
  record:
    type: OS::Designate::Record
    properties:
      domain: {get_resource: domain}
      name: www.example.com.
      type: A
      data: 10.0.0.1
  pool:
    type: OS::Neutron::Pool
    properties: {protocol: HTTP, lb_method: ROUND_ROBIN, subnet: whatever}
  monitor:
    type: OS::Neutron::HealthMonitor
    properties: {type: HTTP, delay: 3, max_retries: 3, timeout: 3}
  notification:
    type: OS::Monasca::Notification
    properties: {type: webhook, address: "http://example.com/hook"}
outputs:
  record_ref:
    value: {get_resource: record}
"""


def _apply_plan_again(cloud: CloudProject, stack: str) -> None:
    cloud.bind(DEV)
    cloud.write("stack.yaml", stack)
    applied = cloud.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    again = cloud.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output


def test_nova_floating_ip_and_router_gateway(cloud_project: CloudProject) -> None:
    _apply_plan_again(cloud_project, NOVA_NETWORK_STACK)
    sdk = cloud_project.sdk()
    state = cloud_project.state(workspace="team", environment="dev")
    public = sdk.network.find_network("public", ignore_missing=False)
    router = sdk.network.get_router(state.resources["router"].physical_id)
    assert router.external_gateway_info["network_id"] == public.id
    assert state.resources["router_gateway"].physical_id == f"{router.id}:{public.id}"
    fip = sdk.network.get_ip(state.resources["floating_ip"].physical_id)
    server_id = state.resources["server"].physical_id
    assert fip.port_id == next(iter(sdk.network.ports(device_id=server_id))).id
    assert state.outputs["ip"] == fip.floating_ip_address
    assert state.outputs["pool"] == public.id
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert list(sdk.network.ips()) == []
    assert sdk.network.find_router(router.id) is None
    assert cloud_project.state(workspace="team", environment="dev").resources == {}


def test_router_gateway_delete_clears_the_gateway(cloud_project: CloudProject) -> None:
    stack = """heat_template_version: 2013-05-23
resources:
  router:
    type: OS::Neutron::Router
%s"""
    gateway = """  gw:
    type: OS::Neutron::RouterGateway
    properties: {router_id: {get_resource: router}, network: public}
"""
    _apply_plan_again(cloud_project, stack % gateway)
    sdk = cloud_project.sdk()
    router_id = cloud_project.state(workspace="team", environment="dev").resources["router"]
    cloud_project.write("stack.yaml", stack % "")
    removed = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert removed.exit_code == 0, removed.output
    assert not sdk.network.get_router(router_id.physical_id).external_gateway_info
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    assert cloud_project.run("destroy", "-auto-approve", *SCOPE).exit_code == 0


def test_retired_types_create_nothing(cloud_project: CloudProject) -> None:
    before = len(cloud_project.writes())
    _apply_plan_again(cloud_project, RETIRED_STACK)
    assert len(cloud_project.writes()) == before  # Heat's NoneResource: no cloud call
    state = cloud_project.state(workspace="team", environment="dev")
    assert set(state.resources) == {"domain", "record", "pool", "monitor", "notification"}
    assert state.outputs["record_ref"] == state.resources["record"].physical_id
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.state(workspace="team", environment="dev").resources == {}
