"""The ``atonix signal`` handler for scaling policies: scale the group under the stack lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from atonix_iac.apply import scaling
from atonix_iac.template import BoundParameters
from atonix_iac.template.model import Template

from .session import load_stack_template, parameter_sources, parameter_values

if TYPE_CHECKING:  # signal_commands imports this module lazily
    from .signal_commands import SignalRequest


def _load(request: SignalRequest) -> tuple[Template, BoundParameters]:
    template = load_stack_template(request.stack, request.inputs)
    params = request.session.bind(
        template,
        parameter_values(request.inputs),
        value_sources=parameter_sources(request.inputs),
    )
    return template, params


def signal_scaling_policy(request: SignalRequest) -> None:
    session = request.session
    template, params = _load(request)
    outcome = scaling.signal_scaling_policy(
        session.store,
        session.key,
        session.registry,
        template,
        params,
        request.address,
        request.details if isinstance(request.details, dict) else None,
        identity_base=session.identity_base,
        audit_project=session.binding.project,
        lock_timeout_s=request.run.lock_timeout_s,
    )
    click.echo(f"{outcome.policy}: group {outcome.group}: {outcome.reason}")
    if outcome.applied is not None:
        click.echo(outcome.applied.summary())
