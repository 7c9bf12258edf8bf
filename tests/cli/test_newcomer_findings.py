"""Bugs a new user hit driving the CLI on templates the suite had not seen (one test each)."""

from __future__ import annotations

from _cli_kit import Project

BAD_ATTRIBUTES = """\
heat_template_version: 2018-08-31
resources:
  a:
    type: OS::Heat::Value
    properties:
      value: 1
  b:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [a, valeu]}
outputs:
  o:
    value: {get_attr: [a, vaule]}
"""


def test_validate_reports_an_unknown_attribute_in_an_output(project: Project) -> None:
    project.write("stack.yaml", BAD_ATTRIBUTES)
    result = project.run("validate")
    assert result.exit_code == 1
    assert "stack.yaml:10:15: error: `a` (OS::Heat::Value) has no attribute `valeu`" in (
        result.stderr
    )
    assert "stack.yaml:13:13: error: `a` (OS::Heat::Value) has no attribute `vaule`" in (
        result.stderr
    )


def test_plan_refuses_an_unknown_attribute_like_validate(project: Project) -> None:
    project.write("stack.yaml", BAD_ATTRIBUTES)
    result = project.run("plan")
    assert result.exit_code == 1
    assert "has no attribute `valeu` (did you mean `value`?)" in result.stderr
    assert "has no attribute `vaule` (did you mean `value`?)" in result.stderr
    assert project.state().resources == {}
