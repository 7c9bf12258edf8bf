"""The schema is Alembic's to create and upgrade; a database from the future is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from _state_kit import KEY, Backend
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from atonix_iac.errors import StateLockedError, StateVersionError
from atonix_iac.state import open_store
from atonix_iac.state.migrate import VERSION_TABLE, alembic_config, head_revision
from atonix_iac.state.model import ResourceState
from atonix_iac.state.schema import Base
from atonix_iac.state.sql import SqlStateStore


def test_a_fresh_database_is_at_head_and_matches_the_models(
    backend: Backend, store: SqlStateStore
) -> None:
    assert backend.raw_rows(VERSION_TABLE) == [(head_revision(),)]
    engine = create_engine(backend.url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_reopening_keeps_the_state(backend: Backend, store: SqlStateStore) -> None:
    store.put_resource(KEY, ResourceState("a", "T", "id-a"))
    again = open_store(backend.url)
    try:
        assert again.load(KEY).resources["a"].physical_id == "id-a"
        assert backend.raw_rows(VERSION_TABLE) == [(head_revision(),)]
    finally:
        again.close()


def test_a_newer_schema_is_refused(backend: Backend, store: SqlStateStore) -> None:
    backend.execute(f"UPDATE {VERSION_TABLE} SET version_num = '9999_from_the_future'")
    with pytest.raises(StateVersionError, match="'9999_from_the_future', newer than this atonix"):
        open_store(backend.url)


def test_a_database_at_0001_upgrades_and_keeps_its_lock_as_one_only_a_human_breaks(
    backend: Backend,
) -> None:
    """Locks gained a lease in 0004; a lock row from before keeps NULL there, so the run that
    holds it (an older atonix, which neither renews nor holds an advisory lock) is not
    mistaken for a dead one."""
    database = make_url(backend.url).database
    if backend.name == "sqlite" and database:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(backend.url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(
                text(
                    "INSERT INTO locks (workspace, environment, stack, lock_id, who, host, pid,"
                    " operation, since) VALUES ('devops', 'dev', 'web', 'old-lock',"
                    " 'bob@elsewhere pid 12', 'elsewhere', 12, 'apply', '2026-11-30 08:00:00')"
                )
            )
    finally:
        engine.dispose()

    store = open_store(backend.url)
    try:
        assert backend.raw_rows(VERSION_TABLE) == [(head_revision(),)]
        held = store.current_lock(KEY)
        assert held is not None and (held.lock_id, held.who) == ("old-lock", "bob@elsewhere pid 12")
        with pytest.raises(StateLockedError, match="locked by bob@elsewhere pid 12 .apply."):
            store.lock(KEY, "apply").__enter__()
        store.force_unlock(KEY, "old-lock")
        with store.lock(KEY, "apply"):
            store.put_resource(KEY, ResourceState("a", "T", "id-a"))
    finally:
        store.close()
