"""Which project file, binding and state database a stack command works with.

The project file is the one named by ``--config`` / ``ATONIX_CONFIG``, else the nearest
``atonix.yaml`` up from the template's directory, so a command finds the same file (and the
same state) wherever it is run from. The state URL's precedence: ``--state-url`` >
``ATONIX_STATE_URL`` (both arrive as the flag's value) > the file's ``state:`` (a relative SQLite
path anchored beside the file) > ``.atonix/state.db`` in the current directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from atonix_iac.errors import UsageError
from atonix_iac.state.model import StackKey
from atonix_iac.workspace.config import (
    Binding,
    ProjectConfig,
    find_project_file,
    implicit_config,
    load_project_file,
    select_binding,
)

from .options import StackOptions


@dataclass(frozen=True, slots=True)
class ProjectContext:
    """A stack command's project file (or the implicit one) and the binding it selected."""

    config: ProjectConfig
    binding: Binding

    @property
    def has_file(self) -> bool:
        return self.config.source is not None

    def state_url(self, flag: str | None) -> str | None:
        """The state URL by precedence; None lets the store use its default."""
        if flag:
            return flag
        return self.config.state_url() if self.has_file else None

    def project_dir(self) -> Path:
        """Where a relative default state database lives."""
        return self.config.root if self.config.root is not None else Path.cwd()

    def key(self, stack: str) -> StackKey:
        return StackKey(self.binding.workspace, self.binding.environment, stack)


def project_config(options: StackOptions) -> ProjectConfig:
    """The named project file, else the nearest up from the template, else the implicit one."""
    if options.config is not None:
        if not options.config.is_file():
            raise UsageError(f"no project file at {options.config} (named by --config)")
        return load_project_file(options.config)
    start = options.template.parent if str(options.template.parent) else Path(".")
    found = find_project_file(start if start.is_dir() else Path.cwd())
    return load_project_file(found) if found is not None else implicit_config()


def resolve_project(
    options: StackOptions, *, workspace: str | None = None, environment: str | None = None
) -> ProjectContext:
    """The binding chosen by the flags (or by ``workspace``/``environment``, e.g. a saved
    plan's key, which win over the flags); unbound choices fail listing the bound ones."""
    config = project_config(options)
    binding = select_binding(
        config, workspace or options.workspace, environment or options.environment
    )
    return ProjectContext(config, binding)
