"""``GET .../resources/{name}/metadata`` (heatclient's ``resources.metadata``, ``openstack
stack resource metadata``): the resource's template ``metadata`` resolved, and for a server
the stack's software deployments to it, as Heat gives them."""

from __future__ import annotations

import json

import pytest
from _service_kit import RunningService, openstack_cli
from heatclient import exc as heat_exc

pytestmark = pytest.mark.timeout(120)

TEMPLATE = """\
heat_template_version: 2018-08-31
parameters:
  greeting: {type: string, default: hi}
resources:
  value:
    type: OS::Heat::Value
    metadata:
      note: {get_param: greeting}
      peer: {get_attr: [other, value]}
      static: [1, 2]
    properties: {value: x}
  other:
    type: OS::Heat::Value
    properties: {value: other-value}
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: echo hello
      inputs: [{name: who}]
  server:
    type: OS::Nova::Server
    metadata: {role: web}
    properties:
      flavor: m1.tiny
      image: cirros
      networks: []
      user_data_format: SOFTWARE_CONFIG
  deploy:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: server}
      input_values: {who: world}
      signal_transport: NO_SIGNAL
"""


def test_resource_metadata(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(
        stack_name="meta", template=TEMPLATE, parameters={"greeting": "hello"}
    )["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason

    assert heat.resources.metadata(stack_id, "value") == {
        "note": "hello",
        "peer": "other-value",
        "static": [1, 2],
    }
    assert heat.resources.metadata(stack_id, "other") == {}
    assert heat.resources.get(stack_id, "value").metadata["note"] == "hello"

    server = heat.resources.metadata(stack_id, "server")
    assert server["role"] == "web"
    [deployment] = server["deployments"]
    assert deployment["group"] == "script"
    assert deployment["config"] == "echo hello"
    inputs = {i["name"]: i["value"] for i in deployment["inputs"]}
    assert inputs["who"] == "world"
    assert inputs["deploy_action"] == "CREATE"
    assert inputs["deploy_server_id"] == heat.resources.get(stack_id, "server").physical_resource_id

    shown = openstack_cli(service, "stack", "resource", "metadata", "-f", "json", "meta", "value")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["note"] == "hello"

    with pytest.raises(heat_exc.HTTPNotFound):
        heat.resources.metadata(stack_id, "nope")
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
