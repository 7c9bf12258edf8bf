"""A plan as Terraform's ``terraform show -json`` plan representation (format_version 1.2).

CI tooling and policy engines (conftest/OPA, cost estimators) already read that document, so
every field Terraform defines keeps Terraform's name, shape and meaning. Facts Terraform has no
field for (workspace, environment, template locations, full replacement reasons, quota impact,
policy results) live under the one top-level key ``"atonix"``; there is deliberately no
``terraform_version`` (atonix's own version is ``atonix.version``). Unlike Terraform, every
sensitive value is masked (see ``json_values``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation
from atonix_iac.planner.actions import REASON_INTERRUPTED, REASON_REQUESTED, REASON_TAINTED
from atonix_iac.planner.build import REASON_CONDITION, REASON_REMOVED
from atonix_iac.planner.plan import Action, OutputChange, Plan, ResourceChange
from atonix_iac.planner.render.json_values import (
    SENSITIVE_MASK,
    masked_properties,
    masked_value,
    output_value_sensitive,
    properties_sensitive,
    properties_unknown,
    unknown_tree,
)
from atonix_iac.planner.selection import PARTIAL_PLAN_WARNING
from atonix_iac.template.expr import Expr, iter_references
from atonix_iac.template.model import ResourceSpec, Template
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr
from atonix_iac.template.values import UNKNOWN

FORMAT_VERSION = "1.2"
STATE_FORMAT_VERSION = "1.0"
HEAT_PROVIDER = "registry.atonix.io/atonix/heat"
OPENSTACK_PROVIDER = "registry.atonix.io/atonix/openstack"

ACTIONS: dict[Action, list[str]] = {
    Action.NOOP: ["no-op"],
    Action.CREATE: ["create"],
    Action.UPDATE: ["update"],
    Action.DELETE_THEN_CREATE: ["delete", "create"],
    Action.CREATE_THEN_DELETE: ["create", "delete"],
    Action.DELETE: ["delete"],
    Action.READ: ["read"],
}

_TAINTED = (REASON_TAINTED, REASON_INTERRUPTED)


def gitlab_report(plan: Plan) -> dict[str, int]:
    """GitLab's ``artifacts:reports:terraform`` document: how many resources each action
    touches, counted as GitLab's Terraform template counts ``show -json`` (a replacement is a
    create and a delete)."""
    actions = [a for change in plan.changes for a in ACTIONS[change.action]]
    return {kind: actions.count(kind) for kind in ("create", "update", "delete")}


def atonix_version() -> str:
    # Imported here: ~15 ms that a plan shown as text never needs (this module is imported
    # with the event renderers).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("atonix-iac")
    except PackageNotFoundError:
        return "unknown"


def provider_name(type_name: str) -> str:
    """Terraform's fully qualified provider name for a resource type."""
    return HEAT_PROVIDER if type_name.startswith("OS::Heat::") else OPENSTACK_PROVIDER


def provider_key(type_name: str) -> str:
    return "heat" if type_name.startswith("OS::Heat::") else "openstack"


def action_reason(change: ResourceChange) -> str | None:
    """Terraform's ``action_reason`` enum where one fits; atonix's own text is kept in
    ``atonix.resources[...].reason`` either way."""
    if change.action.is_replace:
        if change.reason == REASON_REQUESTED:
            return "replace_by_request"
        if change.reason in _TAINTED:
            return "replace_because_tainted"
        return "replace_because_cannot_update"
    if change.action is Action.DELETE and not change.deposed:
        if change.reason == REASON_REMOVED:
            return "delete_because_no_resource_config"
        if change.reason == REASON_CONDITION:  # a false condition is Terraform's count = 0
            return "delete_because_count_index"
    return None


def plan_document(
    plan: Plan,
    *,
    template: Template | None = None,
    atonix_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole JSON document as plain data. ``template`` (the one the plan was made from)
    fills ``configuration`` with expressions; ``atonix_extra`` adds facts from layers above
    the planner (policy results) under the ``atonix`` key."""
    partial = any(d.message == PARTIAL_PLAN_WARNING for d in plan.diagnostics)
    return {
        "format_version": FORMAT_VERSION,
        "variables": _variables(plan),
        "planned_values": _planned_values(plan),
        "resource_drift": [_drift(c) for c in plan.changes if c.drift or c.gone],
        "resource_changes": [_resource_change(c) for c in plan.changes],
        "output_changes": {o.name: _output_change(o) for o in plan.output_changes},
        "prior_state": _prior_state(plan),
        "configuration": _configuration(plan, template),
        "applyable": plan.has_changes,
        "complete": not partial,
        "errored": False,
        "atonix": _atonix(plan, atonix_extra or {}),
    }


def render_json_plan(
    plan: Plan,
    *,
    template: Template | None = None,
    atonix_extra: Mapping[str, Any] | None = None,
    indent: int | None = None,
) -> str:
    """``show -json``: one line by default, as Terraform prints it; keys sorted for diffs."""
    document = plan_document(plan, template=template, atonix_extra=atonix_extra)
    return json.dumps(document, indent=indent, sort_keys=True, ensure_ascii=False)


# Resource changes ---------------------------------------------------------------------------
def _identity(address: str, type_name: str) -> dict[str, Any]:
    parts = address.split(".")
    out: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": type_name,
        "name": parts[-1],
        "provider_name": provider_name(type_name),
    }
    if len(parts) > 1:
        out["module_address"] = ".".join(parts[:-1])
    return out


def _resource_change(change: ResourceChange) -> dict[str, Any]:
    secret = change.sensitive_properties
    body: dict[str, Any] = {
        "actions": ACTIONS[change.action],
        "before": masked_properties(change.before, secret),
        "after": masked_properties(change.after, secret),
        "after_unknown": properties_unknown(change.after),
        "before_sensitive": properties_sensitive(change.before, secret),
        "after_sensitive": properties_sensitive(change.after, secret),
    }
    if change.replace_paths:
        body["replace_paths"] = [[p] for p in change.replace_paths]
    out = _identity(change.address, change.type)
    out["change"] = body
    if change.deposed:
        out["deposed"] = change.deposed
    reason = action_reason(change)
    if reason:
        out["action_reason"] = reason
    return out


def _drift(change: ResourceChange) -> dict[str, Any]:
    """``resource_drift``: what refresh found changed (update) or gone (delete)."""
    secret = change.sensitive_properties
    before = {p.name: p.before for p in change.drift}
    after = None if change.gone else {p.name: p.after for p in change.drift}
    out = _identity(change.address, change.type)
    out["change"] = {
        "actions": ["delete"] if change.gone else ["update"],
        "before": masked_properties(before, secret),
        "after": masked_properties(after, secret),
        "after_unknown": {},
        "before_sensitive": properties_sensitive(before, secret),
        "after_sensitive": properties_sensitive(after, secret),
    }
    return out


def _output_change(change: OutputChange) -> dict[str, Any]:
    secret = change.sensitive
    return {
        "actions": ACTIONS[change.action],
        "before": _output_value(change.before, secret),
        "after": _output_value(change.after, secret),
        "after_unknown": unknown_tree(change.after),
        "before_sensitive": output_value_sensitive(change.before, secret)
        and change.action is not Action.CREATE,
        "after_sensitive": output_value_sensitive(change.after, secret)
        and change.action is not Action.DELETE,
    }


def _output_value(value: Any, secret: bool) -> Any:
    if value is None or value is UNKNOWN:
        return None
    return SENSITIVE_MASK if secret else masked_value(value)


# Values and state ---------------------------------------------------------------------------
def _variables(plan: Plan) -> dict[str, Any]:
    return {
        name: {"value": SENSITIVE_MASK if name in plan.sensitive_parameters else masked_value(v)}
        for name, v in sorted(plan.parameters.items())
        if "::" not in name  # pseudo-parameters (OS::stack_name ...) are not variables
    }


def _state_resource(change: ResourceChange, properties: Mapping[str, Any]) -> dict[str, Any]:
    out = _identity(change.address, change.type)
    out["schema_version"] = 0
    out["values"] = masked_properties(properties, change.sensitive_properties)
    sensitive = properties_sensitive(properties, change.sensitive_properties)
    out["sensitive_values"] = sensitive if isinstance(sensitive, dict) else {}
    return out


def _planned_values(plan: Plan) -> dict[str, Any]:
    resources = [
        _state_resource(c, c.after)
        for c in sorted(plan.changes, key=lambda c: c.address)
        if c.after is not None
    ]
    outputs = {}
    for o in plan.output_changes:
        if o.action is Action.DELETE:
            continue
        entry: dict[str, Any] = {"sensitive": output_value_sensitive(o.after, o.sensitive)}
        if o.after is not UNKNOWN:
            entry["value"] = _output_value(o.after, entry["sensitive"])
        outputs[o.name] = entry
    return {"outputs": outputs, "root_module": {"resources": resources}}


def _prior_state(plan: Plan) -> dict[str, Any]:
    """Terraform's state representation of what the plan started from (rebuilt from the
    plan's ``before`` values, so a saved plan file alone is enough)."""
    resources = []
    for change in sorted(plan.changes, key=lambda c: (c.address, c.deposed or "")):
        if change.before is None:
            continue
        entry = _state_resource(change, change.before)
        if change.dependencies:
            entry["depends_on"] = list(change.dependencies)
        if change.reason in _TAINTED:
            entry["tainted"] = True
        if change.deposed:
            entry["deposed_key"] = change.deposed
        resources.append(entry)
    outputs = {
        o.name: {
            "sensitive": output_value_sensitive(o.before, o.sensitive),
            "value": _output_value(o.before, output_value_sensitive(o.before, o.sensitive)),
        }
        for o in plan.output_changes
        if o.action is not Action.CREATE and o.before is not None
    }
    return {
        "format_version": STATE_FORMAT_VERSION,
        "values": {"outputs": outputs, "root_module": {"resources": resources}},
    }


# Configuration ------------------------------------------------------------------------------
def _configuration(plan: Plan, template: Template | None) -> dict[str, Any]:
    """The part of the template the plan applies: resources it creates or keeps, their
    expressions (references or constants) and the outputs."""
    wanted = [c for c in plan.changes if c.after is not None and not c.deposed]
    providers = sorted({provider_key(c.type) for c in wanted})
    resources = []
    for change in sorted(wanted, key=lambda c: c.address):
        spec = template.resources.get(change.address) if template else None
        entry = _identity(change.address, change.type)
        del entry["provider_name"]
        entry["provider_config_key"] = provider_key(change.type)
        entry["schema_version"] = 0
        if spec is not None:
            entry["expressions"] = _expressions(spec, change.sensitive_properties)
            depends_on = [name for name, _ in spec.depends_on]
            if depends_on:
                entry["depends_on"] = depends_on
        resources.append(entry)
    root: dict[str, Any] = {"resources": resources}
    if template is not None:
        root["outputs"] = {
            name: {
                "expression": _expression(spec.value, spec.sensitive),
                **({"sensitive": True} if spec.sensitive else {}),
                **({"description": spec.description} if spec.description else {}),
            }
            for name, spec in sorted(template.outputs.items())
        }
    return {
        "provider_config": {
            key: {"name": key, "full_name": HEAT_PROVIDER if key == "heat" else OPENSTACK_PROVIDER}
            for key in providers
        },
        "root_module": root,
    }


def _expressions(spec: ResourceSpec, secret: Iterable[str]) -> dict[str, Any]:
    hidden = set(secret)
    return {
        str(name): _expression(value, name in hidden)
        for name, value in sorted(spec.properties.items())
    }


def _expression(value: Any, secret: bool) -> dict[str, Any]:
    """Terraform's expression form: ``constant_value`` for literals, ``references`` (both
    ``res.attr`` and ``res``, as Terraform lists them) for anything computed."""
    if not _has_expr(value):
        return {"constant_value": SENSITIVE_MASK if secret else masked_value(value)}
    references: list[str] = []
    for ref in iter_references(value):
        if ref.attribute:
            references.append(f"{ref.resource}.{ref.attribute}")
        references.append(ref.resource)
    return {"references": list(dict.fromkeys(references))}


# Exact types that hold no function call: checked before ``isinstance(value, Expr)`` (an ABC
# check) on every node of a 10,000-resource template.
_NO_EXPR = frozenset({str, int, float, bool, type(None), LocatedStr})


def _has_expr(value: Any) -> bool:
    kind = type(value)
    if kind in _NO_EXPR:
        return False
    if kind is LocatedDict or kind is dict:
        return any(_has_expr(v) for v in value.values())
    if kind is LocatedList or kind is list:
        return any(_has_expr(v) for v in value)
    if isinstance(value, Expr):
        return True
    if isinstance(value, Mapping):
        return any(_has_expr(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_expr(v) for v in value)
    return False


# atonix's own facts -------------------------------------------------------------------------
def _location(location: SourceLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def resource_key(change: ResourceChange) -> str:
    """The key of a change under ``atonix.resources`` (deposed objects as state keys them)."""
    return f"{change.address}#{change.deposed}" if change.deposed else change.address


def _atonix_resource(change: ResourceChange) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "location": _location(change.location),
        "reason": change.reason,
        "replace_paths": list(change.replace_paths),
        "physical_id": change.physical_id,
        "forget_only": change.forget_only,
        "gone": change.gone,
        "drifted": [p.name for p in change.drift],
        "dependencies": list(change.dependencies),
    }


def diagnostic_document(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "location": _location(diagnostic.location),
    }


def _atonix(plan: Plan, extra: Mapping[str, Any]) -> dict[str, Any]:
    counts = plan.counts()
    return {
        "version": atonix_version(),
        "workspace": plan.key.workspace,
        "environment": plan.key.environment,
        "stack": plan.key.stack,
        "mode": plan.mode.value,
        "template_digest": plan.template_digest,
        "prior_lineage": plan.prior_lineage,
        "prior_serial": plan.prior_serial,
        "summary": plan.summary(),
        "counts": {action.value: counts[action] for action in Action},
        "resources": {resource_key(c): _atonix_resource(c) for c in plan.changes},
        "diagnostics": [diagnostic_document(d) for d in plan.diagnostics],
        "extra": masked_value(plan.extra),
        **{str(k): v for k, v in extra.items()},
    }
