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


BARBICAN_STACK = """heat_template_version: 2018-08-31
parameters:
  db_password:
    type: string
    hidden: true
resources:
  password:
    type: OS::Barbican::Secret
    properties:
      payload: {get_param: db_password}
      payload_content_type: text/plain
  bundle:
    type: OS::Barbican::GenericContainer
    properties:
      secrets:
        - {name: password, ref: {get_resource: password}}
  data_key:
    type: OS::Barbican::Order
    properties:
      type: key
      algorithm: aes
      bit_length: 256
outputs:
  refs:
    value: {get_attr: [bundle, secret_refs]}
  key:
    value: {get_attr: [data_key, secret_ref]}
"""


def test_barbican_stack_keeps_the_payload_secret(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", BARBICAN_STACK)
    secret = "pa55-W0rd-never-shown"
    var = ("-var", f"db_password={secret}")
    planned = cloud_project.run("plan", *SCOPE, *var)
    assert planned.exit_code == 0, planned.output
    assert secret not in planned.output
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE, *var)
    assert applied.exit_code == 0, applied.output
    assert secret not in applied.output
    stored = b"".join(p.read_bytes() for p in (cloud_project.root / ".atonix").iterdir())
    assert secret.encode() not in stored
    state = cloud_project.state(workspace="team", environment="dev")
    password_ref = state.resources["password"].physical_id
    assert state.outputs["refs"] == {"password": password_ref}
    km = cloud_project.sdk().key_manager
    payload = km.get(
        f"secrets/{password_ref.rsplit('/', 1)[1]}/payload", headers={"Accept": "text/plain"}
    )
    assert payload.text == secret
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE, *var)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, *var)
    assert destroyed.exit_code == 0, destroyed.output
    assert km.get("secrets").json()["total"] == 0
    assert km.get("orders").json()["total"] == 0
