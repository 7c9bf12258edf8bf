"""Opening a state database at head is a single read: no Alembic, no write lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from atonix_iac.errors import StateVersionError
from atonix_iac.state import open_store
from atonix_iac.state.migrate import HEAD_REVISION, VERSION_TABLE, head_revision, is_at_head
from atonix_iac.state.model import ResourceState, StackKey

KEY = StackKey("default", "default", "perf")

_REOPEN = """
import sys
from atonix_iac.state import open_store
from atonix_iac.state.model import StackKey
store = open_store(sys.argv[1])
print(len(store.load(StackKey("default", "default", "perf")).resources))
print("alembic" in sys.modules, "mako" in sys.modules)
"""


def test_head_revision_constant_is_alembics_head() -> None:
    assert head_revision() == HEAD_REVISION


def test_a_database_at_head_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = open_store(url)
    store.put_resource(KEY, ResourceState("a", "OS::Heat::None", "id-a"))
    assert is_at_head(store._db.read_engine)
    store.close()
    out = subprocess.run(
        [sys.executable, "-c", _REOPEN, url], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:2] == ["1", "False False"]


def test_a_new_database_is_not_at_head_until_migrated(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert not is_at_head(engine)
    finally:
        engine.dispose()


def test_a_newer_schema_is_still_refused(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'state.db'}"
    open_store(url).close()
    with sqlite3.connect(tmp_path / "state.db") as connection:
        connection.execute(f"UPDATE {VERSION_TABLE} SET version_num = '9999_later'")
    with pytest.raises(StateVersionError, match="'9999_later', newer than this atonix"):
        open_store(url)
