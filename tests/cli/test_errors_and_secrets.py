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
