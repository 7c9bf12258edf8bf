"""Wait conditions on the simulator: a booting server runs its handle's curl_cli from its
user_data (``run_user_data_signals``), over HTTP to the apply's own signal receiver."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)


# Heat's hot/native_waitcondition.yaml, on the simulator's image and flavor: five signals
# counted (the two with id 5 are one), the commented-out FAILURE never sent.
NATIVE = """heat_template_version: 2013-05-23
parameters:
  timeout: {type: number, default: 60}
  count: {type: number, default: 5}
resources:
  wait_condition:
    type: OS::Heat::WaitCondition
    properties:
      handle: {get_resource: wait_handle}
      count: {get_param: count}
      timeout: {get_param: timeout}
  wait_handle:
    type: OS::Heat::WaitConditionHandle
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.43.0.0/24
  instance1:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      image: cirros
      flavor: m1.tiny
      networks:
        - network: {get_resource: net}
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            # Simple success signal
            wc_notify --data-binary '{"status": "SUCCESS"}'
            wc_notify --data-binary '{"status": "SUCCESS", "reason": "signal2"}'
            wc_notify --data-binary '{"status": "SUCCESS", "reason": "signal3", "data": "data3"}'
            wc_notify --data-binary '{"status": "SUCCESS", "reason": "signal4", "data": "data4"}'
            wc_notify --data-binary '{"status": "SUCCESS", "id": "5"}'
            wc_notify --data-binary '{"status": "SUCCESS", "id": "5"}'
            # wc_notify --data-binary '{"status": "FAILURE"}'
          params:
            wc_notify: {get_attr: [wait_handle, curl_cli]}
outputs:
  curl_cli:
    value: {get_attr: [wait_handle, curl_cli]}
  wc_data:
    value: {get_attr: [wait_condition, data]}
"""


@pytest.fixture
def booting(cloud_project: CloudProject) -> Iterator[CloudProject]:
    """The project bound to the simulator, whose servers send their user_data's signals."""
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", NATIVE)
    cloud_project.sim.configure(run_user_data_signals=True)
    try:
        yield cloud_project
    finally:
        cloud_project.run("destroy", "-auto-approve", *SCOPE)
        cloud_project.sim.configure(run_user_data_signals=False)


def test_a_server_running_the_handles_curl_cli_completes_the_wait(booting: CloudProject) -> None:
    result = booting.run("apply", "-auto-approve", *SCOPE)
    assert result.exit_code == 0, result.output
    assert "Apply complete! Resources: 5 added" in result.output
    data = json.loads(json.loads(booting.run("output", "-json", "wc_data", *SCOPE).output))
    assert data == {"1": None, "2": None, "3": "data3", "4": "data4", "5": None}

    handle = booting.state(environment="dev", workspace="team").resources["wait_handle"]
    token = handle.attributes["token"]
    assert handle.attributes["curl_cli"].startswith("curl -i -X POST -H 'X-Auth-Token: ")
    assert handle.attributes["endpoint"].endswith("/resources/wait_handle/signal")
    # The token never shows: not in the run's output, nor in the state file (sealed).
    assert token not in result.output
    shown = booting.run("output", "curl_cli", *SCOPE)
    assert token not in shown.output and "sensitive" in shown.output
    raw = sqlite3.connect(booting.root / ".atonix" / "state.db")
    try:
        dump = "\n".join(raw.iterdump())
    finally:
        raw.close()
    assert token not in dump


def test_a_failure_signal_fails_the_apply_with_its_reason(booting: CloudProject) -> None:
    script = NATIVE.replace(
        """# wc_notify --data-binary '{"status": "FAILURE"}'""",
        """wc_notify --data-binary '{"status": "FAILURE", "reason": "disk full"}'""",
    )
    booting.write("stack.yaml", script)
    # Five signals count for less than seven: the wait is still on when the FAILURE arrives.
    result = booting.run("apply", "-auto-approve", *SCOPE, "-var", "count=7")
    assert result.exit_code == 1
    assert "wait_condition: wait condition failed: disk full" in result.output
    assert "failed  create wait_condition" in result.output


def test_a_wait_without_enough_signals_times_out(booting: CloudProject) -> None:
    booting.sim.configure(run_user_data_signals=False)  # the server never signals
    result = booting.run("apply", "-auto-approve", *SCOPE, "-var", "timeout=1")
    assert result.exit_code == 1
    assert "wait_condition: wait condition timed out after 1s: 0 of 5 received" in result.output
