"""A stack's cloud target (``Binding``) and where its project file is.

Every stack command needs these; only commands that actually find an ``atonix.yaml`` need its
parser (``workspace.config``: pydantic models over YAML). Kept apart so that a cloud-free stack
without a project file never imports pydantic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from atonix_iac.errors import WorkspaceError

PROJECT_FILE_NAME = "atonix.yaml"
DEFAULT_STATE_URL = "sqlite:///.atonix/state.db"
DEFAULT_WORKSPACE = "default"
DEFAULT_ENVIRONMENT = "default"
WORKSPACE_ENV_VAR = "ATONIX_WORKSPACE"
ENVIRONMENT_ENV_VAR = "ATONIX_ENVIRONMENT"
# The openstack CLI's conventions: OS_CLOUD names a clouds.yaml entry; OS_AUTH_URL (with the
# other OS_* variables) describes a cloud that openstacksdk calls OS_CLOUD_NAME, else `envvars`.
OS_CLOUD_ENV_VAR = "OS_CLOUD"
OS_AUTH_URL_ENV_VAR = "OS_AUTH_URL"
OS_CLOUD_NAME_ENV_VAR = "OS_CLOUD_NAME"
OS_REGION_ENV_VAR = "OS_REGION_NAME"
ENVVARS_CLOUD = "envvars"


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


def ambient_cloud(
    flag: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """(cloud, region) as the openstack CLI picks them: ``--os-cloud``, else ``OS_CLOUD``, else
    the cloud the ``OS_AUTH_URL`` & co variables describe (openstacksdk's ``envvars`` entry);
    the region from ``OS_REGION_NAME``. (None, ...) when none is named."""
    environ = os.environ if env is None else env
    region = environ.get(OS_REGION_ENV_VAR) or None
    cloud = flag or environ.get(OS_CLOUD_ENV_VAR) or None
    if cloud is None and environ.get(OS_AUTH_URL_ENV_VAR):
        cloud = environ.get(OS_CLOUD_NAME_ENV_VAR) or ENVVARS_CLOUD
    return cloud, region


def with_ambient_cloud(
    binding: Binding,
    flag: str | None = None,
    env: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Binding:
    """``binding`` with the cloud ``--os-cloud`` / ``OS_CLOUD`` / ``OS_*`` name when it binds
    none (the implicit workspace, or an environment of atonix.yaml without ``cloud:``). A
    ``cloud:`` in atonix.yaml wins over the variables; ``--os-cloud`` naming another is refused."""
    if binding.cloud:
        if flag and flag != binding.cloud:
            raise WorkspaceError(
                f"--os-cloud {flag} disagrees with `cloud: {binding.cloud}` of {binding.label}"
                f" in {source or PROJECT_FILE_NAME}; drop the flag or change the file"
            )
        return binding
    cloud, region = ambient_cloud(flag, env)
    if cloud is None:
        return binding
    return replace(binding, cloud=cloud, region=binding.region or region)
