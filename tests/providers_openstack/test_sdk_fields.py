"""The memoised field walk gives what openstacksdk's own walk gives, for every class."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from _sdk_classes import resource_classes
from openstack import fields as os_fields
from openstack import resource as os_resource

from atonix_iac.providers.openstack import _sdk_fields

COMPONENT_SETS: list[Any] = [
    None,
    (os_fields.Body, os_fields.Header),
    (os_fields.Body,),
    os_fields.Body,
    (os_fields.URI,),
    (os_fields.Computed,),
    (os_fields.Body, os_fields.Header, os_fields.URI, os_fields.Computed),
]


def test_memoised_walk_matches_the_sdk_for_every_resource_class() -> None:
    assert _sdk_fields.install()
    original = _sdk_fields.original_attributes_iterator()
    assert original is not None
    classes = resource_classes()
    assert len(classes) > 300
    for klass in classes:
        for components in COMPONENT_SETS:
            args = () if components is None else (components,)
            expected = list(original(klass, *args))
            # twice: the first call fills the cache, the second reads it
            assert list(klass._attributes_iterator(*args)) == expected, klass
            assert list(klass._attributes_iterator(*args)) == expected, klass


def test_install_is_idempotent() -> None:
    assert _sdk_fields.install()
    patched = os_resource.Resource.__dict__["_attributes_iterator"]
    assert _sdk_fields.install()
    assert os_resource.Resource.__dict__["_attributes_iterator"] is patched


@pytest.mark.parametrize("cls_path", ["compute.v2.server.Server", "network.v2.port.Port"])
def test_objects_convert_the_same(cls_path: str) -> None:
    """A server and a port built from a response body: the same ``to_dict`` either way."""
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
        "fixed_ips": [{"subnet_id": "s", "ip_address": "10.0.0.5"}],
        "binding:vnic_type": "normal",
        "tags": ["x"],
    }
    assert _sdk_fields.install()
    memoised = klass.existing(**body).to_dict()
    original = _sdk_fields.original_attributes_iterator()
    patched = os_resource.Resource.__dict__["_attributes_iterator"]
    try:
        os_resource.Resource._attributes_iterator = classmethod(original)
        expected = klass.existing(**body).to_dict()
    finally:
        os_resource.Resource._attributes_iterator = patched
    assert memoised == expected


def test_kept_mappings_match_the_sdk_for_every_resource_class() -> None:
    """One mapping per class and field kind, equal (type included) to the SDK's own."""
    assert _sdk_fields.install()
    original = _sdk_fields.original_get_mapping()
    assert original is not None
    kinds = (os_fields.Body, os_fields.Header, os_fields.URI, os_fields.Computed)
    for klass in resource_classes():
        for kind in kinds:
            expected = original(klass, kind)
            kept = klass._get_mapping(kind)
            assert type(kept) is type(expected), klass
            assert dict(kept.items()) == dict(expected.items()), (klass, kind)
            assert klass._get_mapping(kind) is kept


def test_a_server_reads_the_same_with_the_sdks_own_mappings() -> None:
    body = {"id": "s1", "name": "n", "status": "BUILD", "metadata": {"k": "v"}, "tags": []}
    from openstack.compute.v2.server import Server

    assert _sdk_fields.install()
    kept = Server.existing(**body)
    original = _sdk_fields.original_get_mapping()
    patched = os_resource.Resource.__dict__["_get_mapping"]
    try:
        os_resource.Resource._get_mapping = classmethod(original)  # type: ignore[arg-type]
        expected = Server.existing(**body)
    finally:
        os_resource.Resource._get_mapping = patched
    assert kept.to_dict() == expected.to_dict()
    assert dict(kept) == dict(expected)
