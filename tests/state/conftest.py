"""Store fixtures over both backends: SQLite files in tmp_path and the real PostgreSQL.

Each PostgreSQL test gets a schema of its own (``search_path`` in the URL), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _state_kit import Backend, libpq_conninfo, postgres_url
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from atonix_iac.state import open_store
from atonix_iac.state.sql import SqlStateStore


def _postgres_admin() -> Any:
    import psycopg

    base = postgres_url()
    try:
        return psycopg.connect(libpq_conninfo(base), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at {make_url(base).render_as_string()} is unreachable: {exc}"
        if os.environ.get("ATONIX_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ATONIX_STATE_URL", "ATONIX_STATE_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / '.atonix' / 'state.db'}")
        return
    admin = _postgres_admin()
    schema = f"atonix_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    # A server database keeps no key file: the key comes from the environment.
    monkeypatch.setenv("ATONIX_STATE_KEY", Fernet.generate_key().decode())
    url = make_url(postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield Backend("postgres", url.render_as_string(hide_password=False), schema)
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@pytest.fixture
def store(backend: Backend) -> Iterator[SqlStateStore]:
    opened = open_store(backend.url)
    yield opened
    opened.close()
