"""atonix: declarative infrastructure as code for OpenStack.

The library API in a few names (the CLI is built on exactly these)::

    template = load_template("stack.yaml")
    params = bind_parameters(template, {"flavor": "m1.small"}, stack_name="web", ...)
    plan = make_plan(template, params, store.load(key), registry)
    apply_plan(plan, template, params, store, registry)

Names are imported on first use, so ``import atonix_iac.errors`` (or the standalone simulator)
does not load the whole engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atonix_iac.lazy import lazy_getattr

__version__ = "0.1.0"

_EXPORTS = {
    "Action": "atonix_iac.planner.plan",
    "ApplyError": "atonix_iac.errors",
    "ApplyEvent": "atonix_iac.apply.events",
    "ApplyResult": "atonix_iac.apply.events",
    "AtonixError": "atonix_iac.errors",
    "BoundParameters": "atonix_iac.template",
    "Diagnostic": "atonix_iac.errors",
    "OnFailure": "atonix_iac.apply.events",
    "Plan": "atonix_iac.planner.plan",
    "PlanMode": "atonix_iac.planner.plan",
    "ResourceChange": "atonix_iac.planner.plan",
    "StackKey": "atonix_iac.state.model",
    "State": "atonix_iac.state.model",
    "Template": "atonix_iac.template.model",
    "TemplateError": "atonix_iac.errors",
    "apply_plan": "atonix_iac.apply.executor",
    "bind_parameters": "atonix_iac.template",
    "load_template": "atonix_iac.template",
    "make_plan": "atonix_iac.planner",
    "open_store": "atonix_iac.state",
    "render_plan": "atonix_iac.planner",
}

__all__ = [
    "Action",
    "ApplyError",
    "ApplyEvent",
    "ApplyResult",
    "AtonixError",
    "BoundParameters",
    "Diagnostic",
    "OnFailure",
    "Plan",
    "PlanMode",
    "ResourceChange",
    "StackKey",
    "State",
    "Template",
    "TemplateError",
    "apply_plan",
    "bind_parameters",
    "load_template",
    "make_plan",
    "open_store",
    "render_plan",
]

if TYPE_CHECKING:
    from atonix_iac.apply.events import ApplyEvent, ApplyResult, OnFailure
    from atonix_iac.apply.executor import apply_plan
    from atonix_iac.errors import ApplyError, AtonixError, Diagnostic, TemplateError
    from atonix_iac.planner import make_plan, render_plan
    from atonix_iac.planner.plan import Action, Plan, PlanMode, ResourceChange
    from atonix_iac.state import open_store
    from atonix_iac.state.model import StackKey, State
    from atonix_iac.template import BoundParameters, bind_parameters, load_template
    from atonix_iac.template.model import Template


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
