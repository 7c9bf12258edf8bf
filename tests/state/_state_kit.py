"""Shared by the state tests (conftest.py cannot be imported by name: every area has one)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from atonix_iac.state.model import StackKey

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEY = StackKey("devops", "dev", "web")


def postgres_url() -> str:
    return os.environ.get("ATONIX_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def libpq_conninfo(url: str) -> str:
    """The psycopg connection string for an SQLAlchemy URL (driver suffix dropped)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Backend:
    """One database a test runs against, and a way to read its raw rows."""

    name: str
    url: str
    schema: str | None = None

    def raw_rows(self, table: str) -> list[tuple[Any, ...]]:
        if self.name == "sqlite":
            path = make_url(self.url).database
            assert path
            with sqlite3.connect(path) as connection:
                return list(connection.execute(f"SELECT * FROM {table}"))
        import psycopg

        with psycopg.connect(libpq_conninfo(self.url)) as connection:
            return list(connection.execute(f'SELECT * FROM "{self.schema}"."{table}"'))

    def execute(self, sql: str) -> None:
        if self.name == "sqlite":
            path = make_url(self.url).database
            assert path
            with sqlite3.connect(path) as connection:
                connection.execute(sql)
            return
        import psycopg

        with psycopg.connect(libpq_conninfo(self.url), autocommit=True) as connection:
            connection.execute(f'SET search_path TO "{self.schema}"')
            connection.execute(sql)
