"""A group's member ``type: {get_param: P}`` (Heat resolves the definition before it builds
members): taken from the parameter's default, an environment or a command-line value when
the template loads; otherwise one located error naming the parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from atonix_iac.errors import TemplateError
from atonix_iac.planner.groups import expand_groups
from atonix_iac.state.model import StackKey, State
from atonix_iac.template import bind_parameters, load_template

KEY = StackKey("default", "dev", "member-type")

MAIN = """heat_template_version: 2015-10-15
parameters:
  member: {type: string%s}
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 2
      max_size: 3
      resource:
        type: {get_param: member}
        properties: {label: hi}
"""
MEMBER = """heat_template_version: 2015-10-15
parameters:
  label: {type: string}
resources:
  word:
    type: OS::Heat::RandomString
    properties: {salt: {get_param: label}}
"""


def _write(tmp_path: Path, default: str = "") -> Path:
    (tmp_path / "member.yaml").write_text(MEMBER)
    main = tmp_path / "main.yaml"
    main.write_text(MAIN % default)
    return main


def _member_types(main: Path, env: list[Path], member: str, **kwargs: object) -> list[str]:
    template = load_template(main, env, **kwargs)  # type: ignore[arg-type]
    params = bind_parameters(
        template, {"member": member}, stack_name="s", stack_id="i", project_id="p", region="r"
    )
    expanded = expand_groups(template, params, State(KEY))
    return sorted(spec.type for spec in expanded.resources.values())


def test_member_template_from_an_environment_parameter(tmp_path: Path) -> None:
    env = tmp_path / "env.yaml"
    env.write_text("parameters:\n  member: member.yaml\n")
    types = _member_types(_write(tmp_path), [env], "member.yaml")
    assert types == ["OS::Heat::AutoScalingGroup", *["OS::Heat::RandomString"] * 2]


def test_member_type_from_a_default(tmp_path: Path) -> None:
    types = _member_types(_write(tmp_path, ", default: OS::Heat::None"), [], "OS::Heat::None")
    assert types == ["OS::Heat::AutoScalingGroup", *["OS::Heat::None"] * 2]


def test_member_template_from_a_command_line_value(tmp_path: Path) -> None:
    template_vars = {"member": "member.yaml"}
    template = load_template(_write(tmp_path), template_vars=template_vars)
    assert template.template_vars == template_vars  # a saved plan reloads the same member
    types = _member_types(_write(tmp_path), [], "member.yaml", template_vars=template_vars)
    assert types.count("OS::Heat::RandomString") == 2


def test_unknown_member_type_parameter_is_one_located_error(tmp_path: Path) -> None:
    main = _write(tmp_path)
    with pytest.raises(TemplateError) as caught:
        _member_types(main, [], "member.yaml")
    text = caught.value.format()
    assert "main.yaml:11:15" in text
    assert "comes from parameter `member`" in text and "environment file" in text
