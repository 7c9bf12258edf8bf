"""``atonix signal ADDRESS [--data JSON]``: send a signal to a resource, as Heat's
``resource-signal`` does, dispatched on the resource's type (``SIGNAL_HANDLERS``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from atonix_iac.errors import UsageError
from atonix_iac.state.model import ResourceState

from .options import (
    InputOptions,
    RunOptions,
    StackOptions,
    flag_names,
    input_options,
    run_options,
    stack_options,
)
from .session import Session, open_session


@dataclass(frozen=True)
class SignalRequest:
    """One signal: the resource it is for (as state holds it) and the stack around it."""

    session: Session
    stack: StackOptions
    inputs: InputOptions
    run: RunOptions
    address: str
    resource: ResourceState
    details: Any  # the --data JSON, None when not given


SignalHandler = Callable[[SignalRequest], None]


def _scaling(request: SignalRequest) -> None:
    from .scaling_signal import signal_scaling_policy

    signal_scaling_policy(request)


# Resource type -> what a signal to it does.
SIGNAL_HANDLERS: dict[str, SignalHandler] = {
    "OS::Heat::ScalingPolicy": _scaling,
    "AWS::AutoScaling::ScalingPolicy": _scaling,
}


def _details(data: str | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError as err:
        raise UsageError(f"--data is not JSON: {err}") from None


@click.command("signal")
@click.argument("address")
@click.option(*flag_names("data"), "data", metavar="JSON", help="Details sent with the signal.")
@click.option(
    *flag_names("template"),
    "template",
    default="stack.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The stack's template.",
)
@stack_options
@input_options
@run_options
def signal_command(address: str, data: str | None, **kwargs: Any) -> None:
    """Signal ADDRESS (a scaling policy: scale its group now)."""
    details = _details(data)
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    run = RunOptions.from_kwargs(kwargs)
    with open_session(stack) as session:
        resource = session.store.load(session.key).resources.get(address)
        if resource is None:
            raise UsageError(f"no resource `{address}` in stack {session.key}; apply it first")
        handler = SIGNAL_HANDLERS.get(resource.type)
        if handler is None:
            kinds = ", ".join(sorted(SIGNAL_HANDLERS))
            raise UsageError(
                f"`{address}` is an {resource.type}, which takes no signals (these do: {kinds})"
            )
        handler(SignalRequest(session, stack, inputs, run, address, resource, details))
