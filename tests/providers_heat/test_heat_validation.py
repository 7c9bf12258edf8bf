from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import Diagnostic, SourceLocation
from atonix_iac.providers.base import PropertySchema, ResourceSchema
from atonix_iac.providers.catalog import heat_schema
from atonix_iac.providers.coercion import coerce_value
from atonix_iac.providers.validation import apply_defaults, check_properties
from atonix_iac.template.nodes import LocatedDict, LocatedList
from atonix_iac.template.values import UNKNOWN, Sensitive, is_unknown, unwrap

RESOURCE = SourceLocation("stack.yaml", 4, 3)


def loc(line: int) -> SourceLocation:
    return SourceLocation("stack.yaml", line, 7)


def schema_of(type_name: str) -> ResourceSchema:
    schema = heat_schema(type_name)
    assert schema is not None
    return schema


def check(type_name: str, properties: dict[str, Any]) -> list[Diagnostic]:
    locations = {name: loc(10 + i) for i, name in enumerate(properties)}
    return check_properties(
        schema_of(type_name), properties, locations, RESOURCE, is_unknown, unwrap=unwrap
    )


def texts(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.format() for d in diagnostics]


def one_prop(prop: PropertySchema) -> ResourceSchema:
    return ResourceSchema("Test::Type", {prop.name: prop}, {})


def check_one(prop: PropertySchema, value: Any) -> list[str]:
    diagnostics = check_properties(
        one_prop(prop), {prop.name: value}, {prop.name: loc(9)}, RESOURCE, is_unknown
    )
    return [d.message for d in diagnostics]


def test_valid_properties_have_no_diagnostics() -> None:
    assert check("OS::Nova::Server", {"flavor": "m1.small", "image": "cirros"}) == []
    assert check("OS::Heat::RandomString", {"length": 16, "salt": "x"}) == []


def test_unknown_property_is_located_with_did_you_mean() -> None:
    (diagnostic,) = check("OS::Nova::Server", {"flavor": "m1", "imge": "cirros"})
    assert diagnostic.format() == (
        "stack.yaml:11:7: error: unknown property `imge` for OS::Nova::Server"
        " (did you mean `image`?)"
    )


def test_unknown_property_without_close_match_lists_the_valid_names() -> None:
    (diagnostic,) = check("OS::Heat::Value", {"value": 1, "zzz": 2})
    assert diagnostic.hint == "valid names: type, value"


def test_missing_required_property_is_reported_at_the_resource() -> None:
    (diagnostic,) = check("OS::Nova::Server", {"image": "cirros"})
    assert diagnostic.location == RESOURCE
    assert diagnostic.message == "missing required property `flavor` for OS::Nova::Server"


def test_required_hint_names_every_required_property() -> None:
    schema = ResourceSchema(
        "Test::Type",
        {
            "b": PropertySchema("b", required=True),
            "a": PropertySchema("a", required=True),
            "c": PropertySchema("c", required=True, default="x", has_default=True),
        },
        {},
    )
    diagnostics = check_properties(schema, {"a": "given"}, {}, RESOURCE)
    assert [(d.message, d.hint) for d in diagnostics] == [
        ("missing required property `b` for Test::Type", "Test::Type requires: a, b")
    ]


def test_none_counts_as_not_supplied_and_unknown_as_supplied() -> None:
    assert [d.message for d in check("OS::Nova::Server", {"flavor": None})] == [
        "missing required property `flavor` for OS::Nova::Server"
    ]
    assert check("OS::Nova::Server", {"flavor": UNKNOWN}) == []


@pytest.mark.parametrize(
    ("type_name", "value"),
    [
        ("Integer", 3),
        ("Integer", "3"),
        ("Integer", " 7 "),
        ("Number", "2.5"),
        ("Number", 4),
        ("String", "x"),
        ("String", 5),
        ("String", True),
        ("Boolean", True),
        ("Boolean", "true"),
        ("Boolean", "False"),
        ("Map", {"a": 1}),
        ("List", [1, "two"]),
        ("Json", {"a": [1]}),
        ("Json", [1, 2]),
        ("Json", '{"a": 1}'),
        ("Any", object()),
    ],
)
def test_heat_coercions_accept(type_name: str, value: Any) -> None:
    assert check_one(PropertySchema("p", type=type_name), value) == []


@pytest.mark.parametrize(
    ("type_name", "value", "message"),
    [
        ("Integer", "three", "`p` must be an Integer, not a string ('three')"),
        ("Integer", [1], "`p` must be an Integer, not a list"),
        ("Number", "1e", "`p` must be a Number, not a string ('1e')"),
        ("String", 1.5, "`p` must be a String, not a number (1.5)"),
        ("String", {"a": 1}, "`p` must be a String, not a map"),
        ("Boolean", "yes", "`p` must be a Boolean, not a string ('yes')"),
        ("Boolean", 1, "`p` must be a Boolean, not a number (1)"),
        ("Map", [1], "`p` must be a Map, not a list"),
        ("List", "a,b", "`p` must be a List, not a string ('a,b')"),
        ("Json", "not json", "`p` must be a Json, not a string ('not json')"),
    ],
)
def test_type_mismatches(type_name: str, value: Any, message: str) -> None:
    assert check_one(PropertySchema("p", type=type_name), value) == [message]


def test_type_mismatch_hints() -> None:
    diagnostics = check_properties(
        one_prop(PropertySchema("p", type="String")), {"p": 1.5}, {}, RESOURCE
    )
    assert diagnostics[0].hint == "quote the value to make it a string"
    assert diagnostics[0].location == RESOURCE  # no property location given: the resource's
    diagnostics = check_properties(
        one_prop(PropertySchema("p", type="Boolean")), {"p": "on"}, {}, RESOURCE
    )
    assert diagnostics[0].hint == "use true or false"


def test_constraints_apply_to_coerced_values() -> None:
    assert check_one(
        PropertySchema("n", type="Integer", constraints=({"range": {"min": 1, "max": 5}},)), "9"
    ) == ["`n` must be between 1 and 5 (got 9)"]
    assert (
        check_one(PropertySchema("n", type="Integer", constraints=({"range": {"min": 1}},)), "1")
        == []
    )
    assert check_one(
        PropertySchema("n", type="Number", constraints=({"range": {"min": 0, "max": None}},)), -1
    ) == ["`n` must be at least 0 (got -1)"]
    assert check_one(
        PropertySchema("n", type="Number", constraints=({"range": {"min": None, "max": 3}},)), 4
    ) == ["`n` must be at most 3 (got 4)"]


def test_length_constraint_on_strings_and_lists() -> None:
    name = PropertySchema("name", constraints=({"length": {"min": 1, "max": 3}},))
    assert check_one(name, "") == ["`name` must be between 1 and 3 characters long (got 0)"]
    assert check_one(name, "abcd") == ["`name` must be between 1 and 3 characters long (got 4)"]
    assert check_one(name, "abc") == []
    items = PropertySchema("items", type="List", constraints=({"length": {"max": 1}},))
    assert check_one(items, [1, 2]) == ["`items` must be at most 1 items long (got 2)"]


def test_allowed_values_with_did_you_mean_and_list_items() -> None:
    (diagnostic,) = check("OS::Heat::Value", {"value": 1, "type": "nubmer"})
    assert diagnostic.message == (
        "`type` must be one of: string, number, comma_delimited_list, json, boolean (got 'nubmer')"
    )
    assert diagnostic.hint == "did you mean `number`?"
    assert diagnostic.location == loc(11)
    listed = PropertySchema("l", type="List", constraints=({"allowed_values": ["a", "b"]},))
    assert check_one(listed, ["a", "b"]) == []
    assert check_one(listed, ["a", "c"]) == ["`l` must be one of: a, b (got 'c')"]
    numbers = PropertySchema("n", type="Integer", constraints=({"allowed_values": [1, 2]},))
    assert check_one(numbers, "2") == []
    flags = PropertySchema("f", type="Boolean", constraints=({"allowed_values": ["true"]},))
    assert check_one(flags, True) == []


def test_allowed_pattern_must_match_the_whole_value() -> None:
    uuid = PropertySchema("id", constraints=({"allowed_pattern": "[0-9a-f]{4}"},))
    assert check_one(uuid, "ab12") == []
    assert check_one(uuid, "ab12x") == ["`id` must match the pattern `[0-9a-f]{4}` (got 'ab12x')"]
    assert check_one(uuid, "zab12") != []


def test_custom_constraints_are_left_to_providers() -> None:
    assert check("OS::Nova::Server", {"flavor": "no-such-flavor"}) == []


def test_nested_map_and_list_schemas() -> None:
    diagnostics = check(
        "OS::Heat::RandomString",
        {
            "character_classes": [{"class": "letter", "min": "x"}, {"clas": "digits"}],
            "character_sequences": [{"min": 2}, "not a map"],
        },
    )
    assert texts(diagnostics) == [
        "stack.yaml:10:7: error: `character_classes[0].class` must be one of: lettersdigits,"
        " letters, lowercase, uppercase, digits, hexdigits, octdigits (got 'letter')"
        " (did you mean `letters`?)",
        "stack.yaml:10:7: error: `character_classes[0].min` must be an Integer, not a string ('x')",
        "stack.yaml:10:7: error: unknown key `clas` in `character_classes[1]`"
        " (did you mean `class`?)",
        "stack.yaml:11:7: error: `character_sequences[0]` is missing required key `sequence`",
        "stack.yaml:11:7: error: `character_sequences[1]` must be a Map, not a string"
        " ('not a map')",
    ]


def test_nested_values_located_by_the_template_nodes_when_they_carry_positions() -> None:
    item = LocatedDict({"class": "nope"}, loc=loc(21))
    item.key_locs["class"] = loc(22)
    items = LocatedList([item], loc=loc(20))
    items.item_locs.append(loc(21))
    (diagnostic,) = check_properties(
        schema_of("OS::Heat::RandomString"),
        {"character_classes": items},
        {"character_classes": loc(19)},
        RESOURCE,
        is_unknown,
    )
    assert diagnostic.location == loc(22)


def test_unknown_values_and_values_containing_them_are_skipped() -> None:
    assert check("OS::Heat::RandomString", {"length": UNKNOWN}) == []
    assert check("OS::Heat::RandomString", {"character_classes": [UNKNOWN]}) == []
    assert check("OS::Heat::RandomString", {"character_classes": [{"class": UNKNOWN}]}) == []
    constrained = PropertySchema("l", type="List", constraints=({"allowed_values": ["a"]},))
    assert check_one(constrained, ["a", UNKNOWN]) == []
    # known parts of a partly-unknown value are still checked
    assert [
        d.message
        for d in check("OS::Heat::RandomString", {"character_classes": [UNKNOWN, {"clas": 1}]})
    ] == ["unknown key `clas` in `character_classes[1]`"]


def test_without_an_unknown_predicate_markers_are_type_errors() -> None:
    diagnostics = check_properties(
        schema_of("OS::Heat::RandomString"), {"length": UNKNOWN}, {}, RESOURCE
    )
    assert len(diagnostics) == 1


def test_secrets_never_appear_in_messages() -> None:
    sensitive = PropertySchema(
        "admin_pass",
        sensitive=True,
        constraints=({"allowed_values": ["hunter2"]}, {"length": {"max": 3}}),
    )
    messages = check_one(sensitive, "s3cr3t-value")
    assert messages and all("s3cr3t" not in m for m in messages)
    assert all("12" not in m for m in messages)  # not even its length
    wrapped = check_properties(
        schema_of("OS::Heat::RandomString"),
        {"salt": Sensitive(1.5), "length": Sensitive("s3cr3t")},
        {},
        RESOURCE,
        is_unknown,
        unwrap=unwrap,
    )
    assert [d.message for d in wrapped] == [
        "`length` must be an Integer, not a string",
        "`salt` must be a String, not a number",
    ]


def test_sensitive_values_that_are_valid_pass() -> None:
    assert (
        check_properties(
            schema_of("OS::Heat::RandomString"),
            {"length": Sensitive("12")},
            {},
            RESOURCE,
            is_unknown,
            unwrap=unwrap,
        )
        == []
    )


def test_open_properties_accept_anything() -> None:
    assert check("OS::Heat::None", {"whatever": 1, "flavor": {"x": [1]}}) == []


def test_diagnostics_come_in_source_order() -> None:
    diagnostics = check("OS::Heat::RandomString", {"zz": 1, "length": "x", "aa": 2})
    assert [d.location for d in diagnostics] == [loc(10), loc(11), loc(12)]


def test_apply_defaults_fills_top_level_and_nested_defaults() -> None:
    schema = schema_of("OS::Heat::RandomString")
    assert apply_defaults(schema, {}) == {
        "length": 32,
        "character_classes": [{"class": "lettersdigits", "min": 1}],
    }
    filled = apply_defaults(
        schema,
        {"length": None, "character_classes": [{"class": "digits"}], "character_sequences": []},
    )
    assert filled == {
        "length": 32,
        "character_classes": [{"class": "digits", "min": 1}],
        "character_sequences": [],
    }


def test_apply_defaults_copies_and_leaves_unknown_alone() -> None:
    schema = schema_of("OS::Heat::RandomString")
    first = apply_defaults(schema, {})
    first["character_classes"].append("mutated")
    assert apply_defaults(schema, {})["character_classes"] == [{"class": "lettersdigits", "min": 1}]
    assert apply_defaults(schema, {"character_classes": UNKNOWN})["character_classes"] is UNKNOWN
    given = {"length": 5}
    apply_defaults(schema, given)
    assert given == {"length": 5}


def test_coerce_value() -> None:
    assert coerce_value("Integer", "3") == 3
    assert coerce_value("Boolean", "TRUE") is True
    assert coerce_value("Json", '{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="must be a Number, not a string"):
        coerce_value("Number", "secret-text")
    with pytest.raises(ValueError) as raised:
        coerce_value("Number", "secret-text")
    assert "secret-text" not in str(raised.value)
