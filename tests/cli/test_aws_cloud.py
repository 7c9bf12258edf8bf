"""The AWS-compatible types Heat keeps (EC2 instance, security group, EIP, volume, S3 bucket)
through the CLI against the simulator: apply, plan again (nothing to do), destroy, with the
objects checked in the cloud as Heat would have made them."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(240)


EC2_STACK = """heat_template_version: 2018-08-31
parameters:
  InstanceType: {type: string, default: m1.tiny}
resources:
  Net:
    type: OS::Neutron::Net
  Sub:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: Net}, cidr: 10.8.0.0/24}
  Gateway:
    type: OS::Neutron::Router
    properties: {external_gateway_info: {network: public}}
  Uplink:
    type: OS::Neutron::RouterInterface
    properties: {router: {get_resource: Gateway}, subnet: {get_resource: Sub}}
  WebGroup:
    type: AWS::EC2::SecurityGroup
    properties:
      GroupDescription: web tier
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: '80', ToPort: '80', CidrIp: 0.0.0.0/0}
        - {IpProtocol: icmp, FromPort: '-1', ToPort: '-1', CidrIp: 0.0.0.0/0}
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: '443', ToPort: '443', CidrIp: 10.0.0.0/8}
  Data:
    type: AWS::EC2::Volume
    properties:
      Size: 1
      AvailabilityZone: nova
      Tags: [{Key: role, Value: data}]
  Web:
    type: AWS::EC2::Instance
    depends_on: Sub
    properties:
      ImageId: cirros
      InstanceType: {get_param: InstanceType}
      SubnetId: {get_resource: Sub}
      SecurityGroups: [{get_resource: WebGroup}]
      Tags: [{Key: tier, Value: web}]
      UserData: "#!/bin/sh\\necho hello\\n"
  Logs:
    type: AWS::EC2::Volume
    properties: {Size: 1, AvailabilityZone: nova}
  LogsAttachment:
    type: AWS::EC2::VolumeAttachment
    properties:
      InstanceId: {get_resource: Web}
      VolumeId: {get_resource: Logs}
      Device: /dev/vdc
  Attached:
    type: AWS::EC2::Instance
    depends_on: Sub
    properties:
      ImageId: cirros
      InstanceType: m1.tiny
      SubnetId: {get_resource: Sub}
      Volumes: [{VolumeId: {get_resource: Data}, Device: /dev/vdb}]
  IPAddress:
    type: AWS::EC2::EIP
  IPAssoc:
    type: AWS::EC2::EIPAssociation
    depends_on: Uplink
    properties: {InstanceId: {get_resource: Web}, EIP: {get_resource: IPAddress}}
  BoundIP:
    type: AWS::EC2::EIP
    depends_on: Uplink
    properties: {InstanceId: {get_resource: Attached}}
  Site:
    type: AWS::S3::Bucket
    properties:
      AccessControl: PublicRead
      WebsiteConfiguration: {IndexDocument: index.html, ErrorDocument: error.html}
      Tags: [{Key: team, Value: web}]
outputs:
  PublicIP: {value: {get_resource: IPAddress}}
  Allocation: {value: {get_attr: [IPAddress, AllocationId]}}
  PrivateIp: {value: {get_attr: [Web, PrivateIp]}}
  Zone: {value: {get_attr: [Web, AvailabilityZone]}}
  SiteURL: {value: {get_attr: [Site, WebsiteURL]}}
"""


def test_ec2_stack_round_trip(cloud_project: CloudProject) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", EC2_STACK)
    applied = cloud.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    sdk = cloud.sdk()
    state = cloud.state(workspace="team", environment="dev")
    res = state.resources

    # The security group: Heat's rules, default egress replaced by the declared one.
    group = sdk.network.get_security_group(res["WebGroup"].physical_id)
    assert group.description == "web tier"
    rules = {
        (r["direction"], r["protocol"], r["port_range_min"], r["remote_ip_prefix"])
        for r in group.security_group_rules
    }
    assert rules == {
        ("ingress", "tcp", 80, "0.0.0.0/0"),
        ("ingress", "icmp", None, "0.0.0.0/0"),
        ("egress", "tcp", 443, "10.0.0.0/8"),
    }

    # The instance: a Nova server with the flavor, tags as metadata, a nic on the subnet.
    server = sdk.compute.get_server(res["Web"].physical_id)
    assert server.flavor["original_name"] == "m1.tiny"
    assert server.metadata["tier"] == "web"
    private_ip = state.outputs["PrivateIp"]
    assert private_ip.startswith("10.8.0.")
    assert state.outputs["Zone"] == server.availability_zone

    # Volumes: attached by the instance's Volumes and by a VolumeAttachment.
    assert sdk.block_storage.get_volume(res["Data"].physical_id).status == "in-use"
    assert sdk.block_storage.get_volume(res["Data"].physical_id).metadata["role"] == "data"
    assert sdk.block_storage.get_volume(res["Logs"].physical_id).status == "in-use"

    # EIPs: the reference is the address; one bound by association, one by InstanceId.
    address = state.outputs["PublicIP"]
    assert res["IPAddress"].physical_id == address
    fip = sdk.network.get_ip(state.outputs["Allocation"])
    assert fip.floating_ip_address == address
    web_port = next(iter(sdk.network.ports(device_id=server.id)))
    assert fip.port_id == web_port.id
    bound = next(iter(sdk.network.ips(floating_ip_address=res["BoundIP"].physical_id)))
    attached_port = next(iter(sdk.network.ports(device_id=res["Attached"].physical_id)))
    assert bound.port_id == attached_port.id

    # The bucket: a Swift container with Heat's headers.
    bucket = res["Site"].physical_id
    head = sdk.object_store.get_container_metadata(bucket)
    assert head.read_ACL == ".r:*"
    assert head.metadata["web-index"] == "index.html"
    assert head.metadata["s3-tag-team"] == "web"
    assert state.outputs["SiteURL"].endswith(f"/{bucket}")

    again = cloud.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output

    # An update in place: the instance type resizes the same server.
    resized = cloud.run("apply", "-auto-approve", *SCOPE, "-var", "InstanceType=m1.small")
    assert resized.exit_code == 0, resized.output
    after = cloud.state(workspace="team", environment="dev").resources["Web"].physical_id
    assert after == server.id
    assert sdk.compute.get_server(after).flavor["original_name"] == "m1.small"

    destroyed = cloud.run("destroy", "-auto-approve", *SCOPE, "-var", "InstanceType=m1.small")
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud.state(workspace="team", environment="dev").resources == {}
    assert list(sdk.compute.servers()) == []
    assert list(sdk.network.ips()) == []
    assert list(sdk.block_storage.volumes()) == []
    assert [c.name for c in sdk.object_store.containers()] == []


VPC_STACK = """heat_template_version: 2018-08-31
resources:
  Vpc:
    type: AWS::EC2::VPC
    properties: {CidrBlock: 10.20.0.0/16}
  Sub:
    type: AWS::EC2::Subnet
    properties: {VpcId: {get_resource: Vpc}, CidrBlock: 10.20.1.0/24, AvailabilityZone: nova}
  Group:
    type: AWS::EC2::SecurityGroup
    properties:
      GroupDescription: ssh
      VpcId: {get_resource: Vpc}
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: '22', ToPort: '22', CidrIp: 0.0.0.0/0}]
  Private:
    type: AWS::EC2::Subnet
    properties: {VpcId: {get_resource: Vpc}, CidrBlock: 10.20.2.0/24}
  Table:
    type: AWS::EC2::RouteTable
    properties: {VpcId: {get_resource: Vpc}}
  PrivateRoutes:
    type: AWS::EC2::SubnetRouteTableAssociation
    properties: {RouteTableId: {get_resource: Table}, SubnetId: {get_resource: Private}}
  Nic:
    type: AWS::EC2::NetworkInterface
    properties:
      SubnetId: {get_resource: Sub}
      PrivateIpAddress: 10.20.1.50
      GroupSet: [{get_resource: Group}]
  Box:
    type: AWS::EC2::Instance
    properties:
      ImageId: cirros
      InstanceType: m1.tiny
      NetworkInterfaces: [{NetworkInterfaceId: {get_resource: Nic}, DeviceIndex: '0'}]
outputs:
  nic_ip: {value: {get_attr: [Nic, PrivateIpAddress]}}
  box_ip: {value: {get_attr: [Box, PrivateIp]}}
  zone: {value: {get_attr: [Sub, AvailabilityZone]}}
"""


def test_vpc_stack_round_trip(cloud_project: CloudProject) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", VPC_STACK)
    sdk = cloud.sdk()
    # The simulator is shared with other tests (an adopted network outlives its stack).
    routers_before = {r.id for r in sdk.network.routers()}
    networks_before = {n.id for n in sdk.network.networks()}
    applied = cloud.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud.state(workspace="team", environment="dev")
    res = state.resources
    network = sdk.network.get_network(res["Vpc"].physical_id)
    (router,) = list(sdk.network.routers(name=network.name))

    def plugged(router_id: str) -> set[str]:
        ports = sdk.network.ports(device_id=router_id)
        return {ip["subnet_id"] for p in ports for ip in p.fixed_ips}

    # The private subnet moved from the VPC's router to the route table's.
    assert plugged(router.id) == {res["Sub"].physical_id}
    assert plugged(res["Table"].physical_id) == {res["Private"].physical_id}
    port = sdk.network.get_port(res["Nic"].physical_id)
    assert port.network_id == network.id
    assert port.security_group_ids == [res["Group"].physical_id]
    assert port.device_id == res["Box"].physical_id
    assert state.outputs["nic_ip"] == state.outputs["box_ip"] == "10.20.1.50"
    assert state.outputs["zone"] == "nova"
    again = cloud.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud.state(workspace="team", environment="dev").resources == {}
    assert {r.id for r in sdk.network.routers()} == routers_before
    assert {n.id for n in sdk.network.networks()} == networks_before
