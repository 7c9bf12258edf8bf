"""Which project file, binding and state database a stack command works with.

The project file is the one named by ``--config`` / ``ATONIX_CONFIG``, else the nearest
``atonix.yaml`` up from the template's directory, so a command finds the same file (and the
same state) wherever it is run from. The state URL's precedence: ``--state-url`` >
``ATONIX_STATE_URL`` (both arrive as the flag's value) > the file's ``state:`` (a relative SQLite
path anchored beside the file) > ``.atonix/state.db`` beside the template (so ``atonix plan
../stack.yaml`` from a subdirectory finds the state ``atonix plan stack.yaml`` wrote).

The cloud: the binding's ``cloud:``, else (the implicit workspace, or an environment without
``cloud:``) ``--os-cloud`` / ``OS_CLOUD`` / the ``OS_*`` variables, as the openstack CLI reads them.

Without a project file nothing parses one: the file's parser (pydantic) is imported only when
a file is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from atonix_iac.errors import UsageError
from atonix_iac.state.model import StackKey
from atonix_iac.workspace.binding import (
    Binding,
    find_project_file,
    implicit_binding,
    with_ambient_cloud,
)

from .options import StackOptions

if TYPE_CHECKING:
    from atonix_iac.workspace.config import ProjectConfig


@dataclass(frozen=True, slots=True)
class ProjectContext:
    """A stack command's project file (None: there is none) and the binding it selected."""

    config: ProjectConfig | None
    binding: Binding
    # The template's directory: the state's home when there is no project file.
    template_dir: Path = Path(".")

    @property
    def has_file(self) -> bool:
        return self.config is not None

    @property
    def source(self) -> str | None:
        """The project file's path as given, for messages (None: no file)."""
        return self.config.source if self.config is not None else None

    def state_url(self, flag: str | None) -> str | None:
        """The state URL by precedence; None lets the store use its default."""
        if flag:
            return flag
        return self.config.state_url() if self.config is not None else None

    def project_dir(self) -> Path:
        """Where a relative default state database lives: beside the project file, else
        beside the template."""
        if self.config is not None and self.config.root is not None:
            return self.config.root
        return self.template_dir.resolve()

    def key(self, stack: str) -> StackKey:
        return StackKey(self.binding.workspace, self.binding.environment, stack)


def project_file(options: StackOptions) -> Path | None:
    """The named project file, else the nearest up from the template; None: there is none."""
    if options.config is not None:
        if not options.config.is_file():
            raise UsageError(f"no project file at {options.config} (named by --config)")
        return options.config
    return find_project_file(template_directory(options))


def resolve_project(
    options: StackOptions, *, workspace: str | None = None, environment: str | None = None
) -> ProjectContext:
    """The binding chosen by the flags (or by ``workspace``/``environment``, e.g. a saved
    plan's key, which win over the flags); unbound choices fail listing the bound ones."""
    workspace = workspace or options.workspace
    environment = environment or options.environment
    path = project_file(options)
    template_dir = template_directory(options)
    if path is None:
        binding = with_ambient_cloud(implicit_binding(workspace, environment), options.os_cloud)
        return ProjectContext(None, binding, template_dir)
    from atonix_iac.workspace.config import load_project_file, select_binding

    config = load_project_file(path)
    binding = select_binding(config, workspace, environment)
    binding = with_ambient_cloud(binding, options.os_cloud, source=config.source)
    return ProjectContext(config, binding, template_dir)


def template_directory(options: StackOptions) -> Path:
    """The directory of the template (the current one for a bare file name)."""
    parent = options.template.parent
    return parent if str(parent) and parent.is_dir() else Path.cwd()
