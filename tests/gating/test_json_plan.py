"""``show -json``: Terraform's plan representation, pinned by a golden file and checked by shape."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from gating_kit import Planned, assert_no_secrets, check_golden, make_case_plan

from atonix_iac.planner import plan_from_bytes, plan_to_bytes
from atonix_iac.planner.render.json_plan import plan_document, render_json_plan
from atonix_iac.template import load_template_from_files


def _saved_document(planned: Planned) -> dict[str, Any]:
    """What ``atonix show -json FILE`` sees: the plan after a round trip through its file."""
    saved = plan_from_bytes(plan_to_bytes(planned.plan, planned.template, planned.params))
    template = load_template_from_files(saved.root, saved.files)
    return plan_document(saved.plan, template=template)


def _changes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rc["address"]: rc for rc in document["resource_changes"]}


def test_golden_json_plan_for_every_action_kind(every_action: Planned) -> None:
    document = _saved_document(every_action)
    document["atonix"]["version"] = "<atonix version>"  # golden across releases
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"

    assert_no_secrets(text)
    check_golden(every_action.case_dir / "expected.json", text)


def test_a_saved_plan_renders_the_same_document_as_the_live_plan(every_action: Planned) -> None:
    live = plan_document(every_action.plan, template=every_action.template)

    assert _saved_document(every_action) == live


def test_actions_and_reasons_use_terraforms_vocabulary(every_action: Planned) -> None:
    document = plan_document(every_action.plan, template=every_action.template)
    changes = _changes(document)

    assert {a: rc["change"]["actions"] for a, rc in changes.items()} == {
        "fresh": ["create"],
        "settings": ["update"],
        "token": ["delete", "create"],
        "rotated": ["create", "delete"],
        "old": ["delete"],
        "steady": ["no-op"],
    }
    assert changes["token"]["action_reason"] == "replace_because_cannot_update"
    assert changes["token"]["change"]["replace_paths"] == [["length"]]
    assert changes["old"]["action_reason"] == "delete_because_no_resource_config"
    assert "action_reason" not in changes["settings"]
    assert all(rc["mode"] == "managed" for rc in changes.values())
    assert changes["fresh"]["provider_name"] == "registry.atonix.io/atonix/heat"
    assert document["format_version"] == "1.2"
    assert (document["applyable"], document["complete"], document["errored"]) == (
        True,
        True,
        False,
    )


def test_unknown_values_are_left_out_of_after_and_marked_in_after_unknown(
    every_action: Planned,
) -> None:
    fresh = _changes(plan_document(every_action.plan))["fresh"]["change"]

    assert "value" not in fresh["after"]
    assert fresh["after_unknown"] == {"value": True}
    assert fresh["before"] is None and fresh["before_sensitive"] is False


def test_sensitive_values_are_masked_and_marked(every_action: Planned) -> None:
    document = plan_document(every_action.plan)
    steady = _changes(document)["steady"]["change"]

    assert steady["before"]["value"] == "(sensitive value)"
    assert steady["after_sensitive"] == {"value": True}
    assert document["variables"]["db_password"] == {"value": "(sensitive value)"}
    assert document["output_changes"]["token_value"]["after_sensitive"] is True
    assert_no_secrets(json.dumps(document))


def test_prior_state_and_configuration_have_terraforms_shape(every_action: Planned) -> None:
    document = plan_document(every_action.plan, template=every_action.template)
    prior = document["prior_state"]["values"]["root_module"]["resources"]
    config = document["configuration"]["root_module"]["resources"]

    assert [r["address"] for r in prior] == ["old", "rotated", "settings", "steady", "token"]
    assert "old" not in [r["address"] for r in config]
    fresh = next(r for r in config if r["address"] == "fresh")
    assert fresh["expressions"]["value"] == {"references": ["rotated.value", "rotated"]}
    assert fresh["expressions"]["client_name"] == {"constant_value": "fresh-client"}


def test_atonix_facts_live_under_one_key(every_action: Planned) -> None:
    document = plan_document(
        every_action.plan, atonix_extra={"policy": [{"source": "p.yaml", "denied": False}]}
    )
    facts = document["atonix"]

    assert "terraform_version" not in document
    assert (facts["workspace"], facts["environment"], facts["stack"]) == ("ci", "prod", "golden")
    assert facts["resources"]["token"]["location"] == {
        "file": "stack.yaml",
        "line": 21,
        "column": 3,
    }
    assert "cannot be updated in place" in facts["resources"]["token"]["reason"]
    assert facts["policy"] == [{"source": "p.yaml", "denied": False}]


def test_a_targeted_plan_is_not_complete(every_action: Planned) -> None:
    targeted = make_case_plan(every_action.case_dir, targets=["settings"])

    document = json.loads(render_json_plan(targeted.plan))

    assert document["complete"] is False
    assert [rc["address"] for rc in document["resource_changes"]] == ["settings"]


def test_a_plan_without_changes_is_not_applyable(every_action: Planned) -> None:
    targeted = make_case_plan(every_action.case_dir, targets=["steady"]).plan
    unchanged = replace(
        targeted, output_changes=tuple(o for o in targeted.output_changes if o.name == "nothing")
    )

    assert plan_document(targeted)["applyable"] is True  # output changes alone are changes
    assert plan_document(unchanged)["applyable"] is False
