"""``atonix simulator serve``: run the OpenStack API simulator (a separate, standalone package)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from atonix_iac.errors import UsageError

from .options import flag_names


@click.group("simulator")
def simulator_group() -> None:
    """A local simulated OpenStack cloud to try stacks against."""


@simulator_group.command("serve")
@click.option(*flag_names("port"), "port", type=int, default=8800, show_default=True)
@click.option(*flag_names("host"), "host", default="127.0.0.1", show_default=True)
@click.option(
    *flag_names("data-dir"),
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".atonix/simulator"),
    show_default=True,
    help="Where the simulated cloud keeps its state and writes clouds.yaml.",
)
@click.option(
    *flag_names("project"),
    "projects",
    multiple=True,
    help="A project to create; repeatable (default: demo).",
)
@click.option(
    *flag_names("projects"),
    "project_lists",
    multiple=True,
    metavar="A,B,...",
    help="Projects to create, comma-separated (adds to --project).",
)
@click.option(
    *flag_names("build-delay"),
    "build_delay",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds servers and volumes spend building.",
)
@click.option(
    *flag_names("config"),
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="JSON file of simulator settings (faults, delays, quotas).",
)
def serve_command(
    port: int,
    host: str,
    data_dir: Path,
    projects: tuple[str, ...],
    project_lists: tuple[str, ...],
    build_delay: float,
    config_path: Path | None,
) -> None:
    """Serve the simulated cloud until interrupted."""
    names = project_names(projects, project_lists)
    from atonix_iac.simulator import SimConfig, serve  # only this command needs it

    config = SimConfig()
    if config_path is not None:
        try:
            config.update(json.loads(config_path.read_text(encoding="utf-8")))
        except ValueError as err:
            raise UsageError(f"{config_path}: not a simulator settings file ({err})") from err
    try:
        serve(port, data_dir, names, build_delay, host=host, config=config)
    except OSError as err:
        raise UsageError(f"cannot serve on {host}:{port}: {err}") from err


def project_names(projects: tuple[str, ...], project_lists: tuple[str, ...]) -> list[str]:
    """``--project a --projects b,c`` -> ``[a, b, c]`` (each once, in order); ``[demo]`` if none."""
    names = [*projects, *(n for text in project_lists for n in text.split(","))]
    unique = dict.fromkeys(n.strip() for n in names if n.strip())
    return list(unique) or ["demo"]
