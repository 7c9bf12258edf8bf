"""``state push`` checks a document before writing: fields, stack identity, lineage, serial.

Malformed documents, hand-made and thrown by hypothesis, are each one StateError and leave
the state exactly as it was, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from _state_kit import KEY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atonix_iac.apply import admin
from atonix_iac.errors import StateConflictError, StateError
from atonix_iac.state.document import MAX_SERIAL
from atonix_iac.state.model import ResourceState
from atonix_iac.state.sql import SqlStateStore


def _seed(store: SqlStateStore) -> dict[str, Any]:
    store.put_resource(KEY, ResourceState("net", "OS::Neutron::Net", "n1", properties={"a": 1}))
    store.put_resource(
        KEY,
        ResourceState(
            "server",
            "OS::Nova::Server",
            "vm1",
            properties={"admin_pass": "pw-123", "flavor": "m1"},
            sensitive_properties=frozenset({"admin_pass"}),
            dependencies=("net",),
        ),
    )
    return store.export_state(KEY, include_secrets=True)


def _unchanged(store: SqlStateStore, before: dict[str, Any]) -> None:
    assert store.export_state(KEY, include_secrets=True) == before


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("resources", 0, "address"), None, r"resources\[0\]\.address: Input should be a valid"),
        (("resources", 0, "address"), "", r"resources\[0\]\.address: String should have at least"),
        (("resources", 0, "address"), "  ", r"resources\[0\]\.address: must not be blank"),
        (("resources", 1, "type"), None, r"resources\[1\]\.type: Input should be a valid string"),
        (("resources", 1, "type"), "", r"resources\[1\]\.type: String should have at least"),
        (("serial",), 10**30, rf"serial: must be a whole number from 0 to {MAX_SERIAL}"),
        (("serial",), -1, "serial: must be a whole number"),
        (("serial",), "7", "serial: must be a whole number"),
        (("serial",), 2**31 - 1, "serial: must be a whole number"),
        (("lineage",), "x" * 37, "lineage: String should have at most 36"),
        (("resources", 0, "status"), "gone", r"resources\[0\]\.status: Input should be"),
        (("resources", 0, "properties"), [1], r"resources\[0\]\.properties: Input should be"),
        (
            ("resources", 0, "physical_id"),
            "a\x00b",
            r"resources\[0\]\.physical_id: must not contain a NUL",
        ),
        (
            ("resources", 0, "prevent_destroy"),
            "yes",
            r"resources\[0\]\.prevent_destroy: Input should",
        ),
        (("resources", 0, "extra"), 1, r"resources\[0\]\.extra: unknown field"),
        (("stack",), None, "stack: Input should be a valid dictionary"),
    ],
)
def test_a_malformed_document_is_one_error_and_nothing_written(
    store: SqlStateStore, path: tuple[Any, ...], value: Any, message: str
) -> None:
    before = _seed(store)
    with pytest.raises(StateError, match=f"^malformed state document: {message}"):
        admin.push_state(store, KEY, _set(before, path, value), force=True)
    _unchanged(store, before)


def test_a_resource_twice_is_refused(store: SqlStateStore) -> None:
    before = _seed(store)
    twice = _set(before, ("resources", 1), dict(before["resources"][0]))
    with pytest.raises(StateError, match=r"resources\[1\]: `net` appears twice"):
        admin.push_state(store, KEY, twice, force=True)
    _unchanged(store, before)


@pytest.mark.parametrize(
    ("part", "value"), [("workspace", "other"), ("environment", "prod"), ("name", "db")]
)
def test_the_state_of_another_stack_is_refused_even_forced(
    store: SqlStateStore, part: str, value: str
) -> None:
    before = _seed(store)
    foreign = _set(before, ("stack", part), value)
    with pytest.raises(StateError, match=r"the document is the state of .*, not of devops/dev/web"):
        admin.push_state(store, KEY, foreign, force=True)
    _unchanged(store, before)


def test_another_lineage_is_refused_unless_forced(store: SqlStateStore) -> None:
    before = _seed(store)
    foreign = _set(before, ("lineage",), "00000000-0000-4000-8000-000000000000")
    with pytest.raises(StateConflictError, match="another stack's state"):
        admin.push_state(store, KEY, foreign, force=False)
    _unchanged(store, before)
    serial = admin.push_state(store, KEY, foreign, force=True)
    assert store.load(KEY).lineage == foreign["lineage"]
    assert serial == before["serial"] + 1


def test_the_largest_serial_fits(store: SqlStateStore) -> None:
    before = _seed(store)
    serial = admin.push_state(store, KEY, _set(before, ("serial",), MAX_SERIAL), force=False)
    assert serial == MAX_SERIAL + 1 == store.load(KEY).serial


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
PATHS = st.sampled_from(
    [
        ("format_version",),
        ("stack",),
        ("stack", "workspace"),
        ("lineage",),
        ("serial",),
        ("secrets",),
        ("template_digest",),
        ("outputs",),
        ("sensitive_outputs",),
        ("parameters",),
        ("resources",),
        ("resources", 0),
        ("resources", 0, "address"),
        ("resources", 0, "type"),
        ("resources", 0, "deposed"),
        ("resources", 0, "physical_id"),
        ("resources", 0, "status"),
        ("resources", 0, "properties"),
        ("resources", 0, "sensitive_properties"),
        ("resources", 1, "dependencies"),
        ("resources", 1, "deletion_policy"),
        ("resources", 1, "create_before_destroy"),
        ("resources", 1, "updated_at"),
    ]
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(st.tuples(PATHS, JSON), min_size=1, max_size=3), force=st.booleans())
def test_any_mutated_document_is_pushed_whole_or_refused_cleanly(
    store: SqlStateStore, mutations: list[tuple[tuple[Any, ...], Any]], force: bool
) -> None:
    if not store.load(KEY).exists:
        _seed(store)
    before = store.export_state(KEY, include_secrets=True)
    document = before
    for path, value in mutations:
        try:
            document = _set(document, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # the path no longer exists after an earlier mutation
    document = json.loads(json.dumps(document))  # what a file on disk would hold
    try:
        serial = admin.push_state(store, KEY, document, force=force)
    except StateError:
        _unchanged(store, before)
        return
    after = store.export_state(KEY, include_secrets=True)
    assert serial == after["serial"] > before["serial"]
    assert after["resources"] == sorted(
        after["resources"], key=lambda r: (r["address"], r["deposed"] or "")
    )
    assert len(after["resources"]) == len(document["resources"])
