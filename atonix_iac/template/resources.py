"""The ``resources`` section: one ``ResourceSpec`` per definition, every key checked.

Which keys a resource may have depends on the template version (Heat's "Invalid keyword(s)
inside a resource definition"); ``lifecycle`` is atonix's own (Terraform's lifecycle block).
"""

from __future__ import annotations

from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError, suggest
from atonix_iac.template import versions
from atonix_iac.template.expr import Expr
from atonix_iac.template.functions import ParseContext, parse_condition, parse_value
from atonix_iac.template.model import DeletionPolicy, Lifecycle, ResourceSpec
from atonix_iac.template.nodes import LocatedDict, LocatedList, location_of

BASE_KEYS = (
    "type",
    "properties",
    "metadata",
    "depends_on",
    "update_policy",
    "deletion_policy",
    "description",
    "lifecycle",
)
LIFECYCLE_KEYS = ("prevent_destroy", "create_before_destroy", "ignore_changes")


def allowed_keys(version: str) -> tuple[str, ...]:
    keys: tuple[str, ...] = BASE_KEYS
    if versions.supports(version, "condition_key"):
        keys += ("condition",)
    if versions.supports(version, "external_id"):
        keys += ("external_id",)
    return keys


def safe_parse(
    node: Any, ctx: ParseContext, loc: SourceLocation, *, condition: bool = False
) -> Any:
    """parse_value / parse_condition, with any raised TemplateError kept as diagnostics."""
    try:
        if condition:
            return parse_condition(node, ctx, loc=loc)
        return parse_value(node, ctx, loc=loc)
    except TemplateError as exc:
        ctx.diagnostics.extend(exc.diagnostics)
        return None


class ResourceParser:
    def __init__(self, ctx: ParseContext, condition_names: frozenset[str]) -> None:
        self.ctx = ctx
        self.version = ctx.version
        self.conditions = condition_names
        self.keys = allowed_keys(ctx.version)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.ctx.diagnostics

    def error(self, loc: SourceLocation, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, loc, hint=hint))

    def parse(self, name: str, body: Any, loc: SourceLocation) -> ResourceSpec | None:
        if "." in name:
            self.error(loc, f"resource name `{name}` contains `.`", "atonix uses `.` for nesting")
        if not isinstance(body, LocatedDict):
            self.error(location_of(body, loc), f"resource `{name}` must be a mapping with a `type`")
            return None
        bad = [k for k in body if k not in self.keys]
        for key in bad:
            hint = suggest(str(key), self.keys)
            if key in ("condition", "external_id"):
                hint = f"`{key}` needs heat_template_version 2016-10-14 or later"
            self.error(
                body.key_loc(key),
                f"Invalid keyword(s) inside a resource definition: `{key}` in `{name}`",
                hint,
            )
        rtype = body.get("type")
        if rtype is None:
            self.error(loc, f"resource `{name}` has no `type`")
            return None
        if not isinstance(rtype, str) or not rtype:
            self.error(
                body.value_loc("type"),
                f"the type of resource `{name}` must be a literal string",
                "Heat resolves types before functions; use resource_registry to vary it",
            )
            return None
        return ResourceSpec(
            name=name,
            type=str(rtype),
            location=loc,
            type_location=body.value_loc("type"),
            properties=self._properties(name, body),
            property_locations=self._property_locations(body),
            metadata=self._optional(body, "metadata"),
            depends_on=(),  # filled by check_depends_on once every name is known
            condition=self._condition(name, body),
            deletion_policy=self._deletion_policy(name, body),
            update_policy=self._optional(body, "update_policy"),
            external_id=self._optional(body, "external_id"),
            description=self._description(name, body),
            lifecycle=self._lifecycle(name, body),
        )

    def _optional(self, body: LocatedDict, key: str) -> Any:
        if key not in body or body[key] is None:
            return None
        return safe_parse(body[key], self.ctx, body.value_loc(key))

    def _properties(self, name: str, body: LocatedDict) -> dict[str, Any]:
        props = body.get("properties")
        if props is None:
            return {}
        if not isinstance(props, LocatedDict):
            self.error(body.value_loc("properties"), f"properties of `{name}` must be a mapping")
            return {}
        return {
            str(key): safe_parse(value, self.ctx, props.value_loc(key))
            for key, value in props.items()
        }

    def _property_locations(self, body: LocatedDict) -> dict[str, SourceLocation]:
        props = body.get("properties")
        if not isinstance(props, LocatedDict):
            return {}
        return {str(key): props.key_loc(key) for key in props}

    def _description(self, name: str, body: LocatedDict) -> str | None:
        value = body.get("description")
        if value is None or isinstance(value, str):
            return value if value is None else str(value)
        self.error(body.value_loc("description"), f"description of `{name}` must be a string")
        return None

    def _deletion_policy(self, name: str, body: LocatedDict) -> DeletionPolicy:
        value = body.get("deletion_policy")
        if value is None:
            return DeletionPolicy.DELETE
        names = [p.value for p in DeletionPolicy]
        if isinstance(value, str):
            if value in names:
                return DeletionPolicy(str(value))
            lower = {n.lower(): n for n in names}
            if value in lower and versions.supports(self.version, "lowercase_deletion_policy"):
                return DeletionPolicy(lower[value])
            hint = suggest(str(value), names) or f"one of {', '.join(names)}"
            if value in lower:
                hint = "lower-case policies need heat_template_version 2016-10-14 or later"
        else:
            hint = "it must be a literal: one of " + ", ".join(names)
        self.error(
            body.value_loc("deletion_policy"),
            f"invalid deletion_policy `{value}` for `{name}`",
            hint,
        )
        return DeletionPolicy.DELETE

    def _condition(self, name: str, body: LocatedDict) -> Any:
        if "condition" not in body or "condition" not in self.keys:
            return None
        return parse_condition_ref(
            body["condition"], body.value_loc("condition"), self.ctx, self.conditions, f"`{name}`"
        )

    def _lifecycle(self, name: str, body: LocatedDict) -> Lifecycle:
        value = body.get("lifecycle")
        if value is None:
            return Lifecycle()
        loc = body.value_loc("lifecycle")
        if not isinstance(value, LocatedDict):
            self.error(loc, f"lifecycle of `{name}` must be a mapping")
            return Lifecycle(location=loc)
        for key in value:
            if key not in LIFECYCLE_KEYS:
                self.error(
                    value.key_loc(key),
                    f"invalid key `{key}` in the lifecycle of `{name}`",
                    suggest(str(key), LIFECYCLE_KEYS),
                )
        prevent: Any = False
        if "prevent_destroy" in value:
            parsed = safe_parse(
                value["prevent_destroy"], self.ctx, value.value_loc("prevent_destroy")
            )
            if isinstance(parsed, bool | Expr):
                prevent = parsed
            else:
                self.error(
                    value.value_loc("prevent_destroy"),
                    "prevent_destroy must be true, false or a function such as get_param",
                )
        cbd = value.get("create_before_destroy", False)
        if not isinstance(cbd, bool):
            self.error(
                value.value_loc("create_before_destroy"),
                "create_before_destroy must be true or false",
            )
            cbd = False
        return Lifecycle(prevent, cbd, self._ignore_changes(name, value), loc)

    def _ignore_changes(self, name: str, lifecycle: LocatedDict) -> tuple[str, ...]:
        value = lifecycle.get("ignore_changes")
        if value is None:
            return ()
        if value == "all":
            return ("all",)
        if isinstance(value, LocatedList) and all(isinstance(v, str) for v in value):
            return tuple(str(v) for v in value)
        self.error(
            lifecycle.value_loc("ignore_changes"),
            f"ignore_changes of `{name}` must be a list of property names, or `all`",
        )
        return ()


def parse_condition_ref(
    value: Any, loc: SourceLocation, ctx: ParseContext, conditions: frozenset[str], owner: str
) -> Any:
    """A resource's or output's ``condition``: a known name, a boolean or an expression."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value not in conditions:
            ctx.diagnostics.append(
                Diagnostic(
                    f"{owner} names unknown condition `{value}`",
                    location_of(value, loc),
                    hint=suggest(str(value), conditions)
                    or ("there is no `conditions` section" if not conditions else None),
                )
            )
        return str(value)
    return safe_parse(value, ctx, loc, condition=True)


def check_depends_on(
    name: str, body: Any, resource_names: frozenset[str], diagnostics: list[Diagnostic]
) -> tuple[tuple[str, SourceLocation], ...]:
    if not isinstance(body, LocatedDict) or body.get("depends_on") is None:
        return ()
    value = body["depends_on"]
    loc = body.value_loc("depends_on")
    items: list[tuple[Any, SourceLocation]]
    if isinstance(value, str):
        items = [(value, location_of(value, loc))]
    elif isinstance(value, LocatedList):
        items = [(v, value.item_loc(i)) for i, v in enumerate(value)]
    else:
        diagnostics.append(
            Diagnostic(f"depends_on of `{name}` must be a resource name or a list of them", loc)
        )
        return ()
    out: list[tuple[str, SourceLocation]] = []
    for target, where in items:
        if not isinstance(target, str):
            diagnostics.append(
                Diagnostic(f"depends_on of `{name}` must list resource names", where)
            )
        elif target == name:
            diagnostics.append(Diagnostic(f"resource `{name}` depends on itself", where))
        elif target not in resource_names:
            diagnostics.append(
                Diagnostic(
                    f"`{name}` depends on unknown resource `{target}`",
                    where,
                    hint=suggest(str(target), resource_names),
                )
            )
        else:
            out.append((str(target), where))
    return tuple(out)
