"""OS::Heat::SwiftSignal over a Swift TempURL against the simulator: a booting server PUTs its
signals to the handle's URL (no token), the signal waits for them and reads their data; a
FAILURE fails the apply; no signal times out; a wrong signature is refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)


STACK = """heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 2}
  timeout: {type: number, default: 60}
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.5.0.0/24}
  handle:
    type: OS::Heat::SwiftSignalHandle
  signal:
    type: OS::Heat::SwiftSignal
    properties:
      handle: {get_resource: handle}
      count: {get_param: count}
      timeout: {get_param: timeout}
  server:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      image: cirros
      flavor: m1.tiny
      networks: [{network: {get_resource: net}}]
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            notify --data-binary '{"id": "web", "data": "up"}'
            notify --data-binary '{"status": "SUCCESS", "data": "ready"}'
            # notify --data-binary '{"status": "FAILURE", "reason": "disk full"}'
          params:
            notify: {get_attr: [handle, curl_cli]}
outputs:
  data:
    value: {get_attr: [signal, data]}
  url:
    value: {get_resource: handle}
"""


@pytest.fixture
def booting(cloud_project: CloudProject) -> Iterator[CloudProject]:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    cloud_project.sim.configure(run_user_data_signals=True)
    try:
        yield cloud_project
    finally:
        cloud_project.sim.configure(run_user_data_signals=False)


def test_a_server_signals_through_the_temp_url(booting: CloudProject) -> None:
    applied = booting.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = booting.state(workspace="team", environment="dev")
    assert json.loads(state.outputs["data"]) == {"web": "up", "2": "ready"}
    url = state.outputs["url"]
    assert "temp_url_sig=" in url and "temp_url_expires=" in url
    # The URL needs no token; a tampered signature is refused.
    request = urllib.request.Request(url, data=b"{}", method="PUT")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
    forged = url.replace("temp_url_sig=", "temp_url_sig=0")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(forged, data=b"{}", method="PUT"))
    assert refused.value.code == 401
    again = booting.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = booting.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert list(booting.sdk().object_store.containers()) == []


def test_a_failure_signal_fails_the_apply(booting: CloudProject) -> None:
    booting.write("stack.yaml", STACK.replace("# notify", "notify"))
    result = booting.run("apply", "-auto-approve", *SCOPE, "-var", "count=5")
    assert result.exit_code == 1
    assert "SwiftSignal failed: disk full" in result.output
    booting.run("destroy", "-auto-approve", *SCOPE, "-var", "count=5")


def test_no_signal_times_out(booting: CloudProject) -> None:
    booting.sim.configure(run_user_data_signals=False)
    result = booting.run("apply", "-auto-approve", *SCOPE, "-var", "timeout=1")
    assert result.exit_code == 1
    assert "SwiftSignal timed out after 1s with 0 of 2 signals" in result.output
    booting.run("destroy", "-auto-approve", *SCOPE, "-var", "timeout=1")
