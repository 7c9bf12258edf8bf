"""The corpus's autohealing templates (a server watched by Aodh event alarms delivered to a
Zaqar queue that triggers a Mistral workflow) applied on the simulator, as a single server
and as a scaling group of them: apply, plan again (nothing to do), destroy, and nothing left
in Aodh, Zaqar or Mistral. The templates' OS::Heat::TestResource only waits out Aodh's
event cache (60 s); the environment maps it to OS::Heat::None, as a test environment would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

CORPUS = Path("/work/shared/corpus/heat-templates/hot/autohealing")

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not CORPUS.exists(), reason="corpus not present"),
]

VARS = ("-var", "image=cirros", "-var", "flavor=m1.tiny", "-var", "network=public")
ENV = """resource_registry:
  OS::Heat::TestResource: OS::Heat::None
"""
CLIENT = {"Client-ID": "5d8e0f7a-1c2b-4d3e-9f4a-6b5c7d8e9f0a"}


@pytest.mark.parametrize(
    ("template", "alarms", "workflows"),
    [("autohealing_server.yaml", 3, 1), ("autohealing_group.yaml", 6, 2)],
)
def test_autohealing_template_round_trip(
    cloud_project: CloudProject, template: str, alarms: int, workflows: int
) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    for source in CORPUS.glob("*.yaml"):
        shutil.copy(source, cloud.root / source.name)
    cloud.write("test-env.yaml", ENV)
    args = (*SCOPE, "-env-file", "test-env.yaml", *VARS)
    applied = cloud.run("apply", "-auto-approve", template, *args)
    assert applied.exit_code == 0, applied.output
    sdk = cloud.sdk()
    made = sdk.alarm.get("/alarms").json()
    assert len(made) == alarms
    assert all(a["type"] == "event" for a in made)
    assert all(a["alarm_actions"][0].startswith("trust+zaqar://?queue_name=") for a in made)
    queues = sdk.message.get("/queues", headers=CLIENT).json()["queues"]
    assert len(queues) == workflows
    flows = sdk.workflow.get("/workflows").json()["workflows"]
    assert len(flows) == workflows
    for queue in queues:
        subs = sdk.message.get(f"/queues/{queue['name']}/subscriptions", headers=CLIENT).json()
        assert [s["subscriber"].endswith("/workflow/v2/executions")
                for s in subs["subscriptions"]] == [True]  # fmt: skip

    again = cloud.run("plan", "-detailed-exitcode", template, *args)
    assert again.exit_code == 0, again.output
    destroyed = cloud.run("destroy", "-auto-approve", template, *args)
    assert destroyed.exit_code == 0, destroyed.output
    assert sdk.alarm.get("/alarms").json() == []
    assert sdk.message.get("/queues", headers=CLIENT).json()["queues"] == []
    assert sdk.workflow.get("/workflows").json()["workflows"] == []
