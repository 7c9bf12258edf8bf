"""evaluate(): plain results, OMIT dropping, UNKNOWN and Sensitive propagation, references."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.expr import Reference, iter_references
from atonix_iac.template.functions import evaluate, parse_value
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr
from atonix_iac.template.values import OMIT, UNKNOWN, Sensitive
from tests.template_functions.fn_helpers import (
    FakeContext,
    ev,
    located,
    make_ctx,
    parse_ok,
)


def _all_plain(value: Any) -> bool:
    if isinstance(value, LocatedDict | LocatedList | LocatedStr):
        return False
    if isinstance(value, dict):
        return all(_all_plain(k) and _all_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_all_plain(v) for v in value)
    return True


def test_evaluate_returns_plain_data() -> None:
    value = parse_ok("a: [x, {b: c}]\nd: {get_param: p}\ne: 1\n")
    result = evaluate(value, FakeContext({"p": LocatedDict({"k": LocatedStr("v")})}))
    assert result == {"a": ["x", {"b": "c"}], "d": {"k": "v"}, "e": 1}
    assert _all_plain(result)
    assert type(result["a"][0]) is str


def test_evaluate_drops_omitted_items_and_keys_at_any_depth() -> None:
    value = {"a": [1, OMIT, {"b": OMIT, "c": [OMIT]}], "d": OMIT}
    assert evaluate(value, FakeContext()) == {"a": [1, {"c": []}]}
    assert evaluate(OMIT, FakeContext()) is OMIT


def test_evaluate_keeps_unknown_and_sensitive_values_in_place() -> None:
    secret = Sensitive("x")
    assert evaluate({"a": UNKNOWN, "b": [secret]}, FakeContext()) == {"a": UNKNOWN, "b": [secret]}


def test_a_failing_context_is_reported_at_the_call() -> None:
    class Broken(FakeContext):
        def resource_id(self, name: str) -> Any:
            raise KeyError(name)

    value = parse_ok("\n  {get_resource: s}")
    with pytest.raises(TemplateError) as exc:
        evaluate(value, Broken())
    d = exc.value.diagnostics[0]
    assert d.message == "internal error while evaluating `get_resource`: 's'"
    assert d.location == SourceLocation("t.yaml", 2, 4)


def test_references_collects_every_dependency() -> None:
    value = parse_ok(
        """
        a: {get_resource: net}
        b: {list_join: [',', [{get_attr: [srv, ip]}, {get_param: p}]]}
        c: {if: [enabled, {get_resource: x}, {get_resource: y}]}
        d: {repeat: {for_each: {'%i%': {get_attr: [grp, refs]}}, template: {get_resource: z}}}
        """
    )
    refs = list(iter_references(value))
    assert [(r.resource, r.attribute) for r in refs] == [
        ("net", None),
        ("srv", "ip"),
        ("x", None),
        ("y", None),
        ("grp", "refs"),
        ("z", None),
    ]
    assert all(isinstance(r, Reference) for r in refs)


# One case per function: an UNKNOWN argument gives UNKNOWN (the result depends on it).
UNKNOWN_CASES = [
    "{get_param: [m, {get_attr: [s, a]}]}",
    "{get_resource: pending}",
    "{get_attr: [pending, a]}",
    "{list_join: [',', [a, {get_attr: [s, a]}]]}",
    "{str_replace: {template: 'x $a', params: {$a: {get_attr: [s, a]}}}}",
    "{str_replace_strict: {template: {get_attr: [s, a]}, params: {$a: 1}}}",
    "{str_replace_vstrict: {template: 'x $a', params: {get_attr: [s, a]}}}",
    "{str_split: [',', {get_attr: [s, a]}]}",
    "{repeat: {for_each: {'%a%': {get_attr: [s, a]}}, template: x}}",
    "{digest: [sha256, {get_attr: [s, a]}]}",
    "{map_merge: [{a: 1}, {get_attr: [s, a]}]}",
    "{map_replace: [{get_attr: [s, a]}, {keys: {}}]}",
    "{map_replace: [{a: 1}, {keys: {a: {get_attr: [s, a]}}}]}",
    "{if: [{equals: [{get_param: later}, x]}, a, b]}",
    "{filter: [[a], {get_attr: [s, a]}]}",
    "{make_url: {scheme: http, host: {get_attr: [s, a]}}}",
    "{list_concat: [[a], {get_attr: [s, a]}]}",
    "{list_concat_unique: [[a], [{get_attr: [s, a]}]]}",
    "{contains: [{get_attr: [s, a]}, [a]]}",
    "{yaql: {expression: $.data.l.sum(), data: {l: [1, {get_attr: [s, a]}]}}}",
]


class _Later(FakeContext):
    def parameter(self, name: str) -> Any:
        return UNKNOWN if name == "later" else super().parameter(name)


@pytest.mark.parametrize("text", UNKNOWN_CASES)
def test_unknown_propagates(text: str) -> None:
    value = parse_ok(text)
    assert evaluate(value, _Later({"m": {"k": 1}}, pending={"pending"})) is UNKNOWN


def test_every_value_function_has_an_unknown_case() -> None:
    covered = {t.split(":")[0].strip("{'") for t in UNKNOWN_CASES}
    # get_file and resource_facade read static text; the CFN functions of
    # 2013-05-23 are covered in their own tests.
    assert covered == {
        "get_param",
        "get_resource",
        "get_attr",
        "list_join",
        "str_replace",
        "str_replace_strict",
        "str_replace_vstrict",
        "str_split",
        "repeat",
        "digest",
        "map_merge",
        "map_replace",
        "if",
        "filter",
        "make_url",
        "list_concat",
        "list_concat_unique",
        "contains",
        "yaql",
    }


def test_cfn_functions_propagate_unknown() -> None:
    for text in [
        "{'Fn::Join': [',', [{get_attr: [s, a]}]]}",
        "{'Fn::Split': [',', {get_attr: [s, a]}]}",
        "{'Fn::Replace': [{$a: {get_attr: [s, a]}}, '$a']}",
        "{'Fn::Base64': {get_attr: [s, a]}}",
        "{'Fn::Select': [0, {get_attr: [s, a]}]}",
    ]:
        assert ev(text, version="2013-05-23") is UNKNOWN, text


# Functions that build a string (or pick from) a secret give a Sensitive result.
SENSITIVE_CASES = [
    ("{get_param: pw}", "hunter2"),
    ("{get_param: [creds, pw]}", "hunter2"),
    ("{list_join: [':', [u, {get_param: pw}]]}", "u:hunter2"),
    ("{str_replace: {template: 'p=$p', params: {$p: {get_param: pw}}}}", "p=hunter2"),
    ("{str_replace: {template: {get_param: pw}, params: {h: H}}}", "Hunter2"),
    ("{str_split: ['t', {get_param: pw}, 0]}", "hun"),
    ("{map_merge: [{get_param: creds}]}", {"pw": "hunter2"}),
    ("{list_concat: [[{get_param: pw}]]}", ["hunter2"]),
    ("{repeat: {for_each: {'%x%': [{get_param: pw}]}, template: '%x%'}}", ["hunter2"]),
    ("{make_url: {scheme: https, host: h, password: {get_param: pw}}}", "https://:hunter2@h"),
]


@pytest.mark.parametrize(("text", "plain"), SENSITIVE_CASES)
def test_sensitive_inputs_give_sensitive_results(text: str, plain: Any) -> None:
    params = {"pw": Sensitive("hunter2"), "creds": Sensitive({"pw": "hunter2"})}
    result = ev(text, params)
    if isinstance(result, list):  # items may be secret themselves
        assert "hunter2" not in repr(result)
        result = Sensitive(result)
    assert isinstance(result, Sensitive), result
    assert result == plain
    assert "hunter2" not in repr(result) and "hunter2" not in str(result)


def test_ten_thousand_resources_share_call_free_data() -> None:
    """Parse and evaluate 10,000 resources' properties: call-free data is shared, never copied.
    How long it takes is the benchmarks' business (bench/), not a timed assertion here."""
    props = located(
        """
        name: {list_join: ['-', [{get_param: 'OS::stack_name'}, web, {get_param: idx}]]}
        flavor: {get_param: flavor}
        networks: [{port: {get_resource: port}}]
        metadata: {a: 1, b: [x, y], c: {d: e}}
        user_data:
          str_replace:
            template: "#!/bin/sh\\necho $NAME $IP\\n"
            params: {$NAME: {get_param: flavor}, $IP: {get_attr: [port, fixed_ips, 0, ip]}}
        tags: {if: [enabled, [a, b], [c]]}
        """
    )
    ctx = make_ctx()
    resolve_ctx = FakeContext({"flavor": "m1", "idx": "1"}, pending={"port"})
    parsed = [parse_value(props, ctx) for _ in range(10_000)]
    results = [evaluate(value, resolve_ctx) for value in parsed]
    assert parsed[0]["metadata"] is props["metadata"]  # call-free data is shared, not copied
    assert all(r == results[0] for r in results)
