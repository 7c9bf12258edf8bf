"""``openstack stack resource signal`` (heatclient) through the stack service: a wait condition
in a running create job completes when its handle is signalled."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from _service_kit import RunningService
from heatclient import exc as heat_exc

pytestmark = pytest.mark.timeout(120)

WAITING = """\
heat_template_version: 2018-08-31
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
  wait:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: handle}, timeout: 60}
  note:
    type: OS::Heat::Value
    properties: {value: no signals here}
outputs:
  data:
    value: {get_attr: [wait, data]}
"""


def _stored(service: RunningService, stack_id: str, names: set[str]) -> dict[str, Any]:
    """The stack's resources once ``names`` are all in its state. The resource list shows a
    resource from its IN_PROGRESS event on, before the job has committed it to the state."""
    engine = service.services.engine
    deadline = time.monotonic() + 30
    while True:
        record = engine.records.get_stack(None, stack_id)
        resources = engine.store.load(record.key).resources if record is not None else {}
        if names <= set(resources):
            return dict(resources)
        assert time.monotonic() < deadline, f"the job never stored {sorted(names)}"
        time.sleep(0.1)


def test_a_signal_through_the_api_completes_the_waiting_job(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="waits", template=WAITING)["stack"]["id"]
    _stored(service, stack_id, {"handle", "note"})
    with pytest.raises(heat_exc.HTTPBadRequest, match="status must be SUCCESS or FAILURE"):
        heat.resources.signal(stack_id, "handle", data={"status": "DONE"})
    with pytest.raises(heat_exc.HTTPBadRequest, match="takes no signals"):
        heat.resources.signal(stack_id, "note", data={})
    heat.resources.signal(stack_id, "handle", data={"status": "SUCCESS", "data": "via api"})
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    outputs = {o["output_key"]: o["output_value"] for o in stack.outputs}
    assert json.loads(outputs["data"]) == {"1": "via api"}
    token = heat.resources.get(stack_id, "handle").attributes["token"]
    assert token == "******"
    heat.stacks.delete(stack_id)


def test_a_server_signals_the_service_with_its_handles_token(
    service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ATONIX_SIGNAL_URL naming the service, a handle's endpoint is the service's
    resource-signal route, and its curl_cli's token (no Keystone token) is accepted there."""
    monkeypatch.setenv("ATONIX_SIGNAL_URL", service.url)
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="boots", template=WAITING)["stack"]["id"]
    handle = _stored(service, stack_id, {"handle"})["handle"]
    record = service.services.engine.records.get_stack(None, stack_id)
    assert record is not None
    endpoint, token = handle.attributes["endpoint"], handle.attributes["token"]
    assert endpoint.startswith(f"{service.url}/v1/{record.project_id}/stacks/boots/{stack_id}/")
    body = {"status": "SUCCESS", "data": "booted"}
    for wrong in ("not-the-token", ""):
        refused = requests.post(endpoint, json=body, headers={"X-Auth-Token": wrong}, timeout=10)
        assert refused.status_code == 401
    signed = {"X-Auth-Token": token}
    other = endpoint.replace("/boots/", "/nope/")
    assert requests.post(other, json=body, headers=signed, timeout=10).status_code == 401
    sent = requests.post(endpoint, json=body, headers=signed, timeout=10)
    assert sent.status_code == 200, sent.text
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    outputs = {o["output_key"]: o["output_value"] for o in stack.outputs}
    assert json.loads(outputs["data"]) == {"1": "booted"}
    heat.stacks.delete(stack_id)
