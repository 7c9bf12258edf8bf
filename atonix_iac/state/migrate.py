"""Bring a state database to the schema this code knows, or refuse one from the future.

Runs on every open, inside one write transaction: SQLite's ``BEGIN IMMEDIATE`` and a
PostgreSQL advisory lock make two processes opening a fresh database at once take turns.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from atonix_iac.errors import StateVersionError

VERSION_TABLE = "atonix_schema_version"
_MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every atonix process.
_PG_MIGRATION_LOCK = 0x61746F6E6978


def alembic_config() -> Config:
    """The Alembic configuration, built in code so no alembic.ini is needed on disk."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["version_table"] = VERSION_TABLE
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade_to_head(write_engine: Engine, where: str) -> None:
    """Create or upgrade the schema; StateVersionError if the database is newer than us."""
    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    with write_engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
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


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False
