"""Rego policies written for Terraform's plan JSON (the conftest idiom) evaluate the same way
over atonix's JSON, in a real Rego engine (regopy)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gating_kit import Planned

from atonix_iac.planner.render.json_plan import render_json_plan

regopy = pytest.importorskip("regopy")

NO_DELETES_V0 = """
package main

deny[msg] {
  rc := input.resource_changes[_]
  rc.change.actions[_] == "delete"
  msg := sprintf("%s: deleting is not allowed", [rc.address])
}
"""

NO_RANDOM_REPLACE_V1 = """
package main
import rego.v1

deny contains msg if {
  rc := input.resource_changes[_]
  rc.type == "OS::Heat::RandomString"
  rc.change.actions == ["delete", "create"]
  msg := sprintf("%s: replacing a RandomString is not allowed (%s)", [rc.address, rc.action_reason])
}
"""

CREATE_BUDGET_V1 = """
package main
import rego.v1

creates := [rc | rc := input.resource_changes[_]; rc.change.actions[_] == "create"]

warn contains msg if {
  count(creates) > 2
  msg := sprintf("%d objects are created", [count(creates)])
}
"""

NO_PLAINTEXT_SECRETS_V1 = """
package main
import rego.v1

deny contains msg if {
  rc := input.resource_changes[_]
  some name, flagged in rc.change.after_sensitive
  flagged == true
  rc.change.after[name] != "(sensitive value)"
  msg := sprintf("%s.%s leaks", [rc.address, name])
}
"""

ONLY_HEAT_IN_PROD_V1 = """
package main
import rego.v1

deny contains msg if {
  input.atonix.environment == "prod"
  rc := input.resource_changes[_]
  not startswith(rc.provider_name, "registry.atonix.io/atonix/heat")
  msg := sprintf("%s is not a Heat resource", [rc.address])
}
"""


def _query(policy: str, document: str, rule: str) -> list[Any]:
    interpreter = regopy.Interpreter()
    interpreter.add_module("policy", policy)
    interpreter.set_input_term(document)
    output = json.loads(str(interpreter.query(f"x = data.main.{rule}")))
    return sorted(output["bindings"]["x"])


@pytest.fixture
def plan_json(every_action: Planned) -> str:
    return render_json_plan(every_action.plan, template=every_action.template)


def test_conftest_v0_deny_on_delete_actions(plan_json: str) -> None:
    # "old" is deleted, "token" and "rotated" are replaced: both orders contain "delete".
    assert _query(NO_DELETES_V0, plan_json, "deny") == [
        "old: deleting is not allowed",
        "rotated: deleting is not allowed",
        "token: deleting is not allowed",
    ]


def test_v1_deny_on_destroy_before_create_replacement(plan_json: str) -> None:
    assert _query(NO_RANDOM_REPLACE_V1, plan_json, "deny") == [
        "token: replacing a RandomString is not allowed (replace_because_cannot_update)"
    ]


def test_warn_on_create_count(plan_json: str) -> None:
    # fresh (create) + token and rotated (replacements create too) = 3
    assert _query(CREATE_BUDGET_V1, plan_json, "warn") == ["3 objects are created"]


def test_sensitive_values_are_masked_where_marked(plan_json: str) -> None:
    assert _query(NO_PLAINTEXT_SECRETS_V1, plan_json, "deny") == []


def test_policies_can_read_atonix_facts_and_pass(plan_json: str) -> None:
    assert _query(ONLY_HEAT_IN_PROD_V1, plan_json, "deny") == []


def test_the_secret_check_would_catch_a_leak(plan_json: str) -> None:
    document = json.loads(plan_json)
    steady = next(rc for rc in document["resource_changes"] if rc["address"] == "steady")
    steady["change"]["after"]["value"] = "plain text"

    assert _query(NO_PLAINTEXT_SECRETS_V1, json.dumps(document), "deny") == ["steady.value leaks"]
