"""Every flag works as Terraform spells it (-flag) and with two dashes (--flag)."""

from __future__ import annotations

import pytest
from _cli_kit import STACK, Project

ENV = """parameter_defaults:
  greeting: salut
"""
VARS = "greeting: ciao\n"


@pytest.mark.parametrize("dashes", ["-", "--"])
def test_plan_flags(project: Project, dashes: str) -> None:
    project.write("stack.yaml", STACK)
    project.write("env.yaml", ENV)
    project.write("vars.yaml", VARS)
    d = dashes

    planned = project.run(
        "plan",
        f"{d}var-file",
        "vars.yaml",
        f"{d}var",
        "greeting=hey",
        f"{d}env-file",
        "env.yaml",
        f"{d}target",
        "web",
        f"{d}exclude",
        "secret",
        f"{d}parallelism",
        "3",
        f"{d}lock-timeout",
        "5s",
        f"{d}no-color",
        f"{d}refresh=false",
        f"{d}out",
        "saved.plan",
        f"{d}detailed-exitcode",
        f"{d}stack",
        "stack",
        f"{d}state-url",
        f"sqlite:///{project.root / 'state.db'}",
    )

    assert planned.exit_code == 2, planned.output
    assert "hey world" in planned.stdout  # -var wins over -var-file and the environment
    assert "secret" not in planned.stdout.split("Plan:")[0].replace("uses_secret", "")
    assert (project.root / "saved.plan").exists()


@pytest.mark.parametrize("dashes", ["-", "--"])
def test_apply_destroy_replace_and_output_flags(project: Project, dashes: str) -> None:
    project.write("stack.yaml", STACK)
    d = dashes
    assert project.run("apply", f"{d}auto-approve").exit_code == 0
    web_id = project.state().resources["web"].physical_id

    replaced = project.run("apply", f"{d}auto-approve", f"{d}replace", "web")
    assert replaced.exit_code == 0, replaced.output
    assert project.state().resources["web"].physical_id != web_id

    assert project.run("output", f"{d}raw", "message").stdout == "hello world\n"
    assert project.run("output", f"{d}json", "message").stdout == '"hello world"\n'
    assert project.run("plan", f"{d}destroy", f"{d}detailed-exitcode").exit_code == 2
    assert project.run("destroy", f"{d}auto-approve").exit_code == 0
    assert project.state().resources == {}


def test_heat_environment_short_flag(project: Project) -> None:
    project.write("stack.yaml", STACK)
    project.write("env.yaml", ENV)

    planned = project.run("plan", "-e", "env.yaml")

    assert "salut world" in planned.stdout


def test_the_state_url_comes_from_the_environment(project: Project) -> None:
    project.write("stack.yaml", STACK)
    url = f"sqlite:///{project.root / 'from-env.db'}"

    applied = project.process("apply", "-auto-approve", ATONIX_STATE_URL=url)

    assert applied.returncode == 0, applied.stderr
    assert (project.root / "from-env.db").exists()
    assert not (project.root / ".atonix").exists()
