"""The part of ``show -json``'s ``configuration`` that only the template knows.

Terraform's ``configuration`` gives each planned resource its expressions (a constant, or
the references it is computed from), its ``depends_on``, and the outputs' expressions. Those
come from the template, which is slow to load again for a large stack (YAML, located values,
the model: most of a 10,000-resource ``show -json``). So a saved plan carries these facts,
built here once when the plan is written, as JSON-ready data with secrets already masked;
``json_plan`` turns them into the ``configuration`` block, from a plan file or a live template
alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from atonix_iac.planner.plan import Plan
from atonix_iac.planner.render.json_values import SENSITIVE_MASK, masked_value
from atonix_iac.template.expr import Expr, iter_references
from atonix_iac.template.model import ResourceSpec, Template
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr
from atonix_iac.template.values import UNKNOWN


def configuration_facts(plan: Plan, template: Template) -> dict[str, Any]:
    """``{"resources": {address: {"expressions", "depends_on"?}}, "outputs": {...}}`` for
    the resources ``configuration`` lists (those the plan creates or keeps) that the template
    declares."""
    resources: dict[str, Any] = {}
    for change in plan.changes:
        if change.after is None or change.deposed:
            continue
        spec = template.resources.get(change.address)
        if spec is None:
            continue
        entry: dict[str, Any] = {"expressions": _expressions(spec, change.sensitive_properties)}
        depends_on = [name for name, _ in spec.depends_on]
        if depends_on:
            entry["depends_on"] = depends_on
        resources[change.address] = entry
    outputs = {
        name: {
            "expression": _expression(spec.value, spec.sensitive),
            **({"sensitive": True} if spec.sensitive else {}),
            **({"description": spec.description} if spec.description else {}),
        }
        for name, spec in sorted(template.outputs.items())
    }
    return {"resources": resources, "outputs": outputs}


def _expressions(spec: ResourceSpec, hidden: Collection[str]) -> dict[str, Any]:
    return {
        str(name): _expression(value, name in hidden)
        for name, value in sorted(spec.properties.items())
    }


def _expression(value: Any, secret: bool) -> dict[str, Any]:
    """Terraform's expression form: ``constant_value`` for literals, ``references`` (both
    ``res.attr`` and ``res``, as Terraform lists them) for anything computed."""
    try:
        constant = _constant(value)
    except _Computed:
        references: list[str] = []
        for ref in iter_references(value):
            if ref.attribute:
                references.append(f"{ref.resource}.{ref.attribute}")
            references.append(ref.resource)
        return {"references": list(dict.fromkeys(references))}
    return {"constant_value": SENSITIVE_MASK if secret else constant}


class _Computed(Exception):
    """A function call inside a value: it is shown by its references, not as a constant."""


# Exact types of the leaves a template holds, taken without a call; checked before
# ``isinstance(value, Expr)`` (an ABC check) on every node of a 10,000-resource template.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _constant(value: Any) -> Any:
    """``masked_value`` of a template literal in one walk, the located types the YAML loader
    builds taken first; raises ``_Computed`` at the first function call."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is LocatedStr:
        return str(value)
    if kind is LocatedDict or kind is dict:
        return {
            str(k): v if type(v) in _SCALARS else _constant(v)
            for k, v in value.items()
            if v is not UNKNOWN
        }
    if kind is LocatedList or kind is list:
        return [v if type(v) in _SCALARS else _constant(v) for v in value]
    if _has_expr(value):
        raise _Computed
    return masked_value(value)


def _has_expr(value: Any) -> bool:
    if isinstance(value, Expr):
        return True
    if isinstance(value, Mapping):
        return any(_has_expr(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_expr(v) for v in value)
    return False
