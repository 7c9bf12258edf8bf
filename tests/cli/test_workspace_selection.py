"""-w/-E and atonix.yaml: which binding, which state database, which stack key."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli_kit import Project

from atonix_iac.state import StackKey, open_store

CLOUD_FREE = """heat_template_version: 2018-08-31
resources:
  app:
    type: OS::Heat::Value
    properties: {value: hello}
outputs:
  value:
    value: {get_attr: [app, value]}
"""

TWO_ENVIRONMENTS = """state: sqlite:///state/atonix.db
workspaces:
  team:
    environments:
      dev: {}
      prod: {}
  other:
    environments:
      dev: {}
"""


def _keys(db: Path) -> list[StackKey]:
    store = open_store(f"sqlite:///{db}")
    try:
        return list(store.list_stacks())
    finally:
        store.close()


def test_without_project_file_stacks_run_in_default_default(project: Project) -> None:
    project.write("stack.yaml", CLOUD_FREE)
    result = project.run("apply", "-auto-approve")
    assert result.exit_code == 0, result.output
    assert project.state().resources["app"].attributes["value"] == "hello"
    unbound = project.run("plan", "-w", "team")
    assert unbound.exit_code == 1
    assert "workspace `team`/`default` is not bound (no atonix.yaml found)" in unbound.stderr


def test_flags_select_the_binding_and_key_the_state(project: Project) -> None:
    project.write("atonix.yaml", TWO_ENVIRONMENTS)
    project.write("stack.yaml", CLOUD_FREE)
    for args in (["-w", "team", "-E", "dev"], ["--workspace", "team", "-environment", "prod"]):
        result = project.run("apply", "-auto-approve", *args)
        assert result.exit_code == 0, result.output
    # state: in atonix.yaml is anchored at the file's directory.
    keys = _keys(project.root / "state" / "atonix.db")
    assert sorted(keys) == [StackKey("team", "dev", "stack"), StackKey("team", "prod", "stack")]
    assert not (project.root / ".atonix" / "state.db").exists()
    output = project.run("output", "-w", "team", "-E", "prod", "value")
    assert output.stdout.strip() == '"hello"'


def test_environment_variables_choose_when_flags_do_not(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write("atonix.yaml", TWO_ENVIRONMENTS)
    project.write("stack.yaml", CLOUD_FREE)
    monkeypatch.setenv("ATONIX_WORKSPACE", "other")
    monkeypatch.setenv("ATONIX_ENVIRONMENT", "dev")
    assert project.run("apply", "-auto-approve").exit_code == 0
    assert _keys(project.root / "state" / "atonix.db") == [StackKey("other", "dev", "stack")]


def test_unbound_selection_lists_the_bound_ones(project: Project) -> None:
    project.write("atonix.yaml", TWO_ENVIRONMENTS)
    project.write("stack.yaml", CLOUD_FREE)
    result = project.run("plan", "-w", "team", "-E", "stagin")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: environment `team/stagin` is not bound in ")
    assert "(bound: team/dev, team/prod, other/dev)" in result.stderr
    ambiguous = project.run("plan")
    assert ambiguous.exit_code == 1
    assert "no workspace selected; choose one with -w/--workspace" in ambiguous.stderr
    assert "Traceback" not in ambiguous.output


def test_project_file_is_found_from_the_template_not_the_cwd(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = project.root / "infra" / "app"
    app.mkdir(parents=True)
    (project.root / "infra" / "atonix.yaml").write_text(TWO_ENVIRONMENTS)
    (app / "web.yaml").write_text(CLOUD_FREE)
    elsewhere = project.root / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = project.run("apply", "-auto-approve", str(app / "web.yaml"), "-w", "team", "-E", "dev")
    assert result.exit_code == 0, result.output
    assert _keys(project.root / "infra" / "state" / "atonix.db") == [StackKey("team", "dev", "web")]
    assert not (elsewhere / ".atonix").exists()


def test_state_url_flag_and_variable_beat_the_project_file(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project.write("atonix.yaml", TWO_ENVIRONMENTS)
    project.write("stack.yaml", CLOUD_FREE)
    from_env, from_flag = tmp_path / "env.db", tmp_path / "flag.db"
    monkeypatch.setenv("ATONIX_STATE_URL", f"sqlite:///{from_env}")
    assert project.run("apply", "-auto-approve", "-w", "team", "-E", "dev").exit_code == 0
    flagged = ["-w", "other", "-E", "dev", "--state-url", f"sqlite:///{from_flag}"]
    assert project.run("apply", "-auto-approve", *flagged).exit_code == 0
    assert _keys(from_env) == [StackKey("team", "dev", "stack")]
    assert _keys(from_flag) == [StackKey("other", "dev", "stack")]
    assert not (project.root / "state").exists()


def test_config_flag_names_the_project_file(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = project.write("teams.yaml", TWO_ENVIRONMENTS)
    project.write("stack.yaml", CLOUD_FREE)
    result = project.run("apply", "-auto-approve", "--config", str(named), "-w", "other")
    assert result.exit_code == 0, result.output
    assert _keys(project.root / "state" / "atonix.db") == [StackKey("other", "dev", "stack")]
    monkeypatch.setenv("ATONIX_CONFIG", str(project.root / "missing.yaml"))
    missing = project.run("plan")
    assert missing.exit_code == 1
    assert "no project file at" in missing.stderr and "missing.yaml" in missing.stderr


def test_openstack_types_without_a_cloud_are_a_located_error(project: Project) -> None:
    project.write(
        "stack.yaml",
        "heat_template_version: 2018-08-31\nresources:\n  net:\n    type: OS::Neutron::Net\n",
    )
    result = project.run("plan")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "stack.yaml:4:11: error: `net` is an OS::Neutron::Net, which needs an OpenStack cloud,"
        " but none is bound to workspace default/default (set OS_CLOUD=NAME"
    )
    assert "--os-cloud NAME" in result.stderr
    # validate needs no cloud: the template itself is fine.
    assert project.run("validate").exit_code == 0


def test_cloud_free_stacks_never_connect_to_the_bound_cloud(project: Project) -> None:
    project.write(
        "atonix.yaml",
        "workspaces:\n  team:\n    environments:\n      dev: {cloud: no-such-cloud, project: x}\n",
    )
    project.write("stack.yaml", CLOUD_FREE)
    for command in (
        ["validate"],
        ["plan"],
        ["apply", "-auto-approve"],
        ["destroy", "-auto-approve"],
    ):
        result = project.run(*command)
        assert result.exit_code == 0, result.output
