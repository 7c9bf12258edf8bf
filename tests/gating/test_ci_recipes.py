"""The CI recipes in examples/ci: every ``atonix`` command line they run works, in their
order, against the sample stack (the forges themselves are not tested). Workflow lines run
in-process; the pre-commit hooks run as real shell processes, their shell being the point."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from atonix_iac.cli.main import cli

RECIPES = Path(__file__).resolve().parents[2] / "examples" / "ci"
BIN = Path(sys.executable).parent


def _github_lines() -> tuple[list[str], list[str]]:
    workflow = yaml.safe_load((RECIPES / "github-actions.yml").read_text())
    jobs = workflow["jobs"]

    def lines(job: str) -> list[str]:
        found = []
        for step in jobs[job]["steps"]:
            for line in str(step.get("run", "")).splitlines():
                if line.strip().startswith("atonix "):
                    found.append(line.strip())
        return found

    return lines("plan"), lines("apply")


def _gitlab_lines() -> tuple[list[str], list[str]]:
    pipeline = yaml.safe_load((RECIPES / ".gitlab-ci.yml").read_text())

    def lines(job: str) -> list[str]:
        return [s for s in pipeline[job]["script"] if s.strip().startswith("atonix ")]

    return lines("validate") + lines("plan"), lines("apply")


@pytest.fixture
def stack_dir(tmp_path: Path) -> Path:
    target = tmp_path / "stack"
    shutil.copytree(RECIPES / "stack", target)
    return target


def _sh(line: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("ATONIX_STATE_URL", None)
    return subprocess.run(
        ["sh", "-c", line, "sh", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _atonix(line: str) -> int:
    """One recipe line, ``atonix ARGS [> FILE]``, in-process (the shell adds nothing else)."""
    words = shlex.split(line)
    assert words[0] == "atonix"
    target = None
    if ">" in words:
        at = words.index(">")
        words, target = words[:at], words[at + 1]
    result = CliRunner().invoke(cli, words[1:], catch_exceptions=False)
    if target:
        Path(target).write_text(result.stdout)
    assert result.exit_code in (0, 2), f"{line}\n{result.output}"
    return result.exit_code


def _run_all(lines: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("ATONIX_STATE_URL", raising=False)
    for line in lines:
        _atonix(line)


@pytest.mark.parametrize("recipe", [_github_lines, _gitlab_lines], ids=["github", "gitlab"])
def test_merge_request_then_main_branch(
    recipe: object, stack_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_lines, apply_lines = recipe()  # type: ignore[operator]
    assert any(" validate " in f" {line} " for line in plan_lines)
    assert any("-markdown" in line for line in plan_lines)
    assert apply_lines and all("plan.atonix" in line for line in apply_lines)

    _run_all(plan_lines, stack_dir, monkeypatch)
    markdown = (stack_dir / "plan.md").read_text()
    document = json.loads((stack_dir / "plan.json").read_text())
    assert "Plan: 2 to add" in markdown and "✅ Policy policy.yaml: passed" in markdown
    assert document["format_version"] == "1.2"

    _run_all(apply_lines, stack_dir, monkeypatch)
    events = [json.loads(x) for x in (stack_dir / "apply-events.jsonl").read_text().splitlines()]
    assert events[-2]["@message"] == "Apply complete! Resources: 2 added, 0 changed, 0 destroyed."


def test_github_workflow_fails_on_a_policy_denial(
    stack_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_lines, _ = _github_lines()
    plan_line = next(line for line in plan_lines if line.startswith("atonix plan"))
    (stack_dir / "policy.yaml").write_text("rules: [{name: frozen, forbid: [create]}]\n")
    monkeypatch.chdir(stack_dir)

    denied = CliRunner().invoke(cli, shlex.split(plan_line)[1:], catch_exceptions=False)

    workflow = (RECIPES / "github-actions.yml").read_text()
    assert denied.exit_code == 3
    assert "steps.plan.outputs.exitcode == '3'" in workflow
    assert (stack_dir / "plan.atonix").exists()  # saved for the summary, refused at apply


def test_pre_commit_hooks_validate_templates(stack_dir: Path) -> None:
    config = yaml.safe_load((RECIPES / ".pre-commit-config.yaml").read_text())
    hook = config["repos"][0]["hooks"][0]
    offered = yaml.safe_load((RECIPES / ".pre-commit-hooks.yaml").read_text())[0]

    passed = _sh(f'{hook["entry"]} "$@"', stack_dir, "stack.yaml")
    offered_run = _sh(offered["entry"], stack_dir)
    (stack_dir / "stack.yaml").write_text("heat_template_version: 2018-08-31\nresources: [oops\n")
    failed = _sh(f'{hook["entry"]} "$@"', stack_dir, "stack.yaml")

    assert passed.returncode == 0, passed.stderr
    assert "Success! The template is valid." in passed.stdout
    assert offered_run.returncode == 0, offered_run.stderr
    assert failed.returncode == 1
    assert "stack.yaml:3:1: error: YAML syntax error" in failed.stderr
