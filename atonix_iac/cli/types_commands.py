"""``atonix types``: every resource type, and whether atonix can deploy it (a provider
implements it), only validate it (Heat ships it, no provider yet), or does not know it."""

from __future__ import annotations

import json
from typing import Any

import click

from atonix_iac.errors import suggest
from atonix_iac.providers.coverage import (
    Deployability,
    TypeCoverage,
    coverage_counts,
    summary_line,
    type_coverage,
)
from atonix_iac.template import EXPANDED_TYPES

from .options import flag_names
from .session import provider_registry

_TYPE_NAME_SEPARATOR = "::"


@click.command("types")
@click.argument("patterns", nargs=-1, metavar="[PATTERN]...")
@click.option(
    *flag_names("deployable"), "deployable", is_flag=True, help="Only types a provider implements."
)
@click.option(
    *flag_names("validate-only"),
    "validate_only",
    is_flag=True,
    help="Only types Heat ships that no provider implements yet.",
)
@click.option(*flag_names("json"), "as_json", is_flag=True, help="Machine-readable output.")
def types_command(
    patterns: tuple[str, ...], deployable: bool, validate_only: bool, as_json: bool
) -> None:
    """List resource types: deployable, validate-only or unknown.

    Each PATTERN keeps the types whose name contains it (case-insensitive); a full type name
    that nothing knows is listed as unknown.
    """
    registry = provider_registry()
    try:
        every = type_coverage(registry, expanded=EXPANDED_TYPES)
        names = [row.type_name for row in every]
        unknown = [p for p in patterns if _TYPE_NAME_SEPARATOR in p and not _matching(names, (p,))]
        rows = [
            row
            for row in type_coverage(registry, unknown, EXPANDED_TYPES)
            if (not patterns or _matching([row.type_name], patterns))
            and _wanted(row, deployable, validate_only)
        ]
    finally:
        registry.close()
    if as_json:
        click.echo(json.dumps(_document(rows), indent=2))
        return
    _print_table(rows)
    for name in unknown:
        hint = suggest(name, names)
        if hint:
            click.echo(f"{name}: {hint}", err=True)
    click.echo(summary_line(rows) + ".")


def _matching(names: list[str], patterns: tuple[str, ...]) -> list[str]:
    lowered = [p.lower() for p in patterns]
    return [n for n in names if any(p in n.lower() for p in lowered)]


def _wanted(row: TypeCoverage, deployable: bool, validate_only: bool) -> bool:
    if not (deployable or validate_only):
        return True
    return (deployable and row.status is Deployability.DEPLOYABLE) or (
        validate_only and row.status is Deployability.VALIDATE_ONLY
    )


def _print_table(rows: list[TypeCoverage]) -> None:
    cells = [
        (
            row.type_name,
            row.status.value,
            row.provider or "-",
            (row.support_status or "-").lower(),
        )
        for row in rows
    ]
    head = ("TYPE", "STATUS", "PROVIDER", "HEAT SUPPORT")
    widths = [max(len(r[i]) for r in [head, *cells]) for i in range(len(head) - 1)]
    for row in [head, *cells]:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        click.echo("  ".join([*padded, row[-1]]).rstrip())


def _document(rows: list[TypeCoverage]) -> dict[str, Any]:
    counts = coverage_counts(rows)
    return {
        "types": [
            {
                "type": row.type_name,
                "status": row.status.value,
                "provider": row.provider,
                "in_catalog": row.in_catalog,
                "support_status": row.support_status,
            }
            for row in rows
        ],
        "counts": {status.value: counts[status] for status in Deployability},
        "total": len(rows),
    }
