"""The indexed ``_consume_attrs`` sorts a response as openstacksdk's own code does."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from _sdk_classes import resource_classes
from openstack import fields as os_fields
from openstack import resource as os_resource

from atonix_iac.providers.openstack import _sdk_consume

COMPONENTS = (os_fields.Body, os_fields.Header, os_fields.URI, os_fields.Computed)


def _attrs_for(klass: type, component: type) -> dict[str, Any]:
    """Every field of ``klass`` under its server-side name, its attribute name and other
    cases of both, plus names no field has."""
    mapping = klass._get_mapping(component)  # type: ignore[attr-defined]
    attrs: dict[str, Any] = {}
    for i, (name, attribute) in enumerate(mapping.items()):
        attrs[name] = f"v{i}"
        attrs[attribute] = f"a{i}"
        attrs[name.upper()] = f"u{i}"
        attrs[attribute.title()] = f"t{i}"
    attrs["no-such-field"] = 1
    attrs["X-No-Such-Header"] = 2
    return attrs


def _both(klass: type, component: type) -> tuple[Any, Any]:
    original = _sdk_consume.original_consume_attrs()
    assert original is not None
    mapping = klass._get_mapping(component)  # type: ignore[attr-defined]
    expected_attrs = _attrs_for(klass, component)
    expected = original(None, mapping, expected_attrs)
    got_attrs = _attrs_for(klass, component)
    got = klass._consume_attrs(klass, mapping, got_attrs)  # type: ignore[attr-defined]
    return (list(got.items()), list(got_attrs.items())), (
        list(expected.items()),
        list(expected_attrs.items()),
    )


def test_indexed_consume_matches_the_sdk_for_every_resource_class() -> None:
    assert _sdk_consume.install()
    classes = resource_classes()
    assert len(classes) > 300
    for klass in classes:
        if "_consume_attrs" in vars(klass):  # overrides that pre-process attrs first
            continue
        for component in COMPONENTS:
            # twice: the first call builds the index, the second reads it
            got, expected = _both(klass, component)
            assert got == expected, (klass, component)
            got, expected = _both(klass, component)
            assert got == expected, (klass, component)


def test_keys_that_are_not_strings_go_to_the_sdk() -> None:
    assert _sdk_consume.install()
    mapping = {"name": "name", "id": "id"}
    attrs: dict[Any, Any] = {"name": "n", 7: "seven"}
    got = os_resource.Resource._consume_attrs(None, mapping, attrs)  # type: ignore[arg-type]
    assert got == {"name": "n"}
    assert attrs == {7: "seven"}


def test_install_is_idempotent() -> None:
    assert _sdk_consume.install()
    patched = os_resource.Resource.__dict__["_consume_attrs"]
    assert _sdk_consume.install()
    assert os_resource.Resource.__dict__["_consume_attrs"] is patched


@pytest.mark.parametrize(
    "cls_path", ["compute.v2.server.Server", "network.v2.port.Port", "compute.v2.keypair.Keypair"]
)
def test_objects_convert_the_same(cls_path: str) -> None:
    """Objects built from a response body: the same ``to_dict`` either way."""
    module_name, class_name = cls_path.rsplit(".", 1)
    klass = getattr(importlib.import_module(f"openstack.{module_name}"), class_name)
    body = {
        "id": "5b3c1d4e-1111-2222-3333-444455556666",
        "name": "n",
        "status": "ACTIVE",
        "metadata": {"a": "b"},
        "flavor": {"vcpus": 1, "ram": 512, "original_name": "m1.tiny"},
        "image": {"id": "i1"},
        "addresses": {"net": [{"version": 4, "addr": "10.0.0.5"}]},
        "OS-EXT-STS:vm_state": "active",
        "OS-EXT-SRV-ATTR:instance_name": "instance-1",
        "fixed_ips": [{"subnet_id": "s", "ip_address": "10.0.0.5"}],
        "binding:vnic_type": "normal",
        "public_key": "ssh-ed25519 AAAA",
        "tags": ["x"],
        "unknown": "kept out",
    }
    assert _sdk_consume.install()
    indexed = klass.existing(**body).to_dict()
    original = _sdk_consume.original_consume_attrs()
    patched = os_resource.Resource.__dict__["_consume_attrs"]
    try:
        os_resource.Resource._consume_attrs = original  # type: ignore[method-assign]
        expected = klass.existing(**body).to_dict()
    finally:
        os_resource.Resource._consume_attrs = patched  # type: ignore[method-assign]
    assert indexed == expected
