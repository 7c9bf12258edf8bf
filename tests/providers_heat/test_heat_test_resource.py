from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceType
from atonix_iac.providers.heat import HeatProvider


@pytest.fixture
def knobs(sleep: Any) -> ResourceType:
    return HeatProvider(sleep=sleep).resource_types()["OS::Heat::TestResource"]


def test_create_read_delete(knobs: ResourceType, identity: ResourceIdentity, sleep: Any) -> None:
    created = knobs.create(identity, {"value": "hello"})
    assert created.attributes["output"] == "hello"
    assert sleep.calls == []
    read = knobs.read(identity, created.physical_id, {"value": "hello"})
    assert read is not None and read.attributes["output"] == "hello"
    knobs.delete(identity, created.physical_id, {"value": "hello"})
    assert knobs.create(identity, {}).attributes["output"] == "test_string"


def test_waits_per_action(knobs: ResourceType, identity: ResourceIdentity, sleep: Any) -> None:
    props = {"wait_secs": 2, "action_wait_secs": {"create": 0.5, "delete": "3"}}
    created = knobs.create(identity, props)
    knobs.update(
        identity, created.physical_id, props, {**props, "value": "new"}, frozenset({"value"})
    )
    knobs.delete(identity, created.physical_id, props)
    assert sleep.calls == [0.5, 2.0, 3.0]


def test_update_without_value_change_does_not_wait(
    knobs: ResourceType, identity: ResourceIdentity, sleep: Any
) -> None:
    props = {"wait_secs": 2}
    created = knobs.create(identity, props)
    sleep.calls.clear()
    updated = knobs.update(
        identity, created.physical_id, props, {"wait_secs": 1}, frozenset({"wait_secs"})
    )
    assert sleep.calls == []
    assert updated.physical_id == created.physical_id


def test_attr_wait_secs(knobs: ResourceType, identity: ResourceIdentity, sleep: Any) -> None:
    knobs.create(identity, {"attr_wait_secs": 1.5})
    assert sleep.calls == [1.5]


def test_fail_on_create_after_the_wait(
    knobs: ResourceType, identity: ResourceIdentity, sleep: Any
) -> None:
    with pytest.raises(ResourceFailedError, match="Test Resource failed res") as raised:
        knobs.create(identity, {"fail": True, "wait_secs": 1})
    assert sleep.calls == [1.0]
    assert raised.value.physical_id is None  # Heat sets no id on a failed create


def test_fail_on_update_keeps_the_physical_id(
    knobs: ResourceType, identity: ResourceIdentity
) -> None:
    created = knobs.create(identity, {"value": "a"})
    with pytest.raises(ResourceFailedError) as raised:
        knobs.update(
            identity,
            created.physical_id,
            {"value": "a"},
            {"value": "b", "fail": "true"},
            frozenset({"value", "fail"}),
        )
    assert raised.value.physical_id == created.physical_id


def test_delete_never_fails(knobs: ResourceType, identity: ResourceIdentity) -> None:
    knobs.delete(identity, "some-id", {"fail": True})


def test_update_replace(knobs: ResourceType) -> None:
    """Heat's needs_replace_with_prop_diff: a changed value replaces when update_replace is
    true; turning update_replace on alone changes nothing."""
    reason = knobs.replace_reason
    on = {"update_replace": True, "value": "x"}
    assert reason({"update_replace": True}, on, frozenset({"value"})) == (
        "value changed and update_replace is true"
    )
    assert reason({}, {"update_replace": "true", "value": "x"}, frozenset({"value"})) is not None
    assert reason({}, {"update_replace": False, "value": "x"}, frozenset({"value"})) is None
    assert reason({}, {"update_replace": True}, frozenset({"update_replace"})) is None
    assert knobs.schema.updatable("value")
    assert not knobs.schema.updatable("update_replace_value")


def test_negative_waits_are_refused(knobs: ResourceType, identity: ResourceIdentity) -> None:
    (diagnostic,) = knobs.check({"wait_secs": -1})
    assert "`wait_secs`" in diagnostic.message
    (diagnostic,) = knobs.check({"action_wait_secs": {"delete": -1}})
    assert "`action_wait_secs.delete`" in diagnostic.message
    with pytest.raises(ResourceFailedError, match="infinite"):
        knobs.create(identity, {"wait_secs": -1})


def test_constraint_prop_secs_slows_the_check(knobs: ResourceType, sleep: Any) -> None:
    assert knobs.check({"constraint_prop_secs": 2}) == []
    assert knobs.check({}) == []
    assert sleep.calls == [2.0]


def test_real_sleep_is_the_default(identity: ResourceIdentity) -> None:
    real = HeatProvider().resource_types()["OS::Heat::TestResource"]
    result = real.create(identity, {"value": "v", "wait_secs": 0.01})
    assert result.attributes["output"] == "v"
