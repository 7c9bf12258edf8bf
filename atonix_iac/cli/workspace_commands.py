"""``atonix workspace list | show NAME``: what atonix.yaml binds, never any credential.

Bindings name a clouds.yaml entry, a project and a region; the credentials behind the cloud
name stay in clouds.yaml and are never read here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from atonix_iac.errors import WorkspaceError
from atonix_iac.workspace.config import (
    PROJECT_FILE_NAME,
    EnvironmentConfig,
    ProjectConfig,
    find_project_file,
    implicit_config,
    load_project_file,
)

if TYPE_CHECKING:
    from atonix_iac.state.sql import SqlStateStore


def load_config(path: Path | None) -> ProjectConfig:
    """The named project file, else the nearest one up from the current directory."""
    if path is not None:
        return load_project_file(path)
    found = find_project_file(Path.cwd())
    return load_project_file(found) if found else implicit_config()


def open_project_store(config: ProjectConfig, state_url: str | None) -> SqlStateStore:
    """The state database of a command that reads every stack (audit, stack list): the flag,
    else $ATONIX_STATE_URL, else the project file's ``state:``, else SQLite beside it."""
    from atonix_iac.state import open_store  # workspace list/show never load the state layer

    url = (
        state_url
        or os.environ.get("ATONIX_STATE_URL")
        or (config.state_url() if config.source else None)
    )
    return open_store(url, project_dir=config.root or Path.cwd())


def _environment_dict(env: EnvironmentConfig) -> dict[str, Any]:
    return {
        "cloud": env.cloud,
        "project": env.project,
        "region": env.region,
        "quotas": env.quotas.as_dict(),
        "policy": env.policy,
        "on_failure": env.on_failure,
    }


def _describe(env: EnvironmentConfig) -> str:
    parts = [f"cloud={env.cloud or '-'}", f"project={env.project or '-'}"]
    if env.region:
        parts.append(f"region={env.region}")
    return " ".join(parts)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"The project file (default: the nearest {PROJECT_FILE_NAME} up from here).",
)


@click.group("workspace")
def workspace() -> None:
    """Workspaces and the clouds their environments are bound to."""


@workspace.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_workspaces(config_path: Path | None, as_json: bool) -> None:
    """List every workspace/environment binding."""
    config = load_config(config_path)
    if as_json:
        data = {
            "source": config.source,
            "state": config.state,
            "workspaces": {
                name: {e: _environment_dict(env) for e, env in ws.environments.items()}
                for name, ws in config.workspaces.items()
            },
        }
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    if not config.workspaces:
        click.echo(
            f"No {PROJECT_FILE_NAME} found: stacks run in the implicit default/default "
            "workspace, with no cloud."
        )
        return
    for name, ws in config.workspaces.items():
        for env_name, env in ws.environments.items():
            click.echo(f"{name}/{env_name}  {_describe(env)}")


@workspace.command("show")
@click.argument("name")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show_workspace(name: str, config_path: Path | None, as_json: bool) -> None:
    """Show one workspace's environments: cloud, project, region, quotas, policy,
    on_failure."""
    config = load_config(config_path)
    ws = config.workspaces.get(name)
    if ws is None:
        bound = ", ".join(config.workspaces) or "none"
        raise WorkspaceError(f"workspace `{name}` is not bound (bound: {bound})")
    if as_json:
        data = {e: _environment_dict(env) for e, env in ws.environments.items()}
        click.echo(json.dumps({"workspace": name, "environments": data}, indent=2))
        return
    click.echo(f"workspace {name}")
    if ws.description:
        click.echo(f"  {ws.description}")
    for env_name, env in ws.environments.items():
        click.echo(f"  {env_name}:")
        click.echo(f"    cloud:   {env.cloud or '(none)'}")
        click.echo(f"    project: {env.project or '(cloud default)'}")
        click.echo(f"    region:  {env.region or '(cloud default)'}")
        quotas = env.quotas.as_dict()
        if quotas:
            text = ", ".join(f"{k}={v}" for k, v in quotas.items())
            click.echo(f"    quotas:  {text}")
        if env.policy:
            click.echo(f"    policy:  {env.policy}")
        if env.on_failure:
            click.echo(f"    on_failure: {env.on_failure}")
