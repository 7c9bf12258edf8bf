"""The console's evaluation and printing, pure: no state store, no CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.planner.console import Console, console_text
from atonix_iac.planner.evaluation import KnownResource
from atonix_iac.template import load_template_from_files
from atonix_iac.template.expression import parse_expression
from atonix_iac.template.values import UNKNOWN, Sensitive

TEMPLATE = """heat_template_version: 2018-08-31
parameters:
  flavor: {type: string, default: m1.small}
resources:
  server: {type: OS::Heat::Value, properties: {value: x}}
  fip: {type: OS::Heat::Value, properties: {value: y}}
"""


@dataclass
class Params:
    values: dict[str, Any]
    sensitive: frozenset[str] = field(default_factory=frozenset)


def _console() -> tuple[Console, Any]:
    template = load_template_from_files("t.yaml", {"t.yaml": TEMPLATE})
    known = {"server": KnownResource("srv-1", {"first_address": "10.0.0.5"})}
    return Console(template, Params({"flavor": "m1.small"}), known), template


@pytest.mark.parametrize(
    ("line", "printed"),
    [
        ("{get_attr: [server, first_address]}", '"10.0.0.5"'),
        ("{get_resource: server}", '"srv-1"'),
        ("{get_param: flavor}", '"m1.small"'),
        ('{list_join: [",", [a, b]]}', '"a,b"'),
        ("{get_attr: [fip, floating_ip_address]}", "(known after apply)"),
        (
            '{str_replace: {template: "http://HOST", params: {HOST: {get_attr: [server, '
            "first_address]}}}}",
            '"http://10.0.0.5"',
        ),
        (
            "[1, true, null, {a: {get_attr: [fip, x]}}]",
            '[1, true, null, {"a": (known after apply)}]',
        ),
    ],
)
def test_expressions(line: str, printed: str) -> None:
    console, template = _console()
    value = parse_expression(line, template, source="<stdin>", line=3)
    assert console_text(console.evaluate(value, SourceLocation("<stdin>", 3, 1))) == printed


def test_text_masks_secrets_whole_and_marks_unknowns() -> None:
    assert console_text({"a": Sensitive("pw"), "b": 1}) == "(sensitive value)"
    assert console_text([UNKNOWN, "x"]) == '[(known after apply), "x"]'
    assert console_text({}) == "{}"


def test_errors_are_located_on_the_line() -> None:
    console, template = _console()
    with pytest.raises(TemplateError) as info:
        parse_expression("{get_param: nope}", template, source="<stdin>", line=7)
    (diagnostic,) = info.value.diagnostics
    assert str(diagnostic.location).startswith("<stdin>:7:")
