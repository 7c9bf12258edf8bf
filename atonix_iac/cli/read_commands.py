"""Commands that only read state: show, output.

Saved plans' readers and renderers (the planner, policy reports, JSON, Markdown) are imported
only by ``show FILE``: reading state or outputs does not pay for them. The session (state
stores, providers) is imported only when state is read: showing a saved plan does not pay for
it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from atonix_iac.errors import UsageError, suggest

from .options import DEFAULT_TEMPLATE, StackOptions, flag_names, stack_options
from .render import SENSITIVE_OUTPUT, outputs_json, outputs_text, state_text, value_text
from .terminal import color_wanted

template_option = click.option(
    *flag_names("template"),
    "template",
    default=DEFAULT_TEMPLATE,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The stack's template (its name is the stack name).",
)


@click.command("show")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@stack_options
@click.option(*flag_names("json"), "as_json_doc", is_flag=True, help="Machine-readable output.")
@click.option(*flag_names("no-color"), "no_color", is_flag=True, help="Plain output.")
@click.option(
    *flag_names("markdown"), "markdown", is_flag=True, help="A saved plan as a PR comment."
)
@click.option(
    *flag_names("template"),
    "markdown_template",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Jinja2 template for -markdown.",
)
@click.option(
    *flag_names("gitlab-report"),
    "gitlab",
    is_flag=True,
    help="A saved plan's counts as GitLab's artifacts:reports:terraform reads them.",
)
def show_command(
    path: str | None,
    as_json_doc: bool,
    no_color: bool,
    markdown: bool,
    markdown_template: str | None,
    gitlab: bool,
    **kwargs: Any,
) -> None:
    """Show the stack's state, or a saved plan file (PATH may also name the template)."""
    if path is not None and not Path(path).is_file():
        raise UsageError(
            f"no file at {path} (show takes a saved plan file or the stack's template;"
            " --stack NAME shows a stack's state)"
        )
    if gitlab:
        click.echo(_gitlab_report(Path(path) if path else None))
        return
    if path is not None and _show_saved_plan(
        Path(path), as_json_doc, not no_color, markdown, markdown_template
    ):
        return
    if markdown or markdown_template:
        raise UsageError("-markdown shows a saved plan file: `atonix show -markdown FILE`")
    from .session import as_json, open_session  # state only: a saved plan needs no providers

    kwargs["template"] = path or DEFAULT_TEMPLATE
    stack = StackOptions.from_kwargs(kwargs)
    with open_session(stack) as session:
        if as_json_doc:
            state = session.store.load(session.key)
            document = (
                session.store.export_state(session.key, include_secrets=False)
                if state.exists
                else {}
            )
            click.echo(as_json(document))
            return
        click.echo(state_text(session.store.load(session.key)))


@click.command("output")
@click.argument("name", required=False)
@template_option
@stack_options
@click.option(*flag_names("json"), "as_json_doc", is_flag=True, help="Print as JSON.")
@click.option(*flag_names("raw"), "raw", is_flag=True, help="Print a string without quotes.")
def output_command(name: str | None, as_json_doc: bool, raw: bool, **kwargs: Any) -> None:
    """Show outputs. A secret output is shown only when NAMEd with -raw or -json."""
    if as_json_doc and raw:
        raise UsageError("-json and -raw cannot be combined")
    from .session import open_session

    stack = StackOptions.from_kwargs(kwargs)
    with open_session(stack) as session:
        state = session.store.load(session.key)
    outputs, sensitive = state.outputs, state.sensitive_outputs
    if name is None:
        if raw:
            raise UsageError("-raw needs an output NAME")
        if not outputs:
            click.echo(_no_outputs_warning(stack, exists=state.exists), err=True)
            if as_json_doc:
                click.echo("{}")
            return
        click.echo(
            outputs_json(outputs, sensitive) if as_json_doc else outputs_text(outputs, sensitive)
        )
        return
    if name not in outputs:
        hint = suggest(name, outputs)
        if not hint and Path(name).is_file():  # `atonix output web.yaml`, as for plan
            hint = f"to read the outputs of the stack in {name}: atonix output --template {name}"
        raise UsageError(f"no output named `{name}`" + (f" ({hint})" if hint else ""))
    value = outputs[name]
    if as_json_doc:
        click.echo(json.dumps(value, indent=2, sort_keys=True, default=str))
    elif raw:
        if isinstance(value, dict | list) or value is None:
            raise UsageError(
                f"output `{name}` is a {type(value).__name__}: -raw prints strings, numbers"
                " and booleans only (use -json)"
            )
        click.echo(str(value).lower() if isinstance(value, bool) else str(value))
    elif name in sensitive:
        click.echo(SENSITIVE_OUTPUT)
    else:
        click.echo(value_text(value))


def _show_saved_plan(
    path: Path, as_json_doc: bool, color: bool, markdown: bool, markdown_template: str | None
) -> bool:
    """Print ``path`` if it is a saved plan file; False if it is not one."""
    from .plan_files import looks_like_plan_file, read_saved_plan

    if not looks_like_plan_file(path):
        return False
    from atonix_iac.planner import render_plan

    from .gating import saved_plan_view

    saved = read_saved_plan(path)
    view = saved_plan_view(
        saved, as_json=as_json_doc, markdown=markdown, markdown_template=markdown_template
    )
    if view is None:
        view = render_plan(saved.plan, color=color and color_wanted(no_color=False))
    click.echo(view)
    return True


def _gitlab_report(path: Path | None) -> str:
    from atonix_iac.planner.render.json_plan import gitlab_report

    from .plan_files import looks_like_plan_file, read_saved_plan

    if path is None or not looks_like_plan_file(path):
        raise UsageError("-gitlab-report reads a saved plan: `atonix show -gitlab-report FILE`")
    return json.dumps(gitlab_report(read_saved_plan(path).plan))


def _no_outputs_warning(stack: StackOptions, *, exists: bool) -> str:
    if exists:
        return f"Warning: stack `{stack.stack_name}` has no outputs"
    return (
        f"Warning: no outputs found: stack `{stack.stack_name}` has no state (apply it first,"
        " or name another stack with --template FILE or --stack NAME)"
    )
