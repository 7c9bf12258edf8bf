"""History that can be used: snapshots per run (compressed, secrets sealed), states at a serial,
diffs, rollbacks, and databases from before snapshots said what they hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _state_kit import KEY, Backend
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from atonix_iac.apply import admin
from atonix_iac.errors import StateError
from atonix_iac.state import open_store
from atonix_iac.state.history import MASK, diff_states
from atonix_iac.state.migrate import VERSION_TABLE, alembic_config, head_revision
from atonix_iac.state.model import ResourceState
from atonix_iac.state.schema import Base
from atonix_iac.state.sql import SqlStateStore
from atonix_iac.state.transfer import state_to_document


def _server(flavor: str, password: str) -> ResourceState:
    return ResourceState(
        "server",
        "OS::Nova::Server",
        "vm1",
        properties={"flavor": flavor, "admin_pass": password, "meta": {"a": 1, "b": [1]}},
        sensitive_properties=frozenset({"admin_pass"}),
    )


def _run(store: SqlStateStore, *resources: ResourceState, command_name: str = "normal") -> int:
    for resource in resources:
        store.put_resource(KEY, resource)
    return store.snapshot(KEY, command_name)


def test_snapshots_are_compressed_sealed_and_counted(
    backend: Backend, store: SqlStateStore
) -> None:
    net = ResourceState("net", "OS::Neutron::Net", "n1", properties={"name": "x" * 5000})
    serial = _run(store, net, _server("m1", "pw-secret-1"))
    rows = backend.raw_rows("state_snapshots")
    assert len(rows) == 1
    body = rows[0][6]
    assert "pw-secret-1" not in body and "xxxxx" not in body  # sealed, and compressed
    assert len(body) < 3000
    (info,) = store.snapshots(KEY)
    assert (info.serial, info.resources, info.operation) == (serial, 2, "normal")
    assert info.lineage == store.load(KEY).lineage
    assert store.snapshot(KEY, "again") == serial  # a serial is kept once
    assert len(store.snapshots(KEY)) == 1
    kept = store.state_at(KEY, serial)
    assert kept.resources["server"].properties["admin_pass"] == "pw-secret-1"


def test_state_at_names_what_can_be_shown(store: SqlStateStore) -> None:
    first = _run(store, _server("m1", "pw-1"))
    store.put_resource(KEY, _server("m2", "pw-2"))
    inside = store.load(KEY).serial
    store.put_resource(KEY, _server("m3", "pw-3"))
    latest = store.load(KEY).serial
    assert store.state_at(KEY, first).resources["server"].properties["flavor"] == "m1"
    assert store.state_at(KEY, latest).resources["server"].properties["flavor"] == "m3"
    with pytest.raises(StateError, match=rf"serial {inside} .* a step inside a run"):
        store.state_at(KEY, inside)
    with pytest.raises(StateError, match=rf"serial 999 does not exist .* shown: {first}, {latest}"):
        store.state_at(KEY, 999)


def test_history_folds_serials_into_runs(store: SqlStateStore) -> None:
    first = _run(store, _server("m1", "pw"), ResourceState("net", "T", "n1"))
    second = _run(store, _server("m2", "pw"), command_name="destroy")
    store.put_resource(KEY, _server("m3", "pw"))  # a run that never finished
    entries = admin.history(store, KEY)
    assert [(e.first_serial, e.serial, e.command, e.resources, e.kept) for e in entries] == [
        (1, first, "apply", 2, True),
        (first + 1, second, "destroy", 2, True),
        (second + 1, second + 1, "(not kept; last write: write server)", None, False),
    ]
    every = admin.every_serial(store, KEY)
    assert [v.serial for v in every] == list(range(1, second + 2))


def test_diff_is_per_property_and_masks_secrets(store: SqlStateStore) -> None:
    first = _run(store, _server("m1", "pw-old"), ResourceState("gone", "T", "g1"))
    store.remove_resource(KEY, "gone")
    store.put_resource(KEY, ResourceState("new", "T", "n1"))
    changed = _server("m2", "pw-new")
    changed.properties["meta"] = {"a": 2, "b": [1]}
    second = _run(store, changed)
    diff = admin.diff_serials(store, KEY, first, second)
    assert diff.counts() == {"added": 1, "changed": 1, "removed": 1}
    server = next(r for r in diff.resources if r.key == "server")
    fields = {f.path: (f.before, f.after) for f in server.fields}
    assert fields == {
        "properties.admin_pass": (MASK, MASK),
        "properties.flavor": ("m1", "m2"),
        "properties.meta.a": (1, 2),
    }
    assert "pw-" not in json.dumps(diff.as_dict())
    assert diff_states(store.load(KEY), store.load(KEY)).empty


def test_rollback_writes_a_new_serial_with_the_old_content(store: SqlStateStore) -> None:
    first = _run(store, _server("m1", "pw-1"), ResourceState("net", "T", "n1"))
    store.set_outputs(KEY, {"o": "one"}, frozenset(), {"p": 1}, "digest-1")
    kept = store.snapshot(KEY, "normal")
    store.remove_resource(KEY, "net")
    store.put_resource(KEY, _server("m2", "pw-2"))
    store.set_outputs(KEY, {"o": "two"}, frozenset(), {"p": 2}, "digest-2")
    before = store.load(KEY)

    done = admin.rollback_state(store, KEY, kept)

    after = store.load(KEY)
    assert done.serial == after.serial == before.serial + 1
    assert after.lineage == before.lineage
    assert after.resources["server"].properties == _server("m1", "pw-1").properties
    assert "net" in after.resources
    assert (after.outputs, after.parameters, after.template_digest) == (
        {"o": "one"},
        {"p": 1},
        "digest-1",
    )
    assert done.diff.counts() == {"added": 1, "changed": 1, "removed": 0}
    assert store.state_at(KEY, done.serial).resources.keys() == after.resources.keys()
    (record,) = [r for r in store.audit(KEY) if r.action == "state-rollback"]
    assert f"rolled back to serial {kept} as serial {done.serial}" in (record.message or "")
    assert first < kept


def test_rollback_refuses_missing_serials_and_other_lineages(store: SqlStateStore) -> None:
    first = _run(store, _server("m1", "pw"))
    store.put_resource(KEY, _server("m2", "pw"))
    serial = store.load(KEY).serial
    with pytest.raises(StateError, match="does not exist"):
        admin.rollback_state(store, KEY, 999)
    with pytest.raises(StateError, match="nothing to roll back"):
        admin.rollback_state(store, KEY, serial)
    document = store.export_state(KEY, include_secrets=True)
    document["lineage"] = "00000000-0000-4000-8000-000000000000"
    admin.push_state(store, KEY, document, force=True)
    before = store.load(KEY)
    with pytest.raises(StateError, match="refusing to roll back across lineages"):
        admin.rollback_state(store, KEY, first)
    assert store.load(KEY).serial == before.serial


def test_state_surgery_is_audited_and_kept(store: SqlStateStore) -> None:
    _run(store, _server("m1", "pw"), ResourceState("net", "OS::Neutron::Net", "n1"))
    admin.move_resource(store, KEY, "net", "network")
    admin.forget_resource(store, KEY, "network")
    document = store.export_state(KEY, include_secrets=True)
    admin.push_state(store, KEY, document, force=False)
    actions = [(r.action, r.address, r.type) for r in store.audit(KEY)]
    assert actions == [
        ("state-mv", "net", "OS::Neutron::Net"),
        ("state-rm", "network", "OS::Neutron::Net"),
        ("state-push", "", ""),
    ]
    commands = [s.operation for s in store.snapshots(KEY)]
    assert commands == ["normal", "state mv", "state rm", "state push"]


def test_snapshots_from_before_0003_still_read(backend: Backend) -> None:
    """A database at revision 0001 with a plain-JSON snapshot upgrades, and the snapshot reads."""
    if backend.name == "sqlite":
        Path(str(make_url(backend.url).database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(backend.url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            now = datetime(2026, 11, 30, tzinfo=UTC).replace(tzinfo=None)
            connection.execute(
                text(
                    "INSERT INTO stacks (id, workspace, environment, name, lineage, serial,"
                    " outputs, sensitive_outputs, parameters, sensitive_parameters,"
                    " created_at, updated_at) VALUES (1, :w, :e, :n, :l, 4, '{}', '[]', '{}',"
                    " '[]', :t, :t)"
                ),
                {"w": KEY.workspace, "e": KEY.environment, "n": KEY.stack, "l": "L" * 36, "t": now},
            )
            document = {
                "format_version": 1,
                "stack": {
                    "workspace": KEY.workspace,
                    "environment": KEY.environment,
                    "name": KEY.stack,
                },
                "lineage": "L" * 36,
                "serial": 3,
                "secrets": "included",
                "resources": [{"address": "a", "type": "T", "physical_id": "p"}],
            }
            connection.execute(
                text(
                    "INSERT INTO state_snapshots (stack_id, serial, operation, who, created_at,"
                    " body, sealed) VALUES (1, 3, 'normal', 'me', :t, :b, :s)"
                ),
                {"t": now, "b": json.dumps(document), "s": False},
            )
            for serial in range(1, 5):
                connection.execute(
                    text(
                        "INSERT INTO state_versions (stack_id, serial, lineage, operation, who,"
                        " created_at) VALUES (1, :s, :l, 'write a', 'me', :t)"
                    ),
                    {"s": serial, "l": "L" * 36, "t": now},
                )
    finally:
        engine.dispose()
    store = open_store(backend.url)
    try:
        assert backend.raw_rows(VERSION_TABLE) == [(head_revision(),)]
        (info,) = store.snapshots(KEY)
        assert (info.serial, info.lineage, info.resources) == (3, "L" * 36, 1)
        assert store.state_at(KEY, 3).resources["a"].physical_id == "p"
        entries = admin.history(store, KEY)
        assert [(e.first_serial, e.serial, e.kept) for e in entries] == [
            (1, 3, True),
            (4, 4, False),
        ]
    finally:
        store.close()
    engine = create_engine(backend.url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_a_snapshot_holds_exactly_the_loaded_state(store: SqlStateStore) -> None:
    """Records without secrets are copied into the snapshot as the database holds their JSON
    (not decoded and encoded again); the document still equals the loaded state's, whatever
    the values hold, and an output or property named like the document's own keys."""
    tricky = {
        "resources": [],
        "text": 'quote " backslash \\ newline \n nul \x00 é 中',
        "n": [1, 2.5, None, True, {"deep": {"resources": []}}],
    }
    plain = ResourceState(
        "net", "OS::Neutron::Net", "n1", properties=tricky, attributes={"show": tricky}
    )
    empty = ResourceState("empty", "OS::Heat::Value", "e1")
    store.put_resource(KEY, plain)
    store.put_resource(KEY, empty)
    store.put_resource(KEY, _server("m1", "pw-secret-2"))
    store.set_outputs(KEY, {"resources": [1], "x": tricky}, frozenset(), {"p": "v"}, "digest")
    serial = store.snapshot(KEY, "apply")
    document = store.read_snapshot(KEY, serial)
    assert document == state_to_document(store.load(KEY), include_secrets=True)
    assert document["resources"][1]["properties"] == tricky
    assert store.state_at(KEY, serial).resources["server"].properties["admin_pass"] == "pw-secret-2"


def test_a_snapshot_without_secrets_is_not_sealed(backend: Backend, store: SqlStateStore) -> None:
    store.put_resource(KEY, ResourceState("net", "OS::Neutron::Net", "n1", properties={"a": 1}))
    serial = store.snapshot(KEY, "apply")
    (row,) = backend.raw_rows("state_snapshots")
    assert row[7] in (False, 0)  # sealed
    assert store.read_snapshot(KEY, serial)["resources"][0]["properties"] == {"a": 1}
