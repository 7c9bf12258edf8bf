"""``atonix plan``/``apply --remote``: the CLI loads the template, the stack service (against
the simulator's Keystone) plans and applies it; saved remote plans, stale plans, bad tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from _service_kit import STACK, RunningService
from click.testing import CliRunner, Result

from atonix_iac.cli.main import cli


def _atonix(
    service: RunningService, *args: str, env: dict[str, str] | None = None, answer: str = ""
) -> Result:
    return CliRunner().invoke(
        cli,
        list(args),
        env={"ATONIX_REMOTE": service.url, **(env or {})},
        input=answer,
        catch_exceptions=False,
    )


def _template(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_plan_then_apply_a_new_stack_and_replan(service: RunningService, tmp_path: Path) -> None:
    template = _template(tmp_path, "remote-web", STACK)
    where = ("-w", "team", "-E", "demo")
    planned = _atonix(service, "plan", *where, "-detailed-exitcode", str(template))
    assert planned.exit_code == 2, planned.output
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in planned.output

    applied = _atonix(
        service, "apply", *where, "-auto-approve", "-var", "greeting=hi", str(template)
    )
    assert applied.exit_code == 0, applied.output
    assert "Apply complete" in applied.output
    heat = service.heat("demo")
    stack = heat.stacks.get("remote-web")
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    outputs = {o["output_key"]: o["output_value"] for o in stack.outputs}
    assert outputs == {"message": "hi world"}
    assert {r.resource_name for r in heat.resources.list(stack.id)} == {"word", "app", "after"}

    again = _atonix(
        service, "plan", *where, "-detailed-exitcode", "-var", "greeting=hi", str(template)
    )
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output

    # an update, planned and saved, then applied exactly from the file
    plan_file = tmp_path / "update.plan"
    saved = _atonix(
        service, "plan", *where, "-var", "greeting=hey", "-out", str(plan_file), str(template)
    )
    assert saved.exit_code == 0 and "0 to add, 2 to change" in saved.output, saved.output
    done = _atonix(service, "apply", str(plan_file), env={"ATONIX_REMOTE": ""})
    assert done.exit_code == 0, done.output
    stack = heat.stacks.get("remote-web")
    assert stack.stack_status == "UPDATE_COMPLETE", stack.stack_status_reason
    assert {o["output_key"]: o["output_value"] for o in stack.outputs} == {"message": "hey world"}


def test_a_saved_plan_made_stale_is_refused(service: RunningService, tmp_path: Path) -> None:
    template = _template(tmp_path, "remote-stale", STACK)
    where = ("-w", "team", "-E", "demo")
    assert _atonix(service, "apply", *where, "-auto-approve", str(template)).exit_code == 0
    plan_file = tmp_path / "first.plan"
    first = _atonix(
        service, "plan", *where, "-var", "greeting=one", "-out", str(plan_file), str(template)
    )
    assert first.exit_code == 0, first.output
    # another change goes in first
    other = _atonix(
        service, "apply", *where, "-auto-approve", "-var", "greeting=two", str(template)
    )
    assert other.exit_code == 0, other.output
    stale = _atonix(service, "apply", str(plan_file))
    assert stale.exit_code == 1
    assert "stale" in stale.output.lower() and "Traceback" not in stale.output
    heat = service.heat("demo")
    stack = heat.stacks.get("remote-stale")
    assert {o["output_key"]: o["output_value"] for o in stack.outputs} == {"message": "two world"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OS_CLOUD": "", "OS_CLIENT_CONFIG_FILE": "/nonexistent/clouds.yaml"}, "clouds.yaml"),
    ],
)
def test_bad_credentials_are_one_clean_line(
    service: RunningService, tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    template = _template(tmp_path, "remote-denied", STACK)
    result = _atonix(service, "plan", "-w", "team", "-E", "demo", str(template), env=env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().startswith("error:"), result.output


def test_service_down_and_a_bad_token(service: RunningService, tmp_path: Path) -> None:
    template = _template(tmp_path, "remote-down", STACK)
    down = _atonix(
        service, "plan", "-w", "team", "-E", "demo", str(template),
        env={"ATONIX_REMOTE": "http://127.0.0.1:9"},
    )  # fmt: skip
    assert down.exit_code == 1 and "cannot reach the stack service" in down.output, down.output
    cloudless = tmp_path / "atonix.yaml"  # no cloud: the OS_* variables authenticate
    cloudless.write_text("workspaces:\n  team:\n    environments:\n      demo: {project: demo}\n")
    token_env = {
        "OS_AUTH_TYPE": "token",
        "OS_AUTH_URL": service.sim.auth_url,
        "OS_TOKEN": "not-a-token",
        "OS_PROJECT_NAME": "demo",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_CLIENT_CONFIG_FILE": "/nonexistent/clouds.yaml",
        "ATONIX_CONFIG": str(cloudless),
    }
    bad = _atonix(service, "plan", str(template), env=token_env)
    assert bad.exit_code == 1, bad.output
    assert "Traceback" not in bad.output and "not-a-token" not in bad.output
    assert bad.output.strip().startswith("error:"), bad.output
    assert "authenticat" in bad.output and len(bad.output.strip().splitlines()) == 1


def test_flags_only_a_local_run_takes_are_refused(service: RunningService, tmp_path: Path) -> None:
    template = _template(tmp_path, "remote-flags", STACK)
    result = _atonix(service, "plan", "-w", "team", "-E", "demo", "-target", "app", str(template))
    assert result.exit_code == 1
    assert "-target cannot be used with --remote" in result.output


def test_files_named_by_the_template_are_sent(service: RunningService, tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("from a file\n")
    (tmp_path / "inner.yaml").write_text(
        "heat_template_version: 2018-08-31\n"
        "resources:\n  inner:\n    type: OS::Heat::Value\n    properties: {value: inner}\n"
    )
    template = _template(
        tmp_path,
        "remote-files",
        "heat_template_version: 2018-08-31\nresources:\n"
        "  v:\n    type: OS::Heat::Value\n    properties: {value: {get_file: data.txt}}\n"
        "  n:\n    type: inner.yaml\n",
    )
    result = _atonix(service, "apply", "-w", "team", "-E", "demo", "-auto-approve", str(template))
    assert result.exit_code == 0, result.output
    heat = service.heat("demo")
    stack = heat.stacks.get("remote-files")
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    assert heat.resources.get(stack.id, "v").attributes["value"] == "from a file\n"


def test_a_failed_apply_exits_non_zero(service: RunningService, tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        "remote-fails",
        "heat_template_version: 2018-08-31\nresources:\n"
        "  bad:\n    type: OS::Heat::TestResource\n    properties: {fail: true}\n",
    )
    result = _atonix(service, "apply", "-w", "team", "-E", "demo", "-auto-approve", str(template))
    assert result.exit_code == 1, result.output
    assert "error: stack `remote-fails` ended CREATE_FAILED" in result.output
    assert "Traceback" not in result.output


def test_apply_asks_first(service: RunningService, tmp_path: Path) -> None:
    template = _template(tmp_path, "remote-asked", STACK)
    where = ("-w", "team", "-E", "demo")
    declined = _atonix(service, "apply", *where, str(template), answer="no\n")
    assert declined.exit_code == 1 and "Apply cancelled." in declined.output, declined.output
    assert [s.stack_name for s in service.heat("demo").stacks.list()].count("remote-asked") == 0
    accepted = _atonix(service, "apply", *where, str(template), answer="yes\n")
    assert accepted.exit_code == 0, accepted.output
    assert service.heat("demo").stacks.get("remote-asked").stack_status == "CREATE_COMPLETE"
