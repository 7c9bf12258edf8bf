"""Plan-time checks against the bound cloud, run before any write call.

In order: every resource type needs a provider the binding can give (a cloud for OpenStack
types); then the custom constraints and quotas of ``apply.cloud_checks`` (shared with the
stack service). ``quota_text`` shows the quota rows those checks attach to the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from atonix_iac.apply.cloud_checks import QUOTA_KEY, check_plan_in_cloud
from atonix_iac.errors import Diagnostic, TemplateError
from atonix_iac.planner.plan import Plan
from atonix_iac.template.groups import group_member_types
from atonix_iac.template.model import Template
from atonix_iac.workspace.binding import PROJECT_FILE_NAME

from .session import Session

CLOUD_FREE_PREFIX = "OS::Heat::"


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
    """Constraints, then quotas (``apply.cloud_checks``, shared with the stack service); the
    plan with the quota report attached, or the error."""
    return check_plan_in_cloud(session.registry, session.binding, template, plan)


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
