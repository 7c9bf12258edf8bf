"""OS::Heat::Stack with a template written in the template (inline or get_file): flattened
into the parent, its outputs read as Heat reads them, applied for real."""

from __future__ import annotations

import pytest
from _apply_kit import Stack

from atonix_iac.errors import AtonixError, TemplateError

CHILD = """heat_template_version: 2018-08-31
parameters:
  label: {type: string}
  count: {type: string, default: "2"}
resources:
  inner:
    type: OS::Heat::Value
    properties:
      value: {list_join: ['-', [{get_param: label}, {get_param: count}]]}
outputs:
  joined:
    value: {get_attr: [inner, value]}
  fixed:
    value: constant
"""

INLINE = """
resources:
  source:
    type: OS::Heat::Value
    properties: {value: blue}
  nested:
    type: OS::Heat::Stack
    properties:
      template: |
CHILD_HERE
      parameters:
        label: {get_attr: [source, value]}
  reader:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [nested, outputs, joined]}
outputs:
  all:
    value: {get_attr: [nested, outputs]}
  id:
    value: {get_resource: nested}
""".replace("CHILD_HERE", "\n".join("        " + line for line in CHILD.splitlines()))


def test_an_inline_nested_stack_is_applied_and_its_outputs_read(stack: Stack) -> None:
    result = stack.apply(INLINE)
    state = stack.state()
    assert "nested.inner" in state.resources
    assert state.resources["reader"].attributes["value"] == "blue-2"
    assert result.outputs["all"] == {"joined": "blue-2", "fixed": "constant"}
    assert result.outputs["id"]
    # The inner resource waits for what its parameters name: changing it updates through.
    again = stack.apply(INLINE.replace("value: blue", "value: green"))
    assert set(again.updated) >= {"source", "nested.inner", "reader"}
    assert stack.state().resources["reader"].attributes["value"] == "green-2"


def test_a_nested_stack_from_get_file_with_an_unknown_parameter_is_located(stack: Stack) -> None:
    (stack.root / "child.yaml").write_text(CHILD)
    body = """
resources:
  nested:
    type: OS::Heat::Stack
    properties:
      template: {get_file: child.yaml}
      parameters: {label: x, colour: red}
"""
    with pytest.raises(TemplateError) as err:
        stack.load(body)
    text = err.value.format()
    assert "unknown property `colour`" in text
    assert "stack.yaml:8:" in text
    fixed = body.replace(", colour: red", "")
    stack.apply(fixed + "outputs:\n  out: {value: {get_attr: [nested, outputs, joined]}}\n")
    assert stack.state().outputs["out"] == "x-2"


def test_a_nested_stack_in_another_region_is_refused_at_bind(stack: Stack) -> None:
    (stack.root / "child.yaml").write_text(CHILD)
    body = """
resources:
  nested:
    type: OS::Heat::Stack
    properties:
      template: {get_file: child.yaml}
      parameters: {label: x}
      context: {region_name: REGION}
"""
    # Its own region (the kit binds RegionOne) is fine.
    stack.apply(body.replace("REGION", "RegionOne"))
    with pytest.raises(AtonixError) as err:
        stack.load(body.replace("REGION", "RegionTwo"))
    text = err.value.format()
    assert "nested stack `nested` names region `RegionTwo`" in text
    assert "deployed to `RegionOne`" in text
    assert "stack.yaml:4:3" in text


def test_an_output_that_is_not_there_reads_none_as_in_heat(stack: Stack) -> None:
    (stack.root / "child.yaml").write_text(CHILD)
    body = """
resources:
  nested:
    type: OS::Heat::Stack
    properties:
      template: {get_file: child.yaml}
      parameters: {label: x}
outputs:
  out: {value: {get_attr: [nested, outputs, joind]}}
"""
    assert stack.apply(body).outputs["out"] is None


CFN_PARENT = """
resources:
  source:
    type: OS::Heat::Value
    properties: {value: red}
  nested:
    type: AWS::CloudFormation::Stack
    properties:
      TemplateURL: nested/child.yaml
      TimeoutInMinutes: 5
      Parameters:
        label: {get_attr: [source, value]}
        count: "3"
  reader:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [nested, Outputs.joined]}
outputs:
  fixed:
    value: {get_attr: [nested, Outputs.fixed]}
  id:
    value: {get_resource: nested}
"""


def test_a_cloudformation_stack_reads_its_template_url_and_outputs(stack: Stack) -> None:
    (stack.root / "nested").mkdir()
    (stack.root / "nested" / "child.yaml").write_text(CHILD)
    result = stack.apply(CFN_PARENT)
    state = stack.state()
    assert "nested.inner" in state.resources
    assert state.resources["reader"].attributes["value"] == "red-3"
    assert result.outputs["fixed"] == "constant"
    assert result.outputs["id"]
    again = stack.apply(CFN_PARENT.replace("value: red", "value: teal"))
    assert set(again.updated) >= {"source", "nested.inner", "reader"}
    assert stack.state().resources["reader"].attributes["value"] == "teal-3"


def test_a_cloudformation_stack_with_a_missing_template_is_located(stack: Stack) -> None:
    with pytest.raises(TemplateError) as err:
        stack.load(CFN_PARENT)
    text = err.value.format()
    assert "nested/child.yaml` does not exist" in text
    assert "stack.yaml:10:7:" in text  # TemplateURL
