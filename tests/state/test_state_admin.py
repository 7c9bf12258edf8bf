"""What ``atonix state ...`` needs: mv, rm, pull/push, snapshots, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from _state_kit import KEY

from atonix_iac.errors import StateConflictError, StateError
from atonix_iac.state.model import AuditRecord, ResourceState, StackKey
from atonix_iac.state.sql import SqlStateStore
from atonix_iac.state.transfer import MASK

OTHER = StackKey("devops", "prod", "web")


def seed(store: SqlStateStore) -> None:
    store.put_resource(KEY, ResourceState("net_tier.net", "OS::Neutron::Net", "n1"))
    store.put_resource(
        KEY,
        ResourceState(
            "net_tier.subnet",
            "OS::Neutron::Subnet",
            "s1",
            dependencies=("net_tier.net",),
        ),
    )
    store.put_resource(
        KEY,
        ResourceState(
            "server",
            "OS::Nova::Server",
            "vm1",
            properties={"admin_pass": "pw-123", "flavor": "m1"},
            sensitive_properties=frozenset({"admin_pass"}),
            dependencies=("net_tier.subnet",),
        ),
    )


def test_move_one_resource_updates_dependents(store: SqlStateStore) -> None:
    seed(store)
    store.move_resource(KEY, "net_tier.subnet", "net_tier.subnet_a")
    resources = store.load(KEY).resources
    assert set(resources) == {"net_tier.net", "net_tier.subnet_a", "server"}
    assert resources["server"].dependencies == ("net_tier.subnet_a",)
    assert resources["server"].properties["admin_pass"] == "pw-123"


def test_move_a_nested_stack_by_prefix(store: SqlStateStore) -> None:
    seed(store)
    store.move_resource(KEY, "net_tier", "network")
    resources = store.load(KEY).resources
    assert set(resources) == {"network.net", "network.subnet", "server"}
    assert resources["network.subnet"].dependencies == ("network.net",)


def test_move_refuses_unknown_and_taken_addresses(store: SqlStateStore) -> None:
    seed(store)
    with pytest.raises(StateError, match="no resource servr .*did you mean `server`"):
        store.move_resource(KEY, "servr", "web")
    with pytest.raises(StateError, match="net_tier.net already in the state"):
        store.move_resource(KEY, "server", "net_tier.net")
    assert store.load(KEY).serial == 3


def test_export_masks_secrets_unless_asked(store: SqlStateStore) -> None:
    seed(store)
    masked = store.export_state(KEY)
    text = json.dumps(masked)
    assert "pw-123" not in text and MASK in text
    assert masked["secrets"] == "masked"
    full = store.export_state(KEY, include_secrets=True)
    assert "pw-123" in json.dumps(full)
    with pytest.raises(StateError, match="no state for devops/prod/web"):
        store.export_state(OTHER)


def test_push_round_trips_and_bumps_the_serial(store: SqlStateStore) -> None:
    seed(store)
    document = store.export_state(KEY, include_secrets=True)
    before = store.load(KEY)
    # Moving state to another stack is deliberate: the document's `stack` says where it goes.
    moved = dict(document, stack={"workspace": "devops", "environment": "prod", "name": "web"})
    serial = store.import_state(OTHER, moved)
    after = store.load(OTHER)
    assert after.resources == before.resources
    assert after.lineage == before.lineage
    assert serial == after.serial == before.serial + 1


def test_push_refuses_masked_another_lineage_and_older_serials(store: SqlStateStore) -> None:
    seed(store)
    with pytest.raises(StateError, match="secrets masked.*state pull -include-secrets"):
        store.import_state(KEY, store.export_state(KEY))
    stale = store.export_state(KEY, include_secrets=True)
    store.remove_resource(KEY, "server")
    with pytest.raises(StateConflictError, match="older than the state"):
        store.import_state(KEY, stale)
    foreign = dict(stale, lineage="00000000-0000-4000-8000-000000000000")
    with pytest.raises(StateConflictError, match="lineage"):
        store.import_state(KEY, foreign)
    serial = store.import_state(KEY, foreign, force=True)
    state = store.load(KEY)
    assert (state.lineage, state.serial) == (foreign["lineage"], serial)
    assert "server" in state.resources
    with pytest.raises(StateError, match="not an atonix state document"):
        store.import_state(KEY, {"format_version": 99})


def test_snapshot_can_be_read_back_to_roll_back(store: SqlStateStore) -> None:
    seed(store)
    serial = store.snapshot(KEY, "apply")
    store.remove_resource(KEY, "server")
    document = store.read_snapshot(KEY, serial)
    assert document["serial"] == serial
    store.import_state(KEY, document, force=True)
    assert store.load(KEY).resources["server"].properties["admin_pass"] == "pw-123"
    with pytest.raises(StateError, match="no snapshot"):
        store.read_snapshot(KEY, 999)


def test_audit_by_stack_and_since(store: SqlStateStore) -> None:
    start = datetime(2026, 11, 22, 12, 0, 0, 250000, tzinfo=UTC)
    records = [
        AuditRecord(
            key=key,
            address=f"r{n}",
            type="OS::Nova::Server",
            physical_id=f"vm-{n}" if n != 1 else None,
            action="create",
            result="ok" if n != 2 else "failed",
            who="alice@host pid 1",
            started_at=start + timedelta(minutes=n),
            duration_s=1.25 * n,
            message="quota exceeded" if n == 2 else None,
            project="proj-a" if n % 2 else None,
        )
        for n, key in enumerate([KEY, KEY, OTHER, KEY])
    ]
    for record in reversed(records):
        store.record_audit(record)
    assert list(store.audit()) == records
    assert list(store.audit(KEY)) == [records[0], records[1], records[3]]
    assert list(store.audit(KEY, since=start + timedelta(minutes=1))) == records[1::2]
    assert list(store.audit(since=start + timedelta(minutes=2))) == records[2:]
