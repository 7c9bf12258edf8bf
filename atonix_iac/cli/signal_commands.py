"""``atonix signal ADDRESS [--data JSON]``: Heat's ``openstack stack resource signal``.

The address is looked up in the stack's state; what signalling does depends on the
resource's type (``signal_handlers.HANDLERS``): a wait condition handle records the signal
for the wait condition that waits on it, even while another process's apply holds the lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import click

from atonix_iac.errors import StateError, UsageError, suggest
from atonix_iac.state.model import ResourceState, StackKey

from .options import InputOptions, StackOptions, flag_names, input_options, stack_options
from .read_commands import template_option
from .session import open_session
from .signal_handlers import HANDLERS


@click.command("signal")
@click.argument("address")
@template_option
@stack_options
@click.option(
    *flag_names("data"),
    "data",
    metavar="JSON",
    help='The signal\'s body, e.g. \'{"status": "SUCCESS", "reason": "booted", "data": "..."}\'.',
)
@input_options
def signal_command(address: str, data: str | None, **kwargs: Any) -> None:
    """Send a signal to a resource (a wait condition handle, a scaling policy, ...)."""
    details = _parse_data(data)
    inputs = InputOptions.from_kwargs(kwargs)
    with open_session(StackOptions.from_kwargs(kwargs)) as session:
        session.inputs = inputs
        resource = _find(session.store.load(session.key).resources.values(), address, session.key)
        handler = HANDLERS.get(resource.type)
        if handler is None:
            kinds = ", ".join(sorted(HANDLERS))
            raise UsageError(
                f"{address} is of type {resource.type}, which takes no signals (types that do:"
                f" {kinds})"
            )
        message = handler(session, resource, details)
    click.echo(message)


def _parse_data(data: str | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError as err:
        line = getattr(err, "lineno", 1)
        column = getattr(err, "colno", 1)
        message = getattr(err, "msg", str(err))
        raise UsageError(f"--data:{line}:{column}: not JSON: {message}") from None


def _find(resources: Iterable[ResourceState], address: str, key: StackKey) -> ResourceState:
    current = [r for r in resources if r.deposed is None]
    for resource in current:
        if resource.address == address:
            return resource
    hint = suggest(address, [r.address for r in current])
    raise StateError(f"no resource {address} in the state of {key}" + (f"; {hint}" if hint else ""))
