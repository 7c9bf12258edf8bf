"""``atonix signal`` and the apply's signal receiver, without a cloud: a wait condition in
one process, signalled by another (the CLI, or an HTTP POST as a booting server sends)."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import ATONIX, Project

from atonix_iac.state import StackKey, open_store

pytestmark = pytest.mark.timeout(120)

WAITING = """heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 2}
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
  wait:
    type: OS::Heat::WaitCondition
    properties:
      handle: {get_resource: handle}
      timeout: 60
      count: {get_param: count}
outputs:
  data:
    value: {get_attr: [wait, data]}
"""
HANDLE_ONLY = """heat_template_version: 2018-08-31
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
  note:
    type: OS::Heat::Value
    properties:
      value: no signals here
"""
KEY = StackKey("default", "default", "stack")


def _start_apply(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ATONIX), "apply", "-auto-approve", "stack.yaml", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ATONIX_")},
    )


def _handle(root: Path, deadline_s: float = 30.0) -> Any:
    """The handle as state records it, once the waiting apply has created it."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if (root / ".atonix" / "state.db").exists():
            store = open_store(None, project_dir=root)
            try:
                handle = store.load(KEY).resources.get("handle")
            finally:
                store.close()
            if handle is not None and handle.physical_id:
                return handle
        time.sleep(0.1)
    raise AssertionError("the apply never created the handle")


def _finish(apply: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = apply.communicate(timeout=60)
    return apply.returncode, output


def test_atonix_signal_from_another_process_completes_a_waiting_apply(project: Project) -> None:
    project.write("stack.yaml", WAITING)
    apply = _start_apply(project.root)
    try:
        _handle(project.root)
        first = project.process("signal", "handle", "-data", '{"data": "ready", "reason": "up"}')
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == "Signalled handle (status SUCCESS)."
        second = project.process("signal", "stack.yaml", "handle", "--data", '{"id": "db"}')
        assert second.returncode == 0, second.stderr
    finally:
        code, output = _finish(apply)
    assert code == 0, output
    assert "Apply complete! Resources: 2 added" in output
    data = project.run("output", "-raw", "data").output
    assert json.loads(data) == {"1": "ready", "db": None}


def test_a_booting_server_signals_over_http_with_the_handles_token(project: Project) -> None:
    project.write("stack.yaml", WAITING)
    apply = _start_apply(project.root, "-var", "count=1")
    try:
        handle = _handle(project.root)
        endpoint, token = handle.attributes["endpoint"], handle.attributes["token"]
        assert endpoint.startswith("http://127.0.0.1:")
        assert "/v1/atonix/stacks/stack/" in endpoint
        assert endpoint.endswith("/resources/handle/signal")
        for bad_token, status in (("wrong", 401), (None, 401)):
            assert _post(endpoint, bad_token, {"status": "SUCCESS"}) == status
        assert _post(endpoint, token, {"status": "MAYBE"}) == 400
        assert _post(endpoint.replace("/handle/", "/wait/"), token, {}) == 404
        assert _post(endpoint, token, {"status": "SUCCESS", "data": "booted"}) == 200
    finally:
        code, output = _finish(apply)
    assert code == 0, output
    assert token not in output
    assert json.loads(project.run("output", "-raw", "data").output) == {"1": "booted"}


def test_a_failure_signal_ends_the_wait_with_its_reason(project: Project) -> None:
    project.write("stack.yaml", WAITING)
    apply = _start_apply(project.root)
    try:
        _handle(project.root)
        data = '{"status": "FAILURE", "reason": "cloud-init failed"}'
        assert project.process("signal", "handle", "--data", data).returncode == 0
    finally:
        code, output = _finish(apply)
    assert code == 1
    assert "stack.yaml:7:3: error: wait: wait condition failed: cloud-init failed" in output


def _post(url: str, token: str | None, body: Any) -> int:
    return _send(url, token, body, "POST")


def _send(url: str, token: str | None, body: Any, method: str) -> int:
    """The HTTP status of the answer; -1 when nothing listens there any more."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Auth-Token"] = token
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)
    except urllib.error.URLError:
        return -1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("handel",),
            "error: no resource handel in the state of default/default/stack;"
            " did you mean `handle`?",
        ),
        (("note",), "error: note is of type OS::Heat::Value, which takes no signals"),
        (("handle", "--data", "{bad"), "error: --data:1:2: not JSON: Expecting property name"),
        (
            ("handle", "--data", '{"status": "DONE"}'),
            'error: bad signal to handle: status must be SUCCESS or FAILURE, not "DONE"',
        ),
        (
            ("handle", "--data", '{"state": "SUCCESS"}'),
            "error: bad signal to handle: unknown key(s) 'state' in the signal",
        ),
        (
            ("handle", "--data", "[1]"),
            "error: bad signal to handle: a signal is a JSON object with keys status, reason,"
            " data, id; got list",
        ),
    ],
)
def test_bad_signals_are_one_located_message(
    project: Project, args: tuple[str, ...], message: str
) -> None:
    project.write("stack.yaml", HANDLE_ONLY)
    assert project.run("apply", "-auto-approve").exit_code == 0
    result = project.run("signal", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.output


def test_signalling_a_stack_without_state_says_so(project: Project) -> None:
    project.write("stack.yaml", WAITING)
    result = project.run("signal", "handle")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no resource handle in the state of")


RENEWED = """heat_template_version: 2018-08-31
parameters:
  version: {type: string, default: "1"}
resources:
  handle:
    type: OS::Heat::UpdateWaitConditionHandle
  wait:
    type: AWS::CloudFormation::WaitCondition
    properties: {Handle: {get_resource: handle}, Timeout: 60}
  app:
    type: OS::Heat::Value
    properties: {value: {get_param: version}}
outputs:
  data:
    value: {get_attr: [wait, Data]}
"""


def test_an_update_handle_is_renewed_by_each_update_and_must_be_signalled_again(
    project: Project,
) -> None:
    """The AWS-style handle's reference is its URL; a cfn-style sender PUTs all four keys."""
    project.write("stack.yaml", RENEWED)
    signal = {"Status": "SUCCESS", "Reason": "configured", "Data": "v1", "UniqueId": "app"}
    apply = _start_apply(project.root)
    try:
        url = _handle(project.root).physical_id
        assert "/resources/handle/signal?Signature=" in url
        assert _send(url.split("?")[0], None, signal, "PUT") == 401  # the Signature is the key
        assert _send(url, None, signal, "PUT") == 200
    finally:
        code, output = _finish(apply)
    assert code == 0, output
    assert project.run("plan", "-detailed-exitcode").exit_code == 0  # nothing else changes

    apply = _start_apply(project.root, "-var", "version=2")
    try:
        deadline = time.monotonic() + 30
        while (renewed := _handle(project.root).physical_id) == url:
            assert time.monotonic() < deadline, "the handle was not replaced"
            time.sleep(0.1)
        late = {**signal, "Data": "v2"}
        assert _send(url, None, late, "PUT") in (404, 401, -1)  # the old URL is dead
        sent = project.process("signal", "handle", "--data", json.dumps(late))
        assert sent.returncode == 0, sent.stderr
    finally:
        code, output = _finish(apply)
    assert code == 0, output
    assert "handle must be replaced" in output
    assert renewed != url
    assert json.loads(project.run("output", "-raw", "data").output) == {"app": "v2"}
