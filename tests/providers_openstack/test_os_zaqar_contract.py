"""Contract tests for the Zaqar types: a queue made with its metadata (the create token
hidden in it), patched in place, read for drift and found again by token; subscriptions and
Mistral triggers on it, unique per subscriber; a signed URL with its query string; queue
names checked at plan time (did-you-mean); deletes idempotent."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from _services import require_service

from atonix_iac.errors import ResourceFailedError

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _needs_zaqar(cloud: Any) -> None:
    require_service(cloud, "message")


def _zaqar(sdk: Any, method: str, url: str, **kwargs: Any) -> Any:
    headers = {"Client-ID": "0e7c1a52-7b33-4e1d-9d1b-5b7d2f6c1a00", **kwargs.pop("headers", {})}
    return sdk.message.request(url, method, headers=headers, **kwargs)


def test_queue_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    queue_type = cloud.provider().resource_types()["OS::Zaqar::Queue"]
    sdk = cloud.sdk()
    props = {"name": f"jobs-{unique}", "metadata": {"tier": "batch", "ttl": 60}}
    who = replace(ident("jobs"), token="tok-jobs")
    since = datetime.now(UTC)
    made = queue_type.create(who, props)
    assert made.physical_id == props["name"]
    assert made.attributes["queue_id"] == props["name"]
    assert made.attributes["href"].endswith(f"/queues/{props['name']}")
    assert queue_type.find_created(who, props, since, claimed=()) == props["name"]
    assert queue_type.find_created(replace(who, token="tok-x"), props, since, claimed=()) is None
    read = queue_type.read(who, made.physical_id, props)
    assert read is not None and read.properties == props

    new = {**props, "metadata": {"tier": "online"}}
    queue_type.update(who, made.physical_id, props, new, frozenset({"metadata"}))
    live = _zaqar(sdk, "GET", f"/queues/{props['name']}").json()
    assert live["tier"] == "online" and "ttl" not in live

    # Drift behind our back.
    _zaqar(
        sdk, "PATCH", f"/queues/{props['name']}",
        json=[{"op": "add", "path": "/metadata/tier", "value": "x"}],
        headers={"Content-Type": "application/openstack-messaging-v2.0-json-patch"},
    )  # fmt: skip
    drift = queue_type.read(who, made.physical_id, new)
    assert drift is not None and drift.properties == {**new, "metadata": {"tier": "x"}}

    # Another stack's queue of the same name is not taken over.
    with pytest.raises(ResourceFailedError, match="already exists"):
        queue_type.create(ident("again"), props)

    queue_type.delete(who, made.physical_id, new)
    assert queue_type.read(who, made.physical_id, new) is None
    queue_type.delete(who, made.physical_id, new)


def test_subscriptions_triggers_and_signed_url(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    queue = types["OS::Zaqar::Queue"].create(ident("q"), {"name": f"events-{unique}"})
    name = queue.physical_id
    sub_type = types["OS::Zaqar::Subscription"]
    props = {"queue_name": name, "subscriber": "https://hooks.example.com/in", "ttl": 3600,
             "options": {"format": "json"}}  # fmt: skip
    assert sub_type.check(props) == []
    since = datetime.now(UTC)
    sub = sub_type.create(ident("hook"), props)
    assert sub.attributes["show"]["subscriber"] == props["subscriber"]
    assert sub_type.find_created(ident("hook"), props, since, claimed=()) == sub.physical_id
    read = sub_type.read(ident("hook"), sub.physical_id, props)
    assert read is not None and read.properties == props
    new = {**props, "ttl": 7200}
    changed = sub_type.update(ident("hook"), sub.physical_id, props, new, frozenset({"ttl"}))
    assert changed.attributes["show"]["ttl"] == 7200

    # The workflow the trigger names must exist: make one.
    flows = types["OS::Mistral::Workflow"]
    flow = flows.create(ident("wf"), {"type": "direct", "tasks": [
        {"name": "hello", "action": "std.echo output=hi"}]})  # fmt: skip
    trigger_type = types["OS::Zaqar::MistralTrigger"]
    trig_props = {"queue_name": name, "workflow_id": flow.physical_id, "ttl": 3600,
                  "params": {"env": {"region": "r1"}}, "input": {"x": 1}}  # fmt: skip
    assert trigger_type.check(trig_props) == []
    trigger = trigger_type.create(ident("trig"), trig_props)
    shown = trigger.attributes["show"]
    assert shown["subscriber"].startswith("trust+http") and shown["subscriber"].endswith(
        "/workflow/v2/executions"
    )
    post = json.loads(shown["options"]["post_data"])
    assert post["params"]["env"] == {"region": "r1", "notification": "$zaqar_message$"}
    read = trigger_type.read(ident("trig"), trigger.physical_id, trig_props)
    assert read is not None and read.properties == trig_props

    signed_type = types["OS::Zaqar::SignedQueueURL"]
    signed = signed_type.create(ident("url"), {"queue": name, "methods": ["GET", "POST"],
                                               "ttl": 3600})  # fmt: skip
    query = parse_qs(signed.attributes["query_str"])
    assert query["queue_name"] == [name]
    assert query["signature"] == [signed.attributes["signature"]]
    assert signed.attributes["methods"] == ["GET", "POST"]
    assert signed.attributes["paths"] == [f"/v2/queues/{name}/messages"]

    for kind, made, p in (
        (trigger_type, trigger, trig_props), (sub_type, sub, new),
        (signed_type, signed, {"queue": name}),
    ):  # fmt: skip
        kind.delete(ident("x"), made.physical_id, p)
        kind.delete(ident("x"), made.physical_id, p)
    assert sub_type.read(ident("hook"), sub.physical_id, new) is None
    types["OS::Zaqar::Queue"].delete(ident("q"), name, {})
    assert signed_type.read(ident("url"), signed.physical_id, {"queue": name}) is None
    flows.delete(ident("wf"), flow.physical_id, {})


def test_plan_time_checks(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    name = f"orders-{unique}"
    types["OS::Zaqar::Queue"].create(ident("q"), {"name": name})
    typo = name.replace("orders", "ordres")
    found = types["OS::Zaqar::Subscription"].check(
        {"queue_name": typo, "subscriber": "htps://x.example.com"}
    )
    assert [(d.message, d.hint) for d in found] == [
        (f"`queue_name`: queue `{typo}` not found", f"did you mean `{name}`?"),
        ("subscriber type `htps` is not supported", "did you mean `https`?"),
    ]
    found = types["OS::Zaqar::SignedQueueURL"].check({"queue": typo})
    assert [d.hint for d in found] == [f"did you mean `{name}`?"]
    found = types["OS::Zaqar::MistralTrigger"].check(
        {"queue_name": name, "workflow_id": "no-such-flow"}
    )
    assert [d.message for d in found] == ["`workflow_id`: workflow `no-such-flow` not found"]
    types["OS::Zaqar::Queue"].delete(ident("q"), name, {})
