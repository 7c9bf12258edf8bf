"""Secret values never reach the database in plain form, and a wrong key is a clear error."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from _state_kit import KEY, Backend
from cryptography.fernet import Fernet

from atonix_iac.errors import StateError
from atonix_iac.state import open_store
from atonix_iac.state.model import ResourceState
from atonix_iac.state.sql import SqlStateStore

PROPERTY_SECRET = "prop-s3cret-5b9e"
ATTRIBUTE_SECRET = "attr-s3cret-77a1"
OUTPUT_SECRET = "output-s3cret-c0de"
PARAMETER_SECRET = "param-s3cret-f00d"
ALL_SECRETS = (PROPERTY_SECRET, ATTRIBUTE_SECRET, OUTPUT_SECRET, PARAMETER_SECRET)
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def write_secrets(store: SqlStateStore) -> None:
    store.put_resource(
        KEY,
        ResourceState(
            "db",
            "OS::Trove::Instance",
            "db-1",
            properties={"name": "db", "password": PROPERTY_SECRET},
            attributes={"admin_token": ATTRIBUTE_SECRET, "host": "10.0.0.5"},
            sensitive_properties=frozenset({"password"}),
            sensitive_attributes=frozenset({"admin_token"}),
        ),
    )
    store.set_outputs(
        KEY,
        {"token": OUTPUT_SECRET, "host": "10.0.0.5"},
        frozenset({"token"}),
        {"db_password": PARAMETER_SECRET, "flavor": "m1.small"},
        None,
        sensitive_parameters=frozenset({"db_password"}),
    )
    store.snapshot(KEY, "apply")


def test_secrets_are_encrypted_at_rest(backend: Backend, store: SqlStateStore) -> None:
    write_secrets(store)
    raw = " ".join(
        repr(backend.raw_rows(table))
        for table in ("stacks", "resources", "state_versions", "state_snapshots")
    )
    assert "10.0.0.5" in raw  # plain values are stored readable...
    for secret in ALL_SECRETS:
        assert secret not in raw  # ...secret ones are not
    state = store.load(KEY)
    assert state.resources["db"].properties["password"] == PROPERTY_SECRET
    assert state.resources["db"].attributes["admin_token"] == ATTRIBUTE_SECRET
    assert state.outputs["token"] == OUTPUT_SECRET
    assert state.parameters["db_password"] == PARAMETER_SECRET


@SQLITE_ONLY
def test_sqlite_files_hold_no_secret_bytes(backend: Backend, store: SqlStateStore) -> None:
    write_secrets(store)
    store.close()
    database = Path(backend.url.removeprefix("sqlite:///"))
    for path in database.parent.glob("state.db*"):
        content = path.read_bytes()
        for secret in ALL_SECRETS:
            assert secret.encode() not in content, path


@SQLITE_ONLY
def test_sqlite_key_file_is_private(backend: Backend, store: SqlStateStore) -> None:
    write_secrets(store)
    key_file = Path(backend.url.removeprefix("sqlite:///")).with_suffix(".key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_bytes())  # a valid key


def test_wrong_key_is_a_clear_error(
    backend: Backend, store: SqlStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_secrets(store)
    monkeypatch.setenv("ATONIX_STATE_KEY", Fernet.generate_key().decode())
    other = open_store(backend.url)
    try:
        with pytest.raises(
            StateError,
            match="the state holds encrypted secrets: ATONIX_STATE_KEY is not the key they were"
            " written with",
        ):
            other.load(KEY)
    finally:
        other.close()


def test_rotated_keys_still_open_old_secrets(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key = Fernet.generate_key().decode()
    monkeypatch.setenv("ATONIX_STATE_KEY", old_key)
    first = open_store(backend.url)
    write_secrets(first)
    first.close()
    monkeypatch.setenv("ATONIX_STATE_KEY", f"{Fernet.generate_key().decode()},{old_key}")
    second = open_store(backend.url)
    try:
        assert second.load(KEY).outputs["token"] == OUTPUT_SECRET
    finally:
        second.close()


def test_malformed_key_is_a_clear_error(
    backend: Backend, store: SqlStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATONIX_STATE_KEY", "not-a-key")
    other = open_store(backend.url)
    try:
        with pytest.raises(StateError, match="ATONIX_STATE_KEY .* is not a Fernet key"):
            write_secrets(other)
    finally:
        other.close()


@POSTGRES_ONLY
def test_a_server_database_needs_a_key_for_secrets(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATONIX_STATE_KEY")
    keyless = open_store(backend.url)
    try:
        keyless.put_resource(KEY, ResourceState("plain", "T", None, properties={"a": 1}))
        with pytest.raises(StateError, match="no state key is set: set ATONIX_STATE_KEY"):
            write_secrets(keyless)
        assert list(keyless.load(KEY).resources) == ["plain"]
    finally:
        keyless.close()
