"""Terraform muscle memory: single-dash typos get a "did you mean", -version and -chdir
exist, -flag=true/false and compound durations work, and no usage error exits 2 (which
`plan -detailed-exitcode` means "changes present")."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli_kit import Project

STACK = "heat_template_version: 2018-08-31\nresources:\n  a: {type: OS::Heat::None}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apply", "-auto-aprove"], "No such option: -auto-aprove (did you mean -auto-approve?)"),
        (["apply", "--auto-aprove"], "No such option: --auto-aprove (did you mean -auto-approve?)"),
        (["plan", "-detailed-exitcod"], "(did you mean -detailed-exitcode?)"),
        (["plan", "-parallelizm=4"], "No such option: -parallelizm (did you mean -parallelism?)"),
        (["plan", "-x"], "No such option: -x; see 'atonix plan -help'"),
        (["state", "rm", "-auto"], "see 'atonix state rm -help'"),
        (["plna"], "No such command 'plna' (did you mean plan?)"),
        (["apply", "-auto-approve=maybe"], "-auto-approve takes true or false, not 'maybe'"),
        (["plan", "-lock-timeout=1x"], "'1x' is not a duration such as 30s, 5m, 1m30s or 1h"),
        (["plan", "-lock=false"], "-lock=false is not supported"),
        (["-chdir=/no/such/dir", "plan"], "cannot change to '/no/such/dir'"),
    ],
)
def test_usage_errors_are_explained_and_exit_1(
    project: Project, args: list[str], message: str
) -> None:
    project.write("stack.yaml", STACK)
    result = project.process(*args)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert project.state().resources == {}


def test_a_typo_never_reads_as_changes_present(project: Project) -> None:
    project.write("stack.yaml", STACK)
    result = project.process("plan", "-detailed-exitcode", "-targett=a")
    assert result.returncode == 1
    assert "(did you mean -target?)" in result.stderr


@pytest.mark.parametrize("flag", ["-version", "--version"])
def test_version_flags(project: Project, flag: str) -> None:
    result = project.process(flag)
    assert result.returncode == 0
    assert result.stdout.startswith("atonix v")


def test_chdir_runs_as_if_started_there(project: Project, tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "stack.yaml").write_text(STACK)
    applied = project.process("-chdir=infra", "apply", "-auto-approve=true")
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete! Resources: 1 added" in applied.stdout
    again = project.process("-chdir", "infra", "plan", "-detailed-exitcode", "-lock=true")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "infra" / ".atonix" / "state.db").exists()


def test_compound_lock_timeouts_are_durations(project: Project) -> None:
    project.write("stack.yaml", STACK)
    result = project.process("plan", "-lock-timeout=1m30s")
    assert result.returncode == 0, result.stderr


def test_output_and_state_take_the_template_first(project: Project) -> None:
    project.write(
        "web.yaml",
        "heat_template_version: 2018-08-31\nresources:\n"
        "  a: {type: OS::Heat::Value, properties: {value: hi}}\n"
        "outputs:\n  greeting: {value: {get_attr: [a, value]}}\n",
    )
    assert project.process("apply", "web.yaml", "-auto-approve").returncode == 0
    assert project.process("output", "web.yaml").stdout == 'greeting = "hi"\n'
    assert project.process("output", "web.yaml", "greeting", "-raw").stdout == "hi\n"
    assert project.process("output", "-json", "web.yaml", "greeting").stdout == '"hi"\n'
    assert project.process("state", "list", "web.yaml").stdout == "a\n"
    shown = project.process("state", "show", "web.yaml", "a")
    assert shown.returncode == 0 and "# a: OS::Heat::Value" in shown.stdout
    # -template still names it; a name that is not a file stays an output name.
    assert project.process("output", "-template", "web.yaml", "greeting").stdout == '"hi"\n'
    missing = project.process("output", "greeting")
    assert missing.returncode == 1 and "no output named `greeting`" in missing.stderr


def test_stack_list_shows_every_stack(project: Project) -> None:
    project.write("web.yaml", STACK)
    project.write("db.yaml", STACK)
    empty = project.process("stack", "list")
    assert empty.returncode == 0 and empty.stdout == "No stacks in this state database.\n"
    assert project.process("apply", "web.yaml", "-auto-approve").returncode == 0
    assert project.process("apply", "db.yaml", "-auto-approve").returncode == 0
    listed = project.process("stack", "list").stdout.splitlines()
    assert listed[0].split() == [
        "WORKSPACE",
        "ENVIRONMENT",
        "STACK",
        "SERIAL",
        "RESOURCES",
        "CHANGED",
        "LAST",
    ]
    assert [line.split()[:3] for line in listed[1:]] == [
        ["default", "default", "db"],
        ["default", "default", "web"],
    ]
    assert all(line.split()[4] == "1" and " apply by " in line for line in listed[1:])
    import json

    rows = json.loads(project.process("stack", "list", "-json").stdout)
    assert [(r["stack"], r["resources"], r["last_operation"]) for r in rows] == [
        ("db", 1, "apply"),
        ("web", 1, "apply"),
    ]
