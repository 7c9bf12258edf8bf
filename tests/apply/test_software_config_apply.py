"""Heat's software config types and NO_SIGNAL deployments, applied for real (SQLite state,
Heat's provider): the records Heat would store, the MIME messages cloud-init would read, and
the derived configs Heat would hand the server."""

from __future__ import annotations

import email
from email.message import Message
from typing import Any

import pytest
from _apply_kit import Stack

from atonix_iac.errors import AtonixError
from atonix_iac.planner.plan import Action

CONFIGS = """
resources:
  script:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: "#!/bin/sh\\necho hello\\n"
      inputs: [{name: greeting, default: hi}, {name: count, type: Number}]
      outputs: [{name: result}]
  cloud:
    type: OS::Heat::CloudConfig
    properties:
      cloud_config:
        packages: [nginx]
        runcmd: [[echo, ok]]
  mime:
    type: OS::Heat::MultipartMime
    properties:
      parts:
        - config: {get_resource: cloud}
        - config: {get_resource: script}
          subtype: x-shellscript
        - config: "inline text"
          filename: notes.txt
"""


def _attrs(stack: Stack, address: str) -> dict[str, Any]:
    return stack.state().resources[address].attributes


def _parts(text: str) -> list[Message]:
    message = email.message_from_string(text)
    assert message.is_multipart()
    assert message.get_content_type() == "multipart/mixed"
    return [p for p in message.get_payload() if isinstance(p, Message)]


def test_configs_store_heats_records_and_the_mime_message_cloud_init_reads(stack: Stack) -> None:
    stack.apply(CONFIGS)
    state = stack.state().resources
    script = _attrs(stack, "script")
    assert script["config"] == "#!/bin/sh\necho hello\n"
    record = script["show"]
    assert record["id"] == state["script"].physical_id
    assert record["group"] == "script"
    # Stored as Heat's InputConfig/OutputConfig.as_dict() store them.
    assert record["inputs"] == [
        {"name": "greeting", "type": "String", "default": "hi"},
        {"name": "count", "type": "Number"},
    ]
    assert record["outputs"] == [{"name": "result", "type": "String", "error_output": False}]
    assert record["name"].startswith("stack-script-")
    # CloudConfig: '#cloud-config' then the map as YAML, group Heat::Ungrouped.
    cloud = _attrs(stack, "cloud")
    assert cloud["config"] == "#cloud-config\npackages:\n- nginx\nruncmd:\n- - echo\n  - ok\n"
    assert cloud["show"]["group"] == "Heat::Ungrouped"
    # MultipartMime: parts in order; ids replaced by the configs' content.
    parts = _parts(_attrs(stack, "mime")["config"])
    assert [p.get_content_type() for p in parts] == [
        "text/plain",
        "text/x-shellscript",
        "text/notes",
    ]
    assert [p.get_filename() for p in parts] == [None, None, "notes.txt"]
    assert parts[0].get_payload() == cloud["config"]
    assert parts[1].get_payload() == script["config"]
    assert parts[2].get_payload() == "inline text"
    assert all(p.get_content_charset() == "us-ascii" for p in parts)


def test_a_multipart_part_contributes_its_own_parts_and_utf8_content_stays_utf8(
    stack: Stack,
) -> None:
    body = (
        CONFIGS
        + """
  outer:
    type: OS::Heat::MultipartMime
    properties:
      parts:
        - config: "première"
          filename: cloud-config
        - config: {get_resource: mime}
          type: multipart
"""
    )
    stack.apply(body)
    parts = _parts(_attrs(stack, "outer")["config"])
    assert [p.get_content_type() for p in parts] == [
        "text/cloud-config",
        "text/plain",
        "text/x-shellscript",
        "text/notes",
    ]
    assert parts[0].get_content_charset() == "utf-8"
    assert parts[0].get_payload(decode=True).decode("utf-8") == "première"
    assert parts[3].get_filename() == "notes.txt"


def test_a_config_is_immutable_a_change_replaces_it_and_what_uses_it(stack: Stack) -> None:
    stack.apply(CONFIGS)
    before = stack.state().resources["script"].physical_id
    changed = CONFIGS.replace("echo hello", "echo bye")
    plan = stack.plan(changed)
    actions = {c.address: c.action for c in plan.changes}
    assert actions["script"] in (Action.DELETE_THEN_CREATE, Action.CREATE_THEN_DELETE)
    assert actions["cloud"] is Action.NOOP
    # The MIME message names the script by id: it is rebuilt (replaced) with the new one.
    assert actions["mime"] in (Action.DELETE_THEN_CREATE, Action.CREATE_THEN_DELETE)
    stack.apply(changed)
    assert stack.state().resources["script"].physical_id != before
    assert "echo bye" in _attrs(stack, "mime")["config"]


DEPLOYMENT = (
    CONFIGS
    + """
  server:
    type: OS::Heat::DeployedServer
    properties:
      software_config_transport: POLL_SERVER_HEAT
  deploy:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: script}
      server: {get_resource: server}
      signal_transport: NO_SIGNAL
      input_values: {count: 3, extra: x}
"""
)


def test_a_no_signal_deployment_completes_at_once_with_heats_derived_config(stack: Stack) -> None:
    stack.apply(DEPLOYMENT)
    state = stack.state().resources
    server_id = state["server"].physical_id
    attrs = _attrs(stack, "deploy")
    assert (attrs["deploy_stdout"], attrs["deploy_stderr"], attrs["deploy_status_code"]) == (
        None,
        None,
        None,
    )
    record = attrs["show"]
    assert record["status"] == "COMPLETE"
    assert record["status_reason"] == "Not waiting for outputs signal"
    assert record["action"] == "CREATE"
    assert record["server_id"] == server_id
    derived = attrs["derived_config"]
    assert record["config_id"] == derived["id"]
    assert derived["config"] == "#!/bin/sh\necho hello\n"
    assert derived["group"] == "script"
    assert derived["outputs"] == [{"name": "result", "type": "String", "error_output": False}]
    inputs = {i["name"]: i for i in derived["inputs"]}
    assert [i["name"] for i in derived["inputs"]] == [
        "greeting",
        "count",
        "extra",
        "deploy_server_id",
        "deploy_action",
        "deploy_stack_id",
        "deploy_resource_name",
        "deploy_signal_transport",
    ]
    assert inputs["greeting"] == {
        "name": "greeting",
        "type": "String",
        "default": "hi",
        "value": "hi",
    }
    assert inputs["count"]["value"] == 3
    assert inputs["extra"] == {"name": "extra", "type": "String", "value": "x"}
    assert inputs["deploy_action"] == {
        "name": "deploy_action",
        "description": "Name of the current action being deployed",
        "type": "String",
        "value": "CREATE",
    }
    assert inputs["deploy_server_id"]["value"] == server_id
    assert inputs["deploy_action"]["value"] == "CREATE"
    assert inputs["deploy_resource_name"]["value"] == "deploy"
    assert inputs["deploy_stack_id"]["value"].startswith("stack/")
    assert inputs["deploy_signal_transport"]["value"] == "NO_SIGNAL"
    # DeployedServer: the collectors its agent would run for POLL_SERVER_HEAT.
    occ = _attrs(stack, "server")["os_collect_config"]
    assert occ["collectors"] == ["ec2", "heat", "local"]


def test_changing_input_values_updates_the_deployment_with_action_update(stack: Stack) -> None:
    stack.apply(DEPLOYMENT)
    deploy_id = stack.state().resources["deploy"].physical_id
    changed = DEPLOYMENT.replace("count: 3", "count: 4")
    plan = stack.plan(changed)
    assert {c.address: c.action for c in plan.changes}["deploy"] is Action.UPDATE
    stack.apply(changed)
    attrs = _attrs(stack, "deploy")
    assert stack.state().resources["deploy"].physical_id == deploy_id
    assert attrs["show"]["action"] == "UPDATE"
    inputs = {i["name"]: i["value"] for i in attrs["derived_config"]["inputs"]}
    assert inputs["count"] == 4
    assert inputs["deploy_action"] == "UPDATE"


def test_an_action_not_listed_does_not_deploy(stack: Stack) -> None:
    body = DEPLOYMENT.replace(
        "signal_transport: NO_SIGNAL", "signal_transport: NO_SIGNAL\n      actions: [UPDATE]"
    )
    stack.apply(body)
    assert "show" not in _attrs(stack, "deploy")


STRUCTURED = """
resources:
  config:
    type: OS::Heat::StructuredConfig
    properties:
      group: os-apply-config
      config:
        nginx:
          port: {get_input: port}
          names: [{get_input: name}, fixed]
          raw: {get_input: [not, a, name]}
  deploy:
    type: OS::Heat::StructuredDeployment
    properties:
      config: {get_resource: config}
      server: 2d8c2a3c-0000-4000-8000-000000000001
      signal_transport: NO_SIGNAL
      input_values: {port: 8080, name: web}
"""


def test_a_structured_deployment_substitutes_get_input_as_heat_does(stack: Stack) -> None:
    stack.apply(STRUCTURED)
    derived = _attrs(stack, "deploy")["derived_config"]
    assert derived["config"] == {
        "nginx": {
            "port": 8080,
            "names": ["web", "fixed"],
            "raw": {"get_input": ["not", "a", "name"]},
        }
    }
    assert derived["group"] == "os-apply-config"


def test_a_signalled_group_is_refused_with_the_way_out(stack: Stack) -> None:
    body = GROUP.replace("SERVERS", "2d8c2a3c-0000-4000-8000-000000000002").replace(
        "signal_transport: NO_SIGNAL", "signal_transport: HEAT_SIGNAL"
    )
    with pytest.raises(AtonixError) as err:
        stack.apply(body)
    assert "NO_SIGNAL" in err.value.format()
    assert "group" not in stack.state().resources


GROUP = """
resources:
  config:
    type: OS::Heat::StructuredConfig
    properties:
      config: {port: {get_input: port}, who: {get_input: deploy_resource_name}}
  group:
    type: OS::Heat::StructuredDeploymentGroup
    properties:
      config: {get_resource: config}
      servers: {web1: 2d8c2a3c-0000-4000-8000-000000000001, web2: SERVERS}
      signal_transport: NO_SIGNAL
      input_values: {port: 80}
outputs:
  stdouts: {value: {get_attr: [group, deploy_stdouts]}}
"""


def test_a_deployment_group_deploys_to_each_server_by_its_key(stack: Stack) -> None:
    first = GROUP.replace("SERVERS", "2d8c2a3c-0000-4000-8000-000000000002")
    result = stack.apply(first)
    assert result.outputs["stdouts"] == {"web1": None, "web2": None}
    members = _attrs(stack, "group")["members"]
    assert members["web2"]["derived_config"]["config"] == {"port": 80, "who": "web2"}
    assert members["web1"]["show"]["server_id"] == "2d8c2a3c-0000-4000-8000-000000000001"
    # A new key is created, the others updated (Heat redeploys every member).
    third = first.replace(
        "}\n      signal", ", web3: 2d8c2a3c-0000-4000-8000-000000000003}\n      signal"
    )
    stack.apply(third)
    members = _attrs(stack, "group")["members"]
    assert {k: m["show"]["action"] for k, m in members.items()} == {
        "web1": "UPDATE",
        "web2": "UPDATE",
        "web3": "CREATE",
    }


COMPONENT = """
resources:
  component:
    type: OS::Heat::SoftwareComponent
    properties:
      configs:
        - {actions: [CREATE], config: "create.sh", tool: script}
        - {actions: [DELETE], config: "delete.sh", tool: script}
  deploy:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: component}
      server: 2d8c2a3c-0000-4000-8000-000000000001
      signal_transport: NO_SIGNAL
      input_values: {n: VALUE}
"""


def test_a_component_deploys_only_in_the_actions_its_configs_name(stack: Stack) -> None:
    stack.apply(COMPONENT.replace("VALUE", "1"))
    component = _attrs(stack, "component")
    assert component["show"]["group"] == "component"
    assert [c["actions"] for c in component["configs"]] == [["CREATE"], ["DELETE"]]
    deployed = _attrs(stack, "deploy")
    assert deployed["derived_config"]["config"]["configs"][0]["config"] == "create.sh"
    # No config names UPDATE: an update deploys nothing (Heat's _handle_action returns).
    stack.apply(COMPONENT.replace("VALUE", "2"))
    assert _attrs(stack, "deploy")["show"]["action"] == "CREATE"


def test_two_configs_for_one_action_are_refused_as_heat_refuses_them() -> None:
    from atonix_iac.providers.heat import HeatProvider

    component = HeatProvider().resource_types()["OS::Heat::SoftwareComponent"]
    twice = [{"config": "a", "tool": "script"}, {"actions": ["UPDATE"], "config": "b", "tool": "x"}]
    assert [d.message for d in component.check({"configs": twice})] == [
        "Defining more than one configuration for the same action in SoftwareComponent is not"
        " allowed."
    ]
