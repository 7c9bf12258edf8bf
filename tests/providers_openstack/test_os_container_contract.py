"""Contract tests for OS::Zun::Container: run with Heat's body shapes, read without drift,
resized and re-networked in place, found again after an interrupted create, deleted twice."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from atonix_iac.providers.base import ResourceResult

from .conftest import require_service

pytestmark = pytest.mark.timeout(300)


def test_container_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    require_service(cloud, "container")
    types = cloud.provider().resource_types()
    net_a = types["OS::Neutron::Net"].create(ident("a"), {"name": f"zun-a-{unique}"})
    types["OS::Neutron::Subnet"].create(
        ident("sa"), {"network": net_a.physical_id, "cidr": "10.81.0.0/24"}
    )
    net_b = types["OS::Neutron::Net"].create(ident("b"), {})
    types["OS::Neutron::Subnet"].create(
        ident("sb"), {"network": net_b.physical_id, "cidr": "10.82.0.0/24"}
    )
    container_type = types["OS::Zun::Container"]
    props = {
        "name": f"web-{unique}",
        "image": "nginx:1.25",
        "command": "nginx -g 'daemon off;'",
        "cpu": 0.5,
        "memory": 256,
        "restart_policy": "on-failure:3",
        "environment": {"MODE": "prod"},
        "networks": [{"network": f"zun-a-{unique}"}],
    }
    who = replace(ident("web"), token=str(uuid.uuid4()))
    started = container_type.start_create(who, props)
    # Killed before state recorded it: found by the token in its labels.
    assert container_type.find_created(who, props, None, frozenset()) == started.physical_id
    done = container_type.finish_create(who, ResourceResult(started.physical_id), props)
    show = done.attributes["show"]
    assert show["status"] == "Running"
    assert show["command"] == ["nginx", "-g", "daemon off;"]
    assert show["restart_policy"] == {"Name": "on-failure", "MaximumRetryCount": "3"}
    assert list(done.attributes["addresses"]) == [net_a.physical_id]
    read = container_type.read(who, done.physical_id, props)
    assert read is not None and read.properties == props

    bigger = {**props, "memory": 512, "networks": [{"network": net_b.physical_id}]}
    container_type.update(who, done.physical_id, props, bigger, frozenset({"memory", "networks"}))
    read = container_type.read(who, done.physical_id, bigger)
    assert read is not None and read.properties == bigger
    assert list(read.attributes["addresses"]) == [net_b.physical_id]

    container_type.delete(who, done.physical_id, bigger)  # running: stopped, then deleted
    container_type.delete(who, done.physical_id, bigger)
    assert container_type.read(who, done.physical_id, bigger) is None
