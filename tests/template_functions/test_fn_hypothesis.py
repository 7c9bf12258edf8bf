"""Random argument structures: parsing never raises (errors become diagnostics), and
evaluating raises nothing but AtonixError, never via the internal-error safety net."""

from __future__ import annotations

import os
import zlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atonix_iac.errors import AtonixError, Diagnostic, SourceLocation, TemplateError
from atonix_iac.template.expr import iter_references
from atonix_iac.template.functions import (
    evaluate,
    parse_condition,
    parse_value,
    unparse,
    walk,
)
from atonix_iac.template.functions.table import FUNCTIONS
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr
from atonix_iac.template.values import OMIT, UNKNOWN, Sensitive
from atonix_iac.template.versions import HOT_VERSIONS
from tests.template_functions.fn_helpers import make_ctx

NAMES = sorted(FUNCTIONS)
WORDS = ["a", "b", "x", "%a%", "$x", "k", "enabled", "disabled", "0", "1", "-1", "sha256", "md5"]
WORDS += ["http", "fe80::1", "/p", "metadata", "keys", "values", "template", "params", "for_each"]
WORDS += ["permutations", "query", "host", "port", "scheme", "f.txt", "http://x", "p", ""]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=70000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(alphabet="ab%$:/,- é€[]", max_size=6),
)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.sampled_from(WORDS), st.integers(0, 3), st.none())
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.builds(lambda name, args: {name: args}, st.sampled_from(NAMES), children),
    )


data = st.recursive(scalars, _extend, max_leaves=25)


def _locate(value: Any, line: int = 1) -> Any:
    """Wrap plain data in Located* containers, as the loader does."""
    loc = SourceLocation("h.yaml", line, 1)
    if isinstance(value, dict):
        out = LocatedDict(loc=loc)
        for i, (k, v) in enumerate(value.items()):
            key = LocatedStr(k, loc) if isinstance(k, str) else k
            out[key] = _locate(v, line + i + 1)
            out.key_locs[key] = SourceLocation("h.yaml", line + i + 1, 3)
        return out
    if isinstance(value, list):
        items = LocatedList(loc=loc)
        for i, v in enumerate(value):
            items.append(_locate(v, line + i + 1))
            items.item_locs.append(SourceLocation("h.yaml", line + i + 1, 5))
        return items
    if isinstance(value, str):
        return LocatedStr(value, loc)
    return value


POOL: list[Any] = [
    "s",
    "a,b",
    "",
    3,
    1.5,
    True,
    None,
    ["a", "b"],
    [1, {"a": "b"}],
    {"a": "b", "k": ["x"]},
    {},
    [],
    UNKNOWN,
    Sensitive("secret"),
    Sensitive({"a": "b"}),
    Sensitive(["x", "y"]),
    ["%a%", Sensitive("s")],
    {"a": UNKNOWN},
    "enabled",
]


def _pick(*parts: Any) -> Any:
    return POOL[zlib.crc32(repr(parts).encode()) % len(POOL)]


class RandomContext:
    """Answers every question with a value from POOL chosen by the question."""

    def parameter(self, name: str) -> Any:
        return _pick("p", name)

    def resource_id(self, name: str) -> Any:
        return _pick("r", name)

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        return _pick("a", name, attribute, path)

    def condition(self, name: str) -> bool:
        if name not in ("enabled", "disabled"):
            raise TemplateError.at(None, f"unknown condition `{name}`")
        return name == "enabled"


def _ctx(version: str) -> Any:
    return make_ctx(
        version,
        files={"f.txt": "text"},
        facade={"metadata": {"get_param": "p"}, "deletion_policy": "Delete"},
    )


def _check_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.location is not None
        assert "internal error" not in d.message, d.format()


def _evaluate(value: Any) -> None:
    try:
        result = evaluate(value, RandomContext())
    except AtonixError as exc:
        assert "internal error" not in exc.format(), exc.format()
        for d in exc.diagnostics:
            assert d.location is not None
        return
    assert not any(True for _ in walk(result))  # nothing left unevaluated
    assert result is OMIT or _no_omit_inside(result)


def _no_omit_inside(value: Any) -> bool:
    if value is OMIT:
        return False
    if isinstance(value, dict):
        return all(_no_omit_inside(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_omit_inside(v) for v in value)
    return True


SETTINGS = settings(
    max_examples=int(os.environ.get("FN_HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(st.sampled_from(HOT_VERSIONS), st.sampled_from(NAMES), data, st.booleans())
def test_any_arguments_to_any_function(version: str, name: str, args: Any, loc: bool) -> None:
    node = {name: args}
    if loc:
        node = _locate(node)
    ctx = _ctx(version)
    value = parse_value(node, ctx)  # must not raise
    _check_diagnostics(ctx.diagnostics)
    list(iter_references(value))
    unparse(value)
    _evaluate(value)


@SETTINGS
@given(st.sampled_from(HOT_VERSIONS), data, st.booleans())
def test_any_document(version: str, node: Any, loc: bool) -> None:
    if loc:
        node = _locate(node)
    ctx = _ctx(version)
    value = parse_value(node, ctx)
    _check_diagnostics(ctx.diagnostics)
    _evaluate(value)


@SETTINGS
@given(st.sampled_from(HOT_VERSIONS), data, st.booleans())
def test_any_condition(version: str, node: Any, loc: bool) -> None:
    if loc:
        node = _locate(node)
    ctx = _ctx(version)
    value = parse_condition(node, ctx)
    _check_diagnostics(ctx.diagnostics)
    _evaluate(value)


def _snapshot(value: Any) -> Any:
    """A comparable picture of a node, locations and NaNs included."""
    if isinstance(value, LocatedDict):
        return (
            "D",
            value.loc,
            [(_snapshot(k), _snapshot(v)) for k, v in value.items()],
            sorted(value.key_locs.items(), key=repr),
        )
    if isinstance(value, LocatedList):
        return ("L", value.loc, [_snapshot(v) for v in value], list(value.item_locs))
    if isinstance(value, dict):
        return ("d", [(_snapshot(k), _snapshot(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("l", [_snapshot(v) for v in value])
    if isinstance(value, LocatedStr):
        return ("S", str(value), value.loc)
    return (type(value).__name__, repr(value))


@SETTINGS
@given(data, st.booleans())
def test_parsing_never_changes_its_input(node: Any, loc: bool) -> None:
    if loc:
        node = _locate(node)
    before = _snapshot(node)
    parse_value(node, _ctx("2021-04-16"))
    assert _snapshot(node) == before


# Arguments of the right outline with plausible contents reach deeper into each function:
# plain values, plus a few well-formed calls whose results come from RandomContext.
_words = st.sampled_from(WORDS)
_URL_KEYS = ["scheme", "username", "password", "host", "port", "path", "query", "fragment"]
_calls = st.one_of(
    st.builds(lambda w: {"get_param": w}, _words),
    st.builds(lambda w: {"get_attr": ["s", w]}, _words),
    st.builds(lambda w: {"get_resource": w}, _words),
)
values = st.recursive(
    st.one_of(scalars, _words, _calls),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_words, children, max_size=4),
        st.builds(lambda a, b: {"if": ["enabled", a, b]}, children, children),
        st.builds(lambda a: {"if": ["disabled", a]}, children),
    ),
    max_leaves=12,
)


def _shaped(name: str) -> st.SearchStrategy[Any]:
    if name.startswith("str_replace"):
        return st.fixed_dictionaries(
            {
                "template": st.one_of(_words, values),
                "params": st.dictionaries(_words, values, max_size=4),
            }
        )
    if name == "repeat":
        return st.fixed_dictionaries(
            {
                "for_each": st.dictionaries(
                    _words, st.one_of(st.lists(_words, max_size=3), values), max_size=3
                ),
                "template": st.one_of(_words, values),
            },
            optional={"permutations": st.booleans()},
        )
    if name == "make_url":
        return st.dictionaries(st.sampled_from(_URL_KEYS), st.one_of(_words, values), max_size=5)
    if name in ("get_resource", "get_file", "resource_facade", "Ref", "Fn::Base64"):
        return st.one_of(_words, values)
    if name in ("not", "and", "or"):
        operand = st.one_of(st.sampled_from(["enabled", "disabled"]), st.booleans(), values)
        return operand if name == "not" else st.lists(operand, min_size=1, max_size=4)
    if name == "if":
        condition = st.one_of(st.sampled_from(["enabled", "disabled"]), st.booleans(), values)
        return st.tuples(condition, values, values).map(list) | st.tuples(condition, values).map(
            list
        )
    return st.lists(st.one_of(_words, values), min_size=1, max_size=4)


def _versions_with(name: str) -> list[str]:
    from atonix_iac.template.functions import condition_function_names, function_names

    return [
        v for v in HOT_VERSIONS if name in function_names(v) or name in condition_function_names(v)
    ]


@SETTINGS
@given(st.data(), st.booleans())
def test_shaped_arguments_to_every_function(draw: Any, loc: bool) -> None:
    name = draw.draw(st.sampled_from([n for n in NAMES if _versions_with(n)]))
    version = draw.draw(st.sampled_from(_versions_with(name)))
    node: Any = {name: draw.draw(_shaped(name))}
    if loc:
        node = _locate(node)
    ctx = _ctx(version)
    if name in ("equals", "not", "and", "or"):
        value = parse_condition(node, ctx)
    else:
        value = parse_value(node, ctx)
    _check_diagnostics(ctx.diagnostics)
    _evaluate(value)
