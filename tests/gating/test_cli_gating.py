"""The CI contract end to end through the ``atonix`` command: policy gate and exit codes,
saved plans applied exactly (or refused), JSON events, JSON and Markdown views of a plan."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gating_kit import SAMPLE_STACK, Project

from atonix_iac.state import StackKey, State, open_store
from atonix_iac.template.values import unwrap

SECRET = "pw-5ecret-value"
VAR = ("-var", f"db_password={SECRET}")
DENY_REPLACING_TOKENS = """rules:
  - name: keep-tokens
    when: {types: ["OS::Heat::RandomString"]}
    forbid: [replace, delete]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ATONIX_STATE_URL", raising=False)
    monkeypatch.delenv("ATONIX_WORKSPACE", raising=False)
    monkeypatch.delenv("ATONIX_ENVIRONMENT", raising=False)
    project = Project(tmp_path)
    project.write("stack.yaml", SAMPLE_STACK)
    yield project


def _applied(project: Project) -> None:
    result = project.run("apply", "-auto-approve", *VAR)
    assert result.exit_code == 0, result.output


def _state(project: Project) -> State:
    store = open_store(None, project_dir=project.root)
    try:
        state = store.load(StackKey("default", "default", "stack"))
    finally:
        store.close()
    for resource in state.resources.values():
        resource.attributes = unwrap(resource.attributes)
    return state


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# Exit codes ---------------------------------------------------------------------------------
def test_detailed_exitcode_is_0_without_changes_and_2_with_changes(project: Project) -> None:
    assert project.run("plan", "-detailed-exitcode", *VAR).exit_code == 2
    _applied(project)
    assert project.run("plan", "-detailed-exitcode", *VAR).exit_code == 0
    assert project.run("plan", "-detailed-exitcode", "-var", "size=2", *VAR).exit_code == 2


def test_output_only_changes_count_as_changes(project: Project) -> None:
    _applied(project)
    project.write("stack.yaml", SAMPLE_STACK + "  extra:\n    value: new\n")

    assert project.run("plan", "-detailed-exitcode", *VAR).exit_code == 2


# Policy gate --------------------------------------------------------------------------------
def test_a_denied_plan_exits_3_names_rule_resource_and_location(project: Project) -> None:
    _applied(project)
    project.write("policy.yaml", DENY_REPLACING_TOKENS)
    project.write("stack.yaml", SAMPLE_STACK.replace("length: 12", "length: 16"))

    result = project.run("plan", "--policy", "policy.yaml", *VAR)

    assert result.exit_code == 3
    assert (
        "stack.yaml:10:3: error: policy rule `keep-tokens` (deny): token: replacing a "
        "OS::Heat::RandomString is forbidden"
    ) in result.stderr
    assert "policy.yaml:2:5: note: rule `keep-tokens` is defined here" in result.stderr


def test_warnings_do_not_change_the_exit_code(project: Project) -> None:
    project.write("policy.yaml", "rules: [{name: small, severity: warn, max_changes: 1}]\n")

    result = project.run("plan", "-detailed-exitcode", "-policy", "policy.yaml", *VAR)

    assert result.exit_code == 2
    assert "warning: policy rule `small` (warn): 3 resources change" in result.stderr
    assert "Policy policy.yaml: passed (1 rules, 0 denials, 1 warnings)." in result.stdout


def test_an_environment_policy_in_atonix_yaml_applies(project: Project) -> None:
    project.write(
        "atonix.yaml",
        "workspaces:\n  default:\n    environments:\n      default:\n"
        "        policy: policies/strict.yaml\n",
    )
    project.write("policies/strict.yaml", "rules: [{name: nothing-new, forbid: [create]}]\n")

    result = project.run("plan", *VAR)

    assert result.exit_code == 3
    assert "policy rule `nothing-new` (deny)" in result.stderr


def test_the_policy_is_judged_again_before_a_saved_plan_is_applied(project: Project) -> None:
    _applied(project)
    project.write("policy.yaml", "rules: [{name: lax, severity: warn, forbid: [delete]}]\n")
    project.write("stack.yaml", SAMPLE_STACK.replace("length: 12", "length: 16"))
    planned = project.run("plan", "-out", "tf.plan", "--policy", "policy.yaml", *VAR)
    assert planned.exit_code == 0, planned.output
    # The policy is tightened after the plan was approved: apply judges again and refuses.
    project.write("policy.yaml", DENY_REPLACING_TOKENS)

    refused = project.run("apply", "tf.plan", *VAR)

    assert refused.exit_code == 3
    assert "policy rule `keep-tokens` (deny): token" in refused.stderr


def test_an_invalid_policy_file_is_a_located_error(project: Project) -> None:
    project.write("policy.yaml", "rules:\n  - name: x\n    forbid: [delete]\n    sevrity: warn\n")

    result = project.run("plan", "--policy", "policy.yaml", *VAR)

    assert result.exit_code == 1
    assert "policy.yaml:4:5: error: unknown key `sevrity` (did you mean `severity`?)" in (
        result.stderr
    )
    assert "Traceback" not in result.output


# Saved plans --------------------------------------------------------------------------------
def _saved(project: Project) -> Path:
    planned = project.run("plan", "-out", "tf.plan", *VAR)
    assert planned.exit_code == 0, planned.output
    return project.root / "tf.plan"


def test_a_saved_plan_holds_no_plaintext_secret_and_shows_for_humans(project: Project) -> None:
    _applied(project)
    token = _state(project).resources["token"].attributes["value"]
    project.write("stack.yaml", SAMPLE_STACK.replace("length: 12", "length: 16"))
    path = _saved(project)

    text = gzip.decompress(path.read_bytes()).decode()  # plan files are gzip
    shown = project.run("show", "tf.plan")

    assert len(token) == 12 and token not in text
    assert SECRET not in text
    assert shown.exit_code == 0
    assert "token must be replaced" in shown.stdout
    assert SECRET not in shown.stdout


def test_a_saved_plan_is_refused_when_the_serial_moved_on(project: Project) -> None:
    _saved(project)
    _applied(project)

    refused = project.run("apply", "tf.plan", *VAR)

    assert refused.exit_code == 1
    assert "the state changed since the plan was made (serial 0 is now" in refused.stderr


def test_a_saved_plan_is_refused_for_another_lineage(project: Project) -> None:
    _applied(project)
    project.write("stack.yaml", SAMPLE_STACK.replace("length: 12", "length: 16"))
    _saved(project)
    # The state is rebuilt from scratch, to the same serial: only the lineage tells.
    (project.root / ".atonix").rename(project.root / "old-state")
    _applied(project)

    refused = project.run("apply", "tf.plan", *VAR)

    assert refused.exit_code == 1
    assert "lineage" in refused.stderr


def test_a_saved_plan_is_refused_when_the_template_changed(project: Project) -> None:
    _saved(project)
    project.write("stack.yaml", SAMPLE_STACK.replace("length: 12", "length: 13"))

    refused = project.run("apply", "tf.plan", *VAR)

    assert refused.exit_code == 1
    assert "the template changed since the plan was made" in refused.stderr


def test_a_saved_plan_applies_exactly_what_was_planned(project: Project) -> None:
    _saved(project)

    applied = project.run("apply", "tf.plan", *VAR)

    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." in applied.stdout


# JSON events --------------------------------------------------------------------------------
def test_plan_json_prints_only_events(project: Project) -> None:
    result = project.run("plan", "-json", *VAR)

    events = _events(result.stdout)
    assert result.exit_code == 0
    assert events[0]["type"] == "version"
    planned = {e["change"]["resource"]["addr"] for e in events if e["type"] == "planned_change"}
    assert planned == {"token", "settings", "db"}
    assert any(e["type"] == "change_summary" for e in events)
    assert SECRET not in result.stdout


def test_json_into_writes_events_beside_human_output(project: Project) -> None:
    result = project.run("apply", "-auto-approve", "-json-into", "events.jsonl", *VAR)

    events = _events((project.root / "events.jsonl").read_text())
    kinds = [e["type"] for e in events]
    assert result.exit_code == 0
    assert "Apply complete!" in result.stdout
    assert kinds.count("apply_start") == kinds.count("apply_complete") == 3
    assert kinds[-2:] == ["change_summary", "outputs"]
    assert events[-1]["outputs"]["size"] == {"sensitive": False, "type": "number", "value": 1}
    assert SECRET not in (project.root / "events.jsonl").read_text()


def test_apply_json_needs_auto_approve(project: Project) -> None:
    result = project.run("apply", "-json", *VAR)

    assert result.exit_code == 1
    assert "-json needs -auto-approve" in result.stderr


def test_errors_in_json_mode_are_diagnostic_events(project: Project) -> None:
    project.write("stack.yaml", SAMPLE_STACK.replace("get_param: size", "get_param: sise"))

    result = project.run("plan", "-json", *VAR)

    diagnostics = [e for e in _events(result.stdout) if e["type"] == "diagnostic"]
    assert result.exit_code == 1
    assert diagnostics and diagnostics[0]["diagnostic"]["range"]["filename"] == "stack.yaml"


def test_destroy_json_reports_a_destroy_summary(project: Project) -> None:
    _applied(project)

    result = project.run("destroy", "-auto-approve", "-json", *VAR)

    summaries = [e for e in _events(result.stdout) if e["type"] == "change_summary"]
    assert result.exit_code == 0
    assert summaries[-1]["changes"]["operation"] == "destroy"
    assert summaries[-1]["changes"]["remove"] == 3


# Views of a saved plan ----------------------------------------------------------------------
def test_show_json_and_markdown_of_a_saved_plan(project: Project) -> None:
    _saved(project)

    as_json = project.run("show", "-json", "tf.plan")
    as_markdown = project.run("show", "-markdown", "tf.plan")

    document = json.loads(as_json.stdout)
    assert document["format_version"] == "1.2"
    assert [rc["change"]["actions"] for rc in document["resource_changes"]] == [["create"]] * 3
    assert document["configuration"]["root_module"]["resources"][0]["expressions"]
    assert "| ➕ create | 3 |" in as_markdown.stdout
    assert SECRET not in as_json.stdout + as_markdown.stdout


def _rewritten(path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """A saved plan's document edited and written back as a plain JSON plan file (as older
    atonix wrote them), its digest made anew over the edited document."""
    document = json.loads(gzip.decompress(path.read_bytes()))
    del document["digest"]
    edit(document)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    document["digest"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    return json.dumps(document, indent=2)


def test_show_json_takes_configuration_from_the_plan_file_not_its_template(
    project: Project,
) -> None:
    """A plan file carries what ``configuration`` takes from the template (secrets masked):
    ``show -json`` gives the same document from it as from the template, without loading
    the template (its files may be gone); a file written before it is shown as before."""
    path = _saved(project)
    saved = json.loads(gzip.decompress(path.read_bytes()))
    project.write("old.plan", _rewritten(path, lambda d: d.pop("configuration")))
    project.write("bare.plan", _rewritten(path, lambda d: d["template"].update(files={})))

    shown = [project.run("show", "-json", name) for name in ("tf.plan", "old.plan", "bare.plan")]

    assert [r.exit_code for r in shown] == [0, 0, 0]
    assert shown[0].stdout == shown[1].stdout == shown[2].stdout
    assert SECRET not in json.dumps(saved["configuration"]) + shown[0].stdout
    root = json.loads(shown[0].stdout)["configuration"]["root_module"]
    assert root["outputs"]["size"]["expression"] == {"references": ["settings.value", "settings"]}
    expressions = {r["address"]: r["expressions"] for r in root["resources"]}
    assert expressions["token"] == {"length": {"constant_value": 12}}


def test_show_markdown_with_a_custom_template(project: Project) -> None:
    _saved(project)
    project.write("mine.md.j2", "{{ summary }} in {{ environment }}\n")

    result = project.run("show", "-markdown", "tf.plan", "--template", "mine.md.j2")

    assert result.stdout.strip() == "Plan: 3 to add, 0 to change, 0 to destroy. in default"


# Selection ----------------------------------------------------------------------------------
def test_target_exclude_and_replace_reach_the_json_plan(project: Project) -> None:
    _applied(project)
    targeted = project.run("plan", "-out", "t.plan", "-target", "settings", "-var", "size=5", *VAR)
    excluded = project.run("plan", "-out", "e.plan", "-exclude", "settings", "-var", "size=5", *VAR)
    replaced = project.run("plan", "-out", "r.plan", "-replace", "db", *VAR)
    assert targeted.exit_code == excluded.exit_code == replaced.exit_code == 0

    def changes(name: str) -> tuple[dict[str, Any], bool]:
        document = json.loads(project.run("show", "-json", name).stdout)
        return {rc["address"]: rc for rc in document["resource_changes"]}, document["complete"]

    t_changes, t_complete = changes("t.plan")
    e_changes, e_complete = changes("e.plan")
    r_changes, r_complete = changes("r.plan")
    assert list(t_changes) == ["settings"] and t_complete is False
    assert "settings" not in e_changes and e_complete is False
    assert r_changes["db"]["action_reason"] == "replace_by_request" and r_complete is True
    assert "partial" in targeted.stdout
