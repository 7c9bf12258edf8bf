"""Memoised field lists for openstacksdk resource classes.

openstacksdk finds a resource class's fields by walking its MRO and testing every class
attribute with ``isinstance`` against the field kinds (``Resource._attributes_iterator``). It
does so several times for each object it builds, converts or copies, and again for every
nested resource (a server's flavor and image) on each attribute read: about two thirds of the
client CPU spent building a ``Server`` or a ``Port`` from a response (~4.4 ms of a server
read, 1.5 ms with this). A class's fields are fixed once the class is defined, so the walk's
result is kept per class and set of field kinds; the order and content are the SDK's own.

The same goes one level up: ``Resource._get_mapping`` turns that walk into a class's name
mapping for one field kind, afresh each time, five times for every object built (~20% of a
``Server.existing``). Its only callers read it (to sort a response's keys into body, header,
URI and computed fields), so one mapping per class and kind is kept and handed to all.

``install()`` replaces both classmethods on ``openstack.resource.Resource`` once per process,
each only if it still has the signature read here (openstacksdk 4.x); otherwise the SDK's own
runs. ``tests/providers_openstack/test_sdk_fields.py`` compares both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from openstack import resource as os_resource

from atonix_iac.providers.openstack._method_patch import MethodPatch


def _walk_of(original: Callable[..., Any]) -> Callable[..., Any]:
    found: dict[tuple[type, Any], tuple[tuple[str, Any], ...]] = {}

    def attributes_iterator(cls: type, components: Any = None) -> Iterator[tuple[str, Any]]:
        key = (cls, components)
        fields = found.get(key)
        if fields is None:
            walked = original(cls) if components is None else original(cls, components)
            fields = found[key] = tuple(walked)
        return iter(fields)

    return attributes_iterator


def _mapping_of(original: Callable[..., Any]) -> Callable[..., Any]:
    found: dict[tuple[type, Any], Any] = {}

    def get_mapping(cls: type, component: Any) -> Any:
        key = (cls, component)
        mapping = found.get(key)
        if mapping is None:
            mapping = found[key] = original(cls, component)
        return mapping

    return get_mapping


_WALK = MethodPatch(os_resource.Resource, "_attributes_iterator", ["cls", "components"], _walk_of)
_MAPPING = MethodPatch(os_resource.Resource, "_get_mapping", ["cls", "component"], _mapping_of)


def install() -> bool:
    """Memoise ``Resource._attributes_iterator`` (and ``_get_mapping``); False if the SDK's
    shape is not the known one."""
    _MAPPING.install()
    return _WALK.install()


def original_attributes_iterator() -> Callable[..., Any] | None:
    """The SDK's own function (for tests), or None when not installed."""
    return _WALK.original


def original_get_mapping() -> Callable[..., Any] | None:
    """The SDK's own ``_get_mapping`` (for tests), or None when not installed."""
    return _MAPPING.original
