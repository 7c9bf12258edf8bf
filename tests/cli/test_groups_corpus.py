"""The corpus templates that use groups plan against the simulator (zero writes).

Templates that also need services the simulator does not speak (Aodh, Octavia, Monasca,
Mistral, Ceilometer) are left to the tests of those services.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        not Path("/work/shared/corpus/heat-templates").exists(), reason="corpus not present"
    ),
]

CORPUS = Path("/work/shared/corpus/heat-templates/hot")
SERVER_VARS = ("key_name=corpus-key", "image=cirros", "flavor=m1.small", "network=public")

CASES = {
    "resource_group/resource_group.yaml": ((), "Plan: 3 to add"),
    "resource_group/resource_group_index_lookup.yaml": ((), "Plan: 4 to add"),
    "resource_group/server_with_volumes.yaml": (
        ("key_name=corpus-key", "image_id=cirros", "instance_type=m1.small"),
        "Plan: 6 to add",
    ),
    "asg_of_servers.yaml": (SERVER_VARS, "Plan: 6 to add"),
    "asg_of_stacks.yaml": (SERVER_VARS, "Plan: 12 to add"),
}


@pytest.mark.parametrize("path", sorted(CASES))
def test_corpus_group_template_plans(cloud_project: CloudProject, path: str) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    source = CORPUS / path
    for sibling in source.parent.glob("*.yaml"):
        shutil.copy(sibling, cloud.root / sibling.name)
    keys = cloud.sdk().compute
    if keys.find_keypair("corpus-key") is None:
        keys.create_keypair(name="corpus-key")
    cloud.sim.clear_request_log()
    values, summary = CASES[path]
    args = [a for v in values for a in ("-var", v)]
    result = cloud.run("plan", *SCOPE, source.name, *args)
    assert result.exit_code == 0, result.output + result.stderr
    assert summary in result.output, result.output
    assert cloud.writes() == []
