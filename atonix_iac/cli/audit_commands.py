"""``atonix audit``: every create, update and delete the engine performed, from state.

The records live in the state database (written by apply); this command only reads them.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from atonix_iac.state import AuditRecord, StackKey
from atonix_iac.workspace.config import select_binding

from .workspace_commands import config_option, load_config, open_project_store

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """``--since``: an ISO 8601 instant (UTC if no offset) or an age (``30m``, ``1h``, ``2d``)."""
    if value is None:
        return None
    when = parse_since(value, now=datetime.now(UTC))
    if when is None:
        raise click.BadParameter(
            f"{value!r} is neither an ISO time (2026-01-31T12:00) nor an age (30m, 1h, 2d)"
        )
    return when


def parse_since(text: str, now: datetime) -> datetime | None:
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def record_dict(record: AuditRecord) -> dict[str, Any]:
    return {
        "workspace": record.key.workspace,
        "environment": record.key.environment,
        "stack": record.key.stack,
        "address": record.address,
        "type": record.type,
        "physical_id": record.physical_id,
        "action": record.action,
        "result": record.result,
        "who": record.who,
        "started_at": record.started_at.isoformat(),
        "duration_s": record.duration_s,
        "message": record.message,
        "project": record.project,
    }


def record_line(record: AuditRecord) -> str:
    when = record.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    where = f"{record.key} ({record.project})" if record.project else str(record.key)
    # State surgery on the whole stack (push, rollback) names no resource.
    what = f"{record.address} ({record.type})" if record.type else record.address or "(stack)"
    line = (
        f"{when}Z  {where}  {record.action:<6} {record.result:<6} "
        f"{what} {record.physical_id or '-'}  "
        f"{record.duration_s:.2f}s  {record.who}"
    )
    if record.message:
        line += f"  {record.message}"
    return line


@click.command("audit")
@click.option("--stack", "stack", default=None, help="Only this stack (in the workspace).")
@click.option("--since", callback=_since, default=None, help="ISO time or age: 30m, 1h, 2d.")
@click.option("-w", "--workspace", default=None, help="Workspace (default: ATONIX_WORKSPACE).")
@click.option(
    "-E", "--environment", default=None, help="Environment (default: ATONIX_ENVIRONMENT)."
)
@click.option(
    "-state-url",
    "--state-url",
    "state_url",
    default=None,
    help="State store URL (default: $ATONIX_STATE_URL, else atonix.yaml's `state:`).",
)
# The spelling of earlier versions, kept working: every other command says --state-url.
@click.option("--state", "legacy_state_url", default=None, hidden=True)
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def audit(
    stack: str | None,
    since: datetime | None,
    workspace: str | None,
    environment: str | None,
    state_url: str | None,
    legacy_state_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """List the audit log: who created, updated or deleted what, when, and how it went;
    also imports, forgets and state surgery (state-rm, state-mv, state-push, state-rollback)."""
    config = load_config(config_path)
    key: StackKey | None = None
    scope: tuple[str, str] | None = None
    if stack or workspace or environment:
        binding = select_binding(config, workspace, environment)
        scope = (binding.workspace, binding.environment)
        if stack:
            key = StackKey(binding.workspace, binding.environment, stack)
    store = open_project_store(config, state_url or legacy_state_url)
    try:
        records = list(store.audit(key, since))
    finally:
        store.close()
    if scope is not None:
        records = [r for r in records if (r.key.workspace, r.key.environment) == scope]
    if as_json:
        click.echo(json.dumps([record_dict(r) for r in records], indent=2))
        return
    if not records:
        click.echo("No audit records.")
        return
    for record in records:
        click.echo(record_line(record))
