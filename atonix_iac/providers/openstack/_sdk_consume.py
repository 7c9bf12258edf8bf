"""An indexed ``Resource._consume_attrs`` for openstacksdk.

When openstacksdk builds an object from a response it sorts the response's keys into body,
header, URI and computed fields with ``Resource._consume_attrs``, which for each key scans
the whole field mapping and lower-cases both sides of every entry: keys x fields x 3
``str.lower`` calls, ~19,000 for one server read. That quadratic scan was the largest single
item of an apply's client CPU (more than the HTTP request it decoded).

The replacement gives the same answer from an index of the mapping (which names, lower-cased,
land on which attributes), built once per distinct mapping: a class's mappings are fixed once
the class is defined, so there are a few dozen of them per process. Keys that are not strings
go to the SDK's own code.

``install()`` replaces the method on ``openstack.resource.Resource`` once per process, only if
it still has the signature read here (openstacksdk 4.x); otherwise the SDK runs as shipped.
Subclasses that override it (keypair, accelerator request) call it through ``super()`` and
so get the index too. ``tests/providers_openstack/test_sdk_consume.py`` compares both.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from openstack import resource as os_resource

from atonix_iac.providers.openstack._method_patch import MethodPatch

# (exact names accepted, lower-cased name -> the mapping keys it lands on, in mapping order)
_Index = tuple[frozenset[Any], dict[str, tuple[str, ...]]]


def _index_of(items: tuple[tuple[str, str], ...]) -> _Index:
    landing: dict[str, list[str]] = {}
    for map_key, map_value in items:
        for name in {map_key.lower(), map_value.lower()}:
            landing.setdefault(name, []).append(map_key)
    # An entry is found once per key even when both its sides match (the SDK's ``in`` test),
    # and in mapping order across entries: order each list by the entries' positions.
    position = {map_key: i for i, (map_key, _v) in enumerate(items)}
    ordered = {
        name: tuple(sorted(dict.fromkeys(keys), key=position.__getitem__))
        for name, keys in landing.items()
    }
    return frozenset(value for _k, value in items), ordered


def _indexed(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    indexes: dict[tuple[type, tuple[tuple[Any, Any], ...]], _Index] = {}

    def consume_attrs(
        self: Any, mapping: MutableMapping[str, Any], attrs: MutableMapping[str, Any]
    ) -> dict[str, Any]:
        items = tuple(mapping.items())
        key = (type(mapping), items)
        index = indexes.get(key)
        if index is None:
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in items):
                return original(self, mapping, attrs)
            index = indexes[key] = _index_of(items)
        values, landing = index
        relevant: dict[str, Any] = {}
        consumed: list[str] = []
        for name, value in attrs.items():
            if not isinstance(name, str):
                return original(self, mapping, attrs)
            # The SDK's test: an exact field name, or a mapping key (case-insensitive when
            # the mapping is, as for headers) with a true value.
            if name in values or mapping.get(name):
                targets = landing.get(name.lower(), ())
                for map_key in targets:
                    relevant[map_key] = value
                if targets:
                    consumed.append(name)
        for name in consumed:
            attrs.pop(name)
        return relevant

    return consume_attrs


_PATCH = MethodPatch(os_resource.Resource, "_consume_attrs", ["self", "mapping", "attrs"], _indexed)


def install() -> bool:
    """Index ``Resource._consume_attrs``; False if the SDK's shape is not the known one."""
    return _PATCH.install()


def original_consume_attrs() -> Callable[..., Any] | None:
    """The SDK's own function (for tests), or None when not installed."""
    return _PATCH.original
