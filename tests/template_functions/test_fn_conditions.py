"""if, equals, not, and, or; OMIT from the two-argument if."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.functions import (
    If,
    evaluate,
    evaluate_condition,
    parse_condition,
)
from atonix_iac.template.values import OMIT, UNKNOWN, Sensitive
from tests.template_functions.fn_helpers import (
    FakeContext,
    ev,
    ev_error,
    located,
    make_ctx,
    parse_error,
    parse_ok,
)

# ---------------------------------------------------------------- if


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{if: [enabled, a, b]}", "a"),
        ("{if: [disabled, a, b]}", "b"),
        ("{if: [true, a, b]}", "a"),
        ("{if: [false, a, b]}", "b"),
        ("{if: [{equals: [{get_param: env}, prod]}, big, small]}", "big"),
        ("{if: [{not: {equals: [{get_param: env}, prod]}}, big, small]}", "small"),
        ("{if: [enabled, {if: [disabled, x, y]}, z]}", "y"),
        ("{if: [disabled, {get_param: missing}, ok]}", "ok"),  # the other branch is not resolved
        ("{if: [enabled, [a, {get_param: env}], null]}", ["a", "prod"]),
        ("{if: [{get_param: cond}, a, b]}", "a"),  # a string result names a condition
        ("{if: [{get_param: flag}, a, b]}", "b"),  # a boolean parameter
    ],
)
def test_if(text: str, expected: Any) -> None:
    assert ev(text, {"env": "prod", "cond": "enabled", "flag": False}) == expected


def test_two_argument_if_omits_the_enclosing_item_key_or_value() -> None:
    text = """
    list: [a, {if: [disabled, b]}, {if: [enabled, c]}]
    map: {x: {if: [disabled, 1]}, y: {if: [enabled, 2]}}
    nested: {list_join: [',', [a, {if: [disabled, b]}, c]]}
    """
    assert ev(text) == {"list": ["a", "c"], "map": {"y": 2}, "nested": "a,c"}
    assert ev("{if: [disabled, x]}") is OMIT  # the caller drops the property
    assert ev("{if: [enabled, x]}") == "x"


def test_omitted_function_argument_is_null() -> None:
    assert ev("{str_split: [',', {if: [disabled, 'a,b']}]}") is None


@pytest.mark.parametrize("version", ["2016-10-14", "2017-09-01", "2018-08-31"])
def test_two_argument_if_needs_wallaby(version: str) -> None:
    d = parse_error("v: {if: [enabled, x]}", version)
    assert d.message == (
        "`if` with two arguments needs heat_template_version 2021-04-16 or later "
        f"(this template is {version})"
    )
    assert d.location == SourceLocation("t.yaml", 1, 9)


@pytest.mark.parametrize(
    ("text", "version", "message"),
    [
        (
            "{if: enabled}",
            "2021-04-16",
            "`if` takes a list [condition, value_if_true, value_if_false] or "
            "[condition, value_if_true], not the string 'enabled'",
        ),
        (
            "{if: [enabled, a, b, c]}",
            "2018-08-31",
            "`if` takes a list [condition, value_if_true, value_if_false], not a list",
        ),
        ("{if: [nope, a, b]}", "2021-04-16", "unknown condition `nope`"),
    ],
)
def test_if_argument_errors(text: str, version: str, message: str) -> None:
    assert parse_error(text, version).message == message


def test_if_condition_must_be_a_boolean_or_a_name() -> None:
    e = ev_error("\n {if: [{get_param: n}, a, b]}", {"n": 3})
    assert (
        e.message == "the condition of `if` must be a condition name or a boolean, not the number 3"
    )
    assert e.location == SourceLocation("t.yaml", 2, 3)


def test_if_references_both_branches_and_exposes_them() -> None:
    value = parse_ok("{if: [enabled, {get_resource: a}, {get_attr: [b, x]}]}")
    assert isinstance(value, If)
    assert [r.resource for r in value.references()] == ["a", "b"]
    assert value.has_false_branch
    assert value.test(FakeContext()) is True
    two = parse_ok("{if: [enabled, {get_resource: a}]}")
    assert isinstance(two, If) and not two.has_false_branch


def test_if_with_an_unknown_condition_is_unknown() -> None:
    class Pending(FakeContext):
        def parameter(self, name: str) -> Any:
            return UNKNOWN if name == "later" else super().parameter(name)

    value = parse_ok("{if: [{equals: [{get_param: later}, x]}, a, b]}")
    assert evaluate(value, Pending()) is UNKNOWN


# ---------------------------------------------------------------- equals, not, and, or


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{equals: [a, a]}", True),
        ("{equals: [a, b]}", False),
        ("{equals: [1, '1']}", False),
        ("{equals: [[1, {a: b}], [1, {a: b}]]}", True),
        ("{equals: [{get_param: env}, prod]}", True),
        ("{equals: [{get_param: secret}, hunter2]}", True),
        ("{equals: [{get_param: secret}, x]}", False),
        ("{not: enabled}", False),
        ("{not: false}", True),
        ("{not: {equals: [a, b]}}", True),
        ("{and: [enabled, true]}", True),
        ("{and: [enabled, disabled, enabled]}", False),
        ("{or: [disabled, false]}", False),
        ("{or: [disabled, enabled]}", True),
        ("{and: [{or: [disabled, enabled]}, {not: disabled}]}", True),
        ("{and: [enabled, {get_param: cond}]}", True),
    ],
)
def test_condition_functions(text: str, expected: bool) -> None:
    ctx = make_ctx(parameters={"env", "secret", "cond"})
    value = parse_condition(located(text), ctx)
    assert ctx.diagnostics == []
    params = {"env": "prod", "secret": Sensitive("hunter2"), "cond": "enabled"}
    assert evaluate(value, FakeContext(params)) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{equals: [a]}", "`equals` takes a list [value_1, value_2], not a list"),
        ("{equals: a}", "`equals` takes a list [value_1, value_2], not the string 'a'"),
        ("{not: null}", "`not` takes a condition"),
        ("{and: [enabled]}", "`and` takes at least two conditions"),
        ("{or: enabled}", "`or` takes a list of conditions, not the string 'enabled'"),
        (
            "{and: [enabled, [x]]}",
            "a condition must be a condition name, a boolean or a condition function, not a list",
        ),
    ],
)
def test_condition_argument_errors(text: str, message: str) -> None:
    ctx = make_ctx()
    parse_condition(located(text), ctx)
    assert [d.message for d in ctx.diagnostics] == [message]


def _pending_ctx() -> FakeContext:
    class Pending(FakeContext):
        def parameter(self, name: str) -> Any:
            return UNKNOWN if name == "later" else super().parameter(name)

    return Pending()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{and: [{equals: [{get_param: later}, x]}, disabled]}", False),
        ("{and: [{equals: [{get_param: later}, x]}, enabled]}", UNKNOWN),
        ("{or: [{equals: [{get_param: later}, x]}, enabled]}", True),
        ("{or: [{equals: [{get_param: later}, x]}, disabled]}", UNKNOWN),
        ("{not: {equals: [{get_param: later}, x]}}", UNKNOWN),
        ("{equals: [{get_param: later}, x]}", UNKNOWN),
    ],
)
def test_three_valued_logic_over_unknown(text: str, expected: Any) -> None:
    value = parse_condition(located(text), make_ctx())
    assert evaluate(value, _pending_ctx()) is expected


def test_and_or_operands_must_be_booleans_or_names() -> None:
    value = parse_condition(located("{and: [enabled, {get_param: n}]}"), make_ctx())
    with pytest.raises(TemplateError) as exc:
        evaluate(value, FakeContext({"n": [1]}))
    assert exc.value.diagnostics[0].message == (
        "each argument of `and` must be a condition name or a boolean, not a list"
    )


def test_evaluate_condition() -> None:
    where = SourceLocation("t.yaml", 4, 3)
    ctx = FakeContext({"flag": True, "name": "disabled", "n": 1})
    for text, expected in [
        ("true", True),
        ("enabled", True),
        ("{get_param: flag}", True),
        ("{get_param: name}", False),
        ("{equals: [1, 1]}", True),
    ]:
        parsed = parse_condition(located(text), make_ctx())
        assert evaluate_condition(parsed, ctx, where) is expected
    parsed = parse_condition(located("{get_param: n}"), make_ctx())
    with pytest.raises(TemplateError) as exc:
        evaluate_condition(parsed, ctx, where)
    assert exc.value.diagnostics[0].location == where
