"""Where atonix remembers stacks between runs: SQLite by default, PostgreSQL for teams.

``open_store`` picks the database (explicit URL, else ``ATONIX_STATE_URL``, else
``<project>/.atonix/state.db``), brings its schema to the current version and returns a
``SqlStateStore`` (``sql.py``); other layers type against ``StateStore`` (``store.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from atonix_iac.state.model import (
    AuditRecord,
    LockInfo,
    ResourceState,
    ResourceStatus,
    StackKey,
    StackSummary,
    State,
    StateVersion,
)
from atonix_iac.state.store import StateStore

if TYPE_CHECKING:
    from atonix_iac.state.sql import SqlStateStore

__all__ = [
    "AuditRecord",
    "LockInfo",
    "ResourceState",
    "ResourceStatus",
    "StackKey",
    "StackSummary",
    "State",
    "StateStore",
    "StateVersion",
    "open_store",
]


def open_store(
    url: str | None = None,
    *,
    project_dir: Path | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> SqlStateStore:
    """Open (creating or migrating as needed) the state database.

    Secrets are encrypted with ``ATONIX_STATE_KEY`` if set, else with a key file beside a
    SQLite database (``state.db`` -> ``state.key``); PostgreSQL needs ``ATONIX_STATE_KEY``.
    ``on_warning`` hears of a stale lock taken over or a held lock lost (default: ``logging``).
    """
    # Imported here so that reading the state model does not load SQLAlchemy.
    from atonix_iac.state.engine import is_memory_sqlite, resolve_url, sqlite_path
    from atonix_iac.state.secrets import SecretBox
    from atonix_iac.state.sql import SqlStateStore

    resolved = resolve_url(url, project_dir)
    database_file = sqlite_path(resolved)
    box = SecretBox.from_environment(
        key_file=database_file.with_suffix(".key") if database_file is not None else None,
        ephemeral=is_memory_sqlite(resolved),
    )
    if on_warning is None:
        return SqlStateStore(resolved, box)
    return SqlStateStore(resolved, box, on_warning=on_warning)
