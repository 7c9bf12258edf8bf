"""``yaql``: Heat's yaql function, evaluated by the yaql library with Heat's limits. Bad
expressions are located errors (syntax at parse, evaluation when resolved), never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.functions import evaluate, parse_value
from atonix_iac.template.functions.yaql_expression import LIMIT_ITERATORS
from atonix_iac.template.nodes import LocatedDict, LocatedStr
from atonix_iac.template.values import UNKNOWN, Sensitive
from tests.template_functions.fn_helpers import FakeContext, errors, make_ctx, parse, parse_ok


def yaql(expression: str, data: str = "{}") -> Any:
    return evaluate(
        parse_ok(f"{{yaql: {{expression: '{expression}', data: {data}}}}}"), FakeContext()
    )


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ("$.data.var1.sum()", "{var1: [3, 2, 1]}", 6),  # Heat's documented example
        ("$.data.l.select($ * 2)", "{l: [1, 2]}", [2, 4]),
        ("$.data.l.where($ > 1)", "{l: [1, 2, 3]}", [2, 3]),
        ("$.data.m.keys()", "{m: {a: 1}}", ["a"]),
        ("dict(a => $.data.x)", "{x: 1}", {"a": 1}),
        ("set(3, 1, 2)", "{}", [1, 2, 3]),
        ("$.data.s.toUpper()", "{s: ab}", "AB"),
        ("$.data", "{}", {}),
    ],
)
def test_evaluates_as_heat_does(expression: str, data: str, expected: Any) -> None:
    assert yaql(expression, data) == expected


def test_data_defaults_to_an_empty_map_and_the_expression_may_be_computed() -> None:
    value = parse_ok("{yaql: {expression: {list_join: ['', ['1 + ', {get_param: n}]]}}}")
    assert evaluate(value, FakeContext({"n": "2"})) == 3
    assert evaluate(parse_ok("{yaql: {expression: len($.data)}}"), FakeContext()) == 0


def test_unknown_inputs_give_an_unknown_result_and_secrets_stay_secret() -> None:
    value = parse_ok("{yaql: {expression: $.data.p.len(), data: {p: {get_param: p}}}}")
    assert evaluate(value, FakeContext({"p": UNKNOWN})) is UNKNOWN
    secret = evaluate(value, FakeContext({"p": Sensitive("hunter2")}))
    assert isinstance(secret, Sensitive) and secret.value == 7


def test_an_evaluation_error_is_located_at_the_call() -> None:
    value = parse_ok("v:\n  yaql: {expression: $.data.a / 0, data: {a: 1}}\n")
    with pytest.raises(TemplateError) as caught:
        evaluate(value, FakeContext())
    (d,) = caught.value.diagnostics
    assert d.location == SourceLocation("t.yaml", 2, 3)
    assert (
        d.message == "`yaql` could not evaluate its expression: integer division or modulo by zero"
    )


def test_heats_iterator_limit_holds() -> None:
    assert yaql(f"range({LIMIT_ITERATORS}).len()") == LIMIT_ITERATORS
    with pytest.raises(TemplateError, match="exceeds 200 elements"):
        yaql(f"range({LIMIT_ITERATORS + 1})")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{yaql: [1]}", 'Arguments to "yaql" must be a map, not a list'),
        ("{yaql: {data: {}}}", "`yaql` takes a map of `expression` and optional `data`"),
        ("{yaql: {expression: x, extra: 1}}", "`yaql` takes a map of `expression` and optional"),
        ("{yaql: {expression: 1}}", 'The "expression" argument to `yaql` must contain a string'),
        ("{yaql: {expression: ')'}}", "Bad expression Parse error: unexpected ')'"),
    ],
)
def test_bad_calls_are_located_errors(text: str, message: str) -> None:
    _, diagnostics = parse(text)
    (d,) = errors(diagnostics)
    assert d.message.startswith(message)
    assert d.location is not None and d.location.file == "t.yaml"


def test_yaql_needs_newton_and_pike_in_conditions() -> None:
    _, diagnostics = parse("{yaql: {expression: '1'}}", "2016-04-08")
    assert errors(diagnostics)[0].message.startswith(
        "`yaql` needs heat_template_version 2016-10-14"
    )


_TOKENS = st.sampled_from(
    [
        "$",
        ".",
        "data",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        "=>",
        "->",
        "+",
        "*",
        "/",
        " ",
        "'x'",
        "1",
        "0",
        "select",
        "where",
        "sum",
        "len",
        "range",
        "let",
        "$x",
        "and",
        "not",
        "#",
        "\\",
        '"',
        "?",
        ":",
        "@",
        "max",
        "dict",
        "list",
        "toUpper",
        "1e999",
        "-",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expression=st.one_of(st.text(max_size=40), st.lists(_TOKENS, max_size=14).map("".join)),
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=8,
    ),
)
def test_malformed_expressions_never_raise_anything_but_a_located_error(
    expression: str, data: Any
) -> None:
    node = LocatedDict(
        {"yaql": LocatedDict({"expression": LocatedStr(expression), "data": {"d": data}})},
        loc=SourceLocation("t.yaml", 1, 1),
    )
    ctx = make_ctx()
    parsed = parse_value(node, ctx)
    if errors(ctx.diagnostics):
        assert all(d.location is not None for d in ctx.diagnostics)
        return
    try:
        result = evaluate(parsed, FakeContext())
    except TemplateError as err:
        assert all(d.location is not None for d in err.diagnostics)
        return
    assert _json_like(result)


def _json_like(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(_json_like(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_like(v) for k, v in value.items())
    return False
