from __future__ import annotations

import string
from typing import Any

import pytest

from atonix_iac.errors import ProviderError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceType
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.heat.random_string import CHARACTER_CLASSES


@pytest.fixture
def random_string() -> ResourceType:
    return HeatProvider().resource_types()["OS::Heat::RandomString"]


def make(random_string: ResourceType, identity: ResourceIdentity, **props: Any) -> str:
    value = random_string.create(identity, props).attributes["value"]
    assert isinstance(value, str)
    return value


def test_default_is_32_letters_and_digits(
    random_string: ResourceType, identity: ResourceIdentity
) -> None:
    value = make(random_string, identity)
    assert len(value) == 32
    assert set(value) <= set(string.ascii_letters + string.digits)


def test_values_differ_between_creates(
    random_string: ResourceType, identity: ResourceIdentity
) -> None:
    assert len({make(random_string, identity) for _ in range(10)}) == 10


@pytest.mark.parametrize("length", [1, 7, "12", 512])
def test_length(random_string: ResourceType, identity: ResourceIdentity, length: Any) -> None:
    assert len(make(random_string, identity, length=length)) == int(length)


@pytest.mark.parametrize("name", sorted(CHARACTER_CLASSES))
def test_each_character_class(
    random_string: ResourceType, identity: ResourceIdentity, name: str
) -> None:
    value = make(random_string, identity, length=64, character_classes=[{"class": name}])
    assert set(value) <= set(CHARACTER_CLASSES[name])


def test_heat_hexdigits_are_upper_case() -> None:
    assert CHARACTER_CLASSES["hexdigits"] == "0123456789ABCDEF"


def test_class_and_sequence_minimums_are_honoured(
    random_string: ResourceType, identity: ResourceIdentity
) -> None:
    for _ in range(50):
        value = make(
            random_string,
            identity,
            length=8,
            character_classes=[{"class": "digits", "min": 3}, {"class": "uppercase", "min": 2}],
            character_sequences=[{"sequence": "!@#", "min": 2}],
        )
        assert len(value) == 8
        assert sum(c in string.digits for c in value) >= 3
        assert sum(c in string.ascii_uppercase for c in value) >= 2
        assert sum(c in "!@#" for c in value) >= 2
        assert set(value) <= set(string.digits + string.ascii_uppercase + "!@#")


def test_sequences_alone_keep_the_default_class_only_when_classes_are_absent(
    random_string: ResourceType, identity: ResourceIdentity
) -> None:
    only_sequence = make(
        random_string,
        identity,
        length=40,
        character_classes=[],
        character_sequences=[{"sequence": "xy"}],
    )
    assert set(only_sequence) <= {"x", "y"}
    mixed = make(random_string, identity, length=200, character_sequences=[{"sequence": "!"}])
    assert "!" in mixed and set(mixed) - {"!"}


def test_deprecated_sequence_property(
    random_string: ResourceType, identity: ResourceIdentity
) -> None:
    assert set(make(random_string, identity, sequence="octdigits", length=30)) <= set("01234567")


def test_minimums_longer_than_length_fail_check_and_create(
    random_string: ResourceType, identity: ResourceIdentity
) -> None:
    props = {
        "length": 3,
        "character_classes": [{"class": "digits", "min": 2}],
        "character_sequences": [{"sequence": "ab", "min": 2}],
    }
    (diagnostic,) = random_string.check(props)
    assert "cannot be smaller than the combined" in diagnostic.message
    with pytest.raises(ResourceFailedError):
        random_string.create(identity, props)


def test_empty_pools_fail(random_string: ResourceType, identity: ResourceIdentity) -> None:
    assert random_string.check({"character_classes": []}) != []
    assert random_string.check({"character_sequences": [{"sequence": ""}]}) != []
    with pytest.raises(ResourceFailedError):
        random_string.create(identity, {"character_classes": []})


def test_check_skips_markers_and_leaves_malformed_values_to_the_schema_check(
    random_string: ResourceType,
) -> None:
    assert random_string.check({"length": object()}) == []
    assert random_string.check({"character_classes": [{"class": "nope"}]}) == []
    assert random_string.check({"length": 10}) == []


def test_value_is_sensitive_and_any_change_replaces(random_string: ResourceType) -> None:
    schema = random_string.schema
    assert schema.attributes["value"].sensitive
    assert not schema.has_handle_update
    for name in ("length", "salt", "character_classes", "character_sequences"):
        assert not schema.updatable(name)


def test_update_is_refused_and_read_keeps_the_stored_value(
    random_string: ResourceType, identity: ResourceIdentity
) -> None:
    created = random_string.create(identity, {"salt": "a"})
    with pytest.raises(ProviderError):
        random_string.update(
            identity, created.physical_id, {"salt": "a"}, {"salt": "b"}, frozenset({"salt"})
        )
    read = random_string.read(identity, created.physical_id, {"salt": "a"})
    assert read is not None and read.physical_id == created.physical_id
    assert "value" not in read.attributes  # refresh merges: the value made at create stays
    random_string.delete(identity, created.physical_id, {})
