"""Resources adopted through ``external_id`` (HOT 2016-10-14 and later): Heat's external
resources, planned as Terraform plans data sources, with the action READ.

Heat's rules (``heat/engine/resource.py``, ``rsrc_defn.py``, the HOT spec):

* the object is read (``validate_external``: "Invalid external resource ... can not be
  found"), never created from the properties, which are not even validated;
* every later update is skipped ("Skip update on external resource"): property changes of an
  adopted resource change nothing;
* an external resource depends on no other resource (``depends_on`` is refused with
  InvalidExternalResourceDependency; references in its properties are ignored);
* deleting the stack leaves the object alone.

Where Heat refuses outright ("Update to property external_id ... is not supported") atonix
refuses in the same cases (adding external_id to an object atonix created, removing it from
an adopted one), except for changing one external_id to another: that adopts the new object
and forgets the old one, since neither is ever deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError
from atonix_iac.planner.evaluation import KnownResource, PlanContext, resolve_value
from atonix_iac.planner.observed import Observed
from atonix_iac.planner.plan import Action, PropertyChange
from atonix_iac.providers.base import ResourceResult, ResourceSchema
from atonix_iac.state.model import ResourceState
from atonix_iac.template.expr import Expr
from atonix_iac.template.model import ResourceSpec
from atonix_iac.template.nodes import LocatedStr
from atonix_iac.template.values import UNKNOWN, Sensitive, unwrap

EXTERNAL_ID = "external_id"
REASON_READ = (
    "adopted through external_id: read from the cloud; atonix never creates, updates or deletes it"
)
REASON_EXTERNAL_FORGET = (
    "adopted through external_id: removed from the state only, the object is kept"
)


@dataclass(frozen=True, slots=True)
class ExternalPlan:
    """What the plan does with an adopted resource, and what later references may know."""

    action: Action
    reason: str | None
    changes: tuple[PropertyChange, ...]
    after: dict[str, Any]
    known: KnownResource | None  # id and attributes, when the object was read at plan time


def external_location(spec: ResourceSpec) -> SourceLocation:
    value = spec.external_id
    if isinstance(value, LocatedStr):
        return value.loc
    if isinstance(value, Expr):
        return value.location
    return spec.location


def resolve_external_id(spec: ResourceSpec, ctx: PlanContext) -> str:
    """The external id as a non-empty string (Heat's ``external_id`` is a string field)."""
    where = external_location(spec)
    value = resolve_value(spec.external_id, ctx)
    if isinstance(value, Sensitive):
        value = unwrap(value)
    if value is UNKNOWN:
        raise TemplateError.at(
            where,
            f"the external_id of `{spec.name}` is not known until apply",
            hint="an external resource depends on no other resource (Heat); use a literal "
            "or a parameter",
        )
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise TemplateError.at(
            where,
            f"the external_id of `{spec.name}` must be a non-empty string, not {value!r}",
        )
    return str(value)


def not_found(spec: ResourceSpec, external_id: str) -> TemplateError:
    """Heat's validate_external message, located at the external_id."""
    return TemplateError.at(
        external_location(spec),
        f"Invalid external resource: Resource {external_id} ({spec.type}) can not be found"
        f" (external_id of `{spec.name}`)",
        hint="check the id, the project and the region the stack is bound to",
    )


def plan_external(
    spec: ResourceSpec,
    external_id: str,
    prior: ResourceState | None,
    observed: Observed | None,
    read: Mapping[str, ResourceResult | None],
    schema: ResourceSchema,
) -> ExternalPlan:
    """The change for a resource whose template sets ``external_id``. ``read`` holds what
    reading the external objects at plan time found (by address), when the cloud was asked."""
    if prior is not None and not prior.external:
        raise TemplateError.at(
            external_location(spec),
            f"`{spec.name}` was created by atonix, so it cannot adopt {external_id}: an update"
            " to external_id is not supported (Heat)",
            hint=f"remove it from the state first (`atonix state rm {spec.name}`; the object "
            "atonix created is then unmanaged), or adopt the object under another name",
        )
    secret = frozenset(n for n, a in schema.attributes.items() if a.sensitive)
    if prior is not None and observed is not None and prior.physical_id == external_id:
        if observed.gone:
            raise not_found(spec, external_id)
        kept = KnownResource(external_id, observed.attributes, secret)
        return ExternalPlan(Action.NOOP, None, (), {EXTERNAL_ID: external_id}, kept)
    known: KnownResource | None = None
    if spec.name in read:
        result = read[spec.name]
        if result is None:
            raise not_found(spec, external_id)
        known = KnownResource(result.physical_id or external_id, result.attributes, secret)
    before = prior.physical_id if prior is not None else None
    reason = REASON_READ
    if prior is not None:
        reason = (
            f"external_id changed from {before} to {external_id}: the new object is adopted,"
            " the old one is forgotten (neither is deleted)"
        )
    change = PropertyChange(EXTERNAL_ID, before, external_id)
    return ExternalPlan(Action.READ, reason, (change,), {EXTERNAL_ID: external_id}, known)


def external_removed(spec: ResourceSpec, prior: ResourceState) -> Diagnostic:
    """An adopted resource whose template no longer sets external_id (Heat refuses)."""
    return Diagnostic(
        f"`{spec.name}` adopts {prior.physical_id} through external_id, which cannot be removed:"
        " an update to external_id is not supported (Heat)",
        spec.location,
        hint="to stop adopting it, remove the resource from the template (atonix forgets it "
        "and the object stays); add it back without external_id to have atonix create one",
    )


def external_ids(
    specs: Mapping[str, ResourceSpec], ctx: PlanContext, addresses: list[str]
) -> dict[str, str]:
    """address -> external id, for the given resources that set one (to read at plan time).
    Values that cannot be resolved are left out: planning reports them, located."""
    found: dict[str, str] = {}
    for address in addresses:
        spec = specs[address]
        if spec.external_id is None:
            continue
        try:
            found[address] = resolve_external_id(spec, ctx)
        except TemplateError:
            continue
    return found
