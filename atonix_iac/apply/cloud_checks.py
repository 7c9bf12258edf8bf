"""Plan-time checks against the bound cloud, run before any write call (the CLI's plan and
apply, the stack service's create and update: Heat validates a stack before it accepts it).

Each resource to be created, updated or replaced passes its type's ``check`` (Heat's custom
constraints: the flavor, image, network, keypair ... exist), located at the property in the
template since providers know nothing of templates; then the plan's quota demand fits the
binding's budget and the project's live limits. The quota figures go into
``plan.extra["quota"]`` as rows every renderer can show. The checks only read from the cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from atonix_iac.errors import Diagnostic, QuotaExceededError, TemplateError
from atonix_iac.planner.plan import Action, Plan, ResourceChange
from atonix_iac.providers.base import ResourceType
from atonix_iac.providers.registry import Registry
from atonix_iac.template.model import ResourceSpec, Template
from atonix_iac.workspace.binding import Binding

if TYPE_CHECKING:
    from atonix_iac.providers.openstack import OpenStackProvider
    from atonix_iac.workspace.quota import QuotaReport

QUOTA_KEY = "quota"  # plan.extra[QUOTA_KEY] = [{"resource", "used", "after", "limit"}, ...]
_CHECKED = (
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE_THEN_CREATE,
    Action.CREATE_THEN_DELETE,
)


def check_plan_in_cloud(
    registry: Registry, binding: Binding, template: Template, plan: Plan
) -> Plan:
    """Constraints, then quotas; the plan with the quota report attached, or the error."""
    check_constraints(registry.implementation, template, plan)
    return check_plan_quotas(cloud_provider(registry, binding), binding, plan)


def cloud_provider(registry: Registry, binding: Binding) -> OpenStackProvider | None:
    """The registry's OpenStack provider (not yet connected), if the binding binds a cloud."""
    if not binding.cloud:
        return None
    from atonix_iac.providers.openstack import OpenStackProvider

    for provider in registry.providers:
        if isinstance(provider, OpenStackProvider):
            return provider
    return None


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
    path: tuple[str | int, ...] = ("resources", change.address)
    heat = diagnostic.message
    if spec is not None:
        for name, value in properties.items():
            alone = impl.check({name: value})
            if any(d.message == diagnostic.message for d in alone):
                location = spec.property_locations.get(name, spec.location)
                prefix = f"`{change.address}` property `{name}`: "
                path = (*path, "properties", name)
                if isinstance(value, str | int | float):  # Heat's CustomConstraint wording
                    heat = f"Error validating value '{value}': {diagnostic.message}"
                break
    return replace(
        diagnostic,
        message=prefix + diagnostic.message,
        location=location,
        path=path,
        heat_message=heat,
    )


def check_plan_quotas(cloud: OpenStackProvider | None, binding: Binding, plan: Plan) -> Plan:
    """The quota report in ``plan.extra``; QuotaExceededError on any overrun. Nothing is read
    from the cloud when the plan changes none of its resources."""
    if cloud is None:
        return plan
    types = cloud.resource_types()
    if not any(c.type in types and c.action is not Action.NOOP for c in plan.changes):
        return plan
    demand = cloud.quota_demand(plan.changes)
    if demand.is_empty and not binding.quotas:
        return plan
    from atonix_iac.workspace.quota import assess_quotas  # only for a plan that touches the cloud

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
