"""``atonix stack list``: every stack the state database holds, with where it is bound, its
serial, its resource count and its last change — what to look at before `-w/-E` and `state`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from atonix_iac.state import StackSummary

from .options import STATE_URL_ENV, flag_names
from .workspace_commands import config_option, load_config, open_project_store


@click.group("stack")
def stack_group() -> None:
    """The stacks in the state database."""


@stack_group.command("list")
@click.option(
    *flag_names("state-url"),
    "state_url",
    envvar=STATE_URL_ENV,
    metavar="URL",
    help="State store URL (default: atonix.yaml's `state:`, else sqlite .atonix/state.db).",
)
@config_option
@click.option(*flag_names("json"), "as_json", is_flag=True, help="Machine-readable output.")
def stack_list(state_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Every stack: workspace, environment, name, serial, resources, last change."""
    config = load_config(config_path)
    store = open_project_store(config, state_url)
    try:
        stacks = store.stack_summaries()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([_as_dict(s) for s in stacks], indent=2))
        return
    if not stacks:
        click.echo("No stacks in this state database.")
        return
    rows = [
        (
            s.key.workspace,
            s.key.environment,
            s.key.stack,
            str(s.serial),
            str(s.resources),
            s.updated_at.strftime("%Y-%m-%d %H:%M:%SZ"),
            " ".join(x for x in (s.last_operation or "", f"by {s.who}" if s.who else "") if x),
        )
        for s in stacks
    ]
    head = ("WORKSPACE", "ENVIRONMENT", "STACK", "SERIAL", "RESOURCES", "CHANGED", "LAST")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    for row in [head, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def _as_dict(summary: StackSummary) -> dict[str, object]:
    return {
        "workspace": summary.key.workspace,
        "environment": summary.key.environment,
        "stack": summary.key.stack,
        "lineage": summary.lineage,
        "serial": summary.serial,
        "resources": summary.resources,
        "updated_at": summary.updated_at.isoformat(),
        "last_operation": summary.last_operation,
        "who": summary.who,
    }
