"""get_param, get_resource, get_attr, get_file, resource_facade, Ref."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import SourceLocation
from atonix_iac.template.expr import Reference, iter_references
from atonix_iac.template.functions import evaluate, parse_value
from atonix_iac.template.values import UNKNOWN, Sensitive
from tests.template_functions.fn_helpers import (
    FakeContext,
    ev,
    ev_error,
    located,
    make_ctx,
    parse_error,
    parse_ok,
)

PARAMS: dict[str, Any] = {
    "flavor": "m1.small",
    "m": {"a": ["x", "y", "z"], "b": {"c": 1}, "n": None},
    "nets": ["n1", "n2"],
    "which": "flavor",
    "key": "b",
    "secret": Sensitive({"user": "admin", "pw": "hunter2"}),
}

# ---------------------------------------------------------------- get_param


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{get_param: flavor}", "m1.small"),
        ("{get_param: [flavor]}", "m1.small"),
        ("{get_param: [m, a]}", ["x", "y", "z"]),
        ("{get_param: [m, a, 1]}", "y"),
        ("{get_param: [m, a, '2']}", "z"),  # a string index into a list, as Heat
        ("{get_param: [m, a, -1]}", "z"),
        ("{get_param: [m, b, c]}", 1),
        ("{get_param: [m, n]}", None),
        ("{get_param: [flavor, 1]}", "1"),  # strings are sequences in Heat
        ("{get_param: [m, {get_param: key}, c]}", 1),
        ("{get_param: {get_param: which}}", "m1.small"),
        ("{get_param: [{get_param: which}]}", "m1.small"),
        ("{get_param: 'OS::stack_name'}", "teststack"),
        ("{get_param: 'OS::region'}", "RegionOne"),
    ],
)
def test_get_param(text: str, expected: Any) -> None:
    assert ev(text, PARAMS) == expected


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("{get_param: [m, aa]}", "`get_param` [m, 'aa']: the map has no key 'aa'", None),
        ("{get_param: [m, bb]}", "`get_param` [m, 'bb']: the map has no key 'bb'", None),
        (
            "{get_param: [m, a, 3]}",
            "`get_param` [m, 'a', 3]: index 3 is out of range (the list has 3 items)",
            None,
        ),
        (
            "{get_param: [nets, x]}",
            "`get_param` [nets, 'x']: a list index must be an integer, not 'x'",
            None,
        ),
        (
            "{get_param: [m, b, c, d]}",
            "`get_param` [m, 'b', 'c', 'd']: cannot look up 'd' in the number 1",
            None,
        ),
    ],
)
def test_get_param_path_errors_are_located_at_the_call(
    text: str, message: str, hint: str | None
) -> None:
    d = ev_error(f"\n  {text}", PARAMS)
    assert d.message == message
    assert d.location == SourceLocation("t.yaml", 2, 4)


def test_get_param_missing_key_suggests() -> None:
    d = ev_error("{get_param: [m, bee]}", {"m": {"bees": 1}})
    assert d.hint == "did you mean `bees`?"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("v: {get_param: {a: 1, b: 2}}", "`get_param` takes a parameter name or a list", 16),
        ("v: {get_param: 3}", "`get_param` takes a parameter name or a list", 5),
        ("v: {get_param: []}", "`get_param` needs a parameter name", 16),
        ("v: {get_param: [[a]]}", "the parameter name of `get_param` must be a string", 17),
        (
            "v: {get_param: [m, [a]]}",
            "path components of `get_param` must be strings or integers",
            20,
        ),
        (
            "v: {get_param: [m, 1.5]}",
            "path components of `get_param` must be strings or integers",
            20,
        ),
    ],
)
def test_get_param_argument_errors(text: str, message: str, column: int) -> None:
    d = parse_error(text)
    assert d.message.startswith(message)
    assert d.location == SourceLocation("t.yaml", 1, column)


def test_get_param_of_a_sensitive_value_stays_sensitive() -> None:
    whole = ev("{get_param: secret}", PARAMS)
    assert isinstance(whole, Sensitive)
    part = ev("{get_param: [secret, pw]}", PARAMS)
    assert isinstance(part, Sensitive)
    assert part.value == "hunter2"
    assert "hunter2" not in repr(part)


def test_get_param_with_an_unknown_path_component_is_unknown() -> None:
    assert ev("{get_param: [m, {get_attr: [s, key]}]}", PARAMS) is UNKNOWN


def test_get_param_missing_parameter_is_the_contexts_error() -> None:
    d = ev_error("{get_param: nope}", PARAMS)
    assert d.message == "parameter `nope` has no value"


# ---------------------------------------------------------------- get_resource


def test_get_resource_and_its_reference() -> None:
    value = parse_ok("\n  {get_resource: server}")
    assert evaluate(value, FakeContext()) == "id-server"
    assert evaluate(value, FakeContext(pending={"server"})) is UNKNOWN
    assert list(value.references()) == [Reference("server", None, SourceLocation("t.yaml", 2, 4))]


@pytest.mark.parametrize("arg", ["[server]", "{get_param: x}", "3", "null"])
def test_get_resource_takes_a_name(arg: str) -> None:
    d = parse_error(f"{{get_resource: {arg}}}")
    assert d.message.startswith("`get_resource` takes a resource name (a string), not ")


# ---------------------------------------------------------------- get_attr

ATTRS: dict[tuple[str, str | None], Any] = {
    ("server", "networks"): {"private": ["10.0.0.5", "fd00::5"]},
    ("server", "first_address"): "10.0.0.5",
    ("server", None): {"first_address": "10.0.0.5", "name": "vm"},
}


def test_get_attr_hands_the_path_to_the_resource() -> None:
    ctx = FakeContext(attributes=ATTRS)
    value = parse_ok("{get_attr: [server, networks, private, 0]}")
    assert evaluate(value, ctx) == "10.0.0.5"
    assert ctx.asked == [("server", "networks", ("private", 0))]


def test_get_attr_2013_applies_the_path_to_the_value() -> None:
    ctx = FakeContext(attributes=ATTRS)
    value = parse_ok("{get_attr: [server, networks, private, 1]}", "2013-05-23")
    assert evaluate(value, ctx) == "fd00::5"
    assert ctx.asked == [("server", "networks", ())]
    missing = parse_ok("{get_attr: [server, networks, public, 0]}", "2013-05-23")
    assert evaluate(missing, FakeContext(attributes=ATTRS)) is None


def test_get_attr_all_attributes() -> None:
    ctx = FakeContext(attributes=ATTRS)
    value = parse_ok("{get_attr: [server]}", "2015-10-15")
    assert evaluate(value, ctx) == {"first_address": "10.0.0.5", "name": "vm"}
    assert ctx.asked == [("server", None, ())]


@pytest.mark.parametrize("version", ["2013-05-23", "2014-10-16", "2015-04-30"])
def test_get_attr_all_attributes_needs_2015_10_15(version: str) -> None:
    d = parse_error("v: {get_attr: [server]}", version)
    assert d.message == (
        "`get_attr` with only a resource name (all attributes) needs heat_template_version "
        f"2015-10-15 or later (this template is {version})"
    )
    assert d.location == SourceLocation("t.yaml", 1, 15)


def test_get_attr_of_a_resource_not_yet_created_is_unknown() -> None:
    assert ev("{get_attr: [server, first_address]}", pending={"server"}) is UNKNOWN
    assert ev("{get_attr: [server, nothing]}", attributes=ATTRS) is UNKNOWN


def test_get_attr_computed_attribute_and_path() -> None:
    params = {"attr": "networks", "net": "private"}
    text = "{get_attr: [server, {get_param: attr}, {get_param: net}, 0]}"
    assert ev(text, params, attributes=ATTRS) == "10.0.0.5"
    unknown = "{get_attr: [server, networks, {get_attr: [other, name]}]}"
    assert ev(unknown, attributes=ATTRS) is UNKNOWN


def test_get_attr_references() -> None:
    value = parse_ok("{get_attr: [server, networks, private, {get_attr: [other, i]}, 0]}")
    loc = SourceLocation("t.yaml", 1, 2)
    assert list(value.references()) == [
        Reference("server", "networks", loc, ("private",)),
        Reference("other", "i", SourceLocation("t.yaml", 1, 41)),
    ]
    everything = parse_ok("{get_attr: [server]}")
    assert list(everything.references()) == [Reference("server", None, loc)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{get_attr: server}",
            "`get_attr` takes a list [resource_name] or [resource_name, attribute",
        ),
        ("{get_attr: []}", "`get_attr` takes a list"),
        ("{get_attr: [{get_param: r}, a]}", "the resource name of `get_attr` must be a string"),
        ("{get_attr: [server, 3]}", "the attribute name of `get_attr` must be a string"),
        (
            "{get_attr: [server, a, [x]]}",
            "path components of `get_attr` must be strings or integers",
        ),
    ],
)
def test_get_attr_argument_errors(text: str, message: str) -> None:
    assert parse_error(text).message.startswith(message)


def test_get_attr_sensitive_attribute_selected_in_2013_stays_sensitive() -> None:
    attrs = {("db", "creds"): Sensitive({"pw": "s3cret"})}
    value = ev("{get_attr: [db, creds, pw]}", version="2013-05-23", attributes=attrs)
    assert isinstance(value, Sensitive)
    assert value.value == "s3cret"


# ---------------------------------------------------------------- get_file


@pytest.mark.parametrize(
    "url",
    ["http://example.com/x.sh", "https://example.com/x.sh", "file:///etc/passwd", "ftp://h/x"],
)
def test_remote_get_file_is_refused(url: str) -> None:
    d = parse_error(f"v:\n  get_file: '{url}'\n")
    assert d.message == f"remote get_file is not supported: `{url}` is a URL"
    assert d.location == SourceLocation("t.yaml", 2, 13)


@pytest.mark.parametrize("arg", ["{get_param: path}", "[a, b]", "3"])
def test_get_file_takes_a_static_path(arg: str) -> None:
    d = parse_error(f"{{get_file: {arg}}}")
    assert d.message.startswith("`get_file` takes a file path (a plain string), not ")


def test_get_file_missing_file_is_the_readers_located_error() -> None:
    d = parse_error("v: {get_file: missing.txt}")
    assert d.message == "cannot read `missing.txt`: no such file"
    assert d.location == SourceLocation("t.yaml", 1, 15)


def test_get_file_unsupported_without_a_reader() -> None:
    ctx = make_ctx()
    ctx.read_file = None
    parse_value(located("{get_file: x.txt}"), ctx)
    assert [d.message for d in ctx.diagnostics] == ["`get_file` is not supported here"]


def test_get_file_content_is_plain_text() -> None:
    files = {"a.txt": "line 1\nline 2\n"}
    assert ev("{list_join: ['', [{get_file: a.txt}, end]]}", files=files) == "line 1\nline 2\nend"


# ---------------------------------------------------------------- resource_facade


def test_resource_facade_outside_a_nested_stack() -> None:
    d = parse_error("{resource_facade: metadata}")
    assert d.message == "`resource_facade` is not supported outside a nested stack"


def test_resource_facade_reads_the_parent() -> None:
    facade = {"metadata": {"role": "web"}, "deletion_policy": "Retain", "update_policy": None}
    assert ev("{resource_facade: metadata}", facade=facade) == {"role": "web"}
    assert ev("{resource_facade: deletion_policy}", facade=facade) == "Retain"


def test_resource_facade_argument() -> None:
    d = parse_error("{resource_facade: tags}", facade={})
    assert d.message == (
        "`resource_facade` takes one of metadata, deletion_policy, update_policy, "
        "not the string 'tags'"
    )


# ---------------------------------------------------------------- Ref (2013-05-23)


def test_ref_is_get_resource_for_a_resource_and_get_param_otherwise() -> None:
    kwargs: dict[str, Any] = {"resources": {"server"}, "parameters": {"flavor"}}
    res = parse_ok("{Ref: server}", "2013-05-23", **kwargs)
    assert evaluate(res, FakeContext()) == "id-server"
    assert [r.resource for r in iter_references(res)] == ["server"]
    param = parse_ok("{Ref: flavor}", "2013-05-23", **kwargs)
    assert evaluate(param, FakeContext(PARAMS)) == "m1.small"
    d = parse_error("{Ref: flavr}", "2013-05-23", **kwargs)
    assert (d.message, d.hint) == (
        "unknown parameter or resource `flavr`",
        "did you mean `flavor`?",
    )
