"""Stacks of the Aodh, Zaqar and Mistral types through the CLI, against the simulator:
apply, plan again (nothing to do), destroy. The alarm's actions are a scaling policy's
``alarm_url``, an HTTP URL when the stack service is configured; without it the URL is the
``atonix signal`` command, which Aodh cannot call, and the apply says how to fix that."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)


SCALING_STACK = """heat_template_version: 2018-08-31
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      resource:
        type: OS::Heat::None
  scale_up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 1
  alerts:
    type: OS::Zaqar::Queue
  cpu_high:
    type: OS::Aodh::GnocchiAggregationByResourcesAlarm
    properties:
      description: Scale up when the group's CPU is high
      metric: cpu
      aggregation_method: rate:mean
      granularity: 300
      evaluation_periods: 1
      threshold: 600000000
      resource_type: instance
      comparison_operator: gt
      alarm_actions:
        - {get_attr: [scale_up, alarm_url]}
      alarm_queues:
        - {get_resource: alerts}
      query:
        str_replace:
          template: '{"=": {"server_group": "stack_id"}}'
          params:
            stack_id: {get_param: "OS::stack_id"}
"""

MESSAGING_STACK = """heat_template_version: 2018-08-31
resources:
  jobs:
    type: OS::Zaqar::Queue
    properties:
      metadata: {tier: batch}
  hook:
    type: OS::Zaqar::Subscription
    properties:
      queue_name: {get_resource: jobs}
      subscriber: https://hooks.example.com/jobs
      ttl: 3600
  share:
    type: OS::Zaqar::SignedQueueURL
    properties:
      queue: {get_resource: jobs}
      methods: [GET, POST]
      ttl: 86400
  backup:
    type: OS::Mistral::Workflow
    properties:
      type: direct
      input: {volume: null}
      tasks:
        - name: snapshot
          action: std.echo output=<% $.volume %>
  nightly:
    type: OS::Mistral::CronTrigger
    properties:
      pattern: "0 2 * * *"
      workflow:
        name: {get_resource: backup}
        input: {volume: v1}
  on_message:
    type: OS::Zaqar::MistralTrigger
    properties:
      queue_name: {get_resource: jobs}
      workflow_id: {get_resource: backup}
      input: {volume: from-queue}
outputs:
  signed_query:
    value: {get_attr: [share, query_str]}
  queue_href:
    value: {get_attr: [jobs, href]}
  next_run:
    value: {get_attr: [nightly, next_execution_time]}
"""

ALARM_ON_QUEUE = """  jobs_backlog:
    type: OS::Aodh::PrometheusAlarm
    properties:
      query: queue_depth
      threshold: 100
      comparison_operator: gt
      alarm_queues: [{get_resource: jobs}]
"""
CLIENT = {"Client-ID": "9f1e2d3c-4b5a-4678-9abc-def012345678"}


def test_alarm_signals_a_scaling_policy(
    cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATONIX_SERVICE_URL", "https://atonix.example.com/v1/demo")
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", SCALING_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    alarm_id = state.resources["cpu_high"].physical_id
    alarm = cloud_project.sdk().alarm.get(f"/alarms/{alarm_id}").json()
    assert alarm["alarm_actions"] == [
        "https://atonix.example.com/v1/demo/stacks/stack/resources/scale_up/signal",
        f"trust+zaqar://?queue_name={state.resources['alerts'].physical_id}",
    ]
    assert alarm["gnocchi_aggregation_by_resources_threshold_rule"]["threshold"] == 600000000
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.sdk().alarm.get("/alarms").json() == []


def test_alarm_without_the_stack_service_says_how_to_fix(
    cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATONIX_SERVICE_URL", raising=False)
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", SCALING_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code != 0
    assert "is the `atonix signal` command, not a URL Aodh can call" in applied.output
    assert "ATONIX_SERVICE_URL" in applied.output
    assert "Traceback" not in applied.output
    assert cloud_project.sdk().alarm.get("/alarms").json() == []
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output


def test_queues_and_workflows_stack(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", MESSAGING_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    queue = state.resources["jobs"].physical_id
    assert f"queue_name={queue}" in state.outputs["signed_query"]
    assert state.outputs["queue_href"].endswith(f"/messaging/v2/queues/{queue}")
    assert state.outputs["next_run"]
    flow = state.resources["backup"].physical_id
    sdk = cloud_project.sdk()
    assert (
        sdk.workflow.get(f"/cron_triggers/{state.resources['nightly'].physical_id}").json()[
            "workflow_name"
        ]
        == flow
    )
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.state(workspace="team", environment="dev").resources == {}
    assert sdk.workflow.get("/workflows").json()["workflows"] == []


CORPUS_EXTERNAL = Path("/work/shared/corpus/heat-templates/hot/mistral_external.yaml")


@pytest.mark.skipif(not CORPUS_EXTERNAL.exists(), reason="corpus not present")
def test_corpus_mistral_external_resource(cloud_project: CloudProject) -> None:
    """The corpus's external resource: its CREATE workflow runs once; its output (what the
    workflow publishes) becomes the resource's ``output``."""
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", CORPUS_EXTERNAL.read_text())
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    external = state.resources["external_resource"]
    assert json.loads(external.attributes["output"]) == {"result": "Bye"}
    runs = cloud_project.sdk().workflow.get("/executions").json()["executions"]
    assert [(r["id"], r["state"]) for r in runs] == [(external.physical_id, "SUCCESS")]
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.sdk().workflow.get("/workflows").json()["workflows"] == []


def test_lost_answers_are_adopted_not_duplicated(cloud_project: CloudProject) -> None:
    """Each create succeeds in the cloud but its answer is a 500: the
    retry finds the object by its token or natural key; nothing is made twice."""
    sim = cloud_project.sim
    cloud_project.bind(DEV)
    cloud_project.write(
        "stack.yaml", MESSAGING_STACK.replace("outputs:", ALARM_ON_QUEUE + "outputs:")
    )
    lost = {"status": 500, "when": "after", "count": 1}
    sim.add_fault(service="alarming", method="POST", path="/alarms", **lost)
    sim.add_fault(service="messaging", method="PUT", path="/queues/*", **lost)
    sim.add_fault(service="messaging", method="POST", path="/queues/*/subscriptions", **lost)
    sim.add_fault(service="workflow", method="POST", path="/workflows", **lost)
    sim.add_fault(service="workflow", method="POST", path="/cron_triggers", **lost)
    try:
        applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
        assert applied.exit_code == 0, applied.output
        assert applied.output.count("Still trying after a transient fault") == 5
    finally:
        sim.clear_faults()
    sdk = cloud_project.sdk()
    assert len(sdk.alarm.get("/alarms").json()) == 1
    queues = sdk.message.get("/queues", headers=CLIENT).json()["queues"]
    assert len(queues) == 1
    subs = sdk.message.get(f"/queues/{queues[0]['name']}/subscriptions", headers=CLIENT)
    assert len(subs.json()["subscriptions"]) == 2  # the hook and the Mistral trigger
    assert len(sdk.workflow.get("/workflows").json()["workflows"]) == 1
    assert len(sdk.workflow.get("/cron_triggers").json()["cron_triggers"]) == 1
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert sdk.alarm.get("/alarms").json() == []


def test_signalling_a_workflow_starts_an_execution(cloud_project: CloudProject) -> None:
    """As ``heat resource-signal`` on a workflow: the signal's input overrides the template's,
    the execution is recorded in ``executions``; an undeclared input is refused."""
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", MESSAGING_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    url = state.resources["backup"].attributes["alarm_url"]
    assert url.startswith("atonix signal -w team -E dev -stack stack backup")
    sent = cloud_project.run("signal", *SCOPE, "backup", "-data", '{"input": {"volume": "v9"}}')
    assert sent.exit_code == 0, sent.output
    assert "execution" in sent.output and "SUCCESS" in sent.output
    runs = cloud_project.state(workspace="team", environment="dev").resources["backup"]
    [run] = runs.attributes["executions"]
    assert (run["input"], run["state"]) == ({"volume": "v9"}, "SUCCESS")
    refused = cloud_project.run("signal", *SCOPE, "backup", "-data", '{"input": {"size": 1}}')
    assert refused.exit_code != 0
    assert "unknown input size" in refused.output and "Traceback" not in refused.output
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
