"""openstacksdk's orchestration proxy, the version document, and the service standards:
/health, /ready, /metrics, request ids, JSON logs without secrets."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from _service_kit import STACK, RunningService


def test_openstacksdk_orchestration_proxy(service: RunningService) -> None:
    conn = service.sdk("demo")
    try:
        stack = conn.orchestration.create_stack(
            name="sdk-stack",
            template=_plain(STACK),
            parameters={"greeting": "sdk"},
        )
        stack = conn.orchestration.wait_for_status(
            stack, status="CREATE_COMPLETE", failures=["CREATE_FAILED"], interval=0.2, wait=60
        )
        assert stack.status == "CREATE_COMPLETE"
        found = conn.orchestration.find_stack("sdk-stack")
        assert found is not None and found.id == stack.id
        assert "sdk-stack" in [s.name for s in conn.orchestration.stacks()]
        names = {r.name for r in conn.orchestration.resources(found)}
        assert names == {"word", "app", "after"}
        shown = conn.orchestration.get_stack(found)
        assert {o["output_key"]: o["output_value"] for o in shown.outputs} == {
            "message": "sdk world"
        }
        conn.orchestration.delete_stack(found)
        gone = conn.orchestration.wait_for_delete(found, interval=0.2, wait=60)
        assert gone is not None
        assert conn.orchestration.find_stack("sdk-stack") is None
    finally:
        conn.close()


def _plain(text: str) -> object:
    """The template as clients send it (heatclient's parser keeps dates as text)."""
    from heatclient.common import template_format

    return template_format.parse(text)


def test_version_document(service: RunningService) -> None:
    answer = requests.get(service.url + "/", timeout=10)
    assert answer.status_code == 300
    (version,) = answer.json()["versions"]
    assert version["id"] == "v1.0" and version["status"] == "CURRENT"
    assert version["links"][0]["href"] == service.url + "/v1/"


def test_health_ready_metrics(service: RunningService) -> None:
    assert requests.get(service.url + "/health", timeout=10).json() == {"status": "ok"}
    ready = requests.get(service.url + "/ready", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"state": True, "broker": True, "keystone": True}
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="measured", template=STACK)["stack"]["id"]
    service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    text = requests.get(service.url + "/metrics", timeout=10).text
    assert 'route="/v1/{tenant_id}/stacks",status="201"' in text
    assert 'atonix_job_seconds_count{action="CREATE",outcome="done"}' in text
    assert 'atonix_resources_applied_total{action="CREATE"}' in text
    assert "atonix_stack_lock_wait_seconds_count" in text
    assert "atonix_jobs_pending" in text
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))


def test_not_ready_when_keystone_is_unreachable(service: RunningService) -> None:
    import falcon.testing

    from atonix_iac.service.app import Health
    from atonix_iac.service.auth import TokenValidator

    health = Health(service.services, TokenValidator("http://127.0.0.1:9/identity"))
    app = falcon.App()
    app.add_route("/ready", health, suffix="ready")
    answer = falcon.testing.TestClient(app).simulate_get("/ready")
    assert answer.status_code == 503
    assert answer.json["checks"]["keystone"] is False


def test_request_ids_and_json_logs_without_secrets(
    service: RunningService, caplog: pytest.LogCaptureFixture
) -> None:
    from atonix_iac.service.logs import JsonFormatter

    token, project = service.token("demo")
    body = {
        "stack_name": "logged",
        "template": _plain(STACK),
        "parameters": {"secret_word": "hunter2-very-secret"},
    }
    with caplog.at_level(logging.INFO):
        answer = requests.post(
            f"{service.url}/v1/{project}/stacks",
            json=body,
            headers={"X-Auth-Token": token},
            timeout=10,
        )
    assert answer.status_code == 201
    assert answer.headers["Location"].endswith(f"/stacks/logged/{answer.json()['stack']['id']}")
    request_id = answer.headers["X-OpenStack-Request-ID"]
    assert request_id.startswith("req-")
    heat = service.heat("demo")
    stack_id = answer.json()["stack"]["id"]
    service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records]
    assert any(line.get("path", "").endswith("/stacks") for line in lines)
    text = "\n".join(json.dumps(line) for line in lines)
    assert "hunter2-very-secret" not in text
    assert token not in text
    # the sealed parameter is not in the database file in the clear either
    db = (service.root / ".atonix" / "state.db").read_bytes()
    assert b"hunter2-very-secret" not in db
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))


def test_broker_reachability_for_ready() -> None:
    import socket

    from atonix_iac.service.jobs import CeleryDispatcher

    down = CeleryDispatcher("amqp://guest:guest@127.0.0.1:1//", "atonix.test.ready")
    try:
        assert down.reachable() is False
    finally:
        down.close()
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError:
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    up = CeleryDispatcher("amqp://guest:guest@127.0.0.1:5672//", "atonix.test.ready")
    try:
        assert up.reachable() is True
    finally:
        up.close()
