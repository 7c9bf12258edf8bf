"""Aodh, Zaqar and Mistral as the simulator serves them: the services in the catalog and
reached through openstacksdk's proxies; Aodh's rule validation, action schemes and WSME
errors; Zaqar's Client-ID, idempotent queue PUT, JSON-patch metadata, unique subscriptions,
signed URLs and falcon errors; Mistral's text definitions, unique names, triggers that keep
their workflow, and WSME errors. Everything is per project."""

from __future__ import annotations

from typing import Any

CLIENT = {"Client-ID": "3b1d0f1e-2f4a-4c55-9d3e-7f1c2b3a4d5e"}
PATCH = {**CLIENT, "Content-Type": "application/openstack-messaging-v2.0-json-patch"}
RULE = {"metric": "cpu", "resource_type": "instance", "resource_id": "r1", "threshold": 5,
        "aggregation_method": "mean"}  # fmt: skip


def test_catalog_lists_the_three_services(conn: Any) -> None:
    assert conn.has_service("alarm") and conn.has_service("message")
    assert conn.has_service("workflow")
    assert conn.alarm.get_endpoint().endswith("/alarming/v2")
    assert conn.workflow.get_endpoint().endswith("/workflow/v2")


def test_aodh_alarms(connect: Any) -> None:
    demo, alt = connect("demo").alarm, connect("alt").alarm
    body = {"name": "cpu", "type": "gnocchi_resources_threshold",
            "gnocchi_resources_threshold_rule": RULE, "alarm_actions": ["log://"]}  # fmt: skip
    made = demo.post("/alarms", json=body)
    assert made.status_code == 201
    alarm = made.json()
    assert alarm["state"] == "insufficient data"
    assert alarm["gnocchi_resources_threshold_rule"]["comparison_operator"] == "eq"
    assert alarm["gnocchi_resources_threshold_rule"]["granularity"] == 60
    missing = {**body, "gnocchi_resources_threshold_rule": {**RULE, "metric": None}}
    bad = demo.post("/alarms", json=missing, raise_exc=False)
    assert bad.status_code == 400
    assert bad.json()["error_message"]["faultstring"] == (
        "Mandatory field missing: gnocchi_resources_threshold_rule.metric"
    )
    bad = demo.post("/alarms", json={**body, "ok_actions": ["ftp://x"]}, raise_exc=False)
    assert bad.json()["error_message"]["faultstring"] == "Unsupported action ftp://x"
    bad = demo.post("/alarms", json={**body, "type": "combination"}, raise_exc=False)
    assert bad.status_code == 400
    listed = demo.get("/alarms", params={"q.field": "name", "q.value": "cpu"}).json()
    assert [a["alarm_id"] for a in listed] == [alarm["alarm_id"]]
    assert alt.get(f"/alarms/{alarm['alarm_id']}", raise_exc=False).status_code == 404
    changed = demo.put(f"/alarms/{alarm['alarm_id']}", json={**body, "severity": "critical"})
    assert changed.json()["severity"] == "critical"
    assert demo.put(f"/alarms/{alarm['alarm_id']}/state", json="alarm").json() == "alarm"
    assert demo.delete(f"/alarms/{alarm['alarm_id']}").status_code == 204
    assert demo.delete(f"/alarms/{alarm['alarm_id']}", raise_exc=False).status_code == 404


def test_zaqar_queues_subscriptions_and_signed_urls(connect: Any) -> None:
    demo, alt = connect("demo").message, connect("alt").message
    assert demo.put("/queues/jobs", json={"a": 1}, raise_exc=False).status_code == 400
    assert demo.put("/queues/jobs", json={"a": 1}, headers=CLIENT).status_code == 201
    assert demo.put("/queues/jobs", json={"a": 2}, headers=CLIENT).status_code == 204
    assert demo.get("/queues/jobs", headers=CLIENT).json()["a"] == 1
    assert alt.get("/queues/jobs", headers=CLIENT, raise_exc=False).status_code == 404
    bad = demo.put("/queues/bad%20name", headers=CLIENT, raise_exc=False)
    assert bad.status_code == 400 and "64 characters" in bad.json()["description"]
    ops = [{"op": "replace", "path": "/metadata/a", "value": 3},
           {"op": "add", "path": "/metadata/b", "value": "x"}]  # fmt: skip
    assert demo.patch("/queues/jobs", json=ops, headers=CLIENT, raise_exc=False).status_code == 415
    patched = demo.patch("/queues/jobs", json=ops, headers=PATCH).json()
    assert (patched["a"], patched["b"]) == (3, "x")

    sub = {"subscriber": "https://hooks.example.com/x", "ttl": 3600}
    made = demo.post("/queues/jobs/subscriptions", json=sub, headers=CLIENT)
    assert made.status_code == 201
    sid = made.json()["subscription_id"]
    again = demo.post("/queues/jobs/subscriptions", json=sub, headers=CLIENT, raise_exc=False)
    assert again.status_code == 409
    short = {**sub, "subscriber": "https://other.example.com", "ttl": 5}
    assert demo.post("/queues/jobs/subscriptions", json=short, headers=CLIENT,
                     raise_exc=False).status_code == 400  # fmt: skip
    shown = demo.get(f"/queues/jobs/subscriptions/{sid}", headers=CLIENT).json()
    assert (shown["source"], shown["ttl"], shown["confirmed"]) == ("jobs", 3600, True)
    demo.patch(f"/queues/jobs/subscriptions/{sid}", json={"ttl": 120}, headers=CLIENT)
    assert demo.get(f"/queues/jobs/subscriptions/{sid}", headers=CLIENT).json()["ttl"] == 120

    signed = demo.post("/queues/jobs/share", json={"methods": ["GET"]}, headers=CLIENT).json()
    assert signed["paths"] == ["/v2/queues/jobs/messages"] and len(signed["signature"]) == 64
    past = {"expires": "2000-01-01T00:00:00"}
    assert demo.post("/queues/jobs/share", json=past, headers=CLIENT,
                     raise_exc=False).status_code == 400  # fmt: skip

    assert demo.delete("/queues/jobs", headers=CLIENT).status_code == 204
    gone = demo.get(f"/queues/jobs/subscriptions/{sid}", headers=CLIENT, raise_exc=False)
    assert gone.status_code == 404
    assert demo.delete("/queues/jobs", headers=CLIENT).status_code == 204


DEFINITION = """---
version: '2.0'
backup:
  type: direct
  input: [volume]
  tasks:
    snap:
      action: std.echo output=<% $.volume %>
"""


def test_mistral_workflows_and_triggers(connect: Any) -> None:
    demo, alt = connect("demo").workflow, connect("alt").workflow
    text = {"Content-Type": "text/plain"}
    made = demo.post("/workflows", data=DEFINITION, headers=text)
    assert made.status_code == 201
    flow = made.json()["workflows"][0]
    assert (flow["name"], flow["input"], flow["scope"]) == ("backup", "volume", "private")
    dup = demo.post("/workflows", data=DEFINITION, headers=text, raise_exc=False)
    assert dup.status_code == 409 and "Duplicate entry" in dup.json()["faultstring"]
    no_tasks = demo.post("/workflows", data="version: '2.0'\nx: {type: direct}\n",
                         headers=text, raise_exc=False)  # fmt: skip
    assert no_tasks.status_code == 400
    assert alt.get("/workflows/backup", raise_exc=False).status_code == 404
    assert demo.get(f"/workflows/{flow['id']}").json()["name"] == "backup"
    updated = demo.put("/workflows", data=DEFINITION.replace("[volume]", "[volume, size]"),
                       headers=text)  # fmt: skip
    assert updated.json()["workflows"][0]["input"] == "volume, size"

    trigger = {"name": "nightly", "workflow_name": "backup", "pattern": "0 2 * * *"}
    made = demo.post("/cron_triggers", json=trigger)
    assert made.status_code == 201 and made.json()["next_execution_time"]
    assert demo.post("/cron_triggers", json=trigger, raise_exc=False).status_code == 409
    nowhere = {**trigger, "name": "x", "workflow_name": "nope"}
    assert demo.post("/cron_triggers", json=nowhere, raise_exc=False).status_code == 404
    untimed = {"name": "y", "workflow_name": "backup"}
    assert demo.post("/cron_triggers", json=untimed, raise_exc=False).status_code == 400
    kept = demo.delete("/workflows/backup", raise_exc=False)
    assert kept.status_code == 400 and "cron triggers" in kept.json()["faultstring"]
    execution = demo.post("/executions", json={"workflow_name": "backup"}).json()
    assert execution["state"] == "SUCCESS"
    assert demo.delete("/cron_triggers/nightly").status_code == 204
    assert demo.delete("/workflows/backup").status_code == 204
    assert demo.get("/workflows/backup", raise_exc=False).status_code == 404
