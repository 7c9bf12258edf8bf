"""Retired property names read as their replacements, as Heat's translation rules read them.

Heat moves the value of a retired name (``network_id``) to its replacement (``network``)
before validating or using the properties, and refuses a template that gives both ("Cannot
define the following properties at the same time"). The rules are data
(``providers.translations``), so every type gets them, implemented or not. The plan shows the
new name; each use of an old one is a located warning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from atonix_iac.errors import Diagnostic, Severity, SourceLocation
from atonix_iac.providers.translations import PropertyTranslation, property_translations
from atonix_iac.template.model import ResourceSpec
from atonix_iac.template.nodes import LocatedDict


def translate_values(type_name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every retired name moved to its replacement (where both are given,
    the replacement wins: ``translation_diagnostics`` has refused that template already)."""
    rules = property_translations(type_name)
    out = dict(values)
    for rule in rules:
        out = _apply(out, rule.parent, rule)
    return out


def _apply(container: dict[str, Any], parent: tuple[str, ...], rule: PropertyTranslation) -> Any:
    if not parent:
        if rule.old not in container:
            return container
        moved = dict(container)
        value = moved.pop(rule.old)
        if value is not None and moved.get(rule.new) is None:
            moved[rule.new] = value
        return moved
    head, rest = parent[0], parent[1:]
    child = container.get(head)
    if isinstance(child, list):
        items = [_apply(dict(i), rest, rule) if isinstance(i, dict) else i for i in child]
        return {**container, head: items}
    if isinstance(child, dict):
        return {**container, head: _apply(dict(child), rest, rule)}
    return container


def translation_diagnostics(spec: ResourceSpec) -> list[Diagnostic]:
    """A warning at each retired name the resource uses, an error where it also gives the
    replacement (Heat's ResourcePropertyConflict)."""
    diagnostics: list[Diagnostic] = []
    for rule in property_translations(spec.type):
        for mapping, fallback in _containers(spec, rule.parent):
            if rule.old not in mapping:
                continue
            if not rule.parent:
                where = spec.property_locations.get(rule.old, spec.location)
            elif isinstance(mapping, LocatedDict):
                where = mapping.key_loc(rule.old)
            else:
                where = fallback
            if mapping.get(rule.new) is not None and mapping.get(rule.old) is not None:
                diagnostics.append(
                    Diagnostic(
                        "Cannot define the following properties at the same time: "
                        f"{rule.new_path}, {rule.old_path} (`{spec.name}`, {spec.type})",
                        where,
                        hint=f"`{rule.old}` is the retired name of `{rule.new}`; keep `{rule.new}`",
                    )
                )
                continue
            diagnostics.append(
                Diagnostic(
                    f"`{rule.old_path}` of {spec.type} is deprecated: it is planned as "
                    f"`{rule.new_path}` (Heat translates it)",
                    where,
                    Severity.WARNING,
                    hint=f"used by `{spec.name}`; write `{rule.new}` instead",
                )
            )
    return diagnostics


def translated_locations(spec: ResourceSpec) -> dict[str, SourceLocation]:
    """The resource's top-level property locations, each replacement name located where
    its retired name is written (so errors about its value point at the template)."""
    locations = dict(spec.property_locations)
    for rule in property_translations(spec.type):
        if not rule.parent and rule.old in locations and rule.new not in locations:
            locations[rule.new] = locations[rule.old]
    return locations


def _containers(
    spec: ResourceSpec, parent: tuple[str, ...]
) -> Iterator[tuple[Mapping[str, Any], SourceLocation]]:
    """The literal mappings at ``parent`` in the resource's properties, as written."""
    current: list[Any] = [spec.properties]
    for name in parent:
        following: list[Any] = []
        for item in current:
            value = item.get(name) if isinstance(item, Mapping) else None
            if isinstance(value, list):
                following.extend(value)
            elif isinstance(value, Mapping):
                following.append(value)
        current = following
    location = spec.property_locations.get(parent[0], spec.location) if parent else spec.location
    for item in current:
        if isinstance(item, Mapping):
            yield item, location
