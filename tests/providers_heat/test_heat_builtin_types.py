"""OS::Heat::None and OS::Heat::Value lifecycles."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from atonix_iac.errors import ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceType
from atonix_iac.providers.heat import HeatProvider


def impl(type_name: str) -> ResourceType:
    return HeatProvider().resource_types()[type_name]


def test_provider_lists_its_types() -> None:
    provider = HeatProvider()
    assert provider.name == "heat"
    types = provider.resource_types()
    assert {
        "AWS::AutoScaling::AutoScalingGroup",
        "AWS::AutoScaling::LaunchConfiguration",
        "AWS::AutoScaling::ScalingPolicy",
        "OS::Heat::AutoScalingGroup",
        "OS::Heat::InstanceGroup",
        "OS::Heat::ResourceGroup",
        "OS::Heat::ScalingPolicy",
        "OS::Heat::CloudConfig",
        "OS::Heat::Delay",
        "OS::Heat::DeployedServer",
        "OS::Heat::MultipartMime",
        "OS::Heat::None",
        "OS::Heat::RandomString",
        "OS::Heat::SoftwareComponent",
        "OS::Heat::SoftwareConfig",
        "OS::Heat::SoftwareDeployment",
        "OS::Heat::SoftwareDeploymentGroup",
        "OS::Heat::SoftwareDeployments",
        "OS::Heat::StructuredConfig",
        "OS::Heat::StructuredDeployment",
        "OS::Heat::StructuredDeploymentGroup",
        "OS::Heat::StructuredDeployments",
        "OS::Heat::TestResource",
        "OS::Heat::Value",
    } <= set(types)
    for name, resource_type in types.items():
        assert resource_type.schema.type_name == name


def test_none_lifecycle(identity: ResourceIdentity) -> None:
    none = impl("OS::Heat::None")
    created = none.create(identity, {"flavor": "m1", "anything": [1, 2]})
    uuid.UUID(created.physical_id)
    assert created.attributes == {"show": None}
    assert none.schema.open_properties and none.schema.open_attributes
    read = none.read(identity, created.physical_id, {"flavor": "m1"})
    assert read is not None and read.physical_id == created.physical_id
    updated = none.update(identity, created.physical_id, {"a": 1}, {"a": 2}, frozenset({"a"}))
    assert updated.physical_id == created.physical_id
    assert none.replace_reason({"a": 1}, {"a": 2}, frozenset({"a"})) is None
    assert none.schema.updatable("a")
    none.delete(identity, created.physical_id, {})
    none.delete(identity, created.physical_id, {})  # idempotent


def test_each_create_gets_a_new_physical_id(identity: ResourceIdentity) -> None:
    value = impl("OS::Heat::Value")
    ids = {value.create(identity, {"value": 1}).physical_id for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    ("value", "value_type", "expected"),
    [
        ({"a": [1]}, None, {"a": [1]}),
        ("3", "number", 3),
        ("2.5", "number", 2.5),
        (7, "string", "7"),
        ("true", "boolean", True),
        (False, "boolean", False),
        (["a", "b"], "comma_delimited_list", ["a", "b"]),
        ({"k": "v"}, "json", {"k": "v"}),
        ("free text", None, "free text"),
    ],
)
def test_value_attribute_is_typed_as_heat_types_it(
    identity: ResourceIdentity, value: Any, value_type: str | None, expected: Any
) -> None:
    properties = {"value": value} if value_type is None else {"value": value, "type": value_type}
    result = impl("OS::Heat::Value").create(identity, properties)
    assert result.attributes["value"] == expected
    assert type(result.attributes["value"]) is type(expected)


@pytest.mark.parametrize(
    ("value", "value_type"),
    [("abc", "number"), ("maybe", "boolean"), ("a,b", "comma_delimited_list"), ([1], "json")],
)
def test_value_of_the_wrong_type(identity: ResourceIdentity, value: Any, value_type: str) -> None:
    value_impl = impl("OS::Heat::Value")
    properties = {"value": value, "type": value_type}
    (diagnostic,) = value_impl.check(properties)
    assert diagnostic.message.startswith("`value` must be")
    assert f"(type: {value_type})" in diagnostic.message
    with pytest.raises(ResourceFailedError):
        value_impl.create(identity, properties)


def test_value_check_never_shows_the_value_and_skips_markers() -> None:
    value_impl = impl("OS::Heat::Value")
    (diagnostic,) = value_impl.check({"value": "hunter2-secret", "type": "number"})
    assert "hunter2" not in diagnostic.message
    marker = object()  # stands for UNKNOWN or a secret wrapper this layer cannot name
    assert value_impl.check({"value": marker, "type": "number"}) == []
    assert value_impl.check({"value": "x"}) == []


def test_value_updates_in_place(identity: ResourceIdentity) -> None:
    value = impl("OS::Heat::Value")
    created = value.create(identity, {"value": "a"})
    assert value.schema.updatable("value") and value.schema.updatable("type")
    assert value.replace_reason({"value": "a"}, {"value": "b"}, frozenset({"value"})) is None
    updated = value.update(
        identity,
        created.physical_id,
        {"value": "a"},
        {"value": "2", "type": "number"},
        frozenset({"value", "type"}),
    )
    assert updated.physical_id == created.physical_id
    assert updated.attributes["value"] == 2
    read = value.read(identity, created.physical_id, {"value": "2", "type": "number"})
    assert read is not None and read.attributes["value"] == 2
    value.delete(identity, created.physical_id, {"value": "2"})
