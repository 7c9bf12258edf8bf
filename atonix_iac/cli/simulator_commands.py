"""``atonix simulator serve``: run the OpenStack API simulator (a separate, standalone package).

The simulator has one command line, its own (``python -m atonix_iac.simulator serve``); this
command hands it the arguments unchanged, so both spell and check every flag alike.
"""

from __future__ import annotations

import click

PROG = "atonix simulator"


@click.group("simulator")
def simulator_group() -> None:
    """A local simulated OpenStack cloud to try stacks against."""


@simulator_group.command(
    "serve",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=False,
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def serve_command(ctx: click.Context, arguments: tuple[str, ...]) -> None:
    """Serve the simulated cloud until interrupted (--port, --data DIR, --project NAME,
    --projects a,b, --build-delay S, --quota SERVICE.KEY=N, --config FILE; --help for all)."""
    from atonix_iac.simulator.cli import main  # only this command needs the simulator

    ctx.exit(main(["serve", *arguments], prog=PROG))
