"""The ``atonix`` command: a click group whose errors are located messages, not tracebacks."""

from __future__ import annotations

import gc
import platform
from typing import Any

import click

from atonix_iac import __version__
from atonix_iac.errors import AtonixError

from . import exitcodes
from .audit_commands import audit
from .read_commands import output_command, show_command
from .simulator_commands import simulator_group
from .stack_commands import (
    apply_command,
    destroy_command,
    graph_command,
    import_command,
    plan_command,
    refresh_command,
    validate_command,
)
from .state_commands import state_group
from .workspace_commands import workspace


class AtonixGroup(click.Group):
    """Prints ``AtonixError.format()`` on stderr and exits 1; anything else is a bug and keeps
    its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AtonixError as err:
            click.echo(err.format(), err=True)
            ctx.exit(exitcodes.for_error(err))


@click.group(cls=AtonixGroup, context_settings={"help_option_names": ["-h", "-help", "--help"]})
def cli() -> None:
    """atonix: Heat templates, Terraform-grade plans, for OpenStack."""


@cli.command("version")
def version_command() -> None:
    """Print the atonix version."""
    click.echo(f"atonix v{__version__} (Python {platform.python_version()})")


for command in (
    validate_command,
    plan_command,
    apply_command,
    destroy_command,
    refresh_command,
    import_command,
    graph_command,
    show_command,
    output_command,
    state_group,
    workspace,
    audit,
    simulator_group,
):
    cli.add_command(command)


def main() -> None:
    _tune_garbage_collector()
    cli(prog_name="atonix")


def _tune_garbage_collector() -> None:
    """A run builds hundreds of thousands of long-lived objects (a 10,000-resource template,
    its state, the plan) and no reference cycles worth chasing; with the default thresholds
    the cyclic collector rescans them again and again and takes half of a large plan's time.
    Imported modules are frozen out of its scans and it runs far less often."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
