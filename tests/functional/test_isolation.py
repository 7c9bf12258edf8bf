"""Workspace isolation on a real cloud: one stack, two environments, two projects."""

from __future__ import annotations

from typing import Any

import openstack
import pytest
from realcloud import Cli, added, inventory

pytestmark = [pytest.mark.realcloud, pytest.mark.timeout(600)]

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
