"""Stacks of the object store, key manager, DNS, identity and image types through the CLI,
against the simulator: apply, plan again (nothing to do), drift read back, destroy."""

from __future__ import annotations

import pytest
from _cli_kit import CloudProject

pytestmark = pytest.mark.timeout(180)

DEV = "dev: {cloud: atonix-sim, project: demo, region: RegionOne}"
SCOPE = ("-w", "team", "-E", "dev")

SWIFT_STACK = """heat_template_version: 2018-08-31
resources:
  site:
    type: OS::Swift::Container
    properties:
      X-Container-Read: ".r:*"
      X-Container-Meta: {Web-Index: index.html}
      PurgeOnDelete: true
outputs:
  url:
    value: {get_attr: [site, WebsiteURL]}
  objects:
    value: {get_attr: [site, ObjectCount]}
"""


def _round_trip(cloud: CloudProject, stack: str) -> None:
    """apply; plan again shows nothing to do; destroy; plan from empty creates again."""
    cloud.bind(DEV)
    cloud.write("stack.yaml", stack)
    applied = cloud.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    again = cloud.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud.state(workspace="team", environment="dev").resources == {}


def test_swift_container_stack(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", SWIFT_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    sdk = cloud_project.sdk()
    state = cloud_project.state(workspace="team", environment="dev")
    name = state.resources["site"].physical_id
    assert sdk.object_store.get_container_metadata(name).read_ACL == ".r:*"
    assert state.outputs["url"].endswith(f"/{name}")
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    # An object put behind our back: PurgeOnDelete lets destroy empty the container.
    sdk.object_store.create_object(name, "index.html", data=b"<h1>hi</h1>")
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output
    assert [c.name for c in sdk.object_store.containers()] == []
