"""``atonix signal`` completes a software deployment that an apply in another process is
waiting for: the output values it carries become the deployment's attributes."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from _cli_kit import ATONIX, Project

pytestmark = pytest.mark.timeout(120)

STACK = """heat_template_version: 2018-08-31
resources:
  script:
    type: OS::Heat::SoftwareConfig
    properties:
      config: "#!/bin/sh\\necho hi\\n"
      outputs: [{name: result}]
  deploy:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: script}
      server: 2d8c2a3c-0000-4000-8000-000000000001
      signal_transport: HEAT_SIGNAL
outputs:
  result: {value: {get_attr: [deploy, result]}}
"""


def test_atonix_signal_completes_a_waiting_deployment(project: Project) -> None:
    project.write("stack.yaml", STACK)
    applying = subprocess.Popen(
        [str(ATONIX), "apply", "-auto-approve"],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            resource = project.state().resources.get("deploy")
            if resource is not None and resource.physical_id:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the deployment never reached state")
        too_early = project.run("signal", "script")
        assert too_early.exit_code != 0
        assert "takes no signals" in too_early.stderr
        sent = project.run(
            "signal", "deploy", "--data", json.dumps({"deploy_status_code": 0, "result": "ok"})
        )
        assert sent.exit_code == 0, sent.output
        assert "Signalled deploy" in sent.stdout
        out, err = applying.communicate(timeout=60)
    finally:
        if applying.poll() is None:
            applying.kill()
    assert applying.returncode == 0, out + err
    state = project.state()
    assert state.resources["deploy"].attributes["show"]["status"] == "COMPLETE"
    assert state.outputs["result"] == "ok"
