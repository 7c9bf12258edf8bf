"""``atonix state ...``, ``refresh`` and ``import``."""

from __future__ import annotations

import json

from _cli_kit import STACK, Project


def _applied(project: Project) -> None:
    project.write("stack.yaml", STACK)
    assert project.run("apply", "-auto-approve").exit_code == 0


def test_list_and_show_mask_secrets(project: Project) -> None:
    _applied(project)
    secret = project.state().resources["secret"]

    listed = project.run("state", "list")
    assert listed.stdout.split() == ["app", "secret", "uses_secret", "web"]

    shown = project.run("state", "show", "secret")
    assert shown.exit_code == 0
    assert f"id     = {secret.physical_id}" in shown.stdout
    assert "(sensitive value)" in shown.stdout
    assert secret.attributes["value"] not in shown.stdout

    typo = project.run("state", "show", "secrt")
    assert typo.exit_code == 1
    assert "secret" in typo.stderr and "Traceback" not in typo.stderr


def test_rm_forgets_and_the_next_plan_creates_again(project: Project) -> None:
    _applied(project)

    removed = project.run("state", "rm", "web")

    assert removed.exit_code == 0, removed.output
    assert "web" not in project.state().resources
    planned = project.run("plan", "-detailed-exitcode")
    assert planned.exit_code == 2
    assert "1 to add" in planned.stdout


def test_mv_renames_and_the_template_can_follow(project: Project) -> None:
    _applied(project)
    web_id = project.state().resources["web"].physical_id

    moved = project.run("state", "mv", "web", "frontend")

    assert moved.exit_code == 0, moved.output
    assert project.state().resources["frontend"].physical_id == web_id
    project.write(
        "stack.yaml", STACK.replace("  web:", "  frontend:").replace("[web,", "[frontend,")
    )
    assert project.run("plan", "-detailed-exitcode").exit_code == 0


def test_pull_masks_secrets_and_push_restores_a_full_document(project: Project) -> None:
    _applied(project)
    password = project.state().outputs["password"]

    pulled = project.run("state", "pull")
    assert pulled.exit_code == 0
    assert password not in pulled.stdout
    assert json.loads(pulled.stdout)["lineage"] == project.state().lineage

    full = project.run("state", "pull", "-include-secrets").stdout
    project.run("state", "rm", "web")
    document = project.write("backup.json", full)
    # The pulled serial is older than the state's now: refused unless forced.
    assert project.run("state", "push", str(document)).exit_code == 1
    pushed = project.run("state", "push", "-force", str(document))
    assert pushed.exit_code == 0, pushed.output
    assert "web" in project.state().resources
    assert project.state().outputs["password"] == password


def test_force_unlock_of_an_unknown_lock_is_an_error(project: Project) -> None:
    _applied(project)

    result = project.run("state", "force-unlock", "no-such-lock")

    assert result.exit_code == 1
    assert result.stderr.startswith("error:")


def test_refresh_reads_every_resource(project: Project) -> None:
    _applied(project)

    refreshed = project.run("refresh")

    assert refreshed.exit_code == 0, refreshed.output
    assert "Refresh complete: 4 read" in refreshed.stdout
    assert project.run("plan", "-detailed-exitcode").exit_code == 0


def test_import_adopts_an_existing_object(project: Project) -> None:
    _applied(project)
    project.run("state", "rm", "web")

    imported = project.run("import", "web", "existing-web-id")

    assert imported.exit_code == 0, imported.output
    assert "Import successful!" in imported.stdout
    web = project.state().resources["web"]
    assert web.physical_id == "existing-web-id"
    assert web.dependencies == ("app",)
    again = project.run("import", "web", "another")
    assert again.exit_code == 1 and "already in state" in again.stderr
    unknown = project.run("import", "wbe", "x")
    assert unknown.exit_code == 1 and "did you mean `web`" in unknown.stderr
