"""Everything written comes back exactly; serial and lineage behave as plans rely on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from _state_kit import KEY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atonix_iac.errors import StateError
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey
from atonix_iac.state.sql import SqlStateStore

FULL = ResourceState(
    address="net_tier.router",
    type="OS::Neutron::Router",
    physical_id="3f6c-router",
    status=ResourceStatus.TAINTED,
    properties={"name": "r1", "admin_state_up": True, "ports": [1, 2.5, None], "x": {"y": "z"}},
    attributes={"id": "3f6c-router", "external_gateway_info": {"ips": ["10.0.0.1"]}},
    sensitive_properties=frozenset({"x"}),
    sensitive_attributes=frozenset({"id"}),
    dependencies=("net_tier.net", "net_tier.subnet"),
    deletion_policy="Retain",
    create_before_destroy=True,
    prevent_destroy=True,
    deposed=None,
    updated_at=datetime(2026, 11, 22, 22, 41, 7, 123456, tzinfo=UTC),
)


def same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types all the way down (1 is not 1.0, True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_empty_state_before_first_write(store: SqlStateStore) -> None:
    state = store.load(KEY)
    assert not state.exists
    assert (state.serial, state.resources, state.outputs) == (0, {}, {})
    assert list(store.list_stacks()) == []


def test_every_resource_field_round_trips(store: SqlStateStore) -> None:
    store.put_resource(KEY, FULL)
    assert store.load(KEY).resources == {"net_tier.router": FULL}
    assert list(store.iter_resources(KEY)) == [FULL]
    assert store.get_resource(KEY, "net_tier.router") == FULL


def test_deposed_objects_are_kept_apart(store: SqlStateStore) -> None:
    store.put_resource(KEY, FULL)
    old = ResourceState("net_tier.router", "OS::Neutron::Router", "old-id", deposed="deposed-1")
    store.put_resource(KEY, old)
    resources = store.load(KEY).resources
    assert set(resources) == {"net_tier.router", "net_tier.router#deposed-1"}
    assert resources["net_tier.router#deposed-1"].physical_id == "old-id"
    store.remove_resource(KEY, "net_tier.router", "deposed-1")
    assert set(store.load(KEY).resources) == {"net_tier.router"}


def test_put_replaces_the_resource(store: SqlStateStore) -> None:
    store.put_resource(KEY, FULL)
    store.put_resource(KEY, ResourceState("net_tier.router", "OS::Neutron::Router", "new"))
    (only,) = store.load(KEY).resources.values()
    assert (only.physical_id, only.properties, only.sensitive_properties) == ("new", {}, set())


def test_outputs_parameters_and_digest_round_trip(store: SqlStateStore) -> None:
    outputs = {"url": "http://x", "count": 3, "ratio": 0.5, "pw": "s3cret", "none": None}
    parameters = {"flavor": "m1.small", "db_password": "hunter2", "replicas": 2}
    store.set_outputs(
        KEY,
        outputs,
        frozenset({"pw"}),
        parameters,
        "sha256:abc",
        sensitive_parameters=frozenset({"db_password"}),
    )
    state = store.load(KEY)
    assert same(state.outputs, outputs)
    assert same(state.parameters, parameters)
    assert state.sensitive_outputs == {"pw"}
    assert state.sensitive_parameters == {"db_password"}
    assert state.template_digest == "sha256:abc"


def test_serial_bumps_once_per_change_and_lineage_is_fixed(store: SqlStateStore) -> None:
    serials = [
        store.write_intent(KEY, ResourceState("a", "T", None)),
        store.put_resource(KEY, ResourceState("a", "T", "id-a")),
        store.set_outputs(KEY, {}, frozenset(), {}, None),
        store.remove_resource(KEY, "a"),
    ]
    assert serials == [1, 2, 3, 4]
    state = store.load(KEY)
    assert state.serial == 4
    assert state.lineage is not None and len(state.lineage) == 36
    history = store.history(KEY)
    assert [v.serial for v in history] == [1, 2, 3, 4]
    assert [v.operation for v in history] == ["intent a", "write a", "outputs", "remove a"]
    assert {v.lineage for v in history} == {state.lineage}
    assert all(" pid " in v.who and v.created_at.tzinfo is UTC for v in history)


def test_stacks_have_their_own_lineage(store: SqlStateStore) -> None:
    other = StackKey("devops", "prod", "web")
    store.put_resource(KEY, ResourceState("a", "T", None))
    store.put_resource(other, ResourceState("a", "T", None))
    assert store.load(KEY).lineage != store.load(other).lineage
    assert list(store.list_stacks()) == [KEY, other]


def test_intent_is_a_pending_create_row(store: SqlStateStore) -> None:
    store.write_intent(KEY, ResourceState("server", "OS::Nova::Server", None))
    assert store.load(KEY).resources["server"].status is ResourceStatus.PENDING_CREATE
    store.put_resource(KEY, ResourceState("server", "OS::Nova::Server", "vm-1"))
    assert store.load(KEY).resources["server"].status is ResourceStatus.READY


def test_removing_an_unknown_resource_is_a_located_error(store: SqlStateStore) -> None:
    store.put_resource(KEY, ResourceState("web_server", "T", None))
    with pytest.raises(StateError, match="no resource web_servr .*did you mean `web_server`"):
        store.remove_resource(KEY, "web_servr")
    assert store.load(KEY).serial == 1  # the failed change did not commit


def test_delete_stack_refuses_while_resources_remain(store: SqlStateStore) -> None:
    store.put_resource(KEY, ResourceState("a", "T", None))
    with pytest.raises(StateError, match="still has 1 resource"):
        store.delete_stack(KEY)
    store.remove_resource(KEY, "a")
    store.delete_stack(KEY)
    assert not store.load(KEY).exists
    assert store.history(KEY) == []
    assert list(store.list_stacks()) == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(plain=json_values, secret=json_values)
def test_json_values_round_trip_exactly(store: SqlStateStore, plain: Any, secret: Any) -> None:
    resource = ResourceState(
        "r",
        "T",
        None,
        properties={"plain": plain, "secret": secret},
        attributes={"a": plain},
        sensitive_properties=frozenset({"secret"}),
    )
    store.put_resource(KEY, resource)
    loaded = store.load(KEY).resources["r"]
    assert same(loaded.properties, resource.properties), json.dumps(loaded.properties)
    assert same(loaded.attributes, resource.attributes)
