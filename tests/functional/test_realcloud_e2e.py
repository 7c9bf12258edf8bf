"""End to end on a real OpenStack: examples/web-tier round trip (apply, converge, resize, drift,
destroy) and workspace isolation (one stack, two environments, two projects).

One module on purpose: pytest-xdist (--dist loadfile) then runs these tests one after another,
so each test's before/after inventory of the two projects sees only its own objects.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import openstack
import pytest
from realcloud import ATONIX, Cli, added, inventory, live_servers, plan_actions

pytestmark = [pytest.mark.realcloud, pytest.mark.timeout(900)]

SERVERS = ("web-1", "web-2")


def _servers(conn: Any) -> dict[str, Any]:
    return {s.name: s for s in live_servers(conn) if s.name in SERVERS}


def _assert_running(conn: Any, outputs: str) -> None:
    """Servers ACTIVE, the data volume in use by web-1, each floating IP on its server's port."""
    servers = _servers(conn)
    assert {name: s.status for name, s in servers.items()} == dict.fromkeys(SERVERS, "ACTIVE")
    volumes = [v for v in conn.block_storage.volumes() if v.attachments]
    assert [(v.status, [a["server_id"] for a in v.attachments]) for v in volumes] == [
        ("in-use", [servers["web-1"].id])
    ]
    for server in servers.values():
        ports = {p.id for p in conn.network.ports(device_id=server.id)}
        ips = [ip for ip in conn.network.ips() if ip.port_id in ports]
        assert len(ips) == 1, f"{server.name}: floating IPs {ips}"
        assert f'"{ips[0].floating_ip_address}"' in outputs


def test_web_tier_round_trip(
    cli: dict[str, Cli], sdk: dict[str, Any], before: dict[str, dict[str, set[str]]]
) -> None:
    dev, conn = cli["dev"], sdk["dev"]
    stack = ("-e", "env.yaml", "stack.yaml")
    try:
        applied = dev.run("apply", "-auto-approve", *stack)
        assert "Apply complete! Resources: 13 added" in applied.stdout
        _assert_running(conn, applied.stdout)

        # Converged: a fresh plan (with refresh) finds nothing to do.
        dev.run("plan", "-detailed-exitcode", *stack)

        # A flavor change resizes or replaces, as the plan says.
        ids = {name: s.id for name, s in _servers(conn).items()}
        medium = ("-var", "flavor=m1.medium")
        dev.run("plan", *medium, "-out", "flavor.plan", *stack)
        actions = plan_actions(dev.saved_plan("flavor.plan"))
        changed = {addr: act for addr, act in actions.items() if act != ["no-op"]}
        assert set(changed) == {"web1.server", "web2.server"}
        dev.run("apply", "flavor.plan")
        servers = _servers(conn)
        for name, address in (("web-1", "web1.server"), ("web-2", "web2.server")):
            assert servers[name].flavor.original_name == "m1.medium"
            replaced = "create" in changed[address]
            assert (servers[name].id != ids[name]) == replaced, changed[address]
        dev.run("plan", "-detailed-exitcode", *medium, *stack)

        # Drift: a floating IP deleted behind atonix's back shows up and is put back.
        web2_ports = {p.id for p in conn.network.ports(device_id=servers["web-2"].id)}
        (lost,) = [ip for ip in conn.network.ips() if ip.port_id in web2_ports]
        conn.network.delete_ip(lost)
        dev.run("plan", "-detailed-exitcode", *medium, "-out", "drift.plan", *stack, expect=(2,))
        drift_plan = dev.saved_plan("drift.plan")
        assert [d["address"] for d in drift_plan["resource_drift"]] == ["web2.floating_ip"]
        assert plan_actions(drift_plan)["web2.floating_ip"] == ["create"]
        restored = dev.run("apply", "drift.plan")
        _assert_running(conn, restored.stdout)
    finally:
        dev.run("destroy", "-auto-approve", "-e", "env.yaml", "stack.yaml")

    # Nothing left behind, in either project, as each project's own user sees it.
    left = {env: added(before[env], inventory(c)) for env, c in sdk.items()}
    assert left == {"dev": {}, "staging": {}}


STACK = """heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: iso-net}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.77.0.0/24}
  group:
    type: OS::Neutron::SecurityGroup
    properties:
      name: iso-web
      rules: [{protocol: tcp, port_range_min: 80, port_range_max: 80}]
  volume:
    type: OS::Cinder::Volume
    properties: {name: iso-data, size: 1}
outputs:
  net: {value: {get_resource: net}}
"""


def test_same_stack_lands_in_each_environments_own_project(
    cli: dict[str, Cli], sdk: dict[str, Any], before: dict[str, dict[str, set[str]]]
) -> None:
    (cli["dev"].cwd / "iso.yaml").write_text(STACK)
    try:
        for env in ("dev", "staging"):
            cli[env].run("apply", "-auto-approve", "iso.yaml")
        made = {env: added(before[env], inventory(conn)) for env, conn in sdk.items()}
        for env, conn in sdk.items():
            assert {
                kind: {v.split(":")[0] for v in values}
                for kind, values in made[env].items()
                if kind in ("networks", "security_groups", "volumes")
            } == {"networks": {"iso-net"}, "security_groups": {"iso-web"}, "volumes": {"iso-data"}}
            project = conn.current_project_id
            assert {n.project_id for n in conn.network.networks(name="iso-net")} == {project}
        # Neither user can reach the other project's objects, even by id.
        for env, other in (("dev", "staging"), ("staging", "dev")):
            for kind, getter in (
                ("networks", sdk[env].network.get_network),
                ("volumes", sdk[env].block_storage.get_volume),
            ):
                for theirs in made[other][kind]:
                    with pytest.raises(openstack.exceptions.NotFoundException):
                        getter(theirs.split(":")[1])
    finally:
        for env in ("dev", "staging"):
            cli[env].run("destroy", "-auto-approve", "iso.yaml")

    left = {env: added(before[env], inventory(c)) for env, c in sdk.items()}
    assert left == {"dev": {}, "staging": {}}


SIGNALLED = """heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: signal-net}
  handle:
    type: OS::Heat::WaitConditionHandle
  wait:
    type: OS::Heat::WaitCondition
    depends_on: net
    properties: {handle: {get_resource: handle}, timeout: 300}
outputs:
  data: {value: {get_attr: [wait, data]}}
"""


def _atonix(dev: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    """``atonix COMMAND -w functional -E dev ARGS`` (the commands that take no -no-color)."""
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": dev.clouds_yaml}
    env.pop("OS_CLOUD", None)
    argv = [str(ATONIX), args[0], "-w", "functional", "-E", dev.environment, *args[1:]]
    return subprocess.run(
        argv, cwd=dev.cwd, capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_a_wait_condition_holds_the_apply_until_signalled(
    cli: dict[str, Cli], sdk: dict[str, Any], before: dict[str, dict[str, set[str]]]
) -> None:
    dev = cli["dev"]
    (dev.cwd / "signalled.yaml").write_text(SIGNALLED)
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": dev.clouds_yaml}
    env.pop("OS_CLOUD", None)
    apply = subprocess.Popen(
        [str(ATONIX), "apply", "-w", "functional", "-E", "dev", "-auto-approve", "signalled.yaml"],
        cwd=dev.cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        data = '{"data": "up"}'
        while True:  # refused until the apply has created the handle
            sent = _atonix(dev, "signal", "-template", "signalled.yaml", "handle", "--data", data)
            if sent.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert sent.returncode == 0, sent.stderr
        output, _ = apply.communicate(timeout=300)
        assert apply.returncode == 0, output
        shown = _atonix(dev, "output", "-template", "signalled.yaml", "-raw", "data")
        assert json.loads(shown.stdout) == {"1": "up"}
    finally:
        if apply.poll() is None:
            apply.kill()
        dev.run("destroy", "-auto-approve", "signalled.yaml")
    left = {env: added(before[env], inventory(c)) for env, c in sdk.items()}
    assert left == {"dev": {}, "staging": {}}


GROUP = """heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 2}
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: group-net}
  subnet:
    type: OS::Neutron::Subnet
    properties: {name: group-subnet, network: {get_resource: net}, cidr: 10.77.0.0/24}
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Nova::Server
        properties:
          name: group-srv-%index%
          image: cirros
          flavor: m1.tiny
          networks: [{subnet: {get_resource: subnet}}]
outputs:
  ids: {value: {get_attr: [group, refs]}}
"""


def _group_servers(conn: Any) -> dict[str, str]:
    return {s.name: s.status for s in live_servers(conn) if s.name.startswith("group-srv-")}


def test_a_resource_group_of_servers_grows_and_shrinks_by_member(
    cli: dict[str, Cli], sdk: dict[str, Any], before: dict[str, dict[str, set[str]]]
) -> None:
    dev, conn = cli["dev"], sdk["dev"]
    (dev.cwd / "group.yaml").write_text(GROUP)
    try:
        applied = dev.run("apply", "-auto-approve", "group.yaml")
        assert "Apply complete! Resources: 5 added" in applied.stdout, applied.stdout
        assert _group_servers(conn) == {"group-srv-0": "ACTIVE", "group-srv-1": "ACTIVE"}
        dev.run("plan", "-detailed-exitcode", "group.yaml")  # converged

        grown = dev.run("plan", "-var", "count=3", "-out", "grow.plan", "group.yaml")
        assert "1 to add, 1 to change, 0 to destroy" in grown.stdout, grown.stdout
        assert plan_actions(dev.saved_plan("grow.plan"))["group.2"] == ["create"]
        dev.run("apply", "grow.plan")
        assert set(_group_servers(conn)) == {"group-srv-0", "group-srv-1", "group-srv-2"}

        shrunk = dev.run("apply", "-auto-approve", "-var", "count=1", "group.yaml")
        assert "2 destroyed" in shrunk.stdout, shrunk.stdout
        assert _group_servers(conn) == {"group-srv-0": "ACTIVE"}
    finally:
        dev.run("destroy", "-auto-approve", "group.yaml")
    left = {env: added(before[env], inventory(c)) for env, c in sdk.items()}
    assert left == {"dev": {}, "staging": {}}


SOFTWARE_CONFIGURED = """heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: config-net}
  subnet:
    type: OS::Neutron::Subnet
    properties: {name: config-subnet, network: {get_resource: net}, cidr: 10.78.0.0/24}
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: "#!/bin/sh\\necho atonix-config-marker\\n"
  server:
    type: OS::Nova::Server
    properties:
      name: config-srv
      image: cirros
      flavor: m1.tiny
      networks: [{subnet: {get_resource: subnet}}]
      user_data_format: SOFTWARE_CONFIG
      user_data: {get_resource: config}
"""


def test_a_server_boots_with_its_software_config_as_heat_builds_it(
    cli: dict[str, Cli], sdk: dict[str, Any], before: dict[str, dict[str, set[str]]]
) -> None:
    """What the real Nova stores as the server's user data is Heat's cloud-init multipart with
    the config's script among its parts (read back as an admin: Nova shows user data to
    admins only)."""
    import base64
    import email

    dev, conn = cli["dev"], sdk["dev"]
    (dev.cwd / "configured.yaml").write_text(SOFTWARE_CONFIGURED)
    try:
        dev.run("apply", "-auto-approve", "configured.yaml")
        dev.run("plan", "-detailed-exitcode", "configured.yaml")  # converged
        (server,) = [s for s in conn.compute.servers() if s.name == "config-srv"]
        assert server.status == "ACTIVE"
        admin_cloud = os.environ.get("ATONIX_REALCLOUD_ADMIN_CLOUD")
        if admin_cloud:
            admin = openstack.connect(cloud=admin_cloud, compute_api_version="2.3")
            try:
                raw = admin.compute.get_server(server.id).user_data
            finally:
                admin.close()
            message = email.message_from_bytes(base64.b64decode(raw))
            assert message.is_multipart()
            parts = [p.get_payload(decode=True) or b"" for p in message.walk()]
            assert any(b"atonix-config-marker" in part for part in parts)
    finally:
        dev.run("destroy", "-auto-approve", "configured.yaml")
    left = {env: added(before[env], inventory(c)) for env, c in sdk.items()}
    assert left == {"dev": {}, "staging": {}}
