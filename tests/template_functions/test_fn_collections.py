"""repeat, map_merge, map_replace, filter, list_concat(_unique), contains."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atonix_iac.errors import SourceLocation
from atonix_iac.template.functions.collections import MAX_REPEAT_ITEMS, keep_last
from atonix_iac.template.values import UNKNOWN, Sensitive
from tests.template_functions.fn_helpers import ev, ev_error, parse, parse_error

# ---------------------------------------------------------------- repeat


@pytest.mark.parametrize(
    ("text", "params", "expected"),
    [
        (
            "{repeat: {for_each: {'%p%': ['80', '443']}, template: {port: '%p%'}}}",
            {},
            [{"port": "80"}, {"port": "443"}],
        ),
        (
            "{repeat: {for_each: {'%a%': [x, y], '%b%': ['1', '2']}, template: '%a%-%b%'}}",
            {},
            ["x-1", "x-2", "y-1", "y-2"],
        ),
        (
            "{repeat: {for_each: {'%a%': [x, y], '%b%': ['1', '2']}, template: '%a%-%b%',"
            " permutations: false}}",
            {},
            ["x-1", "y-2"],
        ),
        (
            "{repeat: {for_each: {'<%k%>': {get_param: l}}, template: {'<%k%>': v}}}",
            {"l": ["a", "b"]},
            [{"a": "v"}, {"b": "v"}],
        ),
        ("{repeat: {for_each: {'%x%': null}, template: t}}", {}, []),
        ("{repeat: {for_each: {'%x%': []}, template: t}}", {}, []),
        # a map for_each value iterates its keys (2016-10-14 on)
        ("{repeat: {for_each: {'%k%': {a: 1, b: 2}}, template: '%k%'}}", {}, ["a", "b"]),
        # the body is resolved first, then substituted; non-strings are copied
        (
            "{repeat: {for_each: {'%i%': ['1']}, template: [{get_param: s}, 3, null]}}",
            {"s": "n-%i%"},
            [["n-1", 3, None]],
        ),
        # vars are replaced in for_each order, one after the other, as Heat does
        (
            "{repeat: {for_each: {'%a%': ['%b%'], '%b%': [B]}, template: '%a%'}}",
            {},
            ["B"],
        ),
    ],
)
def test_repeat(text: str, params: dict[str, Any], expected: Any) -> None:
    assert ev(text, params) == expected


@pytest.mark.parametrize(
    ("text", "version", "message"),
    [
        (
            "{repeat: {for_each: {'%k%': {a: 1}}, template: '%k%'}}",
            "2016-04-08",
            "a map as a `for_each` value needs heat_template_version 2016-10-14 or later "
            "(this template is 2016-04-08)",
        ),
        (
            "{repeat: {for_each: {'%k%': [a]}, template: '%k%', permutations: false}}",
            "2017-02-24",
            "`permutations` in `repeat` needs heat_template_version 2017-09-01 or later "
            "(this template is 2017-02-24)",
        ),
        (
            "{repeat: {for_each: {'%k%': {a: 1}}, template: '%k%', permutations: false}}",
            "2017-09-01",
            "with `permutations: false` the for_each values must be lists, not maps",
        ),
        (
            "{repeat: {for_each: {'%k%': [a]}, template: x, permutations: 'no'}}",
            "2017-09-01",
            "`permutations` in `repeat` must be true or false, not the string 'no'",
        ),
        (
            "{repeat: [a]}",
            "2015-04-30",
            "`repeat` takes a map with `for_each` and `template`, not a list",
        ),
        ("{repeat: {template: a}}", "2015-04-30", "`repeat` needs `for_each`"),
        (
            "{repeat: {for_each: {}, template: a}}",
            "2015-04-30",
            "the `for_each` argument to `repeat` names no variable",
        ),
        (
            "{repeat: {for_each: [a], template: a}}",
            "2015-04-30",
            "the `for_each` argument to `repeat` must be a map, not a list",
        ),
        (
            "{repeat: {for_each: {'%a%': a}, template: a}}",
            "2015-04-30",
            "`repeat` variable `%a%` must be a list of values, not the string 'a'",
        ),
        (
            "{repeat: {for_each: {1: [a]}, template: a}}",
            "2015-04-30",
            "`repeat` variables must be strings, not 1",
        ),
    ],
)
def test_repeat_argument_errors(text: str, version: str, message: str) -> None:
    assert parse_error(text, version).message == message


def test_repeat_runtime_errors() -> None:
    e = ev_error("{repeat: {for_each: {'%i%': [1, 2]}, template: 'n%i%'}}")
    assert e.message == (
        "`repeat` can only put strings into the template's text; `%i%` is the number 1"
    )
    assert e.hint == "quote the values in for_each"
    e = ev_error(
        "{repeat: {for_each: {'%a%': [x], '%b%': [y, z]}, template: t, permutations: false}}"
    )
    assert e.message == (
        "with `permutations: false` the for_each lists of `repeat` must have the same length "
        "(got 1, 2)"
    )
    e = ev_error("{repeat: {for_each: {'%a%': {get_param: m}}, template: t}}", {"m": "x"})
    assert e.message == (
        "`repeat` variable `%a%`: the values to repeat over must be a list or a map, "
        "not the string 'x'"
    )


def test_repeat_size_guard() -> None:
    big = [str(i) for i in range(400)]
    e = ev_error(
        "{repeat: {for_each: {'%a%': {get_param: l}, '%b%': {get_param: l}}, template: x}}",
        {"l": big},
    )
    assert e.message == f"`repeat` would make 160000 items (at most {MAX_REPEAT_ITEMS})"


def test_repeat_ignored_key_warns() -> None:
    _, diagnostics = parse("{repeat: {for_each: {'%a%': [x]}, template: t, permutation: false}}")
    (d,) = diagnostics
    assert (d.severity.value, d.message, d.hint) == (
        "warning",
        "`repeat` ignores `permutation`",
        "did you mean `permutations`?",
    )


def test_repeat_unknown_and_sensitive() -> None:
    assert ev("{repeat: {for_each: {'%a%': {get_attr: [s, l]}}, template: x}}") is UNKNOWN
    body = ev("{repeat: {for_each: {'%a%': [x]}, template: [{get_attr: [s, ip]}, '%a%']}}")
    assert body == [[UNKNOWN, "x"]]
    secret = ev(
        "{repeat: {for_each: {'%a%': {get_param: l}}, template: 'v=%a%'}}",
        {"l": [Sensitive("s1"), "plain"]},
    )
    assert isinstance(secret, Sensitive)
    assert secret.value == ["v=s1", "v=plain"]


# ---------------------------------------------------------------- map_merge


@pytest.mark.parametrize(
    ("text", "params", "expected"),
    [
        ("{map_merge: [{a: 1, b: 1}, {b: 2}, {c: 3}]}", {}, {"a": 1, "b": 2, "c": 3}),
        ("{map_merge: [{a: 1}, null]}", {}, {"a": 1}),
        ("{map_merge: []}", {}, {}),
        ("{map_merge: {get_param: maps}}", {"maps": [{"a": 1}, {"a": 2}]}, {"a": 2}),
        ("{map_merge: [{get_param: m}, {b: 2}]}", {"m": {"a": 1}}, {"a": 1, "b": 2}),
    ],
)
def test_map_merge(text: str, params: dict[str, Any], expected: Any) -> None:
    assert ev(text, params) == expected


def test_map_merge_errors() -> None:
    d = parse_error("{map_merge: {a: 1}}", "2016-04-08")
    assert d.message == "`map_merge` takes a list of maps, not a map"
    d = parse_error("v: {map_merge: [{a: 1}, [b]]}")
    assert d.message == "`map_merge` merges maps, not a list"
    assert d.location == SourceLocation("t.yaml", 1, 25)
    e = ev_error("{map_merge: [{get_param: x}]}", {"x": "s"})
    assert e.message == "`map_merge` merges maps, not the string 's'"


def test_map_merge_unknown_and_sensitive() -> None:
    assert ev("{map_merge: [{a: 1}, {get_attr: [s, m]}]}") is UNKNOWN
    assert ev("{map_merge: [{a: {get_attr: [s, m]}}, {b: 2}]}") == {"a": UNKNOWN, "b": 2}
    secret = ev("{map_merge: [{a: 1}, {get_param: s}]}", {"s": Sensitive({"pw": "x"})})
    assert isinstance(secret, Sensitive) and secret.value == {"a": 1, "pw": "x"}


# ---------------------------------------------------------------- map_replace


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{map_replace: [{k1: v1, k2: v2}, {keys: {k1: K1}, values: {v2: V2}}]}",
            {"K1": "v1", "k2": "V2"},
        ),
        ("{map_replace: [{k1: v1}, {keys: {k1: null}}]}", {"k1": "v1"}),
        ("{map_replace: [{k1: [1]}, {values: {v: x}}]}", {"k1": [1]}),
        ("{map_replace: [null, {}]}", {}),
        ("{map_replace: [{a: b}, {keys: {a: b}}]}", {"b": "b"}),
    ],
)
def test_map_replace(text: str, expected: Any) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{map_replace: [{a: 1, b: 2}, {keys: {a: b}}]}",
            "`map_replace`: the key replacement 'b' collides with a key in the input map",
        ),
        (
            "{map_replace: [{a: 1, c: 2}, {keys: {a: x, c: x}}]}",
            "`map_replace`: the key replacement 'x' collides with a key in the output map",
        ),
    ],
)
def test_map_replace_collisions(text: str, message: str) -> None:
    assert ev_error(text).message == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{map_replace: [{a: 1}]}",
            "`map_replace` takes a list [map, {keys: ..., values: ...}], not a list",
        ),
        ("{map_replace: [[a], {}]}", "`map_replace` replaces in a map, not a list"),
        (
            "{map_replace: [{a: 1}, {key: {a: b}}]}",
            "the `map_replace` replacements may only have `keys` and `values`, not 'key'",
        ),
        (
            "{map_replace: [{a: 1}, {keys: [a]}]}",
            "`keys` of `map_replace` must be a map, not a list",
        ),
        (
            "{map_replace: [{a: 1}, x]}",
            "the `map_replace` replacements must be a map with `keys` and/or `values`, "
            "not the string 'x'",
        ),
    ],
)
def test_map_replace_argument_errors(text: str, message: str) -> None:
    assert parse_error(text).message == message


def test_map_replace_unknown_values_stay_in_place() -> None:
    assert ev("{map_replace: [{a: {get_attr: [s, x]}}, {keys: {a: b}}]}") == {"b": UNKNOWN}
    assert ev("{map_replace: [{get_attr: [s, m]}, {keys: {a: b}}]}") is UNKNOWN


# ---------------------------------------------------------------- filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{filter: [[a], [a, b, a, c]]}", ["b", "c"]),
        ("{filter: [[null], [a, null, b]]}", ["a", "b"]),
        ("{filter: [[], [a]]}", ["a"]),
        ("{filter: [null, [a]]}", ["a"]),
        ("{filter: [[a], []]}", []),
        ("{filter: [[a], null]}", None),
        ("{filter: [[{k: v}], [{k: v}, {k: w}]]}", [{"k": "w"}]),
    ],
)
def test_filter(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_filter_errors_and_unknown() -> None:
    assert (
        parse_error("{filter: [a]}").message
        == "`filter` takes a list [values, list], not 1 arguments"
    )
    assert (
        parse_error("{filter: [[a], b]}").message
        == "the list to filter of `filter` must be a list, not the string 'b'"
    )
    assert ev_error("{filter: [[a], {get_param: s}]}", {"s": "abc"}).message == (
        "`filter` filters a list, not the string 'abc'"
    )
    assert ev("{filter: [[a], [a, {get_attr: [s, x]}]]}") is UNKNOWN
    assert ev("{filter: [[{get_attr: [s, x]}], [a]]}") is UNKNOWN


# ---------------------------------------------------------------- list_concat


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{list_concat: [[a, b], [c], null, []]}", ["a", "b", "c"]),
        ("{list_concat: []}", []),
        ("{list_concat: [[a, a], [a]]}", ["a", "a", "a"]),
        ("{list_concat_unique: [[a, b], [a, c]]}", ["b", "a", "c"]),  # Heat keeps the last
        ("{list_concat_unique: [[1, 2, 1, 3], [2]]}", [1, 3, 2]),
        ("{list_concat_unique: [[{a: 1}, {a: 1}, {b: 2}]]}", [{"a": 1}, {"b": 2}]),
        ("{list_concat: {get_param: ls}}", ["x", "y"]),
    ],
)
def test_list_concat(text: str, expected: Any) -> None:
    assert ev(text, {"ls": [["x"], ["y"]]}) == expected


def heat_unique(items: list[Any]) -> list[Any]:
    """Heat's ListConcatUnique loop, verbatim in behaviour. It deletes while iterating, so it
    can skip an item and leave a repeat (e.g. [b, c, b, c, a, a, c] -> [b, a, a, c])."""
    ret = list(items)
    for i in ret:
        while ret.count(i) > 1:
            del ret[ret.index(i)]
    return ret


def _has_repeats(items: list[Any]) -> bool:
    return any(items[j] == items[k] for j in range(len(items)) for k in range(j))


def test_heats_loop_can_leave_repeats_and_ours_does_not() -> None:
    items = ["b", "c", "b", "c", "a", "a", "c"]
    assert heat_unique(items) == ["b", "a", "a", "c"]
    assert keep_last(items) == ["b", "a", "c"]


@given(st.lists(st.sampled_from(["a", "b", "c", "d", 1, 2, True, None]), max_size=12))
def test_keep_last_matches_heat_whenever_heat_is_right(items: list[Any]) -> None:
    ours = keep_last(items)
    assert not _has_repeats(ours)
    heat = heat_unique(items)
    if not _has_repeats(heat):
        assert ours == heat


@given(st.lists(st.sampled_from([{"a": 1}, {"a": 2}, ["x"], "s", 1]), max_size=10))
def test_keep_last_matches_heat_for_unhashable_items(items: list[Any]) -> None:
    ours = keep_last(items)
    assert not _has_repeats(ours)
    heat = heat_unique(items)
    if not _has_repeats(heat):
        assert ours == heat


def test_list_concat_errors_unknown_and_sensitive() -> None:
    assert (
        parse_error("{list_concat: [[a], b]}").message
        == "`list_concat` concatenates lists, not the string 'b'"
    )
    assert (
        parse_error("{list_concat: a}").message
        == "`list_concat` takes a list of lists, not the string 'a'"
    )
    assert ev("{list_concat: [[a], {get_attr: [s, l]}]}") is UNKNOWN
    assert ev("{list_concat: [[a], [{get_attr: [s, l]}]]}") == ["a", UNKNOWN]
    assert ev("{list_concat_unique: [[a], [{get_attr: [s, l]}]]}") is UNKNOWN
    secret = ev("{list_concat: [[a], {get_param: s}]}", {"s": Sensitive(["pw"])})
    assert isinstance(secret, Sensitive) and secret.value == ["a", "pw"]


# ---------------------------------------------------------------- contains


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{contains: [a, [a, b]]}", True),
        ("{contains: [c, [a, b]]}", False),
        ("{contains: [1, [1, 2]]}", True),
        ("{contains: ['1', [1, 2]]}", False),
        ("{contains: [ell, hello]}", True),  # a string is a sequence, as in Heat
        ("{contains: [a, [a, {get_attr: [s, x]}]]}", True),  # known already
        ("{contains: [c, [a, {get_attr: [s, x]}]]}", UNKNOWN),
        ("{contains: [{get_attr: [s, x]}, [a]]}", UNKNOWN),
    ],
)
def test_contains(text: str, expected: Any) -> None:
    assert ev(text) is expected if expected is UNKNOWN else ev(text) == expected


def test_contains_errors() -> None:
    assert (
        parse_error("{contains: [a]}").message
        == "`contains` takes a list [value, list], not a list"
    )
    assert parse_error("{contains: [a, {b: c}]}").message == (
        "the second argument to `contains` must be a list, not a map"
    )
    assert ev_error("{contains: [1, abc]}").message == (
        "`contains` looks for a string in a string, not for the number 1"
    )
