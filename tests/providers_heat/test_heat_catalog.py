from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from atonix_iac.providers import catalog
from atonix_iac.providers.base import PropertySchema
from atonix_iac.providers.catalog import heat_schema, known_types

REPO = Path(__file__).resolve().parents[2]


def test_all_201_heat_types_load() -> None:
    assert len(known_types()) == 201
    for type_name in known_types():
        schema = heat_schema(type_name)
        assert schema is not None and schema.type_name == type_name
        assert "show" in schema.attributes


def test_unknown_type_has_no_schema() -> None:
    assert heat_schema("OS::Nova::Sever") is None
    assert "OS::Nova::Sever" not in known_types()


def test_schemas_are_cached_and_immutable() -> None:
    schema = heat_schema("OS::Nova::Server")
    assert schema is heat_schema("OS::Nova::Server")
    assert schema is not None
    with pytest.raises(TypeError):
        schema.properties["flavor"] = PropertySchema("flavor")  # type: ignore[index]


def test_flags_match_heat_for_every_type_and_top_level_property(
    heat_all_types: dict[str, Any], heat_detailed_types: dict[str, Any]
) -> None:
    merged = {**heat_all_types, **heat_detailed_types}
    assert set(merged) == known_types()
    for type_name, spec in merged.items():
        schema = heat_schema(type_name)
        assert schema is not None
        assert schema.has_handle_update == spec["has_handle_update"], type_name
        assert schema.support_status == spec["support_status"], type_name
        assert set(schema.properties) == set(spec["properties"]), type_name
        assert set(schema.attributes) == set(spec["attributes"]) | {"show"}, type_name
        for name, prop in spec["properties"].items():
            ours = schema.properties[name]
            where = f"{type_name}.{name}"
            assert ours.type == prop["type"], where
            assert ours.required == prop["required"], where
            assert ours.update_allowed == prop.get("update_allowed", False), where
            assert ours.immutable == prop.get("immutable", False), where
            assert ours.has_default == (prop.get("default") is not None), where
            expected = prop.get("default")
            if prop["type"] == "Boolean" and isinstance(expected, str):
                expected = expected.lower() == "true"  # Heat converts text when it reads one
            assert ours.default == expected, where


def test_spot_checks() -> None:
    server = heat_schema("OS::Nova::Server")
    keypair = heat_schema("OS::Nova::KeyPair")
    assert server is not None and keypair is not None
    assert server.properties["flavor"].update_allowed
    assert server.properties["flavor"].required
    assert not server.properties["availability_zone"].update_allowed
    assert server.updatable("flavor") and not server.updatable("availability_zone")
    assert not keypair.has_handle_update
    assert not keypair.updatable("public_key")
    assert keypair.properties["name"].constraints == ({"length": {"min": 1, "max": 255}},)
    trunk = heat_schema("OS::Neutron::Trunk")
    assert trunk is not None and trunk.properties["port"].immutable


def test_nested_schemas_defaults_and_constraints_are_kept() -> None:
    random_string = heat_schema("OS::Heat::RandomString")
    assert random_string is not None
    classes = random_string.properties["character_classes"]
    assert classes.type == "List" and classes.has_default
    assert classes.default == [{"class": "lettersdigits", "min": 1}]
    item = classes.item_schema
    assert item is not None and item.type == "Map"
    assert item.schema["class"].default == "lettersdigits"
    assert "hexdigits" in item.schema["class"].constraints[0]["allowed_values"]
    assert item.schema["min"].constraints == ({"range": {"min": 1, "max": 512}},)
    sequences = random_string.properties["character_sequences"].item_schema
    assert sequences is not None and sequences.schema["sequence"].required
    test_resource = heat_schema("OS::Heat::TestResource")
    assert test_resource is not None
    assert set(test_resource.properties["action_wait_secs"].schema) == {
        "create",
        "update",
        "delete",
    }


def test_support_status_of_types_properties_and_attributes() -> None:
    random_string = heat_schema("OS::Heat::RandomString")
    assert random_string is not None
    assert random_string.properties["sequence"].support_status == "HIDDEN"
    assert random_string.properties["length"].support_status == "SUPPORTED"
    server = heat_schema("OS::Nova::Server")
    assert server is not None
    assert server.attributes["accessIPv4"].support_status == "DEPRECATED"
    hidden = [t for t in known_types() if heat_schema(t).support_status == "HIDDEN"]  # type: ignore[union-attr]
    assert len(hidden) == 38


def test_curated_sensitive_properties_and_attributes() -> None:
    def sensitive_props(type_name: str) -> set[str]:
        schema = heat_schema(type_name)
        assert schema is not None
        return {n for n, p in schema.properties.items() if p.sensitive}

    def sensitive_attrs(type_name: str) -> set[str]:
        schema = heat_schema(type_name)
        assert schema is not None
        return {n for n, a in schema.attributes.items() if a.sensitive}

    assert sensitive_props("OS::Nova::Server") == {"admin_pass", "user_data"}
    assert sensitive_props("AWS::EC2::Instance") == {"UserData"}
    assert sensitive_props("OS::Keystone::User") == {"password"}
    assert sensitive_props("OS::Barbican::Secret") == {"payload"}
    assert sensitive_props("OS::Neutron::IPsecSiteConnection") == {"psk"}
    assert sensitive_props("OS::Neutron::Net") == set()
    assert sensitive_attrs("OS::Heat::RandomString") == {"value"}
    assert sensitive_attrs("OS::Nova::KeyPair") == {"private_key"}
    assert sensitive_attrs("OS::Barbican::Secret") == {"decrypted_payload"}


def test_every_curated_sensitive_attribute_exists() -> None:
    for type_name, names in catalog.SENSITIVE_ATTRIBUTES.items():
        schema = heat_schema(type_name)
        assert schema is not None, type_name
        assert names <= set(schema.attributes), type_name


def test_none_is_open_and_others_are_not() -> None:
    none = heat_schema("OS::Heat::None")
    value = heat_schema("OS::Heat::Value")
    assert none is not None and value is not None
    assert none.open_properties and none.open_attributes
    assert none.updatable("anything")
    assert not value.open_properties and not value.open_attributes


def test_packaged_json_is_generated_from_the_shared_schemas(
    heat_all_types: dict[str, Any],
) -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_heat_schemas", REPO / "tools" / "generate_heat_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.main(["--check"]) == 0
