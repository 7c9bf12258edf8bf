"""Parameter definitions (shape, constraints, defaults) and binding values to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from atonix_iac.errors import Diagnostic, ParameterError, SourceLocation, UsageError
from atonix_iac.template.model import Template
from atonix_iac.template.parameter_defs import parse_parameters
from atonix_iac.template.parameters import (
    bind_parameters,
    load_var_file,
    parse_var_assignments,
)
from atonix_iac.template.source import parse_document
from atonix_iac.template.values import UNKNOWN, Sensitive

STACK = {"stack_name": "s", "stack_id": "id-1", "project_id": "p", "region": "r"}


def definitions(text: str, version: str = "2018-08-31") -> tuple[dict[str, Any], list[Diagnostic]]:
    doc = parse_document("t.yaml", text)
    diags: list[Diagnostic] = []
    return parse_parameters(doc, SourceLocation("t.yaml"), version, diags), diags


def template(text: str, **env: Any) -> Template:
    params, diags = definitions(text)
    assert diags == []
    return Template(
        source="t.yaml",
        version="2018-08-31",
        description=None,
        parameters=params,
        parameter_groups=(),
        resources={},
        outputs={},
        conditions={},
        environment_parameters=env.get("parameters", {}),
        environment_parameter_defaults=env.get("defaults", {}),
        environment_parameter_sources={
            k: SourceLocation("env.yaml", 2, 3)
            for k in [*env.get("parameters", {}), *env.get("defaults", {})]
        },
    )


def bind(tmpl: Template, values: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    return bind_parameters(tmpl, values or {}, **STACK, **kw).values


ALL_TYPES = """\
n: {type: number}
b: {type: boolean}
l: {type: comma_delimited_list}
j: {type: json}
s: {type: string}
"""


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("n", "42", 42),
        ("n", "1.5", 1.5),
        ("n", 7, 7),
        *[("b", text, True) for text in ("t", "true", "On", "y", "YES", "1", True)],
        *[("b", text, False) for text in ("f", "False", "off", "n", "no", "0", False)],
        ("l", "a, b,c", ["a", "b", "c"]),
        ("l", ["x", "y"], ["x", "y"]),
        ("l", "", []),
        ("j", '{"k": [1]}', {"k": [1]}),
        ("j", {"k": 1}, {"k": 1}),
        ("j", "[1, 2]", [1, 2]),
        ("s", 8080, "8080"),
        ("s", "text", "text"),
    ],
)
def test_values_are_coerced_as_heat_does(name: str, given: Any, expected: Any) -> None:
    tmpl = template(ALL_TYPES)
    values = bind(tmpl, {name: given}, check_required=False)
    assert values[name] == expected


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("n", "ten", "is not a valid number"),
        ("b", "maybe", "is not a valid boolean"),
        ("j", "{oops", "invalid JSON"),
        ("j", "3", "JSON must be an object or a list"),
        ("s", {"a": 1}, "expected a string"),
    ],
)
def test_bad_values_are_located_at_the_definition(name: str, given: Any, message: str) -> None:
    tmpl = template(ALL_TYPES)
    with pytest.raises(ParameterError, match=message) as info:
        bind(tmpl, {name: given}, check_required=False)
    diag = info.value.diagnostics[0]
    assert diag.location == tmpl.parameters[name].location
    assert diag.hint == "from -var"


CONSTRAINED = """\
name:
  type: string
  constraints:
    - length: {min: 2, max: 4}
    - allowed_pattern: "[a-z]+"
      description: lower-case letters only
size:
  type: number
  constraints:
    - range: {min: 1, max: 10}
    - modulo: {step: 2, offset: 1}
flavor:
  type: string
  constraints:
    - allowed_values: [small, large]
    - custom_constraint: nova.flavor
zones:
  type: comma_delimited_list
  constraints:
    - allowed_values: [a, b]
    - length: {max: 2}
"""


def test_every_constraint_kind_is_checked_and_all_failures_reported() -> None:
    tmpl = template(CONSTRAINED)
    good = bind(tmpl, {"name": "abc", "size": 3, "flavor": "small", "zones": "a,b"})
    assert good["size"] == 3
    with pytest.raises(ParameterError) as info:
        bind(tmpl, {"name": "ABCDE", "size": 12, "flavor": "tiny", "zones": "a,c,b"})
    messages = [d.message for d in info.value.diagnostics]
    assert messages == [
        "parameter `name`: length of 'ABCDE' must be between 2 and 4 (is 5)",
        "parameter `name`: lower-case letters only",
        "parameter `size`: 12 must be between 1 and 10",
        "parameter `size`: 12 must be 1 modulo 2",
        "parameter `flavor`: 'tiny' is not one of the allowed values [small, large]",
        "parameter `zones`: 'c' is not one of the allowed values [a, b]",
        'parameter `zones`: length of ["a", "c", "b"] must be at most 2 (is 3)',
    ]


def test_allowed_pattern_must_match_the_whole_value_the_heat_way() -> None:
    tmpl = template('p: {type: string, constraints: [{allowed_pattern: "a|ab"}]}\n')
    with pytest.raises(ParameterError, match="does not match the pattern"):
        bind(tmpl, {"p": "ab"})


def test_precedence_defaults_then_env_defaults_then_env_then_explicit() -> None:
    text = "a: {type: string, default: t}\nb: {type: string, default: t}\n"
    text += "c: {type: string, default: t}\nd: {type: string, default: t}\n"
    tmpl = template(
        text,
        defaults={"b": "envdef", "c": "envdef", "d": "envdef"},
        parameters={"c": "env", "d": "env"},
    )
    values = bind(tmpl, {"d": "cli"})
    assert [values[k] for k in "abcd"] == ["t", "envdef", "env", "cli"]


def test_error_names_the_env_file_a_bad_value_came_from() -> None:
    tmpl = template("n: {type: number}\n", parameters={"n": "x"})
    with pytest.raises(ParameterError) as info:
        bind(tmpl)
    assert info.value.diagnostics[0].hint == "from env.yaml"


def test_hidden_values_are_sensitive_and_never_shown() -> None:
    tmpl = template("pw:\n  type: string\n  hidden: true\n  constraints: [{length: {min: 8}}]\n")
    bound = bind_parameters(tmpl, {"pw": "longenough"}, **STACK)
    assert isinstance(bound.values["pw"], Sensitive)
    assert bound.values["pw"] == "longenough"
    assert bound.sensitive == frozenset({"pw"})
    with pytest.raises(ParameterError) as info:
        bind(tmpl, {"pw": "short-1"})
    assert "short-1" not in info.value.format()


def test_missing_required_parameters_are_reported_together() -> None:
    tmpl = template("a: {type: string}\nb: {type: number}\nc: {type: string, default: x}\n")
    with pytest.raises(ParameterError) as info:
        bind(tmpl)
    assert [d.message for d in info.value.diagnostics] == [
        "parameter `a` needs a value",
        "parameter `b` needs a value",
    ]
    # validate binds without them: they are values not known yet, not errors.
    assert bind(tmpl, check_required=False) == {
        "a": UNKNOWN,
        "b": UNKNOWN,
        "c": "x",
        "OS::stack_name": "s",
        "OS::stack_id": "id-1",
        "OS::project_id": "p",
        "OS::region": "r",
    }


def test_unknown_supplied_names_are_rejected_with_did_you_mean() -> None:
    tmpl = template("flavor: {type: string, default: x}\n", parameters={"imgae": "y"})
    with pytest.raises(ParameterError) as info:
        bind(tmpl, {"flavour": "m1"})
    assert [d.format() for d in info.value.diagnostics] == [
        "env.yaml:2:3: error: value given for unknown parameter `imgae` (from env.yaml) "
        "(Heat rejects undefined parameters)",
        "t.yaml: error: value given for unknown parameter `flavour` (from -var) "
        "(did you mean `flavor`?)",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p: {type: strnig}\n", "unknown type `strnig` (did you mean `string`?)"),
        ("p: {typ: string}\n", "invalid key `typ` in parameter `p` (did you mean `type`?)"),
        ("p: {type: number, default: abc}\n", "default of parameter `p`: 'abc' is not a valid"),
        (
            "p: {type: number, default: 0, constraints: [{range: {min: 1}}]}\n",
            "default of parameter `p` breaks a constraint: 0 must be at least 1",
        ),
        ("p: {type: string, constraints: [{range: {min: 1}}]}\n", "does not apply to a string"),
        ("p: {type: number, constraints: [{range: {min: 3, max: 1}}]}\n", "min 3 above max 1"),
        ("p: {type: number, constraints: [{range: {low: 3}}]}\n", "takes `min` and `max`"),
        ("p: {type: string, constraints: [{length: {min: -1}}]}\n", "non-negative integer"),
        ("p: {type: number, constraints: [{modulo: {step: 0, offset: 0}}]}\n", "cannot be 0"),
        ("p: {type: number, constraints: [{modulo: {step: 2, offset: 3}}]}\n", "smaller than"),
        ("p: {type: number, constraints: [{modulo: {step: 2}}]}\n", "exactly `step` and"),
        ("p: {type: string, constraints: [{allowed_pattern: '[a-'}]}\n", "not a valid regex"),
        ("p: {type: string, constraints: [{allowed_values: []}]}\n", "non-empty list"),
        ("p: {type: string, constraints: [{allowd_values: [a]}]}\n", "did you mean"),
        ("p: {type: string, constraints: [{description: x}]}\n", "names no kind"),
        ("p: {type: string, hidden: maybe}\n", "must be true or false"),
        ("p: {type: string, tags: [1]}\n", "must be a list of strings"),
    ],
)
def test_definition_errors(text: str, message: str) -> None:
    _params, diags = definitions(text)
    assert any(message in d.format() for d in diags), [d.format() for d in diags]
    assert all(d.location is not None and d.location.line > 0 for d in diags)


def test_version_gates_on_modulo_and_tags() -> None:
    text = "p: {type: number, tags: [x], constraints: [{modulo: {step: 2, offset: 0}}]}\n"
    _params, diags = definitions(text, version="2016-10-14")
    assert [d.message for d in diags] == [
        "invalid key `tags` in parameter `p`",
        "the `modulo` constraint needs heat_template_version 2017-02-24 or later",
    ]
    _params, diags = definitions(text, version="2018-03-02")
    assert diags == []


def test_parse_var_assignments() -> None:
    assert parse_var_assignments(["a=1", "b=x=y", "a=2"]) == {"a": "2", "b": "x=y"}
    with pytest.raises(UsageError, match="expected NAME=VALUE"):
        parse_var_assignments(["novalue"])


def test_var_files_plain_and_environment_shaped(tmp_path: Path) -> None:
    plain = tmp_path / "vars.yaml"
    plain.write_text("flavor: m1\ncount: 2\n")
    assert load_var_file(plain) == {"flavor": "m1", "count": 2}
    envish = tmp_path / "env.yaml"
    envish.write_text("parameter_defaults: {a: 1, b: 1}\nparameters: {b: 2}\n")
    assert load_var_file(envish) == {"a": 1, "b": 2}
    js = tmp_path / "vars.json"
    js.write_text('{"x": [1]}')
    assert load_var_file(js) == {"x": [1]}
    with pytest.raises(UsageError, match="no such file"):
        load_var_file(tmp_path / "missing.yaml")
