"""The ``atonix`` command: a click group whose errors are located messages, not tracebacks.

Each command's module is imported only when that command runs (or ``--help`` lists them all),
so ``atonix version`` or ``atonix output`` does not pay for the planner, the workspace file's
parser or the apply engine.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
from typing import Any

import click

from atonix_iac import __version__
from atonix_iac.errors import AtonixError

from . import collector, exitcodes
from .terminal import INTERRUPTED, run_hard_exit_hooks
from .usage import (
    explain_no_such_option,
    normalize_args,
    suggestions,
    template_first,
    usage_error,
)

_ARGS = "atonix.args"  # ctx.meta key: the arguments of the command being parsed

# Command name -> (module in this package, attribute holding the click command).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("stack_commands", "validate_command"),
    "plan": ("stack_commands", "plan_command"),
    "apply": ("stack_commands", "apply_command"),
    "destroy": ("stack_commands", "destroy_command"),
    "refresh": ("stack_commands", "refresh_command"),
    "import": ("stack_commands", "import_command"),
    "graph": ("stack_commands", "graph_command"),
    "show": ("read_commands", "show_command"),
    "output": ("read_commands", "output_command"),
    "state": ("state_commands", "state_group"),
    "workspace": ("workspace_commands", "workspace"),
    "audit": ("audit_commands", "audit"),
    "simulator": ("simulator_commands", "simulator_group"),
    "stack": ("stack_list_commands", "stack_group"),
    "fmt": ("fmt_commands", "fmt_command"),
    "console": ("console_commands", "console_command"),
    "signal": ("signal_commands", "signal_command"),
    "types": ("types_commands", "types_command"),
    "serve": ("service_commands", "serve_command"),
    "worker": ("service_commands", "worker_command"),
}


class AtonixGroup(click.Group):
    """Prints ``AtonixError.format()`` on stderr and exits 1; anything else is a bug and keeps
    its traceback. Commands are loaded on first use (``LAZY_COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            module_name, attribute = LAZY_COMMANDS[cmd_name]
            module = importlib.import_module(f"{__package__}.{module_name}")
            collector.keep()  # the command's modules live as long as the run, as main's do
            command = getattr(module, attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{module_name}.{attribute} is not a click command")
            self.add_command(command, cmd_name)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_ARGS] = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as err:
            raise explain_no_such_option(err, self, args) from None
        except click.UsageError as err:
            raise usage_error(err) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            name, command, rest = super().resolve_command(ctx, args)
        except click.UsageError as err:
            hint = suggestions(args[0], self.list_commands(ctx)) if args else []
            text = err.format_message()
            if hint:
                text = f"{text.rstrip('.')} (did you mean {' or '.join(hint)}?)"
            raise usage_error(err, text) from None
        if command is not None:
            rest = template_first(command, normalize_args(command, rest))
            ctx.meta[_ARGS] = list(rest)
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AtonixError as err:
            click.echo(err.format(), err=True)
            ctx.exit(exitcodes.for_error(err))
        except click.NoSuchOption as err:
            command = err.ctx.command if err.ctx is not None else self
            raise explain_no_such_option(err, command, ctx.meta.get(_ARGS, [])) from None
        except click.UsageError as err:
            raise usage_error(err) from None


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_line())
        ctx.exit(0)


def _change_directory(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Terraform's ``-chdir=DIR``: run as if started in DIR (before anything else is read)."""
    if value is None or ctx.resilient_parsing:
        return
    try:
        os.chdir(value)
    except OSError as err:
        bad = click.BadParameter(f"cannot change to {value!r}: {err.strerror}", ctx, param)
        raise usage_error(bad) from None


@click.group(cls=AtonixGroup, context_settings={"help_option_names": ["-h", "-help", "--help"]})
@click.option(
    "-version",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the atonix version and exit.",
)
@click.option(
    "-chdir",
    "--chdir",
    metavar="DIR",
    expose_value=False,
    is_eager=True,
    callback=_change_directory,
    help="Switch to DIR before running the command (as Terraform's -chdir).",
)
def cli() -> None:
    """atonix: Heat templates, Terraform-grade plans, for OpenStack."""


@cli.command("version")
def version_command() -> None:
    """Print the atonix version."""
    click.echo(_version_line())


def _version_line() -> str:
    import platform  # only here: ~2 ms that no other command needs

    return f"atonix v{__version__} (Python {platform.python_version()})"


def main() -> None:
    collector.tune()
    signal.signal(signal.SIGINT, _interrupted)
    try:
        cli(prog_name="atonix")
    except BaseException:
        # After a second Ctrl-C, whatever ends the run (an exception raised inside a lock's
        # bookkeeping by the interrupt, click's exit) ends it quietly and at once.
        if _ABANDONED.is_set():
            _exit_now()
        raise
    finally:
        _RETURNED.set()


def _interrupted(signum: int, frame: object) -> None:
    """Say at once what Ctrl-C does: nothing new starts, changes in flight finish and are
    recorded (that can take as long as the slowest of them), then atonix exits 1."""
    signal.signal(signal.SIGINT, _interrupted_again)
    INTERRUPTED.set()
    click.echo(
        "\nInterrupt received: starting nothing new; waiting for changes in flight to finish "
        "and be recorded in state. Press Ctrl-C again to exit at once.",
        err=True,
    )
    raise KeyboardInterrupt


# A second Ctrl-C: the stack lock is released on the way out, then the process ends without
# waiting for the worker threads (what a crash would leave, the next run settles).
ABANDON_GRACE_S = 3.0
_ABANDONED = threading.Event()
_RETURNED = threading.Event()  # the command is over: only the interpreter's exit remains


class _Abandoned(BaseException):  # noqa: N818 - not an error: the user asked to stop now
    """Unwinds the main thread (releasing the stack lock) past click's ``Aborted!``."""


def _interrupted_again(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, lambda *_: _exit_now())
    _ABANDONED.set()
    click.echo(
        "\nTwo interrupts received: exiting now, without waiting for changes in flight. Nothing"
        " is lost: each create was recorded before it started, and the next plan, apply or"
        " refresh settles state with what the cloud did.",
        err=True,
    )
    if _RETURNED.is_set():  # Python is waiting for the worker threads: nothing to unwind
        _exit_now()
    # Should unwinding block (a lock held by a worker), end anyway.
    watchdog = threading.Timer(ABANDON_GRACE_S, _exit_now)
    watchdog.daemon = True
    watchdog.start()
    raise _Abandoned


def _exit_now() -> None:
    run_hard_exit_hooks()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            stream.flush()
    os._exit(exitcodes.ExitCode.ERROR)
