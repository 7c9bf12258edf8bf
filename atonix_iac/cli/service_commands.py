"""``atonix serve`` and ``atonix worker``: hand over to the stack service.

The service is a composition root of its own (``atonix_iac.service``), which the CLI does not
import: these commands replace the process with ``python -m atonix_iac.service``, passing
their arguments on, so one ``atonix`` command starts either.
"""

from __future__ import annotations

import os
import sys

import click

_PASS_ON = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


def _exec_service(command: str, args: list[str]) -> None:
    argv = [sys.executable, "-m", "atonix_iac.service", command, *args]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


@click.command("serve", context_settings=_PASS_ON)
@click.pass_context
def serve_command(ctx: click.Context) -> None:
    """Serve Heat's Orchestration API (--port; configured by ATONIX_* variables)."""
    _exec_service("serve", list(ctx.args))


@click.command("worker", context_settings=_PASS_ON)
@click.pass_context
def worker_command(ctx: click.Context) -> None:
    """Run stack jobs from the queue at ATONIX_BROKER_URL (Celery over RabbitMQ)."""
    _exec_service("worker", list(ctx.args))
