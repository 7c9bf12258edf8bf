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

import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

from openstack import resource as os_resource

_lock = threading.Lock()
_installed: list[Callable[..., Any]] = []  # the SDK's own function, once installed
_mapping_installed: list[Callable[..., Any]] = []  # the SDK's own _get_mapping, likewise


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


def _install_mapping() -> None:
    current = os_resource.Resource.__dict__.get("_get_mapping")
    if not isinstance(current, classmethod):
        return
    original = current.__func__
    if list(inspect.signature(original).parameters) != ["cls", "component"]:
        return
    os_resource.Resource._get_mapping = classmethod(_mapping_of(original))  # type: ignore[method-assign,assignment]
    _mapping_installed.append(original)


def install() -> bool:
    """Memoise ``Resource._attributes_iterator`` (and ``_get_mapping``); False if the SDK's
    shape is not the known one."""
    with _lock:
        if _installed:
            return True
        if not _mapping_installed:
            _install_mapping()
        current = os_resource.Resource.__dict__.get("_attributes_iterator")
        if not isinstance(current, classmethod):
            return False
        original = current.__func__
        if list(inspect.signature(original).parameters) != ["cls", "components"]:
            return False
        os_resource.Resource._attributes_iterator = classmethod(_walk_of(original))  # type: ignore[method-assign,assignment]
        _installed.append(original)
        return True


def original_attributes_iterator() -> Callable[..., Any] | None:
    """The SDK's own function (for tests), or None when not installed."""
    return _installed[0] if _installed else None


def original_get_mapping() -> Callable[..., Any] | None:
    """The SDK's own ``_get_mapping`` (for tests), or None when not installed."""
    return _mapping_installed[0] if _mapping_installed else None
