"""The stack workflow through the CLI: validate, plan, apply, outputs, show, destroy."""

from __future__ import annotations

import json

from _cli_kit import STACK, Project


def _applied(project: Project) -> None:
    project.write("stack.yaml", STACK)
    result = project.run("apply", "-auto-approve")
    assert result.exit_code == 0, result.output


def test_validate_plan_apply_then_plan_finds_nothing(project: Project) -> None:
    project.write("stack.yaml", STACK)

    validated = project.run("validate")
    assert validated.exit_code == 0, validated.output
    assert "valid" in validated.stdout

    planned = project.run("plan", "-detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "4 to add" in planned.stdout

    applied = project.run("apply", "-auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "web: Creating..." in applied.stdout
    assert "web: Creation complete after" in applied.stdout
    assert "Apply complete! Resources: 4 added, 0 changed, 0 destroyed." in applied.stdout
    assert 'message = "hello world"' in applied.stdout
    assert "password = <sensitive>" in applied.stdout

    again = project.run("plan", "-detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_a_parameter_change_is_a_located_reasoned_diff(project: Project) -> None:
    _applied(project)

    changed = project.run("plan", "-detailed-exitcode", "-var", "greeting=bonjour")

    assert changed.exit_code == 2, changed.output
    assert "bonjour world" in changed.stdout
    assert "stack.yaml:" in changed.stdout  # where the changed resource is written
    assert "1 to change" in changed.stdout or "to add" in changed.stdout


def test_apply_asks_for_approval(project: Project) -> None:
    project.write("stack.yaml", STACK)

    refused = project.run("apply", input="no\n")
    assert refused.exit_code == 1
    assert "Enter a value" in refused.stdout
    assert "Apply cancelled." in refused.stderr
    assert not project.state().resources

    accepted = project.run("apply", input="yes\n")
    assert accepted.exit_code == 0, accepted.output
    assert len(project.state().resources) == 4


def test_outputs_hide_secrets_unless_named_with_raw_or_json(project: Project) -> None:
    _applied(project)
    password = project.state().outputs["password"]

    listed = project.run("output")
    assert listed.exit_code == 0
    assert 'message = "hello world"' in listed.stdout
    assert "password = <sensitive>" in listed.stdout

    as_json = json.loads(project.run("output", "-json").stdout)
    assert as_json["message"] == {"sensitive": False, "type": "string", "value": "hello world"}
    assert as_json["password"]["sensitive"] is True
    assert as_json["password"]["value"] == "<sensitive>"

    assert project.run("output", "message").stdout == '"hello world"\n'
    assert project.run("output", "-raw", "message").stdout == "hello world\n"
    assert project.run("output", "password").stdout == "<sensitive>\n"
    assert project.run("output", "-raw", "password").stdout == f"{password}\n"
    assert json.loads(project.run("output", "-json", "password").stdout) == password

    missing = project.run("output", "mesage")
    assert missing.exit_code == 1
    assert "did you mean `message`" in missing.stderr


def test_show_state_and_graph(project: Project) -> None:
    _applied(project)
    web_id = project.state().resources["web"].physical_id

    shown = project.run("show")
    assert shown.exit_code == 0
    assert "# web: OS::Heat::TestResource" in shown.stdout
    assert f"id     = {web_id}" in shown.stdout

    graph = project.run("graph")
    assert graph.exit_code == 0
    assert graph.stdout.lstrip().startswith("digraph")
    assert "app" in graph.stdout and "web" in graph.stdout


def test_destroy_removes_everything(project: Project) -> None:
    _applied(project)

    destroyed = project.run("destroy", "-auto-approve")

    assert destroyed.exit_code == 0, destroyed.output
    assert "web: Destroying..." in destroyed.stdout
    assert "Destroy complete! Resources: 4 destroyed." in destroyed.stdout
    assert project.state().resources == {}
    assert project.run("plan", "-destroy", "-detailed-exitcode").exit_code == 0


def test_stack_name_and_state_url_options(project: Project) -> None:
    project.write("other.yaml", STACK)
    url = f"sqlite:///{project.root / 'elsewhere.db'}"

    applied = project.run(
        "apply", "-auto-approve", "other.yaml", "--stack", "prod", "-state-url", url
    )

    assert applied.exit_code == 0, applied.output
    assert not (project.root / ".atonix").exists()
    listed = project.run("state", "list", "--stack", "prod", "--state-url", url)
    assert listed.stdout.split() == ["app", "secret", "uses_secret", "web"]


def test_the_installed_entry_point_runs_the_workflow(project: Project) -> None:
    project.write("stack.yaml", STACK)

    assert project.process("validate").returncode == 0
    applied = project.process("apply", "-auto-approve", "stack.yaml")
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete!" in applied.stdout
    assert project.process("plan", "-detailed-exitcode").returncode == 0
    version = project.process("version")
    assert version.stdout.startswith("atonix v")
