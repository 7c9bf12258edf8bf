"""``atonix state history | diff | rollback``: the stack's history, read and rolled back."""

from __future__ import annotations

import json
from typing import Any

import click

from atonix_iac.apply import admin
from atonix_iac.state.history import MASK, FieldChange, HistoryEntry, StateDiff
from atonix_iac.state.model import StackKey, StateVersion

from .options import StackOptions, flag_names, stack_options
from .read_commands import template_option
from .render import value_text
from .session import as_json as as_json_text
from .session import open_session

json_flag = click.option(*flag_names("json"), "as_json", is_flag=True, help="Machine-readable.")


@click.command("history")
@template_option
@stack_options
@json_flag
@click.option(
    *flag_names("all"),
    "every_serial",
    is_flag=True,
    help="Every committed write (serial), not one line per run.",
)
def history_command(as_json: bool, every_serial: bool, **kwargs: Any) -> None:
    """The stack's history: each run and state command, its serials and resources.

    The whole state is kept at the end of every run and state command (`kept`): those
    serials can be shown (`state show -serial N`), compared (`state diff`) and rolled
    back to (`state rollback N`)."""
    with open_session(StackOptions.from_kwargs(kwargs)) as session:
        if every_serial:
            versions = admin.every_serial(session.store, session.key)
            kept = admin.kept_serials(session.store, session.key)
        else:
            entries = admin.history(session.store, session.key)
    if every_serial:
        if as_json:
            click.echo(as_json_text([_version_dict(v, kept) for v in versions]))
        else:
            click.echo(
                _versions_text(versions, kept) if versions else f"No history for {session.key}."
            )
        return
    if as_json:
        click.echo(as_json_text([e.as_dict() for e in entries]))
    else:
        click.echo(
            _runs_text(session.key, entries) if entries else f"No history for {session.key}."
        )


def _version_dict(version: StateVersion, kept: set[int]) -> dict[str, Any]:
    return {
        "serial": version.serial,
        "lineage": version.lineage,
        "when": version.created_at.isoformat(),
        "who": version.who,
        "operation": version.operation,
        "kept": version.serial in kept,
    }


def _when(entry: HistoryEntry | StateVersion) -> str:
    moment = entry.when if isinstance(entry, HistoryEntry) else entry.created_at
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def _runs_text(key: StackKey, entries: list[HistoryEntry]) -> str:
    rows = [("SERIAL", "SERIALS", "WHEN", "WHO", "COMMAND", "RESOURCES")]
    lineage = entries[0].lineage
    notes: dict[int, str] = {}
    for index, entry in enumerate(entries):
        if entry.lineage and lineage and entry.lineage != lineage:
            notes[index] = f"(lineage {entry.lineage} from here on)"
        lineage = entry.lineage or lineage
        span = (
            str(entry.serial)
            if entry.first_serial == entry.serial
            else f"{entry.first_serial}-{entry.serial}"
        )
        count = "-" if entry.resources is None else str(entry.resources)
        rows.append((str(entry.serial), span, _when(entry), entry.who, entry.command, count))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [f"History of {key} (lineage {entries[0].lineage}):", ""]
    for index, row in enumerate(rows):
        if index - 1 in notes:
            lines.append(notes[index - 1])
        cells = [row[0].rjust(widths[0])] + [
            c.ljust(w) for c, w in zip(row[1:-1], widths[1:], strict=False)
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines += [
        "",
        "Whole states are kept at the end of each run (SERIAL); see one with"
        " `atonix state show -serial N`.",
    ]
    return "\n".join(lines)


def _versions_text(entries: list[StateVersion], kept: set[int]) -> str:
    width = max(len(str(e.serial)) for e in entries)
    lines = []
    for e in entries:
        mark = "*" if e.serial in kept else " "
        lines.append(f"{str(e.serial).rjust(width)} {mark} {_when(e)}  {e.who}  {e.operation}")
    lines += ["", "* kept whole: `atonix state show -serial N` shows it."]
    return "\n".join(lines)


@click.command("diff")
@click.argument("first", type=int, metavar="A")
@click.argument("second", type=int, required=False, metavar="[B]")
@template_option
@stack_options
@json_flag
def diff_command(first: int, second: int | None, as_json: bool, **kwargs: Any) -> None:
    """What changed from serial A to serial B (default: the current state), resource by
    resource and property by property; secret values stay masked."""
    with open_session(StackOptions.from_kwargs(kwargs)) as session:
        diff = admin.diff_serials(session.store, session.key, first, second)
    if as_json:
        click.echo(as_json_text_diff(diff))
        return
    click.echo(diff_text(diff, f"serial {first}", f"serial {diff.after_serial}"))


def as_json_text_diff(diff: StateDiff) -> str:
    return json.dumps(diff.as_dict(), indent=2, sort_keys=True, default=str)


def _field(change: FieldChange) -> str:
    def shown(value: Any) -> str:
        return MASK if value == MASK else value_text(value)

    return f"{change.path}: {shown(change.before)} -> {shown(change.after)}"


def diff_text(diff: StateDiff, before: str, after: str) -> str:
    if diff.empty:
        return f"No differences between {before} and {after}."
    lines = [f"Changes from {before} to {after}:", ""]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for resource in diff.resources:
        ident = f" id={resource.physical_id}" if resource.physical_id else ""
        lines.append(f"  {marks[resource.change]} {resource.key} ({resource.type}){ident}")
        lines += [f"      {_field(f)}" for f in resource.fields]
    if diff.stack_fields:
        lines.append("  ~ stack")
        lines += [f"      {_field(f)}" for f in diff.stack_fields]
    counts = diff.counts()
    lines += [
        "",
        f"Resources: {counts['added']} added, {counts['changed']} changed,"
        f" {counts['removed']} removed.",
    ]
    return "\n".join(lines)


@click.command("rollback")
@click.argument("serial", type=int)
@template_option
@stack_options
def rollback_command(serial: int, **kwargs: Any) -> None:
    """Make the state what it was at SERIAL, as a new serial (the history keeps both).

    Only state changes: run `atonix plan` next to see what the cloud needs to match."""
    with open_session(StackOptions.from_kwargs(kwargs)) as session:
        done = admin.rollback_state(session.store, session.key, serial)
    click.echo(diff_text(done.diff, "the current state", f"serial {serial}"))
    click.echo(
        f"\nRolled back to serial {serial}: the state is now serial {done.serial}."
        " Run `atonix plan` to see what the cloud needs to match it."
    )
