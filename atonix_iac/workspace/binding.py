"""A stack's cloud target (``Binding``) and where its project file is.

Every stack command needs these; only commands that actually find an ``atonix.yaml`` need its
parser (``workspace.config``: pydantic models over YAML). Kept apart so that a cloud-free stack
without a project file never imports pydantic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from atonix_iac.errors import WorkspaceError

PROJECT_FILE_NAME = "atonix.yaml"
DEFAULT_STATE_URL = "sqlite:///.atonix/state.db"
DEFAULT_WORKSPACE = "default"
DEFAULT_ENVIRONMENT = "default"
WORKSPACE_ENV_VAR = "ATONIX_WORKSPACE"
ENVIRONMENT_ENV_VAR = "ATONIX_ENVIRONMENT"


@dataclass(frozen=True, slots=True)
class Binding:
    """One environment's cloud target. ``cloud`` None = no cloud (cloud-free stacks only)."""

    workspace: str
    environment: str
    cloud: str | None = None
    project: str | None = None
    region: str | None = None
    quotas: Mapping[str, int] = field(default_factory=dict)
    policy: str | None = None
    on_failure: str | None = None  # stop | continue | rollback, for apply (atonix.yaml)

    @property
    def label(self) -> str:
        return f"{self.workspace}/{self.environment}"


def find_project_file(start: Path) -> Path | None:
    """The nearest ``atonix.yaml`` in ``start`` or one of its parents."""
    here = start.resolve()
    for directory in (here, *here.parents):
        candidate = directory / PROJECT_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def chosen_names(
    workspace: str | None, environment: str | None, env: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """The workspace and environment asked for: flags first, then ``ATONIX_WORKSPACE`` /
    ``ATONIX_ENVIRONMENT``; None = not chosen."""
    environ = os.environ if env is None else env
    return (
        workspace or environ.get(WORKSPACE_ENV_VAR) or None,
        environment or environ.get(ENVIRONMENT_ENV_VAR) or None,
    )


def implicit_binding(
    workspace: str | None = None,
    environment: str | None = None,
    env: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Binding:
    """The cloud-free ``default``/``default`` binding of a project that binds no workspaces
    (``source`` names its file; None = no file at all). Choosing anything else is an error."""
    workspace, environment = chosen_names(workspace, environment, env)
    wanted_ws = workspace or DEFAULT_WORKSPACE
    wanted_env = environment or DEFAULT_ENVIRONMENT
    if (wanted_ws, wanted_env) != (DEFAULT_WORKSPACE, DEFAULT_ENVIRONMENT):
        where = f" in {source}" if source else f" (no {PROJECT_FILE_NAME} found)"
        raise WorkspaceError(
            f"workspace `{wanted_ws}`/`{wanted_env}` is not bound{where}; "
            f"declare it under `workspaces:` in {PROJECT_FILE_NAME}"
        )
    return Binding(DEFAULT_WORKSPACE, DEFAULT_ENVIRONMENT)
