"""Signalling a scaling policy: its group's new size is recorded and applied under the stack
lock (``apply.scaling``), from the template and parameters the stack was last applied with.

The template must be the one last applied (its digest is in state): a signal scales the stack
as it stands, it does not apply template edits. Parameters come from state; secret ones are
not kept there, so they are passed again with ``-var`` (as when applying a saved plan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atonix_iac.apply import scaling
from atonix_iac.errors import UsageError
from atonix_iac.state.model import State
from atonix_iac.template import BoundParameters
from atonix_iac.template.model import Template

from ..options import InputOptions
from ..session import load_stack_template, parameter_sources, parameter_values

if TYPE_CHECKING:
    from atonix_iac.state.model import ResourceState

    from ..session import Session


def _inputs(session: Session) -> InputOptions:
    return session.inputs or InputOptions(variables=(), var_files=(), env_files=())


def _template(session: Session, state: State) -> Template:
    if session.stack is None:
        raise UsageError("a scaling signal needs the stack's template (-template FILE)")
    template = load_stack_template(session.stack, _inputs(session))
    if state.template_digest and template.digest != state.template_digest:
        raise UsageError(
            f"{session.stack.template} (or a file or environment it uses) is not what the"
            " stack was last applied with; apply it first (pass the same -e files), then"
            " signal"
        )
    return template


def _parameters(session: Session, state: State, template: Template) -> BoundParameters:
    inputs = _inputs(session)
    values: dict[str, Any] = {
        k: v
        for k, v in state.parameters.items()
        if k in template.parameters and k not in state.sensitive_parameters
    }
    given = parameter_values(inputs)
    values.update(given)
    for name in sorted(state.sensitive_parameters):
        if name in template.parameters and name not in given:
            raise UsageError(
                f"parameter `{name}` is secret and state keeps no plain copy: pass it again"
                f" with -var {name}=..."
            )
    return session.bind(template, values, value_sources=parameter_sources(inputs))


def signal(session: Session, resource: ResourceState, data: Any) -> str:
    state = session.store.load(session.key)
    template = _template(session, state)
    params = _parameters(session, state, template)
    outcome = scaling.signal_scaling_policy(
        session.store,
        session.key,
        session.registry,
        template,
        params,
        resource.address,
        data if isinstance(data, dict) else None,
        identity_base=session.identity_base,
        audit_project=session.binding.project,
    )
    line = f"{outcome.policy}: group {outcome.group}: {outcome.reason}"
    if outcome.applied is not None:
        line += "\n" + outcome.applied.summary()
    return line
