"""A new state database is created from the models without Alembic, and ends up exactly as
the migrations would have made it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from atonix_iac.state import open_store
from atonix_iac.state.migrate import HEAD_REVISION, VERSION_TABLE, alembic_config
from atonix_iac.state.model import ResourceState, StackKey

_CREATE = """
import sys
from atonix_iac.state import open_store
open_store(sys.argv[1]).close()
print("alembic" in sys.modules, "mako" in sys.modules)
"""


def _schema(path: Path) -> dict[str, object]:
    """Every table and index by name, as SQLite describes its structure: columns (name, type,
    not null, default, primary key) in order, indexes with their columns and uniqueness,
    foreign keys. (Not the stored SQL text: a column a migration adds with ALTER TABLE is
    spelled differently there than in a CREATE TABLE, yet is the same column.)"""
    with sqlite3.connect(path) as connection:
        objects = connection.execute(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE sql IS NOT NULL"
        ).fetchall()
        schema: dict[str, object] = {}
        for kind, name, table in objects:
            if kind == "table":
                columns = connection.execute(f"PRAGMA table_info('{name}')").fetchall()
                keys = connection.execute(f"PRAGMA foreign_key_list('{name}')").fetchall()
                schema[name] = ([c[1:] for c in columns], sorted(k[2:] for k in keys))
            elif kind == "index":
                columns = connection.execute(f"PRAGMA index_info('{name}')").fetchall()
                unique = [
                    i[2]
                    for i in connection.execute(f"PRAGMA index_list('{table}')")
                    if i[1] == name
                ]
                schema[name] = (table, [c[2] for c in columns], unique)
        return schema


def _migrated_by_alembic(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def test_a_new_database_is_created_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    out = subprocess.run(
        [sys.executable, "-c", _CREATE, url], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
    with sqlite3.connect(tmp_path / "state.db") as connection:
        version = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    assert version == [(HEAD_REVISION,)]


def test_created_from_the_models_equals_migrated_by_alembic(tmp_path: Path) -> None:
    open_store(f"sqlite:///{tmp_path / 'created.db'}").close()
    _migrated_by_alembic(tmp_path / "migrated.db")
    created, migrated = _schema(tmp_path / "created.db"), _schema(tmp_path / "migrated.db")
    assert sorted(created) == sorted(migrated)
    for name, sql in migrated.items():
        assert created[name] == sql, name


def test_a_database_alembic_created_opens_and_keeps_working(tmp_path: Path) -> None:
    _migrated_by_alembic(tmp_path / "state.db")
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        key = StackKey("default", "default", "s")
        store.put_resource(key, ResourceState("a", "OS::Heat::None", "id-a"))
        assert store.load(key).resources["a"].physical_id == "id-a"
    finally:
        store.close()
