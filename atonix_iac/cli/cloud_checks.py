"""Plan-time checks against the bound cloud, run before any write call.

In order: every resource type needs a provider the binding can give (a cloud for OpenStack
types); each resource to be created, updated or replaced passes its type's ``check`` (Heat's
custom constraints: the flavor, image, network, keypair ... exist), located at the property in
the template since providers know nothing of templates; then the plan's quota demand fits the
binding's budget and the project's live limits. The quota figures go into
``plan.extra["quota"]`` as rows every renderer can show. The checks only read from the cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from atonix_iac.errors import Diagnostic, QuotaExceededError, TemplateError
from atonix_iac.planner.plan import Action, Plan, ResourceChange
from atonix_iac.providers.base import ResourceType
from atonix_iac.template.groups import group_member_types
from atonix_iac.template.model import ResourceSpec, Template
from atonix_iac.workspace.binding import PROJECT_FILE_NAME
from atonix_iac.workspace.quota import QuotaReport, assess_quotas

from .session import Session

QUOTA_KEY = "quota"  # plan.extra[QUOTA_KEY] = [{"resource", "used", "after", "limit"}, ...]
CLOUD_FREE_PREFIX = "OS::Heat::"
_CHECKED = (
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE_THEN_CREATE,
    Action.CREATE_THEN_DELETE,
)


def require_cloud(session: Session, template: Template) -> None:
    """One error, at the first resource whose type needs a cloud, when the binding names none
    (a template of many servers is one mistake, not one per server)."""
    if session.binding.cloud:
        return
    registry = session.registry
    members = [
        (name, replace(spec, type=t))
        for name, d in template.groups.items()
        if (spec := template.resources.get(name)) is not None
        for t in sorted(group_member_types(replace(template, groups={name: d})))
    ]
    needing = [
        (address, spec)
        for address, spec in [*template.resources.items(), *members]
        if not spec.type.startswith(CLOUD_FREE_PREFIX)
        and registry.is_known(spec.type)
        and not registry.has_provider(spec.type)
    ]
    if not needing:
        return
    label = session.binding.label
    address, spec = needing[0]
    more = f" (and {len(needing) - 1} more)" if len(needing) > 1 else ""
    if session.project.source:
        how = f"set `cloud:` for {label} in {session.project.source}, or set OS_CLOUD"
    else:
        how = f"set OS_CLOUD=NAME (a clouds.yaml entry), or `cloud:` in {PROJECT_FILE_NAME}"
    raise TemplateError(
        diagnostics=[
            Diagnostic(
                f"`{address}` is an {spec.type}{more}, which needs an OpenStack cloud, but"
                f" none is bound to workspace {label}",
                spec.type_location,
                hint=f"{how}, or pass --os-cloud NAME",
            )
        ]
    )


def check_plan(session: Session, template: Template, plan: Plan) -> Plan:
    """Constraints, then quotas; the plan with the quota report attached, or the error."""
    check_constraints(session.registry.implementation, template, plan)
    return check_plan_quotas(session, plan)


def check_constraints(
    implementation: Callable[[str], ResourceType | None], template: Template, plan: Plan
) -> None:
    """Every failing custom constraint of the resources about to change, in one error."""
    diagnostics: list[Diagnostic] = []
    for change in plan.changes:
        if change.action not in _CHECKED or change.after is None:
            continue
        impl = implementation(change.type)
        if impl is None:
            continue
        properties = _checked_properties(change)
        if not properties:
            continue
        spec = template.resources.get(change.address)
        for diagnostic in impl.check(properties):
            diagnostics.append(_locate(diagnostic, impl, properties, spec, change))
    if diagnostics:
        raise TemplateError(diagnostics=diagnostics)


def _checked_properties(change: ResourceChange) -> dict[str, Any]:
    """All properties of a new object; only the changing ones of an update in place (an
    unchanged image that has since left the catalogue must not block a rename)."""
    after = dict(change.after or {})
    if change.action is Action.UPDATE:
        changing = {c.name for c in change.changes}
        return {k: v for k, v in after.items() if k in changing}
    return after


def _locate(
    diagnostic: Diagnostic,
    impl: ResourceType,
    properties: Mapping[str, Any],
    spec: ResourceSpec | None,
    change: ResourceChange,
) -> Diagnostic:
    """The diagnostic at the property it is about (found by checking each property alone:
    lookups are cached, so this costs no extra request), else at the resource."""
    if diagnostic.location is not None:
        return diagnostic
    location = spec.location if spec is not None else change.location
    prefix = f"`{change.address}`: "
    if spec is not None:
        for name, value in properties.items():
            alone = impl.check({name: value})
            if any(d.message == diagnostic.message for d in alone):
                location = spec.property_locations.get(name, spec.location)
                prefix = f"`{change.address}` property `{name}`: "
                break
    return replace(diagnostic, message=prefix + diagnostic.message, location=location)


def check_plan_quotas(session: Session, plan: Plan) -> Plan:
    """The quota report in ``plan.extra``; QuotaExceededError on any overrun. Nothing is read
    from the cloud when the plan changes none of its resources."""
    cloud = session.cloud
    if cloud is None:
        return plan
    types = cloud.resource_types()
    if not any(c.type in types and c.action is not Action.NOOP for c in plan.changes):
        return plan
    demand = cloud.quota_demand(plan.changes)
    binding = session.binding
    if demand.is_empty and not binding.quotas:
        return plan
    project_label = f"project {binding.project}" if binding.project else "project"
    report = assess_quotas(
        demand,
        binding.quotas,
        cloud.live_limits(),
        binding_label=f"atonix.yaml {binding.label}",
        project_label=project_label,
    )
    if report.overruns:
        raise _quota_error(report)
    return replace(plan, extra={**plan.extra, QUOTA_KEY: quota_rows(report)})


def quota_rows(report: QuotaReport) -> list[dict[str, Any]]:
    return [
        {"resource": ln.resource, "used": ln.used, "after": ln.after, "limit": ln.limit}
        for ln in report.lines
    ]


def _quota_error(report: QuotaReport) -> QuotaExceededError:
    lines = {ln.resource: ln for ln in report.lines}
    diagnostics = []
    for overrun in report.overruns:
        usage = lines[overrun.resource].format() if overrun.resource in lines else ""
        hint = "lower the plan's demand or raise the quota; nothing was changed"
        diagnostics.append(
            Diagnostic(
                f"quota exceeded: {overrun.describe()}",
                hint=f"usage {usage}; {hint}" if usage else hint,
            )
        )
    return QuotaExceededError(
        "the plan exceeds quotas:\n" + "\n".join(f"  {o.describe()}" for o in report.overruns),
        diagnostics,
    )


def quota_text(plan: Plan) -> str | None:
    """``Quota usage after apply:`` and one ``vcpus 12/50 → 20/50`` line per resource."""
    rows = plan.extra.get(QUOTA_KEY)
    if not isinstance(rows, list) or not rows:
        return None
    lines = ["Quota usage after apply:"]
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        cap = "∞" if row.get("limit") is None else str(row["limit"])
        lines.append(f"  {row.get('resource')} {row.get('used')}/{cap} → {row.get('after')}/{cap}")
    return "\n".join(lines)
