"""OS::Heat::AccessPolicy: recorded as Heat records it, replaced on any change."""

from __future__ import annotations

from _apply_kit import Stack

POLICY = """
parameters:
  allowed: {type: comma_delimited_list, default: "web"}
resources:
  web:
    type: OS::Heat::Value
    properties: {value: up}
  policy:
    type: OS::Heat::AccessPolicy
    properties:
      AllowedResources: {get_param: allowed}
"""


def test_an_access_policy_is_kept_and_replaced_on_change(stack: Stack) -> None:
    stack.apply(POLICY)
    first = stack.state().resources["policy"]
    assert first.properties["AllowedResources"] == ["web"]
    plan = stack.plan(POLICY, allowed="web,policy")
    (change,) = [c for c in plan.changes if c.address == "policy"]
    assert change.action.is_replace
    stack.apply(POLICY, allowed="web,policy")
    assert stack.state().resources["policy"].physical_id != first.physical_id
