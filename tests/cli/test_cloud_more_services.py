"""Neutron's VPNaaS and metering types, Trove, Zun and Blazar through the
CLI against the simulator: apply, plan again (nothing to do), change in place, destroy."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)


VPN_STACK = """heat_template_version: 2018-08-31
parameters:
  psk:
    type: string
    hidden: true
    default: never-shown-psk
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.96.0.0/24}
  router:
    type: OS::Neutron::Router
    properties:
      external_gateway_info: {network: public}
  iface:
    type: OS::Neutron::RouterInterface
    properties: {router: {get_resource: router}, subnet: {get_resource: subnet}}
  vpn:
    type: OS::Neutron::VPNService
    depends_on: iface
    properties: {router: {get_resource: router}, subnet: {get_resource: subnet}}
  ike:
    type: OS::Neutron::IKEPolicy
    properties: {lifetime: {value: 7200}}
  ipsec:
    type: OS::Neutron::IPsecPolicy
  site:
    type: OS::Neutron::IPsecSiteConnection
    properties:
      peer_address: 172.24.4.233
      peer_id: 172.24.4.233
      peer_cidrs: [10.2.0.0/24]
      psk: {get_param: psk}
      ikepolicy_id: {get_resource: ike}
      ipsecpolicy_id: {get_resource: ipsec}
      vpnservice_id: {get_resource: vpn}
  label:
    type: OS::Neutron::MeteringLabel
    properties: {description: all egress}
  rule:
    type: OS::Neutron::MeteringRule
    properties:
      metering_label_id: {get_resource: label}
      remote_ip_prefix: 0.0.0.0/0
      direction: egress
outputs:
  site_status:
    value: {get_attr: [site, status]}
"""


def test_vpn_and_metering_stack(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", VPN_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    assert "never-shown-psk" not in applied.output
    sdk = cloud_project.sdk()
    state = cloud_project.state(workspace="team", environment="dev")
    assert state.outputs["site_status"] == "ACTIVE"
    site = sdk.network.get_vpn_ipsec_site_connection(state.resources["site"].physical_id)
    assert site.vpnservice_id == state.resources["vpn"].physical_id
    assert site.psk == "never-shown-psk"
    # The service turns ACTIVE once a connection uses it.
    assert sdk.network.get_vpn_service(site.vpnservice_id).status == "ACTIVE"
    rules = list(sdk.network.metering_label_rules())
    assert [r.metering_label_id for r in rules] == [state.resources["label"].physical_id]

    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output

    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.state(workspace="team", environment="dev").resources == {}
    assert list(sdk.network.vpn_services()) == []
    assert list(sdk.network.metering_labels()) == []


TROVE_STACK = """heat_template_version: 2018-08-31
parameters:
  db_password:
    type: string
    hidden: true
    default: never-shown-db-password
  flavor:
    type: string
    default: m1.small
resources:
  db:
    type: OS::Trove::Instance
    properties:
      flavor: {get_param: flavor}
      size: 2
      databases: [{name: app}]
      users: [{name: app, password: {get_param: db_password}, databases: [app]}]
outputs:
  host:
    value: {get_attr: [db, hostname]}
"""


def test_trove_instance_stack(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", TROVE_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    assert "never-shown-db-password" not in applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    assert state.outputs["host"].endswith(".trove.local")
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output

    # A bigger flavor resizes in place.
    resized = cloud_project.run("apply", "-auto-approve", "-var", "flavor=m1.medium", *SCOPE)
    assert resized.exit_code == 0, resized.output
    assert "1 changed" in resized.output or "1 updated" in resized.output, resized.output
    db_id = cloud_project.state(workspace="team", environment="dev").resources["db"].physical_id
    assert db_id == state.resources["db"].physical_id

    destroyed = cloud_project.run("destroy", "-auto-approve", "-var", "flavor=m1.medium", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.state(workspace="team", environment="dev").resources == {}


ZUN_STACK = """heat_template_version: 2018-08-31
parameters:
  memory:
    type: number
    default: 256
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.83.0.0/24}
  web:
    type: OS::Zun::Container
    depends_on: subnet
    properties:
      image: nginx:1.25
      command: nginx -g 'daemon off;'
      memory: {get_param: memory}
      restart_policy: always
      networks: [{network: {get_resource: net}}]
outputs:
  addresses:
    value: {get_attr: [web, addresses]}
"""


def test_zun_container_stack(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", ZUN_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    assert list(state.outputs["addresses"]) == [state.resources["net"].physical_id]
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    resized = cloud_project.run("apply", "-auto-approve", "-var", "memory=512", *SCOPE)
    assert resized.exit_code == 0, resized.output
    after = cloud_project.state(workspace="team", environment="dev")
    assert after.resources["web"].physical_id == state.resources["web"].physical_id
    destroyed = cloud_project.run("destroy", "-auto-approve", "-var", "memory=512", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.state(workspace="team", environment="dev").resources == {}


BLAZAR_STACK = """heat_template_version: 2018-08-31
resources:
  host:
    type: OS::Blazar::Host
    properties:
      name: sim-compute-1
      extra_capability: {gpu: "true"}
  lease:
    type: OS::Blazar::Lease
    depends_on: host
    properties:
      name: training-run
      start_date: "2099-01-01 10:00"
      end_date: "2099-01-01 14:00"
      reservations:
        - resource_type: physical:host
          min: 1
          max: 1
          hypervisor_properties: ""
          resource_properties: '["=", "$gpu", "true"]'
outputs:
  status:
    value: {get_attr: [lease, status]}
"""


def test_blazar_lease_stack(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", BLAZAR_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    assert cloud_project.state(workspace="team", environment="dev").outputs["status"] == "PENDING"
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.state(workspace="team", environment="dev").resources == {}
