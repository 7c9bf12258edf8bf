"""A signalled software deployment waits, its id already in state, until its output values
arrive through the state's signal inbox (as ``atonix signal`` and the run's receiver deliver
them), and ends as Heat's signal_software_deployment decides."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from _apply_kit import Stack

from atonix_iac.apply.signals import deliver_signal
from atonix_iac.errors import ApplyError, UsageError

BODY = """
resources:
  script:
    type: OS::Heat::SoftwareConfig
    properties:
      config: "#!/bin/sh\\necho hi\\n"
      outputs: [{name: result}, {name: broken, error_output: true}]
  deploy:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: script}
      server: 2d8c2a3c-0000-4000-8000-000000000001
      signal_transport: TRANSPORT
outputs:
  result: {value: {get_attr: [deploy, result]}}
  stdout: {value: {get_attr: [deploy, deploy_stdout]}}
"""


def _apply_in_background(stack: Stack, body: str) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = stack.apply(body)
        except Exception as err:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _signal_when_waiting(stack: Stack, details: Any) -> dict[str, Any]:
    """Deliver ``details`` to the deployment once its id is in state; its attributes then."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        resource = stack.state().resources.get("deploy")
        if resource is not None and resource.physical_id:
            waiting = dict(resource.attributes)
            deliver_signal(stack.store, stack.key, resource, details, source="test")
            return waiting
        time.sleep(0.05)
    raise AssertionError("the deployment never reached state")


@pytest.mark.parametrize(
    ("transport", "verb"),
    [("CFN_SIGNAL", "POST"), ("TEMP_URL_SIGNAL", "PUT"), ("HEAT_SIGNAL", None)],
)
def test_the_deployment_completes_when_its_outputs_are_signalled(
    stack: Stack, transport: str, verb: str | None
) -> None:
    thread, outcome = _apply_in_background(stack, BODY.replace("TRANSPORT", transport))
    waiting = _signal_when_waiting(
        stack, {"deploy_stdout": "hi\n", "deploy_status_code": 0, "result": 42}
    )
    thread.join(60)
    assert "error" not in outcome, outcome
    # While it waited: Heat's IN_PROGRESS record and the inputs that say where to signal.
    assert waiting["show"]["status"] == "IN_PROGRESS"
    assert waiting["show"]["status_reason"] == "Deploy data available"
    inputs = {i["name"]: i["value"] for i in waiting["derived_config"]["inputs"]}
    assert inputs["deploy_signal_transport"] == transport
    if verb is None:
        assert "deploy_signal_id" not in inputs
    else:
        assert inputs["deploy_signal_verb"] == verb
        assert "/resources/deploy/signal?Signature=" in inputs["deploy_signal_id"]
    attrs = stack.state().resources["deploy"].attributes
    assert attrs["show"]["status"] == "COMPLETE"
    assert attrs["show"]["status_reason"] == "Outputs received"
    assert (attrs["deploy_stdout"], attrs["deploy_stderr"], attrs["deploy_status_code"]) == (
        "hi\n",
        None,
        0,
    )
    assert outcome["result"].outputs == {"result": 42, "stdout": "hi\n"}


@pytest.mark.parametrize(
    ("details", "reason"),
    [
        (
            {"deploy_status_code": 2},
            "deploy_status_code : Deployment exited with non-zero status code: 2",
        ),
        ({"broken": "disk full"}, "broken : disk full"),
    ],
)
def test_a_failing_signal_fails_the_deployment_with_heats_reason(
    stack: Stack, details: dict[str, Any], reason: str
) -> None:
    thread, outcome = _apply_in_background(stack, BODY.replace("TRANSPORT", "CFN_SIGNAL"))
    _signal_when_waiting(stack, details)
    thread.join(60)
    error = outcome.get("error")
    assert isinstance(error, ApplyError)
    assert f"Deployment to server failed: {reason}" in error.format()


def test_a_signal_that_is_not_an_object_is_refused(stack: Stack) -> None:
    thread, outcome = _apply_in_background(stack, BODY.replace("TRANSPORT", "CFN_SIGNAL"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        resource = stack.state().resources.get("deploy")
        if resource is not None and resource.physical_id:
            break
        time.sleep(0.05)
    with pytest.raises(UsageError, match="JSON object of output values"):
        deliver_signal(stack.store, stack.key, resource, ["no"], source="test")
    deliver_signal(stack.store, stack.key, resource, None, source="test")  # bare "done"
    thread.join(60)
    assert "error" not in outcome, outcome


def _post(url: str, body: Any, method: str = "POST") -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


@pytest.mark.parametrize(
    ("transport", "method"), [("CFN_SIGNAL", "POST"), ("TEMP_URL_SIGNAL", "PUT")]
)
def test_the_server_signals_deploy_signal_id_over_http(
    stack: Stack, transport: str, method: str
) -> None:
    """What heat-config-notify does: send the outputs to the signed deploy_signal_id."""
    thread, outcome = _apply_in_background(stack, BODY.replace("TRANSPORT", transport))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        resource = stack.state().resources.get("deploy")
        if resource is not None and resource.physical_id:
            break
        time.sleep(0.05)
    inputs = {i["name"]: i["value"] for i in resource.attributes["derived_config"]["inputs"]}
    url = inputs["deploy_signal_id"]
    assert "deploy_signal_id" not in json.dumps(resource.attributes["show"])
    unsigned = url.split("?")[0]
    assert _post(unsigned, {"deploy_status_code": 0}, method) == 401
    assert _post(unsigned + "?Signature=forged", {"deploy_status_code": 0}, method) == 401
    assert _post(url, {"deploy_status_code": 0, "result": "via http"}, method) == 200
    thread.join(60)
    assert "error" not in outcome, outcome
    assert outcome["result"].outputs["result"] == "via http"
    # The signed URL is a secret: sealed in state, as the schema says.
    final = stack.state().resources["deploy"]
    assert {"derived_config", "signal_signature"} <= final.sensitive_attributes
