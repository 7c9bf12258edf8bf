"""The planner: pure functions from (template, parameters, state, type schemas) to a Plan.

Apply and the CLI use only the names exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atonix_iac.lazy import lazy_getattr

if TYPE_CHECKING:
    from atonix_iac.planner.actions import Decision, decide_action
    from atonix_iac.planner.bind import active_resources, provider_warnings, validate_stack
    from atonix_iac.planner.build import make_plan
    from atonix_iac.planner.evaluation import resolve_outputs, resolve_properties
    from atonix_iac.planner.graph import ResourceGraph, build_graph
    from atonix_iac.planner.plan import (
        Action,
        OutputChange,
        Plan,
        PlanMode,
        PropertyChange,
        ResourceChange,
    )
    from atonix_iac.planner.planfile import SavedPlan, plan_from_bytes, plan_to_bytes
    from atonix_iac.planner.render.human import render_plan

# Imported when first used (PEP 562): importing any ``atonix_iac.planner.*`` module runs this
# file, and reading a saved plan (``planfile``, ``plan``) needs none of the planner's machinery.
_LAZY = {
    "Decision": "atonix_iac.planner.actions",
    "decide_action": "atonix_iac.planner.actions",
    "active_resources": "atonix_iac.planner.bind",
    "provider_warnings": "atonix_iac.planner.bind",
    "validate_stack": "atonix_iac.planner.bind",
    "make_plan": "atonix_iac.planner.build",
    "resolve_outputs": "atonix_iac.planner.evaluation",
    "resolve_properties": "atonix_iac.planner.evaluation",
    "ResourceGraph": "atonix_iac.planner.graph",
    "build_graph": "atonix_iac.planner.graph",
    "Action": "atonix_iac.planner.plan",
    "OutputChange": "atonix_iac.planner.plan",
    "Plan": "atonix_iac.planner.plan",
    "PlanMode": "atonix_iac.planner.plan",
    "PropertyChange": "atonix_iac.planner.plan",
    "ResourceChange": "atonix_iac.planner.plan",
    "SavedPlan": "atonix_iac.planner.planfile",
    "plan_from_bytes": "atonix_iac.planner.planfile",
    "plan_to_bytes": "atonix_iac.planner.planfile",
    "render_plan": "atonix_iac.planner.render.human",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


__all__ = [
    "Action",
    "Decision",
    "OutputChange",
    "Plan",
    "PlanMode",
    "PropertyChange",
    "ResourceChange",
    "ResourceGraph",
    "SavedPlan",
    "active_resources",
    "build_graph",
    "decide_action",
    "make_plan",
    "plan_from_bytes",
    "plan_to_bytes",
    "render_plan",
    "resolve_outputs",
    "resolve_properties",
    "provider_warnings",
    "validate_stack",
]
