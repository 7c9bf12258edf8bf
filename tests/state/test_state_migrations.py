"""The schema is Alembic's to create and upgrade; a database from the future is refused."""

from __future__ import annotations

import pytest
from _state_kit import KEY, Backend
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from atonix_iac.errors import StateVersionError
from atonix_iac.state import open_store
from atonix_iac.state.migrate import VERSION_TABLE, head_revision
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
