"""Check resolved property values against a type's schema, as Heat's ``Properties`` would.

This is what ``atonix validate`` runs on every resource, before any provider exists for its
type, so users learn about a misspelt property or a bad value at their desk rather than
half-way through an apply. Heat's coercions are honoured ("3" is an Integer, "true" a Boolean)
so that templates Heat accepts are accepted here.

Values "known after apply" are skipped; the caller says which they are (``is_unknown``)
because providers may not import the template layer that defines the marker. Secret values
never appear in messages: neither values of sensitive properties nor values that the caller's
``unwrap`` changes (a secret wrapper). ``custom_constraint`` needs the cloud and is left to
each provider's ``ResourceType.check``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from atonix_iac.addr import PropertyPath
from atonix_iac.errors import Diagnostic, SourceLocation, suggest
from atonix_iac.providers.base import PropertySchema, ResourceSchema
from atonix_iac.providers.coercion import (
    as_number,
    coerce,
    describe_bounds,
    is_allowed,
    kind_of,
    matches_pattern,
    within,
)
from atonix_iac.providers.coercion import (
    coerce_value as coerce_value,  # re-exported: it was first published here
)

IsUnknown = Callable[[Any], bool]
Unwrap = Callable[[Any], Any]

# Beyond this many candidates, a hint listing them all stops helping.
_MAX_LISTED: Final = 12
_MAX_SHOWN_CHARS: Final = 40
# Where a resource's properties sit in Heat's error paths (``resources.x.properties.y``).
PROPERTIES: Final = "properties"


def _never_unknown(value: Any) -> bool:
    return False


def _identity(value: Any) -> Any:
    return value


def check_properties(
    schema: ResourceSchema,
    properties: Mapping[str, Any],
    property_locations: Mapping[str, SourceLocation],
    resource_location: SourceLocation,
    is_unknown: IsUnknown = _never_unknown,
    *,
    unwrap: Unwrap = _identity,
) -> list[Diagnostic]:
    """Every schema violation in properties: unknown names, missing required properties,
    type mismatches (with Heat's coercions), nested Map/List schemas and Heat's constraints
    (allowed_values, range, length, allowed_pattern).

    A property whose value is None counts as not supplied, as in Heat. A property whose value
    is unknown counts as supplied and is otherwise skipped.
    """
    checker = _Checker(schema.type_name, is_unknown, unwrap)
    for name in properties:
        if name not in schema.properties and not schema.open_properties:
            checker.report_unknown_name(
                property_locations.get(name, resource_location),
                f"unknown property `{name}` for {schema.type_name}",
                name,
                schema.properties,
                path=(PROPERTIES,),
            )
    for name, prop in schema.properties.items():
        raw = properties.get(name)
        if raw is None:
            if (
                prop.required
                and not prop.has_default
                and not _legacy_alias_given(name, schema.properties, properties)
            ):
                checker.add(
                    resource_location,
                    f"missing required property `{name}` for {schema.type_name}",
                    hint=_required_hint(schema),
                    path=(PROPERTIES,),
                    heat=f"Property {name} not assigned",
                )
            continue
        location = property_locations.get(name, resource_location)
        checker.check(prop, raw, PropertyPath((name,)), location, secret=prop.sensitive)
    return sorted(checker.diagnostics, key=lambda d: d.location or resource_location)


def _legacy_alias_given(
    name: str, schema: Mapping[str, PropertySchema], given: Mapping[str, Any]
) -> bool:
    """Heat's translation rules still accept the hidden ``<name>_id`` spelling of a property
    (``network_id`` for ``network``, ``subnet_id`` for ``subnet`` ...); old templates use it."""
    alias = schema.get(f"{name}_id")
    return (
        alias is not None
        and alias.support_status in ("HIDDEN", "DEPRECATED")
        and given.get(f"{name}_id") is not None
    )


def apply_defaults(schema: ResourceSchema, properties: Mapping[str, Any]) -> dict[str, Any]:
    """properties with Heat's defaults filled in for absent (or None) properties, also inside
    supplied Maps and List items that have a nested schema. Defaults are copied, never shared."""
    return _fill_map(schema.properties, properties)


def _fill_map(schemas: Mapping[str, PropertySchema], values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name, prop in schemas.items():
        value = out.get(name)
        if value is None:
            if prop.has_default:
                out[name] = copy.deepcopy(prop.default)
            continue
        out[name] = _fill_value(prop, value)
    return out


def _fill_value(prop: PropertySchema, value: Any) -> Any:
    if prop.schema and isinstance(value, Mapping):
        return _fill_map(prop.schema, value)
    if prop.item_schema is not None and isinstance(value, list):
        return [_fill_value(prop.item_schema, item) for item in value]
    return value


def _required_hint(schema: ResourceSchema) -> str | None:
    required = sorted(n for n, p in schema.properties.items() if p.required and not p.has_default)
    return f"{schema.type_name} requires: {', '.join(required)}" if len(required) > 1 else None


@dataclass
class _Checker:
    """Walks one resource's properties against its schema, collecting diagnostics."""

    type_name: str
    is_unknown: IsUnknown
    unwrap: Unwrap
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        location: SourceLocation,
        message: str,
        hint: str | None = None,
        *,
        path: tuple[str | int, ...] = (),
        heat: str | None = None,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(message, location, hint=hint, path=path, heat_message=heat)
        )

    def report_unknown_name(
        self,
        location: SourceLocation,
        message: str,
        name: str,
        candidates: Mapping[str, PropertySchema],
        *,
        path: tuple[str | int, ...],
    ) -> None:
        visible = [n for n, p in candidates.items() if p.support_status != "HIDDEN"]
        hint = suggest(name, candidates)
        if hint is None and visible and len(visible) <= _MAX_LISTED:
            hint = f"valid names: {', '.join(sorted(visible))}"
        self.add(location, message, hint, path=path, heat=f"Unknown Property {name}")

    def check(
        self,
        prop: PropertySchema,
        raw: Any,
        path: PropertyPath,
        location: SourceLocation,
        *,
        secret: bool,
    ) -> None:
        """Check one value (at any depth) against its schema."""
        if self.is_unknown(raw):
            return
        location = _location_of(raw, location)
        if isinstance(raw, Mapping | list):
            value = raw
        else:
            value = self.unwrap(raw)
            secret = secret or value is not raw
            if self.is_unknown(value):
                return
        ok, coerced, hint = coerce(prop.type, value)
        if not ok:
            shown = "" if secret else _shown(value)
            article = "an" if prop.type[:1] in "AEIOU" else "a"
            self.add(
                location,
                f"`{path}` must be {article} {prop.type}, not {kind_of(value)}{shown}",
                hint,
                path=(PROPERTIES, *path.parts),
                heat=None if secret else _heat_type_error(prop.type, value),
            )
            return
        if isinstance(coerced, Mapping):
            self._check_map(prop, coerced, path, location, secret=secret)
        elif isinstance(coerced, list | tuple) and prop.item_schema is not None:
            for index, item in enumerate(coerced):
                item_location = _item_location(coerced, index, location)
                if item is not None:
                    self.check(
                        prop.item_schema, item, path.child(index), item_location, secret=secret
                    )
        if prop.constraints and not self._contains_unknown(coerced):
            self._check_constraints(prop, coerced, path, location, secret=secret)

    def _check_map(
        self,
        prop: PropertySchema,
        value: Mapping[Any, Any],
        path: PropertyPath,
        location: SourceLocation,
        *,
        secret: bool,
    ) -> None:
        if not prop.schema:
            return
        for key in value:
            if key not in prop.schema:
                self.report_unknown_name(
                    _key_location(value, key, location),
                    f"unknown key `{key}` in `{path}`",
                    str(key),
                    prop.schema,
                    path=(PROPERTIES, *path.parts),
                )
        for key, sub in prop.schema.items():
            child = value.get(key)
            if child is None:
                if (
                    sub.required
                    and not sub.has_default
                    and not _legacy_alias_given(key, prop.schema, value)
                ):
                    self.add(
                        location,
                        f"`{path}` is missing required key `{key}`",
                        path=(PROPERTIES, *path.parts),
                        heat=f"Property {key} not assigned",
                    )
                continue
            self.check(
                sub,
                child,
                path.child(key),
                _key_location(value, key, location),
                secret=secret or sub.sensitive,
            )

    def _check_constraints(
        self,
        prop: PropertySchema,
        value: Any,
        path: PropertyPath,
        location: SourceLocation,
        *,
        secret: bool,
    ) -> None:
        got = "" if secret else f" (got {_shown_plain(value)})"
        where = (PROPERTIES, *path.parts)
        for constraint in prop.constraints:
            described = constraint.get("description")
            if "allowed_values" in constraint:
                allowed = list(constraint["allowed_values"])
                bad = [v for v in _items(value) if not is_allowed(v, allowed, prop.type)]
                if bad:
                    got_bad = "" if secret else f" (got {_shown_plain(bad[0])})"
                    hint = None if secret else suggest(str(bad[0]), [str(a) for a in allowed])
                    listed = ", ".join(str(a) for a in allowed)
                    heat = _heat_allowed(bad[0], allowed)
                    self.add(
                        location,
                        f"`{path}` must be one of: {listed}{got_bad}",
                        hint,
                        path=where,
                        heat=None if secret else described or heat,
                    )
            elif "range" in constraint:
                number = as_number(value)
                bounds = constraint["range"] or {}
                if number is not None and not within(number, bounds):
                    heat = (
                        f"{value} is out of range"
                        f" (min: {bounds.get('min')}, max: {bounds.get('max')})"
                    )
                    self.add(
                        location,
                        f"`{path}` must be {describe_bounds(bounds)}{got}",
                        path=where,
                        heat=None if secret else described or heat,
                    )
            elif "length" in constraint:
                bounds = constraint["length"] or {}
                if isinstance(value, str | list | Mapping) and not within(len(value), bounds):
                    unit = "characters" if isinstance(value, str) else "items"
                    size = "" if secret else f" (got {len(value)})"
                    heat = (
                        f"length ({len(value)}) is out of range"
                        f" (min: {bounds.get('min')}, max: {bounds.get('max')})"
                    )
                    self.add(
                        location,
                        f"`{path}` must be {describe_bounds(bounds)} {unit} long{size}",
                        path=where,
                        heat=described or heat,
                    )
            elif "allowed_pattern" in constraint:
                pattern = str(constraint["allowed_pattern"])
                if isinstance(value, str) and not matches_pattern(pattern, value):
                    self.add(
                        location,
                        f"`{path}` must match the pattern `{pattern}`{got}",
                        path=where,
                        heat=None
                        if secret
                        else described or f'"{value}" does not match pattern "{pattern}"',
                    )

    def _contains_unknown(self, value: Any) -> bool:
        if self.is_unknown(value):
            return True
        if isinstance(value, Mapping):
            return any(self._contains_unknown(v) for v in value.values())
        if isinstance(value, list | tuple):
            return any(self._contains_unknown(v) for v in value)
        return False


def _heat_type_error(type_name: str, value: Any) -> str | None:
    """Heat's ``Properties`` wording of a value of the wrong type."""
    if type_name == "Integer":
        return f"Value '{value}' is not an integer"
    if type_name == "Number":
        return f"could not convert string to float: {str(value)!r}"
    if type_name == "String":
        return f"Value must be a string; got {value!r}"
    if type_name == "Boolean":
        return f'"{value}" is not a valid boolean'
    if type_name == "Map":
        return f'"{value}" is not a map'
    if type_name == "List":
        return f'"{value}" is not a list'
    return None


def _heat_allowed(value: Any, allowed: list[Any]) -> str:
    """Heat's AllowedValues message: values as JSON."""
    listed = ", ".join(json.dumps(a, default=str) for a in allowed)
    return f"{json.dumps(value, default=str)} is not an allowed value [{listed}]"


def _items(value: Any) -> list[Any]:
    """Heat applies allowed_values to each item of a list."""
    return list(value) if isinstance(value, list | tuple) else [value]


def _shown(value: Any) -> str:
    if isinstance(value, str | int | float | bool):
        return f" ({_shown_plain(value)})"
    return ""


def _shown_plain(value: Any) -> str:
    if not isinstance(value, str | int | float | bool):
        return kind_of(value)
    text = repr(str(value)) if isinstance(value, str) else repr(value)
    if len(text) > _MAX_SHOWN_CHARS:
        text = text[: _MAX_SHOWN_CHARS - 4] + "...'"
    return text


def _location_of(value: Any, fallback: SourceLocation) -> SourceLocation:
    """Template nodes carry their own position (``loc``); plain values fall back to the
    nearest located parent."""
    loc = getattr(value, "loc", None)
    return loc if isinstance(loc, SourceLocation) and loc.line > 0 else fallback


def _key_location(mapping: Any, key: Any, fallback: SourceLocation) -> SourceLocation:
    key_locs = getattr(mapping, "key_locs", None)
    loc = key_locs.get(key) if isinstance(key_locs, dict) else None
    return loc if isinstance(loc, SourceLocation) and loc.line > 0 else fallback


def _item_location(items: Any, index: int, fallback: SourceLocation) -> SourceLocation:
    item_locs = getattr(items, "item_locs", None)
    if isinstance(item_locs, list) and index < len(item_locs):
        loc = item_locs[index]
        if isinstance(loc, SourceLocation) and loc.line > 0:
            return loc
    return fallback
