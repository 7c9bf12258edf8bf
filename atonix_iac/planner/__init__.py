"""The planner: pure functions from (template, parameters, state, type schemas) to a Plan.

Apply and the CLI use only the names exported here.
"""

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
