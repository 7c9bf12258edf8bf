"""Bad input is one located message and exit 1: no traceback, nothing written."""

from __future__ import annotations

import time
from typing import Any

import pytest
from _cli_kit import Project

CLOUD_FREE = """heat_template_version: 2018-08-31
resources:
  app:
    type: OS::Heat::Value
    properties: {value: hello}
"""

TWO_ENVIRONMENTS = """state: sqlite:///state/atonix.db
workspaces:
  team:
    environments:
      dev: {}
      staging: {}
  other:
    environments:
      dev: {}
"""

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


def _refused(result: Any, start: str) -> None:
    stderr: str = result.stderr
    assert getattr(result, "exit_code", getattr(result, "returncode", None)) == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith(start), stderr
    assert stderr.count("error:") == 1, stderr


def test_a_binary_project_file_is_located(project: Project) -> None:
    project.write("stack.yaml", CLOUD_FREE)
    (project.root / "atonix.yaml").write_bytes(b"state: sqlite:///x.db\n" + BINARY)

    result = project.process("plan")

    _refused(result, f"{project.root / 'atonix.yaml'}:2:1: error: not UTF-8 text (byte 22: 0x89)")
    assert not (project.root / "x.db").exists()
    assert not (project.root / ".atonix").exists()


def test_a_control_character_in_the_project_file_is_located(project: Project) -> None:
    project.write("stack.yaml", CLOUD_FREE)
    (project.root / "atonix.yaml").write_bytes(b"workspaces:\n  team\x00: {}\n")

    result = project.run("plan")

    _refused(result, f"{project.root / 'atonix.yaml'}:2:7: error: invalid YAML: the character")


def test_aliases_in_the_project_file_are_bounded(project: Project) -> None:
    project.write("stack.yaml", CLOUD_FREE)
    many = "".join(f"  w{i}: *w\n" for i in range(200))
    project.write("atonix.yaml", f"workspaces:\n  a: &w {{environments: {{dev: {{}}}}}}\n{many}")

    result = project.run("plan")

    _refused(result, f"{project.root / 'atonix.yaml'}:103:9: error: more than 100 YAML aliases")


@pytest.mark.parametrize("flag", ["-var-file", "-e"])
def test_binary_var_and_environment_files_are_located(project: Project, flag: str) -> None:
    project.write("stack.yaml", CLOUD_FREE)
    (project.root / "values.yaml").write_bytes(b"parameters:\n  a: 1\n" + BINARY)

    result = project.process("plan", flag, "values.yaml")

    _refused(result, "values.yaml:3:1: error: not UTF-8 text (byte 19: 0x89)")
    assert not (project.root / ".atonix").exists()


def test_a_binary_template_is_located(project: Project) -> None:
    (project.root / "stack.yaml").write_bytes(b"heat_template_version: 2018-08-31\n" + BINARY)

    result = project.run("plan")

    _refused(result, "stack.yaml:2:1: error: not UTF-8 text (byte 34: 0x89)")


def test_an_alias_bomb_template_is_refused_at_once(project: Project) -> None:
    words = ", ".join(['"lol"'] * 9)
    lines = ["heat_template_version: 2018-08-31", f"l0: &a0 [{words}]"]
    lines += [f"l{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    project.write("stack.yaml", "\n".join(lines) + "\nresources: {}\n")

    started = time.perf_counter()
    result = project.process("validate")
    elapsed = time.perf_counter() - started

    _refused(result, "stack.yaml:7:5: error: YAML aliases here expand the document by more than")
    assert "(the limit on alias expansion)" in result.stderr
    assert elapsed < 10  # a whole process; the refusal itself takes microseconds


def _planned_for_dev(project: Project) -> None:
    project.write("atonix.yaml", TWO_ENVIRONMENTS)
    project.write("stack.yaml", CLOUD_FREE)
    planned = project.run("plan", "-w", "team", "-E", "dev", "-out", "dev.plan")
    assert planned.exit_code == 0, planned.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-E", "staging"],
            "error: the plan was saved for environment `dev` (team/dev/stack), but"
            " -E/--environment selects `staging`",
        ),
        (
            ["-w", "other"],
            "error: the plan was saved for workspace `team` (team/dev/stack), but"
            " -w/--workspace selects `other`",
        ),
        (
            ["-stack", "web"],
            "error: the plan was saved for stack `stack` (team/dev/stack), but -stack selects"
            " `web`",
        ),
    ],
)
def test_a_saved_plan_is_not_applied_to_another_binding(
    project: Project, args: list[str], message: str
) -> None:
    _planned_for_dev(project)

    refused = project.run("apply", "dev.plan", *args)

    _refused(refused, message)
    assert (
        not (project.root / "state" / "atonix.db").exists()
        or not project.run("state", "list", "-w", "team", "-E", "dev").stdout.strip()
    )


def test_a_saved_plan_is_refused_for_another_environment_variable(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _planned_for_dev(project)
    monkeypatch.setenv("ATONIX_ENVIRONMENT", "staging")

    refused = project.run("apply", "dev.plan")

    _refused(refused, "error: the plan was saved for environment `dev`")


def test_a_saved_plan_applies_with_matching_or_no_flags(project: Project) -> None:
    _planned_for_dev(project)

    applied = project.run("apply", "dev.plan", "-w", "team", "-E", "dev")

    assert applied.exit_code == 0, applied.output
    listed = project.run("state", "list", "-w", "team", "-E", "dev")
    assert listed.stdout.split() == ["app"]


def test_a_binary_policy_file_is_located(project: Project) -> None:
    project.write("stack.yaml", CLOUD_FREE)
    (project.root / "policy.yaml").write_bytes(b"rules:\n" + BINARY)

    result = project.run("plan", "--policy", "policy.yaml")

    _refused(result, "policy.yaml:2:1: error: not UTF-8 text (byte 7: 0x89)")


def test_a_binary_markdown_template_is_one_error(project: Project) -> None:
    project.write("stack.yaml", CLOUD_FREE)
    assert project.run("plan", "-out", "tf.plan").exit_code == 0
    (project.root / "comment.md.j2").write_bytes(BINARY)

    result = project.run("show", "tf.plan", "-markdown", "-template", "comment.md.j2")

    _refused(result, "error: Markdown template comment.md.j2 is not UTF-8 text (byte 0)")
