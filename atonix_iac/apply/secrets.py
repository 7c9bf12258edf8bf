"""Which attributes carry a secret a resource was given (OS::Heat::Value echoes its input,
Nova echoes ``user_data`` base64-encoded inside ``show``).

State encrypts and every renderer masks what is named here, and references to such an
attribute stay sensitive downstream, so a secret never leaks through a pass-through resource.
The rule itself (verbatim or encoded, whole top-level attribute) is
``atonix_iac.state.sensitivity``: the store applies it too, to every resource it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from atonix_iac.planner.plan import Action, Plan
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.providers.base import ResourceSchema
from atonix_iac.state.sensitivity import secret_attribute_names


def secret_attributes(
    attributes: Mapping[str, Any],
    properties: Mapping[str, Any],
    secret_properties: Iterable[str],
    declared: Iterable[str] = (),
) -> frozenset[str]:
    """``declared`` (the schema's sensitive attributes) plus every attribute whose value
    contains the value of a secret property, verbatim or encoded."""
    return secret_attribute_names(attributes, properties, secret_properties, declared)


class SchemaSource(Protocol):
    def schema(self, type_name: str) -> ResourceSchema | None: ...


def plan_seals(plan: Plan, params: BoundParams, registry: SchemaSource) -> bool:
    """Whether applying ``plan`` may have to store a secret: a secret parameter (recorded with
    the outputs), a secret property, or a type whose schema declares secret attributes. The
    key is then checked before the first cloud call, not after it."""
    if params.sensitive:
        return True
    for change in plan.changes:
        if change.action is Action.DELETE or change.action is Action.NOOP:
            continue
        if change.sensitive_properties:
            return True
        schema = registry.schema(change.type)
        if schema is not None and any(a.sensitive for a in schema.attributes.values()):
            return True
    return False


def schema_secret_properties(registry: SchemaSource) -> Callable[[str], frozenset[str]]:
    """type name -> the property names its schema marks secret (none for an unknown type)."""

    def names(type_name: str) -> frozenset[str]:
        schema = registry.schema(type_name)
        if schema is None:
            return frozenset()
        return frozenset(n for n, p in schema.properties.items() if p.sensitive)

    return names
