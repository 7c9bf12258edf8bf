"""A newcomer who knows the openstack CLI and Terraform: their conventions simply work (issue 13).

The cloud is the real simulator over HTTP; each test runs the real CLI.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from _cli_kit import CloudProject, Project

NETWORKS = """heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: newcomer-net}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.13.0.0/24}
  other:
    type: OS::Neutron::Net
    properties: {name: newcomer-other}
  label:
    type: OS::Heat::Value
    properties: {value: hi}
"""


def _sim_auth_env(cloud_project: CloudProject) -> dict[str, str]:
    """The OS_* variables an openrc file sets for the simulator (no clouds.yaml)."""
    return cloud_project.sim.openrc("demo")


# -- item 1: OS_CLOUD, --os-cloud and OS_* bind the implicit workspace ------------------------


def test_os_cloud_binds_the_implicit_workspace(
    cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud_project.write("stack.yaml", NETWORKS)
    monkeypatch.setenv("OS_CLOUD", "atonix-sim")

    result = cloud_project.run("plan")

    assert result.exit_code == 0, result.stderr
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in result.stdout


def test_the_os_cloud_flag_binds_it_too(cloud_project: CloudProject) -> None:
    cloud_project.write("stack.yaml", NETWORKS)

    result = cloud_project.run("plan", "--os-cloud", "atonix-sim")

    assert result.exit_code == 0, result.stderr
    assert "Plan: 4 to add" in result.stdout


def test_openrc_variables_bind_it_without_clouds_yaml(cloud_project: CloudProject) -> None:
    cloud_project.write("stack.yaml", NETWORKS)
    env = {**_sim_auth_env(cloud_project), "OS_CLIENT_CONFIG_FILE": os.devnull}

    result = cloud_project.process("plan", **env)

    assert result.returncode == 0, result.stderr
    assert "Plan: 4 to add" in result.stdout


def test_an_environment_without_cloud_takes_os_cloud(
    cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud_project.write("stack.yaml", NETWORKS)
    cloud_project.bind("dev:\n  project: demo")
    monkeypatch.setenv("OS_CLOUD", "atonix-sim")

    result = cloud_project.run("plan")

    assert result.exit_code == 0, result.stderr
    assert "Plan: 4 to add" in result.stdout


def test_os_cloud_flag_disagreeing_with_atonix_yaml_is_refused(
    cloud_project: CloudProject,
) -> None:
    cloud_project.write("stack.yaml", NETWORKS)
    cloud_project.bind("dev:\n  cloud: atonix-sim")

    result = cloud_project.run("plan", "--os-cloud", "elsewhere")

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: --os-cloud elsewhere disagrees with `cloud: atonix-sim` of team/dev in"
        f" {cloud_project.root / 'atonix.yaml'}; drop the flag or change the file"
    )


def test_nothing_bound_is_one_line_saying_how(cloud_project: CloudProject) -> None:
    cloud_project.write("stack.yaml", NETWORKS)

    result = cloud_project.run("plan")

    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "stack.yaml:4:11: error: `net` is an OS::Neutron::Net (and 2 more), which needs an"
        " OpenStack cloud, but none is bound to workspace default/default (set OS_CLOUD=NAME"
        " (a clouds.yaml entry), or `cloud:` in atonix.yaml, or pass --os-cloud NAME)"
    ]


def test_a_missing_clouds_yaml_entry_lists_those_that_exist(cloud_project: CloudProject) -> None:
    cloud_project.write("stack.yaml", NETWORKS)

    result = cloud_project.run("plan", "--os-cloud", "atonix-simm")

    assert result.exit_code == 1
    assert "cloud `atonix-simm`" in result.stderr
    assert "clouds.yaml has: atonix-sim, atonix-sim-demo, atonix-sim-other" in result.stderr
    assert "Traceback" not in result.stderr


# -- item 4: state lives beside the template (or atonix.yaml), not in the current directory ----


def test_state_follows_the_template_not_the_current_directory(
    cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud_project.write("stack.yaml", NETWORKS.replace("newcomer-", "beside-"))
    monkeypatch.setenv("OS_CLOUD", "atonix-sim")
    applied = cloud_project.run("apply", "-auto-approve")
    assert applied.exit_code == 0, applied.stderr
    sub = cloud_project.root / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)

    again = cloud_project.run("plan", "../stack.yaml", "-detailed-exitcode")

    assert again.exit_code == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout
    assert not (sub / ".atonix").exists()
    destroyed = cloud_project.run("destroy", "../stack.yaml", "-auto-approve")
    assert destroyed.exit_code == 0, destroyed.stderr


def test_state_directory_is_git_ignored_when_atonix_creates_it(project: Project) -> None:
    project.write("stack.yaml", "heat_template_version: 2018-08-31\nresources: {}\n")
    project.run("plan")
    assert not (project.root / ".atonix").exists()  # a plan from no state writes none
    project.run("apply", "-auto-approve")

    ignore = project.root / ".atonix" / ".gitignore"
    assert ignore.read_text().splitlines()[-1] == "*"
    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout.split() == ["??", "stack.yaml"]


def test_state_left_in_the_current_directory_is_still_found(project: Project) -> None:
    """A project run as `atonix apply stacks/web.yaml` before state moved beside the template:
    its state in ./.atonix is used (not a fresh plan of everything), with a note saying how to
    move it."""
    stacks = project.root / "stacks"
    stacks.mkdir()
    (stacks / "web.yaml").write_text(
        "heat_template_version: 2018-08-31\nresources:\n"
        "  v: {type: OS::Heat::Value, properties: {value: 1}}\n"
    )
    applied = project.run("apply", "stacks/web.yaml", "-auto-approve")
    assert applied.exit_code == 0
    (stacks / ".atonix").rename(project.root / ".atonix")  # where earlier versions put it

    again = project.run("plan", "stacks/web.yaml")

    assert again.exit_code == 0, again.stderr
    assert "No changes." in again.stdout
    assert "Note: using the state of stack `web` in" in again.stderr
    assert f"mv .atonix/state.* {stacks / '.atonix'}/" in again.stderr
    assert not (stacks / ".atonix").exists()


def test_a_project_file_keeps_state_beside_it(project: Project) -> None:
    project.write("atonix.yaml", "workspaces: {}\n")
    (project.root / "stacks").mkdir()
    project.write(
        "stacks/app.yaml",
        "heat_template_version: 2018-08-31\nresources:\n"
        "  v: {type: OS::Heat::Value, properties: {value: 1}}\n",
    )

    result = project.run("apply", "stacks/app.yaml", "-auto-approve")

    assert result.exit_code == 0, result.stderr
    assert (project.root / ".atonix" / "state.db").is_file()
    assert not (project.root / "stacks" / ".atonix").exists()


# -- item 6: papercuts ------------------------------------------------------------------------

CONDITIONAL = """heat_template_version: 2018-08-31
parameters:
  with_cache: {type: boolean, default: false}
conditions:
  cache_on: {get_param: with_cache}
resources:
  app:
    type: OS::Heat::Value
    properties: {value: app}
  cache:
    type: OS::Heat::Value
    condition: cache_on
    properties: {value: {get_attr: [app, value]}}
"""


def test_graph_drops_what_a_condition_turns_off(project: Project) -> None:
    project.write("stack.yaml", CONDITIONAL)

    off = project.run("graph")
    on = project.run("graph", "-var", "with_cache=true")

    assert off.exit_code == 0, off.stderr
    assert '"app"' in off.stdout and '"cache"' not in off.stdout
    assert '"cache" -> "app";' in on.stdout


def test_graph_takes_the_workspace_flags(project: Project) -> None:
    project.write("stack.yaml", CONDITIONAL)
    project.write(
        "atonix.yaml", "workspaces:\n  team:\n    environments:\n      dev: {}\n      prod: {}\n"
    )

    chosen = project.run("graph", "-w", "team", "-E", "prod")
    unbound = project.run("graph", "-w", "team", "-E", "qa")

    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout.startswith("digraph atonix {")
    assert unbound.exit_code == 1
    assert "environment `team/qa` is not bound" in unbound.stderr


def test_audit_says_state_url_like_every_other_command(project: Project) -> None:
    project.write("stack.yaml", CONDITIONAL)
    url = f"sqlite:///{project.root / 'elsewhere.db'}"
    assert project.run("apply", "-auto-approve", "--state-url", url).exit_code == 0

    listed = project.run("audit", "--state-url", url)
    legacy = project.run("audit", "--state", url)
    helped = project.run("audit", "--help")

    assert listed.exit_code == 0, listed.stderr
    assert "create" in listed.stdout and "app" in listed.stdout
    assert legacy.stdout == listed.stdout
    assert "--state-url" in helped.stdout and "--state " not in helped.stdout


def test_a_bad_registry_path_is_reported_where_it_is_written(project: Project) -> None:
    project.write(
        "stack.yaml",
        "heat_template_version: 2018-08-31\nresources:\n  a:\n    type: My::Thing\n",
    )
    project.write("env.yaml", "resource_registry:\n  My::Thing: missing/thing.yaml\n")

    result = project.run("validate", "-e", "env.yaml")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "env.yaml:2:3: error: file `missing/thing.yaml` does not exist",
        "  stack.yaml:4:11: note: `a` uses it",
    ]


def test_a_plan_saved_elsewhere_applies_against_the_templates_state(project: Project) -> None:
    (project.root / "stacks").mkdir()
    project.write("stacks/web.yaml", CONDITIONAL)
    assert project.run("apply", "stacks/web.yaml", "-auto-approve").exit_code == 0

    planned = project.run("plan", "stacks/web.yaml", "-var", "with_cache=true", "-out", "web.plan")
    applied = project.run("apply", "web.plan")

    assert planned.exit_code == 0, planned.stderr
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in planned.stdout
    assert applied.exit_code == 0, applied.stderr
    assert "Apply complete! Resources: 1 added" in applied.stdout
    assert not (project.root / ".atonix").exists()
