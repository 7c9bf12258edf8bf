"""Servers' user_data as Heat builds it, applied through the CLI to the simulator and read
back through Nova's API: SOFTWARE_CONFIG with a config id, RAW, and Heat's default
HEAT_CFNTOOLS, plus what the plan says when user_data changes."""

from __future__ import annotations

import base64
import email
import json
import os
import subprocess
import time
import uuid
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import ATONIX, DEV, SCOPE, CloudProject

from atonix_iac.simulator.server import SimulatorServer


@pytest.fixture(scope="module")
def simulator(own_simulator: SimulatorServer) -> SimulatorServer:
    """This module's stacks depend on the project holding only their own networks."""
    return own_simulator


pytestmark = pytest.mark.timeout(180)


STACK = """heat_template_version: 2018-08-31
parameters:
  script:
    type: string
    default: "#!/bin/sh\\necho one\\n"
  policy:
    type: string
    default: REPLACE
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.43.0.0/24}
  boot:
    type: OS::Heat::CloudConfig
    properties:
      cloud_config: {packages: [nginx]}
  script:
    type: OS::Heat::SoftwareConfig
    properties: {group: ungrouped, config: {get_param: script}}
  init:
    type: OS::Heat::MultipartMime
    properties:
      parts:
        - config: {get_resource: boot}
        - config: {get_resource: script}
          filename: run.sh
          subtype: x-shellscript
  configured:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      flavor: m1.tiny
      image: cirros
      networks: [{network: {get_resource: net}}]
      user_data_format: SOFTWARE_CONFIG
      software_config_transport: POLL_SERVER_HEAT
      user_data: {get_resource: init}
      user_data_update_policy: {get_param: policy}
  raw:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      flavor: m1.tiny
      image: cirros
      networks: [{network: {get_resource: net}}]
      user_data_format: RAW
      user_data: {get_resource: script}
  cfn:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      flavor: m1.tiny
      image: cirros
      networks: [{network: {get_resource: net}}]
      user_data: {get_param: script}
"""


def _user_data(cloud: CloudProject, address: str) -> str:
    server_id = cloud.state("stack", "team", "dev").resources[address].physical_id
    live = cloud.sdk().compute.get_server(server_id)
    return base64.b64decode(live.user_data).decode("utf-8")


def _parts(text: str) -> list[tuple[str, str | None, Any]]:
    message = email.message_from_string(text)
    assert message.get_content_type() == "multipart/mixed"
    return [
        (p.get_content_type(), p.get_filename(), p.get_payload())
        for p in message.get_payload()
        if isinstance(p, Message)
    ]


def test_servers_receive_the_user_data_heat_would_send(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    try:
        # SOFTWARE_CONFIG: Heat's boot parts, then the MultipartMime's own parts, in order,
        # then the server's metadata (deployments, os-collect-config) as cfn-init-data.
        parts = _parts(_user_data(cloud_project, "configured"))
        assert [(kind, name) for kind, name, _ in parts] == [
            ("text/cloud-config", "cloud-config"),
            ("text/cloud-boothook", "boothook.sh"),
            ("text/part-handler", "part-handler.py"),
            ("text/plain", ""),  # as Heat: a part without filename gets "filename"
            ("text/x-shellscript", "run.sh"),
            ("text/x-cfninitdata", "cfn-init-data"),
        ]
        assert parts[3][2] == "#cloud-config\npackages:\n- nginx\n"
        assert parts[4][2] == "#!/bin/sh\necho one\n"
        assert '"collectors": ["ec2", "heat", "local"]' in parts[5][2]
        # RAW with a config id: the config's content, unwrapped.
        assert _user_data(cloud_project, "raw") == "#!/bin/sh\necho one\n"
        # No format: Heat's HEAT_CFNTOOLS, the script as cfn-userdata then loguserdata.py.
        cfn = _parts(_user_data(cloud_project, "cfn"))
        assert [(kind, name) for kind, name, _ in cfn][3:] == [
            ("text/x-cfninitdata", "cfn-userdata"),
            ("text/x-shellscript", "loguserdata.py"),
        ]
        assert cfn[3][2] == "#!/bin/sh\necho one\n"
        occ = cloud_project.state("stack", "team", "dev").resources["configured"].attributes
        assert occ["os_collect_config"]["collectors"] == ["ec2", "heat", "local"]

        # A new script replaces the config, the message and (REPLACE) the servers using it.
        plan = cloud_project.run("plan", *SCOPE, "-var", "script=echo two")
        assert plan.exit_code == 0, plan.output
        assert "user_data changed and user_data_update_policy is REPLACE" in plan.stdout
        assert "~ user_data = (sensitive value) # forces replacement" in plan.stdout
        assert "(5 replaced)" in plan.stdout
        # IGNORE: the configs are replaced, the server is left as it is.
        ignored = cloud_project.run(
            "plan", *SCOPE, "-var", "script=echo two", "-var", "policy=IGNORE", "-out", "i.plan"
        )
        assert ignored.exit_code == 0, ignored.output
        shown = cloud_project.run("show", "-json", "i.plan")
        changes = {
            c["address"]: c["change"]["actions"]
            for c in json.loads(shown.stdout)["resource_changes"]
        }
        assert changes["configured"] == ["update"]  # the policy itself changes in place
        assert changes["raw"] == ["delete", "create"]

        # REBUILD: the same server, rebuilt with the user_data built from the new config.
        configured = cloud_project.state("stack", "team", "dev").resources["configured"]
        rebuilt = cloud_project.run(
            "apply", "-auto-approve", *SCOPE, "-var", "script=echo two", "-var", "policy=REBUILD"
        )
        assert rebuilt.exit_code == 0, rebuilt.output
        after = cloud_project.state("stack", "team", "dev").resources["configured"]
        assert after.physical_id == configured.physical_id
        assert _parts(_user_data(cloud_project, "configured"))[4][2] == "echo two"
    finally:
        destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
        assert destroyed.exit_code == 0, destroyed.output


CORPUS = Path("/work/shared/corpus/heat-templates/hot/software-config/example-templates")


def test_heats_cloud_init_example_boots_with_every_part_in_order(
    cloud_project: CloudProject,
) -> None:
    """hot/software-config/example-templates/example-cloud-init.yaml, as published."""
    source = CORPUS / "example-cloud-init.yaml"
    if not source.exists():
        pytest.skip("the heat-templates corpus is not available here")
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", source.read_text())
    key = f"swc-{uuid.uuid4().hex[:8]}"
    sdk = cloud_project.sdk()
    sdk.compute.create_keypair(name=key)
    # The example names no network: Nova picks the project's only one.
    net = sdk.network.create_network(name=key)
    sdk.network.create_subnet(network_id=net.id, cidr="10.44.0.0/24", ip_version=4)
    params = ("-var", f"key_name={key}", "-var", "flavor=m1.tiny", "-var", "image=cirros")
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE, *params)
    assert applied.exit_code == 0, applied.output
    try:
        parts = _parts(_user_data(cloud_project, "server"))  # RAW: the MultipartMime itself
        assert [kind for kind, _, _ in parts] == ["text/plain"] * 5
        bodies = [body for _, _, body in parts]
        assert bodies[0].startswith("#cloud-config\n") and "/tmp/one" in bodies[0]
        assert "The two is bar" in bodies[1]
        assert "The three is bar" in bodies[2]  # three_four_init's parts, unpacked
        assert "The four is bar" in bodies[3]
        assert "merge_how" in bodies[4] and "/tmp/five" in bodies[4]
    finally:
        destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, *params)
        assert destroyed.exit_code == 0, destroyed.output
        sdk.compute.delete_keypair(key)
        sdk.network.delete_network(net.id)


def test_heats_cirros_deployment_example_completes_on_its_signal(
    cloud_project: CloudProject,
) -> None:
    """cirros-example/cirros-hello-world.yaml, as published: the deployment (HEAT_SIGNAL)
    waits while apply runs in its own process; `atonix signal` sends what heat-config would."""
    source = CORPUS / "cirros-example" / "cirros-hello-world.yaml"
    if not source.exists():
        pytest.skip("the heat-templates corpus is not available here")
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", source.read_text())
    key = f"swc-{uuid.uuid4().hex[:8]}"
    sdk = cloud_project.sdk()
    sdk.compute.create_keypair(name=key)
    net = sdk.network.create_network(name=key)
    sdk.network.create_subnet(network_id=net.id, cidr="10.45.0.0/24", ip_version=4)
    params = ("-var", f"key_name={key}", "-var", "flavor=m1.tiny", "-var", "image=cirros")
    applying = subprocess.Popen(
        [str(ATONIX), "apply", "-auto-approve", *SCOPE, *params],
        cwd=cloud_project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sd = cloud_project.state("stack", "team", "dev").resources.get("sd")
            if sd is not None and sd.physical_id:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the deployment never reached state")
        inputs = {i["name"]: i["value"] for i in sd.attributes["derived_config"]["inputs"]}
        assert inputs["message"] == "Hello, world!"
        assert inputs["deploy_server_id"] == (
            cloud_project.state("stack", "team", "dev").resources["server"].physical_id
        )
        outputs = {"file_content": "Hello, world!\n", "deploy_status_code": 0}
        sent = cloud_project.run("signal", "sd", *SCOPE, "--data", json.dumps(outputs))
        assert sent.exit_code == 0, sent.output
        out, err = applying.communicate(timeout=90)
        assert applying.returncode == 0, out + err
        state = cloud_project.state("stack", "team", "dev")
        assert state.outputs["deploy_output"] == "Hello, world!\n"
        # The server booted with Heat's SOFTWARE_CONFIG boot parts and its polling config.
        parts = _parts(_user_data(cloud_project, "server"))
        assert parts[-1][1] == "cfn-init-data"
        assert '"collectors": ["ec2", "heat", "local"]' in parts[-1][2]
    finally:
        if applying.poll() is None:
            applying.kill()
        destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, *params)
        assert destroyed.exit_code == 0, destroyed.output
        sdk.compute.delete_keypair(key)
        sdk.network.delete_network(net.id)
