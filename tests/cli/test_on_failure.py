"""``apply``/``destroy -on-failure=stop|continue|rollback`` through the CLI, cloud-free."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _cli_kit import Project

STACK = """heat_template_version: 2018-08-31
parameters:
  fail:
    type: boolean
    default: true
resources:
  base:
    type: OS::Heat::TestResource
    properties: {value: base}
  broken:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [base, output]}, fail: {get_param: fail}, wait_secs: 0.2}
  slow:
    type: OS::Heat::TestResource
    properties: {value: slow, wait_secs: 0.4}
  after_slow:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [slow, output]}}
  after_broken:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [broken, output]}}
outputs:
  slow: {value: {get_attr: [slow, output]}}
"""

LEFT = {
    "stop": {"base", "slow"},
    "continue": {"base", "slow", "after_slow"},
    "rollback": set(),
}


@pytest.mark.parametrize("mode", ["stop", "continue", "rollback"])
@pytest.mark.parametrize("dashes", ["-", "--"])
def test_each_mode_leaves_what_it_promises_and_a_fixed_rerun_converges(
    project: Project, mode: str, dashes: str
) -> None:
    project.write("stack.yaml", STACK)
    flag = [f"{dashes}on-failure={mode}"] if dashes == "-" else [f"{dashes}on-failure", mode]

    result = project.run("apply", "-auto-approve", *flag)

    assert result.exit_code == 1, result.output
    assert set(project.state().resources) == LEFT[mode]
    assert "error: apply failed: 1 of 5 steps failed" in result.stderr
    assert "broken: Creation failed" in result.stdout
    if mode == "continue":
        assert "after_slow: Creation complete" in result.stdout
        assert "skipped create after_broken (depends on failed create broken)" in result.stderr
    if mode == "rollback":
        assert "base: Rolling back (destroying)... [id=" in result.stdout
        assert "slow: Rolled back (destroyed) after " in result.stdout
        assert "\nApply failed; rolled back: 2 destroyed, 0 restored.\n" in result.stdout
        assert "rolled back: 2 destroyed, 0 restored" in result.stderr
    else:
        assert "Rolling back" not in result.stdout

    planned = project.run("plan", "-detailed-exitcode", "-var", "fail=false")
    assert planned.exit_code == 2
    expected = 5 - len(LEFT[mode])
    assert f"Plan: {expected} to add, 0 to change, 0 to destroy." in planned.stdout
    fixed = project.run("apply", "-auto-approve", "-var", "fail=false", *flag)
    assert fixed.exit_code == 0, fixed.output
    again = project.run("plan", "-detailed-exitcode", "-var", "fail=false")
    assert again.exit_code == 0, again.output


def _lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_json_stream_shows_rollback_steps_and_summary(project: Project) -> None:
    project.write("stack.yaml", STACK)
    result = project.run("apply", "-auto-approve", "-json", "-on-failure=rollback")

    assert result.exit_code == 1
    lines = _lines(result.stdout)
    rolled = [line for line in lines if line.get("hook", {}).get("rollback")]
    assert {(line["type"], line["@message"].split(" [")[0]) for line in rolled} >= {
        ("apply_start", "base: Rolling back (destroying)..."),
        ("apply_start", "slow: Rolling back (destroying)..."),
    }
    assert all(line["hook"]["action"] == "delete" for line in rolled)
    summary = next(line for line in lines if line["type"] == "rollback_summary")
    assert summary["@message"] == "Apply failed; rolled back: 2 destroyed, 0 restored."
    assert summary["rollback"] == {
        "destroyed": ["base", "slow"],
        "restored": [],
        "forgotten": [],
        "not_rolled_back": [],
    }
    diagnostic = next(line for line in lines if line["type"] == "diagnostic")
    assert "rolled back: 2 destroyed" in diagnostic["diagnostic"]["summary"]
    assert "failed  create broken" in diagnostic["diagnostic"]["detail"]
    # The rollback steps come after the failure and before the summary.
    types = [line["type"] for line in lines]
    assert types.index("apply_errored") < lines.index(rolled[0])
    assert lines.index(rolled[-1]) < types.index("rollback_summary")


@pytest.mark.parametrize(
    "args",
    [
        ("destroy", "-auto-approve", "-on-failure=rollback"),
        ("destroy", "-auto-approve", "--on-failure", "rollback"),
        ("apply", "-destroy", "-auto-approve", "-on-failure=rollback"),
    ],
)
def test_a_destroy_cannot_be_rolled_back(project: Project, args: tuple[str, ...]) -> None:
    project.write("stack.yaml", STACK)
    assert project.run("apply", "-auto-approve", "-var", "fail=false").exit_code == 0

    result = project.run(*args)

    assert result.exit_code == 1
    assert result.stderr == (
        "error: -on-failure=rollback cannot be used with a destroy: deleted objects cannot be"
        " brought back (use -on-failure=stop or continue)\n"
    )
    assert len(project.state().resources) == 5
    destroyed = project.run("destroy", "-auto-approve", "-on-failure=continue")
    assert destroyed.exit_code == 0, destroyed.output
    assert project.state().resources == {}


def test_a_saved_plan_takes_the_flag_at_apply_time(project: Project) -> None:
    project.write("stack.yaml", STACK)
    assert project.run("plan", "-out", "p.plan").exit_code == 0

    result = project.run("apply", "-on-failure=rollback", "p.plan")

    assert result.exit_code == 1
    assert "Apply failed; rolled back: 2 destroyed, 0 restored." in result.stdout
    assert project.state().resources == {}


def test_saved_destroy_plan_refuses_rollback(project: Project) -> None:
    project.write("stack.yaml", STACK)
    assert project.run("apply", "-auto-approve", "-var", "fail=false").exit_code == 0
    assert project.run("plan", "-destroy", "-var", "fail=false", "-out", "d.plan").exit_code == 0

    result = project.run("apply", "-on-failure=rollback", "d.plan")

    assert result.exit_code == 1
    assert "cannot be used with a destroy" in result.stderr
    assert len(project.state().resources) == 5


def test_the_environment_chooses_unless_the_flag_does(project: Project) -> None:
    project.write("stack.yaml", STACK)
    project.write(
        "atonix.yaml",
        "workspaces:\n  team:\n    environments:\n      dev: {on_failure: rollback}\n",
    )

    rolled = project.run("apply", "-auto-approve")
    assert rolled.exit_code == 1
    assert "Apply failed; rolled back: 2 destroyed, 0 restored." in rolled.stdout
    assert project.state(workspace="team", environment="dev").resources == {}

    stopped = project.run("apply", "-auto-approve", "-on-failure=stop")
    assert stopped.exit_code == 1
    assert "Rolling back" not in stopped.stdout
    assert set(project.state(workspace="team", environment="dev").resources) == {"base", "slow"}

    # A destroy reads the environment's rollback as stop, rather than refusing to run.
    destroyed = project.run("destroy", "-auto-approve")
    assert destroyed.exit_code == 0, destroyed.output


def test_an_unknown_mode_is_a_usage_error(project: Project) -> None:
    project.write("stack.yaml", STACK)
    result = project.run("apply", "-auto-approve", "-on-failure=retry")
    assert result.exit_code == 1  # usage errors exit 1: 2 means "changes present"
    assert "'retry' is not one of 'stop', 'continue', 'rollback'" in result.stderr
    assert project.state().resources == {}


def test_a_wrong_on_failure_in_the_project_file_is_located(project: Project) -> None:
    project.write("stack.yaml", STACK)
    project.write(
        "atonix.yaml",
        "workspaces:\n  team:\n    environments:\n      dev: {on_failure: retry}\n",
    )
    result = project.run("apply", "-auto-approve")
    assert result.exit_code == 1
    assert "atonix.yaml:4:" in result.stderr and "on_failure" in result.stderr
    assert "Traceback" not in result.output
