"""Parsing: what is a call, version gates, locations, diagnostics, copying."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import Severity, SourceLocation, TemplateError
from atonix_iac.template.functions import (
    ConditionRef,
    Function,
    InvalidCall,
    condition_function_names,
    evaluate,
    function_names,
    iter_condition_names,
    parse_condition,
    parse_value,
    unparse,
    walk,
)
from atonix_iac.template.nodes import LocatedDict, LocatedList
from atonix_iac.template.versions import HOT_VERSIONS
from tests.template_functions.fn_helpers import (
    LATEST,
    FakeContext,
    errors,
    located,
    make_ctx,
    parse,
    parse_error,
    parse_ok,
)

# ---------------------------------------------------------------- the per-version tables

# From the Heat reference (section 1): first version with each value function.
FIRST = {
    "get_param": "2013-05-23",
    "get_resource": "2013-05-23",
    "get_attr": "2013-05-23",
    "get_file": "2013-05-23",
    "resource_facade": "2013-05-23",
    "str_replace": "2013-05-23",
    "list_join": "2013-05-23",
    "repeat": "2015-04-30",
    "digest": "2015-04-30",
    "str_split": "2015-10-15",
    "map_merge": "2016-04-08",
    "yaql": "2016-10-14",
    "map_replace": "2016-10-14",
    "if": "2016-10-14",
    "filter": "2017-02-24",
    "str_replace_strict": "2017-02-24",
    "make_url": "2017-09-01",
    "list_concat": "2017-09-01",
    "list_concat_unique": "2017-09-01",
    "str_replace_vstrict": "2017-09-01",
    "contains": "2017-09-01",
}
# CFN functions: (first, last).
CFN = {
    "Ref": ("2013-05-23", "2013-05-23"),
    "Fn::Join": ("2013-05-23", "2013-05-23"),
    "Fn::Split": ("2013-05-23", "2013-05-23"),
    "Fn::Replace": ("2013-05-23", "2013-05-23"),
    "Fn::Base64": ("2013-05-23", "2013-05-23"),
    "Fn::GetAZs": ("2013-05-23", "2013-05-23"),
    "Fn::MemberListToMap": ("2013-05-23", "2013-05-23"),
    "Fn::ResourceFacade": ("2013-05-23", "2013-05-23"),
    "Fn::Select": ("2013-05-23", "2015-04-30"),
}
CONDITION_FIRST = {
    "get_param": "2016-10-14",
    "equals": "2016-10-14",
    "not": "2016-10-14",
    "and": "2016-10-14",
    "or": "2016-10-14",
    "yaql": "2017-09-01",
    "contains": "2017-09-01",
}


@pytest.mark.parametrize("version", HOT_VERSIONS)
def test_value_function_table(version: str) -> None:
    expected = {n for n, first in FIRST.items() if first <= version}
    expected |= {n for n, (first, last) in CFN.items() if first <= version <= last}
    assert function_names(version) == expected


@pytest.mark.parametrize("version", HOT_VERSIONS)
def test_condition_function_table(version: str) -> None:
    expected = {n for n, first in CONDITION_FIRST.items() if first <= version}
    assert condition_function_names(version) == expected


@pytest.mark.parametrize("version", HOT_VERSIONS)
@pytest.mark.parametrize("name", sorted(FIRST))
def test_function_before_its_version_is_a_located_error(name: str, version: str) -> None:
    text = f"x:\n  {name}: [a, b, c]\n"
    value, diagnostics = parse(text, version)
    gate = [d for d in diagnostics if d.message.startswith(f"`{name}` needs heat_template")]
    if version >= FIRST[name]:
        assert not gate, [d.format() for d in gate]
        return
    assert len(errors(diagnostics)) == 1
    (d,) = gate
    assert d.message == (
        f"`{name}` needs heat_template_version {FIRST[name]} or later (this template is {version})"
    )
    assert d.location == SourceLocation("t.yaml", 2, 3)
    assert isinstance(value["x"], InvalidCall)


@pytest.mark.parametrize("version", HOT_VERSIONS)
@pytest.mark.parametrize("name", sorted(CFN))
def test_cfn_function_after_its_removal_is_a_located_error(name: str, version: str) -> None:
    first, last = CFN[name]
    _, diagnostics = parse(f"{name}: [a, b]", version)
    removed = [d for d in diagnostics if "is not available" in d.message]
    if version <= last:
        assert not removed
        return
    (d,) = removed
    assert d.message == (
        f"`{name}` is not available in heat_template_version {version} "
        f"(it was removed after {last})"
    )
    assert d.location == SourceLocation("t.yaml", 1, 1)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("Ref", "use `get_param` or `get_resource`"),
        ("Fn::Join", "use `list_join`"),
        ("Fn::Select", "use a path in `get_param`/`get_attr`, or `str_split` with an index"),
        ("Fn::GetAZs", None),
    ],
)
def test_removed_cfn_function_hints_at_the_native_one(name: str, hint: str | None) -> None:
    assert parse_error(f"{name}: [a, b]", "2016-10-14").hint == hint


@pytest.mark.parametrize("name", ["Fn::GetAZs", "Fn::MemberListToMap", "Fn::ResourceFacade"])
def test_unsupported_cfn_functions(name: str) -> None:
    d = parse_error(f"v: {{{name}: x}}", "2013-05-23")
    assert d.message == f"`{name}` is not supported by atonix"
    assert d.location == SourceLocation("t.yaml", 1, 5)


def test_a_yaql_syntax_error_is_located_at_parse_time() -> None:
    d = parse_error("v:\n  yaql: {expression: $.data.(, data: 1}\n")
    assert d.message == "Bad expression Parse error: unexpected end of statement."
    assert d.location == SourceLocation("t.yaml", 2, 22)


# ---------------------------------------------------------------- calls versus data


def test_single_key_map_with_a_function_name_is_a_call() -> None:
    value = parse_ok("{get_param: flavor}")
    assert isinstance(value, Function)
    assert value.name == "get_param"
    assert value.location == SourceLocation("t.yaml", 1, 2)


def test_map_with_other_keys_is_data_even_if_one_is_a_function_name() -> None:
    text = "{get_param: flavor, other: 1}"
    node = located(text)
    assert parse_value(node, make_ctx()) is node


def test_single_key_map_with_an_unknown_key_is_data() -> None:
    node = located("{gett_param: flavor}")
    value, diagnostics = parse_value(node, make_ctx()), []
    assert value is node
    assert diagnostics == []


def test_condition_function_in_a_value_is_data_with_a_warning() -> None:
    value, diagnostics = parse("v: {equals: [a, b]}")
    assert value == {"v": {"equals": ["a", "b"]}}
    (d,) = diagnostics
    assert d.severity is Severity.WARNING
    assert "`equals` is a condition function" in d.message
    assert d.location == SourceLocation("t.yaml", 1, 5)


def test_data_without_calls_is_returned_uncopied() -> None:
    node = located("a: [1, {b: c}, [d, {e: f}]]\ng: {h: i}\n")
    assert parse_value(node, make_ctx()) is node


def test_only_the_path_to_a_call_is_copied_and_locations_are_kept() -> None:
    node = located("a: [1, {b: {get_param: p}}]\ng: {h: i}\n")
    value = parse_value(node, make_ctx())
    assert value is not node
    assert isinstance(value, LocatedDict)
    assert value.loc == node.loc
    assert value.key_locs == node.key_locs
    assert value["g"] is node["g"]  # untouched branch shared
    assert isinstance(value["a"], LocatedList)
    assert value["a"].item_locs == node["a"].item_locs
    assert isinstance(value["a"][1]["b"], Function)
    assert not isinstance(node["a"][1]["b"], Function)  # the input is never changed


def test_plain_data_is_accepted_with_the_loc_argument_as_fallback() -> None:
    ctx = make_ctx(parameters={"flavor"})
    where = SourceLocation("t.yaml", 7, 9)
    value = parse_value({"x": [{"get_param": "flavr"}]}, ctx, loc=where)
    assert isinstance(value["x"][0], Function)
    (d,) = ctx.diagnostics
    assert d.message == "unknown parameter `flavr`"
    assert d.hint == "did you mean `flavor`?"
    assert d.location == where


def test_without_loc_plain_data_is_located_at_the_source() -> None:
    ctx = make_ctx()
    parse_value({"map_merge": "x"}, ctx)
    assert ctx.diagnostics[0].location == SourceLocation("t.yaml")


def test_nested_calls_are_parsed_everywhere() -> None:
    value = parse_ok(
        "list_join: ['-', [{get_param: a},"
        " {str_replace: {template: x, params: {x: {get_param: b}}}}]]"
    )
    names = [fn.name for fn in walk(value)]
    assert names == ["list_join", "get_param", "str_replace", "get_param"]


def test_unparse_gives_the_template_data_back() -> None:
    text = (
        "{if: [enabled, {list_join: [',', [{get_attr: [s, a, 0]}, x]]},"
        " {map_merge: [{a: 1}, {get_param: m}]}]}"
    )
    value = parse_ok(text)
    assert unparse(value) == {
        "if": [
            "enabled",
            {"list_join": [",", [{"get_attr": ["s", "a", 0]}, "x"]]},
            {"map_merge": [{"a": 1}, {"get_param": "m"}]},
        ]
    }


def test_function_equality_is_structural_and_ignores_locations() -> None:
    a = parse_ok("{get_param: [m, k]}")
    b = parse_ok("\n\n   {get_param: [m, k]}")
    c = parse_ok("{get_param: [m, j]}")
    assert a == b
    assert a != c
    assert hash(a) == hash(b)
    assert repr(a) == "get_param(['m', 'k'])"


# ---------------------------------------------------------------- diagnostics, never raising


def test_errors_are_collected_not_raised_and_evaluating_the_call_raises_them() -> None:
    value, diagnostics = parse("a: {list_join: 3}\nb: {get_resource: [x]}\n")
    assert [d.location for d in errors(diagnostics)] == [
        SourceLocation("t.yaml", 1, 5),  # a number carries no position: the call's
        SourceLocation("t.yaml", 2, 19),
    ]
    assert isinstance(value["a"], InvalidCall)
    with pytest.raises(TemplateError) as exc:
        evaluate(value["a"], FakeContext())
    assert exc.value.diagnostics[0].message == errors(diagnostics)[0].message
    assert exc.value.diagnostics[0].location == SourceLocation("t.yaml", 1, 5)


def test_unknown_parameter_and_resource_with_did_you_mean() -> None:
    _, diagnostics = parse(
        "a: {get_param: flavour}\nb: {get_resource: sever}\nc: {get_attr: [servr, ip]}\n",
        parameters={"flavor"},
        resources={"server"},
    )
    assert [(d.message, d.hint, d.location.line, d.location.column) for d in diagnostics] == [
        ("unknown parameter `flavour`", "did you mean `flavor`?", 1, 16),
        ("unknown resource `sever`", "did you mean `server`?", 2, 19),
        ("unknown resource `servr`", "did you mean `server`?", 3, 16),
    ]


def test_no_name_check_when_the_loader_gives_no_names() -> None:
    parse_ok("a: {get_param: x}\nb: {get_resource: y}\nc: {get_attr: [z, w]}\n")


@pytest.mark.parametrize("name", ["OS::stack_name", "OS::stack_id", "OS::project_id", "OS::region"])
def test_pseudo_parameters_are_always_known(name: str) -> None:
    parse_ok(f"{{get_param: '{name}'}}", parameters={"flavor"})


def test_get_file_reads_files_and_records_them() -> None:
    ctx = make_ctx(files={"scripts/boot.sh": "#!/bin/sh\n"})
    value = parse_value(located("{get_file: scripts/boot.sh}"), ctx)
    assert ctx.files == {"scripts/boot.sh": "#!/bin/sh\n"}
    assert evaluate(value, FakeContext()) == "#!/bin/sh\n"


# ---------------------------------------------------------------- conditions


def _cond(text: str, version: str = LATEST, **kwargs: Any) -> tuple[Any, list[Any]]:
    ctx = make_ctx(version, **kwargs)
    return parse_condition(located(text), ctx), ctx.diagnostics


def test_condition_name_boolean_and_expression() -> None:
    value, diagnostics = _cond("enabled")
    assert value == ConditionRef("enabled", SourceLocation("t.yaml", 1, 1))
    assert isinstance(value, ConditionRef)
    assert value.condition == "enabled"
    assert diagnostics == []
    assert _cond("true")[0] is True
    value, diagnostics = _cond(
        "{and: [enabled, {not: disabled}, {equals: [{get_param: env}, prod]}]}"
    )
    assert diagnostics == []
    assert sorted(iter_condition_names(value)) == ["disabled", "enabled"]


def test_unknown_condition_name() -> None:
    _, diagnostics = _cond("{not: enabld}")
    (d,) = diagnostics
    assert (d.message, d.hint) == ("unknown condition `enabld`", "did you mean `enabled`?")
    assert d.location == SourceLocation("t.yaml", 1, 7)


def test_condition_name_with_no_conditions_declared() -> None:
    (d,) = _cond("x", conditions=set())[1]
    assert d.message == "unknown condition `x`"
    assert d.hint == "declare it in the `conditions` section"


NOT_A_CONDITION = "a condition must be a condition name, a boolean or a condition function"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{get_attr: [s, a]}", "`get_attr` cannot be used in a condition"),
        ("{list_join: [',', [a]]}", "`list_join` cannot be used in a condition"),
        ("{equals: [{get_resource: s}, x]}", "`get_resource` cannot be used in a condition"),
        ("[enabled]", f"{NOT_A_CONDITION}, not a list"),
        ("{foo: bar}", f"{NOT_A_CONDITION}, not a map with key `foo`"),
        ("3", f"{NOT_A_CONDITION}, not the number 3"),
        (
            "{Ref: x}",
            "`Ref` is not available in heat_template_version 2021-04-16 "
            "(it was removed after 2013-05-23)",
        ),
    ],
)
def test_invalid_conditions(text: str, message: str) -> None:
    _, diagnostics = _cond(text)
    assert [d.message for d in diagnostics] == [message]


def test_contains_in_a_condition_needs_pike() -> None:
    _, diagnostics = _cond("{contains: [a, [a]]}", "2017-02-24")
    assert [d.message for d in diagnostics] == [
        "`contains` in a condition needs heat_template_version 2017-09-01 or later "
        "(this template is 2017-02-24)"
    ]
    assert _cond("{contains: [a, [a]]}", "2017-09-01")[1] == []


def test_condition_hint_lists_the_condition_functions() -> None:
    _, diagnostics = _cond("{get_attr: [s, a]}", "2016-10-14")
    assert diagnostics[0].hint == "conditions may use and, equals, get_param, not, or"


def test_if_condition_is_parsed_with_the_condition_table() -> None:
    _, diagnostics = parse("{if: [{get_attr: [s, a]}, 1, 2]}")
    assert [d.message for d in diagnostics] == ["`get_attr` cannot be used in a condition"]
    value = parse_ok("{if: [{equals: [{get_param: env}, prod]}, 1, 2]}")
    assert evaluate(value, FakeContext({"env": "prod"})) == 1
    assert evaluate(value, FakeContext({"env": "dev"})) == 2
