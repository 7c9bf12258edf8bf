"""Which database ``open_store`` opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from _state_kit import KEY, Backend, libpq_conninfo

from atonix_iac.errors import StateError
from atonix_iac.state import open_store
from atonix_iac.state.model import ResourceState


def test_default_is_a_sqlite_file_in_the_project(tmp_path: Path) -> None:
    store = open_store(project_dir=tmp_path)
    try:
        store.put_resource(KEY, ResourceState("a", "T", None))
    finally:
        store.close()
    assert (tmp_path / ".atonix" / "state.db").is_file()


def test_environment_overrides_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATONIX_STATE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    store = open_store(project_dir=tmp_path / "project")
    store.close()
    assert (tmp_path / "elsewhere.db").is_file()
    assert not (tmp_path / "project").exists()


def test_an_in_memory_database_works_with_secrets() -> None:
    store = open_store("sqlite://")
    try:
        secret = ResourceState(
            "a", "T", None, properties={"pw": "x"}, sensitive_properties=frozenset({"pw"})
        )
        store.put_resource(KEY, secret)
        assert store.load(KEY).resources["a"].properties == {"pw": "x"}
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root:hunter2@db/atonix", "unsupported state database 'mysql'"),
        ("::not a url::", "not a database URL"),
    ],
)
def test_bad_urls_are_clear_errors(url: str, message: str) -> None:
    with pytest.raises(StateError, match=message) as caught:
        open_store(url)
    assert "hunter2" not in str(caught.value)


def test_an_unreachable_server_is_a_state_error() -> None:
    with pytest.raises(StateError, match="state database postgresql"):
        open_store("postgresql+psycopg://nobody:pw@127.0.0.1:1/none?connect_timeout=2")


@pytest.mark.postgres
def test_a_new_postgresql_database_gets_the_partial_live_name_index(backend: Backend) -> None:
    """The models leave PostgreSQL's ``where`` out until a PostgreSQL database is created (so
    SQLite runs do not import that dialect); created from them, the index is still partial."""
    if backend.name != "postgres":
        pytest.skip("PostgreSQL only")
    open_store(backend.url).close()
    import psycopg

    with psycopg.connect(libpq_conninfo(backend.url)) as connection:
        rows = connection.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_service_stacks_live_name'"
            " AND schemaname = %s",
            (backend.schema,),
        ).fetchall()
    assert len(rows) == 1
    assert "UNIQUE" in rows[0][0]
    assert "WHERE (deleted_at IS NULL)" in rows[0][0]
