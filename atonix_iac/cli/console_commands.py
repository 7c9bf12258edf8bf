"""``atonix console``: evaluate HOT expressions against a stack's state and parameters.

As ``terraform console``: one expression a line (YAML or JSON, e.g. ``{get_param: flavor}``),
its value printed; a mistake is one located message and the session goes on. It only reads:
state is loaded once (no lock, no refresh, nothing written) and no cloud is contacted.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import click

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.planner.console import Console, console_text
from atonix_iac.template.expression import parse_expression

from . import exitcodes
from .options import InputOptions, StackOptions, input_options, stack_options, template_argument
from .session import load_stack_template, open_session, parameter_sources, parameter_values

SOURCE = "<stdin>"
PROMPT = "> "
EXIT_WORDS = frozenset({"exit", "quit"})


@click.command("console")
@template_argument
@stack_options
@input_options
def console_command(**kwargs: Any) -> None:
    """Evaluate expressions such as {get_attr: [server, first_address]} against the stack.

    Reads one expression a line from standard input (a `> ` prompt on a terminal); `exit`
    ends the session. Reads state only: no refresh, no lock, nothing written.
    """
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    template = load_stack_template(stack, inputs)
    with open_session(stack) as session:
        state = session.store.load(session.key)
        # The values the last apply used (hidden ones stay masked), then -var/-var-file.
        values: dict[str, Any] = {
            name: value for name, value in state.parameters.items() if name in template.parameters
        }
        values.update(parameter_values(inputs))
        params = session.bind(
            template,
            values,
            check_required=False,
            connect=False,
            value_sources=parameter_sources(inputs),
        )
    known = {address: r for address, r in state.resources.items() if r.deposed is None}
    console = Console(template, params, known)
    interactive = sys.stdin.isatty()
    failed = _session(console, template, sys.stdin, interactive)
    if failed and not interactive:
        sys.exit(exitcodes.ExitCode.ERROR)


def _session(console: Console, template: Any, stream: TextIO, interactive: bool) -> bool:
    """Evaluate each line of ``stream``; True if any failed."""
    failed = False
    number = 0
    while True:
        if interactive:
            click.echo(PROMPT, nl=False)
        line = stream.readline()
        if not line:
            if interactive:
                click.echo()
            return failed
        number += 1
        text = line.rstrip("\r\n")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if text.strip() in EXIT_WORDS:
            return failed
        try:
            value = parse_expression(text, template, source=SOURCE, line=number)
            result = console.evaluate(value, SourceLocation(SOURCE, number, 1))
        except TemplateError as err:
            click.echo(err.format(), err=True)
            failed = True
            continue
        click.echo(console_text(result))
