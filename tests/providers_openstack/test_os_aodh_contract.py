"""Contract tests for the Aodh alarm types: an alarm created with its rule, read for drift,
updated in place (Aodh's whole-alarm PUT), found again after an interrupted create by its
name, its action URLs checked at plan time, and deleted idempotently."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from _services import require_service

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _needs_aodh(cloud: Any) -> None:
    require_service(cloud, "alarm")


def test_gnocchi_alarm_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    require_service(cloud, "message")
    alarm_type = cloud.provider().resource_types()["OS::Aodh::GnocchiResourcesAlarm"]
    queue_type = cloud.provider().resource_types()["OS::Zaqar::Queue"]
    queue = queue_type.create(ident("alerts"), {"name": f"alerts-{unique}"}).physical_id
    sdk = cloud.sdk()
    props = {
        "metric": "cpu_util",
        "resource_type": "instance",
        "resource_id": "5a7e1a3c-0000-4000-8000-000000000001",
        "aggregation_method": "mean",
        "granularity": 300,
        "evaluation_periods": 1,
        "threshold": 80,
        "comparison_operator": "gt",
        "alarm_actions": ["https://signals.example.com/scale-up?sig=abc"],
        "alarm_queues": [queue],
        "severity": "moderate",
    }
    assert alarm_type.check(props) == []
    made = alarm_type.create(ident("cpu_high"), props)
    live = sdk.alarm.get(f"/alarms/{made.physical_id}").json()
    assert live["type"] == "gnocchi_resources_threshold"
    assert live["gnocchi_resources_threshold_rule"]["threshold"] == 80
    assert live["alarm_actions"] == [
        "https://signals.example.com/scale-up?sig=abc",
        f"trust+zaqar://?queue_name={queue}",
    ]
    assert made.attributes["show"]["state"] == "insufficient data"
    read = alarm_type.read(ident("cpu_high"), made.physical_id, props)
    assert read is not None and read.properties == props

    new = {**props, "threshold": 90, "alarm_queues": []}
    changed = alarm_type.update(
        ident("cpu_high"), made.physical_id, props, new, frozenset({"threshold", "alarm_queues"})
    )
    assert changed.attributes["show"]["gnocchi_resources_threshold_rule"]["threshold"] == 90
    assert changed.attributes["show"]["alarm_actions"] == props["alarm_actions"]

    # Drift behind our back: Aodh's PUT replaces the alarm.
    body = sdk.alarm.get(f"/alarms/{made.physical_id}").json()
    body["gnocchi_resources_threshold_rule"]["threshold"] = 50
    sdk.alarm.put(f"/alarms/{made.physical_id}", json=body)
    drift = alarm_type.read(ident("cpu_high"), made.physical_id, new)
    assert drift is not None and drift.properties is not None
    assert drift.properties["threshold"] == 50

    alarm_type.delete(ident("cpu_high"), made.physical_id, new)
    assert alarm_type.read(ident("cpu_high"), made.physical_id, new) is None
    alarm_type.delete(ident("cpu_high"), made.physical_id, new)
    queue_type.delete(ident("alerts"), queue, {})


def test_every_alarm_type_creates(cloud: Any, ident: Any) -> None:
    types = cloud.provider().resource_types()
    cases = {
        "OS::Aodh::Alarm": {"meter_name": "cpu_util", "threshold": 50,
                            "matching_metadata": {"stack": "s1"}},
        "OS::Aodh::GnocchiAggregationByMetricsAlarm": {
            "metrics": ["m1", "m2"], "threshold": 1, "aggregation_method": "mean"},
        "OS::Aodh::GnocchiAggregationByResourcesAlarm": {
            "metric": "cpu", "resource_type": "instance", "query": '{"=": {"a": 1}}',
            "threshold": 1, "aggregation_method": "mean"},
        "OS::Aodh::CompositeAlarm": {"composite_rule": {"or": [
            {"type": "gnocchi_resources_threshold", "metric": "cpu", "resource_type": "instance",
             "resource_id": "r", "threshold": 1, "aggregation_method": "mean"}]}},
        "OS::Aodh::EventAlarm": {"event_type": "compute.instance.update", "query": []},
        "OS::Aodh::LBMemberHealthAlarm": {"pool": "p", "stack": "s", "autoscaling_group_id": "g"},
        "OS::Aodh::PrometheusAlarm": {"query": "up", "threshold": 1},
    }  # fmt: skip
    for type_name, props in cases.items():
        alarm_type = types[type_name]
        made = alarm_type.create(ident(type_name.rsplit(":", 1)[-1].lower()), props)
        found = alarm_type.read(ident("x"), made.physical_id, props)
        assert found is not None and found.properties == props, type_name
        alarm_type.delete(ident("x"), made.physical_id, props)


def test_plan_time_checks_and_interrupted_create(cloud: Any, ident: Any) -> None:
    alarm_type = cloud.provider().resource_types()["OS::Aodh::PrometheusAlarm"]
    bad = {"query": "up", "threshold": 1,
           "alarm_actions": ["htps://x.example.com/", "scale_up_policy"]}  # fmt: skip
    found = alarm_type.check(bad)
    assert [(d.message, d.hint) for d in found] == [
        ("`alarm_actions[0]` uses an unsupported scheme `htps`", "did you mean `https`?"),
        (
            "`alarm_actions[1]` `scale_up_policy` is not an action URL",
            "to signal a resource, write {get_attr: [scale_up_policy, alarm_url]}",
        ),
    ]
    require_service(cloud, "message")
    queues = cloud.provider().resource_types()["OS::Zaqar::Queue"]
    queues.create(ident("q"), {"name": "alerts-checked"})
    found = alarm_type.check({"query": "up", "threshold": 1, "ok_queues": ["alerts-chekced"]})
    assert [(d.message, d.hint) for d in found] == [
        ("`ok_queues[0]`: queue `alerts-chekced` not found", "did you mean `alerts-checked`?")
    ]
    queues.delete(ident("q"), "alerts-checked", {})
    props = {"query": "up", "threshold": 1}
    since = datetime.now(UTC)
    who = ident("lost")
    started = alarm_type.start_create(who, props)
    assert alarm_type.find_created(who, props, since, claimed=()) == started.physical_id
    assert alarm_type.find_created(who, props, since, claimed={started.physical_id}) is None
    assert alarm_type.find_created(ident("other"), props, since, claimed=()) is None
    alarm_type.delete(who, started.physical_id, props)
