"""Bring a state database to the schema this code knows, or refuse one from the future.

Every open first reads the recorded revision on a plain connection: a database already at
``HEAD_REVISION`` needs nothing more, so Alembic (and Mako, which it loads) is imported only
when a database is created or upgraded. That path runs inside one write transaction: SQLite's
``BEGIN IMMEDIATE`` and a PostgreSQL advisory lock make two processes opening a fresh database
at once take turns.

A brand-new, empty database skips Alembic too: the tables are created from the models
(``schema.py``, which a test keeps equal to the migrations' result) and the version table is
stamped with ``HEAD_REVISION``, as Alembic's own cookbook does. That saves ~0.4 s of the first
run in a new directory; upgrades of existing databases still go through the migrations.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, Engine, MetaData, PrimaryKeyConstraint, String, Table, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from atonix_iac.errors import StateVersionError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

VERSION_TABLE = "atonix_schema_version"
# The newest revision under migrations/versions (a test checks it is Alembic's head).
HEAD_REVISION = "0010"
_MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every atonix process.
_PG_MIGRATION_LOCK = 0x61746F6E6978

# Alembic's version table, as Alembic itself creates it.
_VERSION = Table(
    VERSION_TABLE,
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)


def alembic_config() -> Config:
    """The Alembic configuration, built in code so no alembic.ini is needed on disk."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["version_table"] = VERSION_TABLE
    return config


def head_revision() -> str:
    """Alembic's head, read from the migration scripts (``HEAD_REVISION`` is its cheap copy)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def is_at_head(engine: Engine) -> bool:
    """True if the database records exactly ``HEAD_REVISION``; False when it is new, older,
    newer or unreadable, which the full upgrade path then sorts out."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    except DBAPIError:  # no version table yet (a new database), or not reachable
        return False
    return [tuple(row) for row in rows] == [(HEAD_REVISION,)]


def upgrade_to_head(write_engine: Engine, where: str, *, read_engine: Engine | None = None) -> None:
    """Create or upgrade the schema; StateVersionError if the database is newer than us.

    ``read_engine`` serves the quick look at the revision (no write lock on SQLite)."""
    if is_at_head(read_engine or write_engine):
        return
    with write_engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        if not inspect(connection).get_table_names():
            create_at_head(connection)
            return
        from alembic import command
        from alembic.script import ScriptDirectory

        config = alembic_config()
        scripts = ScriptDirectory.from_config(config)
        revision = current_revision(connection)
        if revision is not None and not _known(scripts, revision):
            raise StateVersionError(
                f"the state database {where} has schema revision {revision!r}, newer than this "
                f"atonix knows (latest {scripts.get_current_head()!r}); upgrade atonix"
            )
        if revision == scripts.get_current_head():
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def create_at_head(connection: Connection) -> None:
    """Create every table of an empty database from the models and record ``HEAD_REVISION``
    (inside the caller's write transaction)."""
    from atonix_iac.state.schema import Base

    Base.metadata.create_all(connection)
    _VERSION.create(connection)
    connection.execute(_VERSION.insert().values(version_num=HEAD_REVISION))


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False
