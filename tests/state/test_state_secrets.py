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


def _database(backend: Backend) -> Path:
    return Path(backend.url.removeprefix("sqlite:///"))


@SQLITE_ONLY
def test_a_lost_key_file_is_an_error_not_a_fresh_key(
    backend: Backend, store: SqlStateStore
) -> None:
    write_secrets(store)
    store.close()
    key_file = _database(backend).with_suffix(".key")
    key_file.unlink()
    before = _database(backend).read_bytes()
    reopened = open_store(backend.url)
    try:
        expected = f"holds encrypted secrets but their key file {key_file} is missing"
        with pytest.raises(StateError, match=expected) as raised:
            reopened.load(KEY)
        assert "ATONIX_STATE_KEY" in str(raised.value)
        with pytest.raises(StateError, match=expected):  # writing a new secret: same
            reopened.put_resource(
                KEY,
                ResourceState(
                    "other",
                    "T",
                    None,
                    properties={"password": "x"},
                    sensitive_properties=frozenset({"password"}),
                ),
            )
        # Values with no secret are still readable and writable: nothing needs the key.
        assert reopened.history(KEY)
    finally:
        reopened.close()
    assert not key_file.exists()  # no fresh key was made
    assert _database(backend).read_bytes() == before


@SQLITE_ONLY
def test_a_replaced_key_file_is_an_error(backend: Backend, store: SqlStateStore) -> None:
    write_secrets(store)
    store.close()
    key_file = _database(backend).with_suffix(".key")
    key_file.write_bytes(Fernet.generate_key())
    reopened = open_store(backend.url)
    try:
        with pytest.raises(StateError, match=f"the key file {key_file} is not the key"):
            reopened.load(KEY)
    finally:
        reopened.close()


@SQLITE_ONLY
def test_a_key_is_made_only_while_nothing_is_sealed(backend: Backend, store: SqlStateStore) -> None:
    store.put_resource(KEY, ResourceState("plain", "T", None, properties={"a": 1}))
    key_file = _database(backend).with_suffix(".key")
    assert not key_file.exists()  # no secret yet: no key
    write_secrets(store)
    assert key_file.exists()


def test_a_key_that_opens_nothing_cannot_seal_new_secrets(
    backend: Backend, store: SqlStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sealing with another key would leave a state half of whose secrets no key opens."""
    write_secrets(store)
    monkeypatch.setenv("ATONIX_STATE_KEY", Fernet.generate_key().decode())
    other = open_store(backend.url)
    try:
        with pytest.raises(StateError, match="ATONIX_STATE_KEY is not the key"):
            other.set_outputs(KEY, {"t": "v"}, frozenset({"t"}), {}, None)
    finally:
        other.close()
    assert store.load(KEY).outputs["token"] == OUTPUT_SECRET


@POSTGRES_ONLY
def test_a_server_database_with_secrets_needs_its_key_to_read(
    backend: Backend, store: SqlStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_secrets(store)
    monkeypatch.delenv("ATONIX_STATE_KEY")
    keyless = open_store(backend.url)
    try:
        with pytest.raises(
            StateError, match="holds encrypted secrets but no state key is set: set ATONIX"
        ):
            keyless.load(KEY)
    finally:
        keyless.close()


@SQLITE_ONLY
def test_sqlite_files_are_private(backend: Backend, store: SqlStateStore) -> None:
    write_secrets(store)
    database = _database(backend)
    files = sorted(database.parent.glob("state.*"))
    assert {p.name for p in files} >= {"state.db", "state.db-wal", "state.db-shm", "state.key"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700


@SQLITE_ONLY
def test_files_left_readable_are_tightened_on_open(backend: Backend, store: SqlStateStore) -> None:
    write_secrets(store)
    store.close()
    database = _database(backend)
    loose = [database, database.with_suffix(".key"), *database.parent.glob("state.db-*")]
    for path in loose:
        path.chmod(0o644)
    database.parent.chmod(0o755)
    reopened = open_store(backend.url)
    try:
        assert reopened.load(KEY).outputs["token"] == OUTPUT_SECRET
    finally:
        reopened.close()
    for path in [p for p in loose if p.exists()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700


def test_a_directory_of_the_users_choosing_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    opened = open_store(f"sqlite:///{shared / 'state.db'}")
    opened.close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "state.db").stat().st_mode) == 0o600


def test_a_private_file_written_over_a_readable_one_is_private(tmp_path: Path) -> None:
    from atonix_iac.state.files import write_private_file

    path = tmp_path / "p.plan"
    path.write_bytes(b"old plan, longer than the new one")
    path.chmod(0o644)
    write_private_file(path, b"new plan")
    assert path.read_bytes() == b"new plan"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
