"""A direct ``Resource.to_dict`` for openstacksdk objects.

openstacksdk fills every object's dict view at construction (``dict.update(self,
self.to_dict())``), and ``to_dict`` reads each field through ``getattr``: the class's
``__getattribute__``, the field descriptor's ``__get__``, another ``__getattribute__`` for
the component store, two more for the deprecation flags. A server has ~100 fields and nests
an image (~60) and a flavor, built and converted twice each: building the object a server
read answers with was ~0.7 ms of client CPU, the largest part of it in those look-ups.

The replacement reads what ``__get__`` would read, straight from the component store, for
the fields where that is certainly the same answer: the descriptor the class lookup finds is
a plain field (``__get__`` not overridden), not deprecated, the name is not ``id`` (which
``__getattribute__`` resolves specially), and the class's ``__getattribute__`` is the SDK's
own (or the flavor's, which differs only for ``id``): the stored value converted as
``__get__`` converts it, or, where the store lacks it and the field has no alias, the
field's default as it is. Every other
field, and every call with other than the default arguments, takes the SDK's own path, as
does a class that overrides ``_attr_to_dict`` or keeps unknown body attributes. The per-class
field list is worked out once; the key order and the first-key-wins rule are the SDK's.

``install()`` replaces the method on ``openstack.resource.Resource`` once per process, only if
it still has the signature read here (openstacksdk 4.x); otherwise the SDK runs as shipped.
``tests/providers_openstack/test_sdk_dict.py`` compares both on every resource class.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from openstack import fields as os_fields
from openstack import resource as os_resource

from atonix_iac.providers.openstack._method_patch import MethodPatch

_PARAMETERS = ["self", "body", "headers", "computed", "ignore_none", "original_names", "_to_munch"]
_COMPONENTS = (os_fields.Body, os_fields.Header, os_fields.Computed)

# How ``__get__`` finds a field: store name, body name, type, list type, and the default it
# answers when the store lacks the name (None where an alias must be followed instead).
_Direct = tuple[str, str, Any, Any, tuple[Any] | None]
# (key, attribute, how to read it directly, or None: read it with getattr)
_Field = tuple[str, str, _Direct | None]


def _plain_lookup_classes() -> tuple[Any, ...]:
    """``__getattribute__`` implementations that answer any name but ``id`` as the plain
    object lookup does."""
    found: list[Any] = [os_resource.Resource.__getattribute__]
    try:
        from openstack.compute.v2 import flavor
    except ImportError:  # pragma: no cover - part of every openstacksdk 4.x
        return tuple(found)
    found.append(flavor.Flavor.__getattribute__)
    return tuple(found)


def _fields_of(klass: type, plain_lookups: tuple[Any, ...]) -> tuple[_Field, ...] | None:
    """The class's dict-view fields in the SDK's order, or None where the SDK's own
    ``to_dict`` must run."""
    if klass._attr_to_dict is not os_resource.Resource._attr_to_dict:  # type: ignore[attr-defined]
        return None
    if klass._allow_unknown_attrs_in_body:  # type: ignore[attr-defined]
        return None
    plain = klass.__getattribute__ in plain_lookups
    fields: list[_Field] = []
    seen: set[str] = set()
    for attr, component in klass._attributes_iterator(_COMPONENTS):  # type: ignore[attr-defined]
        for key in filter(None, (attr, component.aka)):
            if key in seen:
                continue
            seen.add(key)
            fields.append((key, attr, _direct(klass, attr) if plain else None))
    return tuple(fields)


def _direct(klass: type, attr: str) -> _Direct | None:
    if attr == "id":
        return None
    descriptor = inspect.getattr_static(klass, attr, None)
    if not isinstance(descriptor, os_fields._BaseComponent):
        return None
    if type(descriptor).__get__ is not os_fields._BaseComponent.__get__:
        return None
    if descriptor.deprecated:
        return None
    default = None if descriptor.alias else (descriptor.default,)
    return (descriptor.key, descriptor.name, descriptor.data_type, descriptor.list_type, default)


def _as_dict_value(value: Any) -> Any:
    """What ``_attr_to_dict`` makes of a field's value (``_to_munch`` False)."""
    if isinstance(value, os_resource.Resource):
        return value.to_dict()
    if value and isinstance(value, list):
        return [raw.to_dict() if isinstance(raw, os_resource.Resource) else raw for raw in value]
    return value


def _direct_to_dict(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    plans: dict[type, tuple[_Field, ...] | None] = {}
    plain_lookups = _plain_lookup_classes()
    convert = os_fields._convert_type

    def to_dict(
        self: Any,
        body: bool = True,
        headers: bool = True,
        computed: bool = True,
        ignore_none: bool = False,
        original_names: bool = False,
        _to_munch: bool = False,
    ) -> dict[str, Any]:
        klass = type(self)
        if klass in plans:
            fields = plans[klass]
        else:
            fields = plans[klass] = _fields_of(klass, plain_lookups)
        defaults = body and headers and computed
        if fields is None or not defaults or ignore_none or original_names or _to_munch:
            return original(self, body, headers, computed, ignore_none, original_names, _to_munch)
        mapping: dict[str, Any] = {}
        for key, attr, direct in fields:
            if direct is not None:
                store_name, name, data_type, list_type, default = direct
                store = object.__getattribute__(self, store_name).attributes
                if name in store:
                    value = store[name]
                    if value is not None:
                        try:
                            value = convert(value, data_type, list_type)
                        except AttributeError:  # as getattr(self, attr, None) would answer
                            value = None
                    mapping[key] = _as_dict_value(value)
                    continue
                if default is not None:  # absent, no alias: the default, unconverted
                    mapping[key] = _as_dict_value(default[0])
                    continue
            mapping[key] = _as_dict_value(getattr(self, attr, None))
        return mapping

    return to_dict


_PATCH = MethodPatch(
    os_resource.Resource, "to_dict", _PARAMETERS, _direct_to_dict, aliases=("toDict", "copy")
)


def install() -> bool:
    """Replace ``Resource.to_dict``; False if the SDK's shape is not the known one."""
    if not isinstance(getattr(os_fields, "_BaseComponent", None), type):
        return False
    return _PATCH.install()


def original_to_dict() -> Callable[..., Any] | None:
    """The SDK's own function (for tests), or None when not installed."""
    return _PATCH.original
