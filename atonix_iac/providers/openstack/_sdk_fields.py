"""Memoised field lists for openstacksdk resource classes.

openstacksdk finds a resource class's fields by walking its MRO and testing every class
attribute with ``isinstance`` against the field kinds (``Resource._attributes_iterator``). It
does so several times for each object it builds, converts or copies, and again for every
nested resource (a server's flavor and image) on each attribute read: about two thirds of the
client CPU spent building a ``Server`` or a ``Port`` from a response (~4.4 ms of a server
read, 1.5 ms with this). A class's fields are fixed once the class is defined, so the walk's
result is kept per class and set of field kinds; the order and content are the SDK's own.

``install()`` replaces the classmethod on ``openstack.resource.Resource`` once per process,
only if it still has the signature read here (openstacksdk 4.x); otherwise it does nothing and
the SDK runs as shipped. ``tests/providers_openstack/test_sdk_fields.py`` compares both.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

from openstack import resource as os_resource

_lock = threading.Lock()
_installed: list[Callable[..., Any]] = []  # the SDK's own function, once installed


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


def install() -> bool:
    """Memoise ``Resource._attributes_iterator``; False if the SDK's shape is not the known one."""
    with _lock:
        if _installed:
            return True
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
