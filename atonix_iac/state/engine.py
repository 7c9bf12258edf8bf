"""Which database, and an SQLAlchemy engine tuned for it.

SQLite gets WAL (readers never block the writer), ``synchronous=NORMAL`` (no fsync per commit,
still crash-safe in WAL), a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` for write
transactions: a deferred transaction that reads the serial and then writes would fail at once
with "database is locked" when two writers race, instead of waiting its turn.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from atonix_iac.errors import StateError
from atonix_iac.state.files import prepare_sqlite_file

STATE_URL_ENV = "ATONIX_STATE_URL"
STATE_DIR = ".atonix"
STATE_FILE = "state.db"
BUSY_TIMEOUT_MS = 30_000
# Execution option carried by the write engine; the "begin" hook reads it.
_WRITE_OPTION = "atonix_write"


def resolve_url(url: str | None, project_dir: Path | None) -> URL:
    """Explicit URL, else ``ATONIX_STATE_URL``, else ``<project>/.atonix/state.db``."""
    text = url or os.environ.get(STATE_URL_ENV)
    if not text:
        base = (project_dir or Path.cwd()).resolve()
        text = f"sqlite:///{base / STATE_DIR / STATE_FILE}"
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise StateError(f"not a database URL: {_redact(text)}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StateError(
            f"unsupported state database {parsed.get_backend_name()!r}: "
            "use sqlite:///path/state.db or postgresql+psycopg://user@host/db"
        )
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for in-memory or other backends."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and sqlite_path(url) is None


def make_engines(url: URL) -> tuple[Engine, Engine]:
    """(read engine, write engine) sharing one pool: on SQLite writes begin IMMEDIATE, on
    PostgreSQL reads see one snapshot."""
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
        return engine, engine.execution_options(**{_WRITE_OPTION: True})
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    # A load reads the stack row and then its resources: one snapshot for both.
    return engine.execution_options(isolation_level="REPEATABLE READ"), engine


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_path(url)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30.0}}
    if path is None:
        # One shared connection, or every pool checkout would see its own empty database.
        kwargs["poolclass"] = StaticPool
    else:
        prepare_sqlite_file(path)  # 0600 before SQLite creates it (and its -wal, -shm)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's own transaction handling is too late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if path is not None:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Overwritten rows leave no old bytes behind: a value sealed after it was stored in
        # the clear (state from an older version, resealed) does not linger in free space.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get(_WRITE_OPTION, False)
        # Straight to the driver: SQLAlchemy's statement machinery costs as much as an
        # insert, and a run begins three transactions per resource.
        statement = "BEGIN IMMEDIATE" if writing else "BEGIN"
        try:
            connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.Error as exc:  # e.g. "database is locked": SQLAlchemy's error, as before
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

    return engine


def _redact(text: str) -> str:
    """A URL fit for an error message: never its password."""
    try:
        return make_url(text).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"
