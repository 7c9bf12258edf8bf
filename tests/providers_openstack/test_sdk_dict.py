"""The direct ``to_dict`` answers as openstacksdk's own, for every resource class."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from _sdk_classes import resource_classes
from openstack import fields as os_fields
from openstack import resource as os_resource
from openstack.compute.v2 import server as sdk_server
from openstack.network.v2 import port as sdk_port

from atonix_iac.providers.openstack import _sdk_dict

SAMPLES: list[Any] = ["x", 7, 2.5, True, None, {"a": 1, "id": "n"}, [1, "y"], [{"id": "i"}]]
SERVER_BODY = {
    "id": "5b3c1d4e-1111-2222-3333-444455556666",
    "name": "n",
    "status": "ACTIVE",
    "metadata": {"a": "b"},
    "flavor": {"vcpus": 1, "ram": 512, "original_name": "m1.tiny", "extra_specs": {}},
    "image": {"id": "i1", "links": [{"rel": "bookmark", "href": "http://x/images/i1"}]},
    "addresses": {"net": [{"version": 4, "addr": "10.0.0.5"}]},
    "OS-EXT-STS:vm_state": "active",
    "OS-EXT-SRV-ATTR:user_data": "dXNlcg==",
    "security_groups": [{"name": "default"}],
    "tags": ["x"],
    "server_groups": ["g"],
}
PORT_BODY = {
    "id": "p1",
    "network_id": "n1",
    "fixed_ips": [{"subnet_id": "s", "ip_address": "10.0.0.5"}],
    "binding:vnic_type": "normal",
    "tags": ["atonix:stack=s"],
    "tenant_id": "t",
    "project_id": "t",
    "admin_state_up": True,
}


def _answer(call: Any) -> tuple[str, Any]:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = call()
        return "ok", (value, sorted(str(w.message) for w in caught))
    except Exception as exc:  # noqa: BLE001 - the same failure either way is what is compared
        return type(exc).__name__, None


def _bodies(klass: type) -> list[dict[str, Any]]:
    """An empty body, and each field set in turn to each sample value (by its wire name)."""
    names = sorted(
        {c.name for _a, c in klass._attributes_iterator((os_fields.Body,))}  # type: ignore[attr-defined]
    )
    bodies: list[dict[str, Any]] = [{}]
    for i, sample in enumerate(SAMPLES):
        bodies.append({name: sample for name in names[i % 2 :: 2]})
    bodies.append({name: SAMPLES[(i + len(name)) % len(SAMPLES)] for i, name in enumerate(names)})
    return bodies


def test_the_direct_to_dict_matches_the_sdk_for_every_resource_class() -> None:
    assert _sdk_dict.install()
    original = _sdk_dict.original_to_dict()
    assert original is not None
    classes = resource_classes()
    assert len(classes) > 300
    compared = 0
    for klass in classes:
        if klass.to_dict is not os_resource.Resource.to_dict:  # its own (a request class)
            continue
        for body in _bodies(klass):
            built = _answer(lambda: klass.existing(**body))  # noqa: B023 - called at once
            if built[0] != "ok":
                continue
            obj = built[1][0]
            expected = _answer(lambda: original(obj))  # noqa: B023
            assert _answer(lambda: obj.to_dict()) == expected, (klass, body)  # noqa: B023
            assert _answer(lambda: obj.to_dict()) == expected, (klass, body)  # noqa: B023
            compared += 1
    assert compared > 2000


@pytest.mark.parametrize(
    ("klass", "body"), [(sdk_server.Server, SERVER_BODY), (sdk_port.Port, PORT_BODY)]
)
def test_a_server_and_a_port_convert_the_same(klass: Any, body: dict[str, Any]) -> None:
    """The objects an apply builds most: the dict view and every to_dict variant agree."""
    assert _sdk_dict.install()
    original = _sdk_dict.original_to_dict()
    assert original is not None
    obj = klass.existing(**body)
    assert dict(obj) == original(obj) == obj.to_dict()
    for variant in (
        {"computed": False},
        {"ignore_none": True},
        {"original_names": True},
        {"body": True, "headers": False, "computed": False},
    ):
        assert obj.to_dict(**variant) == original(obj, **variant), variant
    assert obj.to_dict(_to_munch=True) == original(obj, _to_munch=True)


def test_recorded_answers_convert_the_same() -> None:
    """Bodies as the simulator answers them, nested flavor and image included."""
    assert _sdk_dict.install()
    original = _sdk_dict.original_to_dict()
    assert original is not None
    recorded = json.loads((Path(__file__).parent / "data" / "sdk_bodies.json").read_text())
    server = sdk_server.Server.existing(**recorded["server"])
    port = sdk_port.Port.existing(**recorded["port"])
    assert server.to_dict() == original(server) and dict(server) == original(server)
    assert port.to_dict() == original(port) and dict(port) == original(port)


def test_install_is_idempotent() -> None:
    assert _sdk_dict.install()
    patched = os_resource.Resource.__dict__["to_dict"]
    assert _sdk_dict.install()
    assert os_resource.Resource.__dict__["to_dict"] is patched
