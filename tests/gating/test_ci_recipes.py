"""The CI recipes in examples/ci (and the hooks file at the repository root): every one runs as
shipped, against the sample stack. GitHub's workflow lines run in-process; GitLab's jobs run as
real shell scripts, job after job, their artifacts handed on and the last apply's state fetched
over HTTP as GitLab's job-artifacts API serves it; the pre-commit hooks run as real shell
processes. A recipe added to examples/ci without a test here fails ``test_every_recipe_is_run``."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from atonix_iac.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "examples" / "ci"
BIN = Path(sys.executable).parent
# A Fernet key, as the recipes' ATONIX_STATE_KEY secret holds one.
STATE_KEY = "u7sS2dbvV8ZfQkM5bq9aT5hYcQJ0r4lq8bGJ8c6Kx0c="
# Each file of examples/ci (but the sample stack) -> the test that runs it.
RECIPE_TESTS = {
    "github-actions.yml": "test_merge_request_then_main_branch",
    ".gitlab-ci.yml": "test_gitlab_pipelines_keep_state_between_them",
    ".pre-commit-config.yaml": "test_pre_commit_hooks_validate_templates",
}


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
    monkeypatch.setenv("ATONIX_STATE_KEY", STATE_KEY)
    for line in lines:
        _atonix(line)


def test_merge_request_then_main_branch(stack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workflow = yaml.safe_load((RECIPES / "github-actions.yml").read_text())
    assert workflow["env"]["ATONIX_STATE_KEY"] == "${{ secrets.ATONIX_STATE_KEY }}"
    installs = [
        s["run"]
        for job in workflow["jobs"].values()
        for s in job["steps"]
        if "pip" in str(s.get("run"))
    ]
    assert installs and all("atonix-iac" in line for line in installs)
    plan_lines, apply_lines = _github_lines()
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
    assert not (stack_dir / ".atonix" / "state.key").exists()  # the key is the secret's


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


def _hook_run(hook: dict[str, Any], cwd: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """A hook as pre-commit runs it: its entry, then the staged files that match ``files``."""
    assert hook["pass_filenames"] is True
    staged = [f for f in files if re.search(hook["files"], f)]
    return _sh(f'{hook["entry"]} "$@"', cwd, *staged)


def test_pre_commit_hooks_validate_templates(stack_dir: Path) -> None:
    assert not (RECIPES / ".pre-commit-hooks.yaml").exists()  # pre-commit reads the root's only
    offered = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    config = yaml.safe_load((RECIPES / ".pre-commit-config.yaml").read_text())
    hooks = [config["repos"][0]["hooks"][0], offered[0]]
    assert offered[0]["id"] == "atonix-validate" and offered[0]["language"] == "python"
    other = stack_dir / "other"
    other.mkdir()
    shutil.copy(stack_dir / "stack.yaml", other / "stack.yaml")

    for hook in hooks:
        passed = _hook_run(hook, stack_dir, "stack.yaml", "other/stack.yaml", "policy.yaml")
        assert passed.returncode == 0, passed.stderr
        assert passed.stdout.count("Success! The template is valid.") == 2

    (other / "stack.yaml").write_text("heat_template_version: 2018-08-31\nresources: [oops\n")
    for hook in hooks:
        failed = _hook_run(hook, stack_dir, "stack.yaml", "other/stack.yaml")
        assert failed.returncode == 1
        assert "other/stack.yaml:3:1: error: YAML syntax error" in failed.stderr


def test_every_recipe_is_run() -> None:
    recipes = {p.name for p in RECIPES.iterdir() if p.is_file()}
    assert recipes == set(RECIPE_TESTS)
    for test in RECIPE_TESTS.values():
        assert callable(globals()[test])


# -- GitLab: the pipeline's jobs as real shell scripts -----------------------------------------


class _ArtifactsApi:
    """GitLab's ``GET /projects/:id/jobs/artifacts/:ref/download?job=NAME``: the zip of the last
    successful job NAME on ref, for a request with the job's token; 404 before there is one."""

    def __init__(self) -> None:
        self.archives: dict[str, bytes] = {}
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                api.requests.append(self.path)
                path, _, query = self.path.partition("?")
                body = api.archives.get(query.removeprefix("job="))
                ok = path == "/api/v4/projects/7/jobs/artifacts/main/download"
                if not ok or body is None or self.headers.get("JOB-TOKEN") != "job-token":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v4"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def artifacts_api() -> Iterator[_ArtifactsApi]:
    api = _ArtifactsApi()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()


def _flatten(items: Any) -> list[str]:
    """A job's script: GitLab flattens the nested lists YAML anchors make."""
    if isinstance(items, list):
        return [line for item in items for line in _flatten(item)]
    return [str(items)]


class _Pipeline:
    """Runs the recipe's jobs in fresh checkouts, as a runner does, handing artifacts on."""

    def __init__(self, root: Path, api: _ArtifactsApi) -> None:
        self.config = yaml.safe_load((RECIPES / ".gitlab-ci.yml").read_text())
        self.root = root
        self.api = api
        self.artifacts: dict[str, dict[str, bytes]] = {}
        self.runs = 0

    def job(self, name: str, branch: str, source: str) -> Path:
        job = self.config[name]
        self.runs += 1
        checkout = self.root / f"run{self.runs}-{name}"
        shutil.copytree(RECIPES / "stack", checkout / "examples" / "ci" / "stack")
        for needed in job.get("needs", []):
            for rel, data in self.artifacts[needed].items():
                (checkout / rel).parent.mkdir(parents=True, exist_ok=True)
                (checkout / rel).write_bytes(data)
        before = _flatten(job.get("before_script", self.config["default"]["before_script"]))
        installs = [line for line in before if "pip install" in line]
        assert installs and all("atonix-iac" in line for line in installs)
        lines = [line for line in before if "pip install" not in line]
        script = "\n".join([*lines, *_flatten(job["script"])])
        env = {
            **os.environ,
            **{k: str(v) for k, v in self.config["variables"].items()},
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "CI_PROJECT_DIR": str(checkout),
            "CI_PROJECT_ID": "7",
            "CI_API_V4_URL": self.api.url,
            "CI_JOB_TOKEN": "job-token",
            "CI_DEFAULT_BRANCH": "main",
            "CI_COMMIT_BRANCH": branch,
            "CI_PIPELINE_SOURCE": source,
            "ATONIX_STATE_KEY": STATE_KEY,
        }
        env.pop("ATONIX_STATE_URL", None)
        done = subprocess.run(
            ["sh", "-e", "-c", script],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, f"job {name}:\n{done.stdout}\n{done.stderr}"
        kept = {}
        for rel in job.get("artifacts", {}).get("paths", []):
            if (checkout / rel).is_file():
                kept[rel] = (checkout / rel).read_bytes()
        self.artifacts[name] = kept
        if name == "apply":  # the last successful apply on main, as the API serves it
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for rel, data in kept.items():
                    archive.writestr(rel, data)
            self.api.archives["apply"] = buffer.getvalue()
        return checkout / "examples" / "ci" / "stack"


def test_gitlab_pipelines_keep_state_between_them(
    tmp_path: Path, artifacts_api: _ArtifactsApi
) -> None:
    pipeline = _Pipeline(tmp_path, artifacts_api)
    report = pipeline.config["plan"]["artifacts"]["reports"]["terraform"]
    assert report == "examples/ci/stack/tfplan.json"
    assert pipeline.config["apply"]["artifacts"]["expire_in"] == "never"

    # The merge request: validate, plan (the first ever: no state to fetch).
    pipeline.job("validate", "feature", "merge_request_event")
    first = pipeline.job("plan", "feature", "merge_request_event")
    assert "Plan: 2 to add" in (first / "plan.md").read_text()
    assert json.loads((first / "tfplan.json").read_text()) == {
        "create": 2,
        "update": 0,
        "delete": 0,
    }
    # Merged: plan on main, then the manual apply of exactly that plan.
    pipeline.job("plan", "main", "push")
    applied = pipeline.job("apply", "main", "push")
    events = [json.loads(x) for x in (applied / "apply-events.jsonl").read_text().splitlines()]
    assert events[-2]["@message"] == "Apply complete! Resources: 2 added, 0 changed, 0 destroyed."
    assert not (applied / ".atonix" / "state.key").exists()  # the key is the CI variable

    # The next pipeline plans against the state the apply kept: nothing to do.
    later = pipeline.job("plan", "feature-2", "merge_request_event")
    assert "No changes." in (later / "plan.md").read_text()
    assert json.loads((later / "tfplan.json").read_text()) == {
        "create": 0,
        "update": 0,
        "delete": 0,
    }
    assert artifacts_api.requests[-1].endswith("/jobs/artifacts/main/download?job=apply")
