"""User mistakes are located one-line diagnostics (never tracebacks); secrets never print."""

from __future__ import annotations

import re

import pytest
from _cli_kit import STACK, Project

CYCLE = """heat_template_version: 2018-08-31
resources:
  a:
    type: OS::Heat::Value
    properties: {value: {get_attr: [b, value]}}
  b:
    type: OS::Heat::Value
    properties: {value: {get_attr: [a, value]}}
"""

TYPO = """heat_template_version: 2018-08-31
resources:
  network:
    type: OS::Heat::Value
    properties: {value: net}
  server:
    type: OS::Heat::Value
    properties: {value: {get_attr: [netwrok, value]}}
"""

LOCATED = re.compile(r"stack\.yaml:\d+:\d+: error: ")


@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
def test_a_cycle_is_located_and_exits_1(project: Project, command: str) -> None:
    project.write("stack.yaml", CYCLE)

    result = project.run(command, "-auto-approve") if command == "apply" else project.run(command)

    assert result.exit_code == 1
    assert LOCATED.search(result.stderr), result.stderr
    assert "Traceback" not in result.output


def test_a_typo_in_a_reference_is_located_with_a_hint(project: Project) -> None:
    project.write("stack.yaml", TYPO)

    result = project.process("plan")

    assert result.returncode == 1
    assert re.search(r"stack\.yaml:8:\d+: error: .*netwrok", result.stderr), result.stderr
    assert "network" in result.stderr  # did you mean
    assert "Traceback" not in result.stderr


def test_a_missing_template_is_a_usage_error(project: Project) -> None:
    result = project.run("plan", "nowhere.yaml")

    assert result.exit_code == 1
    assert "nowhere.yaml" in result.stderr and "Traceback" not in result.output


def test_a_generated_secret_never_appears_in_any_output(project: Project) -> None:
    project.write("stack.yaml", STACK)
    outputs = [project.run("apply", "-auto-approve").output]
    state = project.state()
    secret = state.resources["secret"].attributes["value"]
    assert isinstance(secret, str) and len(secret) == 16
    project.write("stack.yaml", STACK.replace("hello", "hi"))
    for args in (
        ["plan"],
        ["apply", "-auto-approve"],
        ["show"],
        ["output"],
        ["output", "-json"],
        ["output", "password"],
        ["state", "show", "secret"],
        ["state", "show", "uses_secret"],
        ["state", "pull"],
        ["refresh"],
        ["destroy", "-auto-approve"],
    ):
        outputs.append(project.run(*args).output)
    for text in outputs:
        assert secret not in text


EVERY_PHASE = """heat_template_version: 2015-04-30
parameters:
  web_port: {type: number, default: 80}
resources:
  a:
    type: OS::Heat::Value
    properties: {value: {get_attr: [b, value]}}
  b:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [a, value]}
      valeu: 3
  d:
    type: OS::Heat::Valu
    properties: {value: {get_param: web_prot}}
  f:
    type: OS::Heat::Value
    properties: {value: {map_merge: [{a: 1}, {b: 2}]}}
"""


def test_validate_reports_every_phase_at_once_in_source_order(project: Project) -> None:
    """Loading problems (unknown parameter, version gate) do not hide what the graph and the
    schemas find (cycle, unknown type, unknown property): one run shows them all."""
    project.write("stack.yaml", EVERY_PHASE)

    result = project.run("validate")

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if LOCATED.match(line)]
    assert [line.split(": error: ")[0] for line in errors] == [
        "stack.yaml:7:26",
        "stack.yaml:12:7",
        "stack.yaml:14:11",
        "stack.yaml:15:37",
        "stack.yaml:18:26",
    ]
    assert "dependency cycle between a, b" in errors[0]
    assert "unknown property `valeu`" in errors[1]
    assert "did you mean `OS::Heat::Value`?" in errors[2]
    assert "did you mean `web_port`?" in errors[3]
    assert "`map_merge` needs heat_template_version 2016-04-08" in errors[4]
    assert "Traceback" not in result.stderr
