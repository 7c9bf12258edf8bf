"""A server's ``networks[].floating_ip``, through the CLI against the simulator, as Heat
treats it: associated with the entry's port; refused, in Heat's words, where the entry names
only a network; refused where Heat would create the port itself (atonix does not)."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

from atonix_iac.simulator.server import SimulatorServer


@pytest.fixture(scope="module")
def simulator(own_simulator: SimulatorServer) -> SimulatorServer:
    """These stacks count the project's floating IPs."""
    return own_simulator


pytestmark = pytest.mark.timeout(240)


STACK = """heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.30.0.0/24}
  router:
    type: OS::Neutron::Router
    properties: {external_gateway_info: {network: public}}
  interface:
    type: OS::Neutron::RouterInterface
    properties: {router: {get_resource: router}, subnet: {get_resource: subnet}}
  port:
    type: OS::Neutron::Port
    depends_on: [interface]
    properties: {network: {get_resource: net}}
  fip:
    type: OS::Neutron::FloatingIP
    properties: {floating_network: public}
  server:
    type: OS::Nova::Server
    properties:
      image: cirros
      flavor: m1.small
      networks: [%s]
"""


def test_a_floating_ip_on_a_port_entry_is_associated_with_that_port(
    cloud_project: CloudProject,
) -> None:
    cloud_project.bind(DEV)
    cloud_project.write(
        "stack.yaml",
        STACK % "{port: {get_resource: port}, floating_ip: {get_resource: fip}}",
    )
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    sdk = cloud_project.sdk()
    fip = sdk.network.get_ip(state.resources["fip"].physical_id)
    assert fip.port_id == state.resources["port"].physical_id
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert list(sdk.network.ips()) == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{network: {get_resource: net}, floating_ip: {get_resource: fip}}",
            'Property "floating_ip" is not supported if only "network" is specified',
        ),
        (
            "{subnet: {get_resource: subnet}, floating_ip: {get_resource: fip}}",
            "`networks[0].floating_ip` beside `subnet` needs the port Heat creates",
        ),
        (
            "{network: {get_resource: net}, port_extra_properties: {mac_address: "
            "'fa:16:3e:00:00:01'}}",
            "`networks[0].port_extra_properties` needs the port Heat creates",
        ),
    ],
)
def test_entries_atonix_cannot_honour_are_refused_at_plan(
    cloud_project: CloudProject, entry: str, message: str
) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK % entry)
    planned = cloud_project.run("plan", *SCOPE)
    assert planned.exit_code == 1, planned.output
    assert message in planned.output
    assert "stack.yaml:" in planned.output and "Traceback" not in planned.output
    assert cloud_project.state(workspace="team", environment="dev").resources == {}
