"""Stacks of the object store, key manager, DNS, identity and image types through the CLI,
against the simulator: apply, plan again (nothing to do), drift read back, destroy."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)


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


DNS_STACK = """heat_template_version: 2018-08-31
parameters:
  ttl:
    type: number
    default: 300
resources:
  zone:
    type: OS::Designate::Zone
    properties:
      name: svc-e2e.example.com.
      email: ops@example.com
      ttl: {get_param: ttl}
  www:
    type: OS::Designate::RecordSet
    properties:
      zone: {get_resource: zone}
      name: www
      type: A
      records: [10.0.0.1]
      ttl: {get_param: ttl}
outputs:
  zone:
    value: {get_resource: zone}
"""


def test_designate_stack_updates_in_place(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", DNS_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    before = cloud_project.state(workspace="team", environment="dev").resources
    ttl = cloud_project.run("plan", *SCOPE, "-var", "ttl=60")
    assert ttl.exit_code == 0 and "2 to change" in ttl.output, ttl.output
    changed = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", "ttl=60")
    assert changed.exit_code == 0, changed.output
    after = cloud_project.state(workspace="team", environment="dev").resources
    assert {a: r.physical_id for a, r in after.items()} == {
        a: r.physical_id for a, r in before.items()
    }
    dns = cloud_project.sdk().dns
    zone_id = after["zone"].physical_id
    assert dns.get_recordset(after["www"].physical_id, zone_id).ttl == 60
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, "-var", "ttl=60")
    assert destroyed.exit_code == 0, destroyed.output
    assert list(dns.zones(name="svc-e2e.example.com.")) == []


KEYSTONE_STACK = """heat_template_version: 2018-08-31
parameters:
  description:
    type: string
    default: first
resources:
  team:
    type: OS::Keystone::Project
    properties:
      name: svc-e2e-team
      description: {get_param: description}
  reader:
    type: OS::Keystone::User
    properties:
      name: svc-e2e-reader
      password: not-in-the-plan-8214
      default_project: {get_resource: team}
      roles:
        - {role: reader, project: {get_resource: team}}
"""


def test_keystone_stack_as_admin(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", KEYSTONE_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    assert "not-in-the-plan-8214" not in applied.output
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    changed = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", "description=second")
    assert changed.exit_code == 0 and "1 changed" in changed.output, changed.output
    identity = cloud_project.sdk().identity
    assert identity.find_project("svc-e2e-team").description == "second"
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, "-var", "description=second")
    assert destroyed.exit_code == 0, destroyed.output
    assert identity.find_user("svc-e2e-reader") is None


def test_keystone_stack_with_a_member_binding_fails_the_plan(cloud_project: CloudProject) -> None:
    clouds = cloud_project.root / "clouds.yaml"
    auth_url = cloud_project.sim.auth_url
    clouds.write_text(
        "clouds:\n  member:\n    auth:\n"
        f"      auth_url: {auth_url}\n      username: demo-user\n      password: password\n"
        "      project_name: demo\n      user_domain_name: Default\n"
        "      project_domain_name: Default\n    region_name: RegionOne\n"
    )
    cloud_project.bind("dev: {cloud: member, project: demo, region: RegionOne}")
    cloud_project.write("stack.yaml", KEYSTONE_STACK)
    cloud_project.sim.clear_request_log()
    planned = cloud_project.process("plan", *SCOPE, OS_CLIENT_CONFIG_FILE=str(clouds))
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "stack.yaml:" in planned.stderr
    assert "OS::Keystone::Project needs an admin binding" in planned.stderr
    assert "Traceback" not in planned.stderr
    assert cloud_project.writes() == []


GLANCE_STACK = """heat_template_version: 2018-08-31
parameters:
  tags:
    type: comma_delimited_list
    default: [base]
resources:
  image:
    type: OS::Glance::WebImage
    properties:
      location: https://download.cirros-cloud.net/0.6.2/cirros-0.6.2-x86_64-disk.img
      container_format: bare
      disk_format: qcow2
      tags: {get_param: tags}
  server_volume:
    type: OS::Cinder::Volume
    properties:
      size: 1
      image: {get_resource: image}
"""


def test_glance_web_image_feeds_a_volume(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", GLANCE_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    state = cloud_project.state(workspace="team", environment="dev")
    image_id = state.resources["image"].physical_id
    retagged = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", "tags=base,gold")
    assert retagged.exit_code == 0 and "1 changed" in retagged.output, retagged.output
    sdk = cloud_project.sdk()
    assert {"base", "gold"} <= set(sdk.image.get_image(image_id).tags)
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, "-var", "tags=base,gold")
    assert destroyed.exit_code == 0, destroyed.output
    assert sdk.image.find_image(image_id) is None


LOST_ANSWERS_STACK = """heat_template_version: 2018-08-31
resources:
  bucket:
    type: OS::Swift::Container
  token:
    type: OS::Barbican::Secret
    properties:
      payload: abc
      payload_content_type: text/plain
  zone:
    type: OS::Designate::Zone
    properties:
      name: lost-answers.example.org.
      email: ops@example.org
  team:
    type: OS::Keystone::Project
    properties:
      name: lost-answers-team
  image:
    type: OS::Glance::WebImage
    properties:
      location: https://example.org/cirros.img
      container_format: bare
      disk_format: qcow2
"""


def test_creates_whose_answers_were_lost_are_adopted_not_duplicated(
    cloud_project: CloudProject,
) -> None:
    """Each create succeeds in the cloud but its client sees a 502: the retry finds the
    object (by token or natural key) instead of making a second one."""
    sim = cloud_project.sim
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", LOST_ANSWERS_STACK)
    for service, method, path in (
        ("object-store", "PUT", "/AUTH_*/*"),
        ("key-manager", "POST", "/secrets"),
        ("dns", "POST", "/zones"),
        ("identity", "POST", "/projects"),
        ("image", "POST", "/images"),
    ):
        sim.add_fault(service=service, method=method, path=path, status=502, when="after", count=1)
    try:
        applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    finally:
        sim.clear_faults()
    assert applied.exit_code == 0, applied.output
    sdk = cloud_project.sdk()
    state = cloud_project.state(workspace="team", environment="dev").resources
    assert [c.name for c in sdk.object_store.containers()] == [state["bucket"].physical_id]
    assert sdk.key_manager.get("secrets").json()["total"] == 1
    assert [z.id for z in sdk.dns.zones(name="lost-answers.example.org.")] == [
        state["zone"].physical_id
    ]
    assert [p.id for p in sdk.identity.projects(name="lost-answers-team")] == [
        state["team"].physical_id
    ]
    images = [i.id for i in sdk.image.images() if "atonix:address=image" in (i.tags or [])]
    assert images == [state["image"].physical_id]
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE)
    assert destroyed.exit_code == 0, destroyed.output


ADMIN_EXTRAS_STACK = """heat_template_version: 2018-08-31
parameters:
  iops:
    type: string
    default: "500"
resources:
  flavor:
    type: OS::Nova::Flavor
    properties:
      name: svc-e2e-flavor
      ram: 1024
      vcpus: 1
      extra_specs: {"hw:cpu_policy": dedicated}
  fast:
    type: OS::Cinder::VolumeType
    properties:
      name: svc-e2e-fast
      metadata: {volume_backend_name: ssd}
  limits:
    type: OS::Cinder::QoSSpecs
    properties:
      name: svc-e2e-limits
      specs: {read_iops_sec: {get_param: iops}}
  limited:
    type: OS::Cinder::QoSAssociation
    properties:
      qos_specs: {get_resource: limits}
      volume_types: [{get_resource: fast}]
  encrypted:
    type: OS::Cinder::EncryptedVolumeType
    properties:
      volume_type: {get_resource: fast}
      provider: luks
  rack:
    type: OS::Nova::HostAggregate
    properties:
      name: svc-e2e-rack
      hosts: [sim-compute-1]
  compute_quota:
    type: OS::Nova::Quota
    properties:
      project: other
      instances: 12
"""


def test_admin_extras_stack(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", ADMIN_EXTRAS_STACK)
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    again = cloud_project.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    changed = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", "iops=900")
    assert changed.exit_code == 0 and "1 changed" in changed.output, changed.output
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, "-var", "iops=900")
    assert destroyed.exit_code == 0, destroyed.output
    sdk = cloud_project.sdk()
    assert sdk.compute.find_flavor("svc-e2e-flavor") is None
    assert sdk.block_storage.find_type("svc-e2e-fast") is None
    assert [a.name for a in sdk.compute.aggregates()] == []
