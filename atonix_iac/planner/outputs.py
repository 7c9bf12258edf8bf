"""What happens to the stack's outputs, evaluated with what the plan knows."""

from __future__ import annotations

from typing import Any

from atonix_iac.planner.diff import values_differ
from atonix_iac.planner.evaluation import PlanContext, resolve_output
from atonix_iac.planner.plan import Action, OutputChange, PlanMode
from atonix_iac.state.model import State
from atonix_iac.template.values import Sensitive, contains_sensitive


def output_changes(ctx: PlanContext, state: State, mode: PlanMode) -> tuple[OutputChange, ...]:
    """One OutputChange per output in the template or in state, by name."""
    changes: dict[str, OutputChange] = {}
    if mode is PlanMode.NORMAL:
        for name, output in ctx.template.outputs.items():
            if not ctx.truth(output.condition, output.location):
                continue
            after = resolve_output(output.value, ctx)
            sensitive = (
                output.sensitive or contains_sensitive(after) or name in state.sensitive_outputs
            )
            if name not in state.outputs:
                action = Action.CREATE
            elif values_differ(state.outputs[name], after):
                action = Action.UPDATE
            else:
                action = Action.NOOP
            before = state.outputs.get(name)
            changes[name] = OutputChange(
                name, action, _mask(before, sensitive), _mask(after, sensitive), sensitive
            )
    for name, before in state.outputs.items():
        if name not in changes:
            sensitive = name in state.sensitive_outputs
            changes[name] = OutputChange(
                name, Action.DELETE, _mask(before, sensitive), None, sensitive
            )
    return tuple(changes[name] for name in sorted(changes))


def _mask(value: Any, sensitive: bool) -> Any:
    if not sensitive or value is None or isinstance(value, Sensitive):
        return value
    return Sensitive(value)
