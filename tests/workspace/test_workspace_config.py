"""atonix.yaml parsing, located errors and workspace selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from atonix_iac.errors import WorkspaceError
from atonix_iac.workspace.config import (
    DEFAULT_STATE_URL,
    Binding,
    find_project_file,
    implicit_config,
    load_project_file,
    parse_project_text,
    select_binding,
)

GOOD = """\
state: sqlite:///.atonix/state.db
workspaces:
  devops-team:
    environments:
      dev:
        cloud: mycloud
        project: devops-dev
        region: RegionOne
        quotas: {vcpus: 20, ram_gb: 80, storage_gb: 500, instances: 10}
      prod:
        cloud: mycloud
        project: devops-prod
        policy: policies/prod.rego
  data:
    environments:
      dev:
        cloud: other
        project: data-dev
"""


def test_parses_bindings_with_quotas() -> None:
    config = parse_project_text(GOOD, "atonix.yaml")
    binding = select_binding(config, "devops-team", "dev", env={})
    assert binding == Binding(
        workspace="devops-team",
        environment="dev",
        cloud="mycloud",
        project="devops-dev",
        region="RegionOne",
        quotas={"vcpus": 20, "ram_gb": 80, "storage_gb": 500, "instances": 10},
    )
    prod = select_binding(config, "devops-team", "prod", env={})
    assert prod.policy == "policies/prod.rego"
    assert prod.region is None
    assert config.bound() == [("devops-team", "dev"), ("devops-team", "prod"), ("data", "dev")]


def test_state_default_and_anchored_at_project_dir(tmp_path: Path) -> None:
    (tmp_path / "atonix.yaml").write_text("workspaces: {}\n")
    config = load_project_file(tmp_path / "atonix.yaml")
    assert config.state == DEFAULT_STATE_URL
    assert config.state_url() == f"sqlite:///{tmp_path}/.atonix/state.db"
    pg = parse_project_text("state: postgresql+psycopg://db/atonix\n", "a.yaml", root=tmp_path)
    assert pg.state_url() == "postgresql+psycopg://db/atonix"


def test_unknown_key_is_located_with_suggestion() -> None:
    text = GOOD.replace("        region: RegionOne\n", "        regoin: RegionOne\n")
    with pytest.raises(WorkspaceError) as info:
        parse_project_text(text, "atonix.yaml")
    (diag,) = info.value.diagnostics
    assert diag.format() == (
        "atonix.yaml:8:9: error: unknown key `regoin` (did you mean `region`?)"
    )


def test_wrong_quota_type_is_located_at_the_value() -> None:
    text = GOOD.replace("vcpus: 20", "vcpus: lots")
    with pytest.raises(WorkspaceError) as info:
        parse_project_text(text, "atonix.yaml")
    (diag,) = info.value.diagnostics
    assert str(diag.location) == "atonix.yaml:9:25"
    assert "workspaces.devops-team.environments.dev.quotas.vcpus" in diag.message


def test_negative_quota_is_an_error() -> None:
    with pytest.raises(WorkspaceError, match="greater than or equal to 0"):
        parse_project_text(GOOD.replace("instances: 10", "instances: -1"), "atonix.yaml")


def test_yaml_syntax_error_is_located() -> None:
    with pytest.raises(WorkspaceError) as info:
        parse_project_text("workspaces:\n  a: [1, 2\n", "atonix.yaml")
    text = info.value.format()
    assert text.startswith("atonix.yaml:3:1: error: invalid YAML")


def test_non_mapping_file_and_bad_state_url() -> None:
    with pytest.raises(WorkspaceError, match="must be a mapping"):
        parse_project_text("- a\n- b\n", "atonix.yaml")
    with pytest.raises(WorkspaceError) as info:
        parse_project_text("state: state.db\n", "atonix.yaml")
    assert info.value.diagnostics[0].format().startswith("atonix.yaml:1:8: error: state:")


def test_unbound_workspace_lists_bound_ones() -> None:
    config = parse_project_text(GOOD, "atonix.yaml")
    with pytest.raises(WorkspaceError) as info:
        select_binding(config, "devops-tem", "dev", env={})
    message = info.value.message
    assert "workspace `devops-tem` is not bound" in message
    assert "devops-team/dev, devops-team/prod, data/dev" in message
    assert "did you mean `devops-team`?" in message


def test_unbound_environment_lists_bound_ones() -> None:
    config = parse_project_text(GOOD, "atonix.yaml")
    with pytest.raises(WorkspaceError, match=r"environment `data/prod` is not bound.*data/dev"):
        select_binding(config, "data", "prod", env={})


def test_environment_variables_select_and_flags_win() -> None:
    config = parse_project_text(GOOD, "atonix.yaml")
    env = {"ATONIX_WORKSPACE": "devops-team", "ATONIX_ENVIRONMENT": "prod"}
    assert select_binding(config, env=env).project == "devops-prod"
    assert select_binding(config, "data", "dev", env=env).project == "data-dev"
    assert select_binding(config, environment="dev", env=env).project == "devops-dev"


def test_single_environment_is_chosen_and_ambiguity_is_an_error() -> None:
    config = parse_project_text(GOOD, "atonix.yaml")
    assert select_binding(config, "data", env={}).environment == "dev"
    with pytest.raises(WorkspaceError, match="no workspace selected.*ATONIX_WORKSPACE"):
        select_binding(config, env={})
    with pytest.raises(WorkspaceError, match="no environment selected"):
        select_binding(config, "devops-team", env={})


def test_implicit_default_binding_has_no_cloud() -> None:
    binding = select_binding(implicit_config(), env={})
    assert binding == Binding("default", "default")
    assert binding.cloud is None
    with pytest.raises(WorkspaceError, match="no atonix.yaml found"):
        select_binding(implicit_config(), "team", env={})


def test_find_project_file_walks_up(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project_file(deep) is None
    (tmp_path / "atonix.yaml").write_text("state: sqlite:///x.db\n")
    assert find_project_file(deep) == (tmp_path / "atonix.yaml").resolve()


def test_unreadable_file_is_a_workspace_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="cannot read"):
        load_project_file(tmp_path / "missing.yaml")
