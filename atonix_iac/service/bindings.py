"""Keystone project -> workspace binding, from atonix.yaml.

An environment's ``project:`` names the cloud project its stacks live in; a token scoped to
that project works in that binding's workspace and environment: by id, or by name when the
project the binding's credentials scope to has the token's project id (names are unique only
within a Keystone domain). A project no binding names has no stacks here (403), so projects
never share a workspace by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from atonix_iac.errors import WorkspaceError
from atonix_iac.workspace.binding import Binding
from atonix_iac.workspace.config import ProjectConfig, load_project_file, select_binding


class UnboundProjectError(WorkspaceError):
    """The token's project is named by no binding of atonix.yaml."""


@dataclass(frozen=True)
class Bindings:
    config: ProjectConfig
    by_key: dict[tuple[str, str], Binding]

    @classmethod
    def load(cls, path: Path) -> Bindings:
        config = load_project_file(path)
        by_key = {(w, e): select_binding(config, w, e, env={}) for w, e in config.bound()}
        return cls(config, by_key)

    @property
    def root(self) -> Path | None:
        return self.config.root

    def state_url(self) -> str:
        return self.config.state_url()

    def for_project(
        self, project_id: str, project_name: str, id_of: Callable[[Binding], str]
    ) -> Binding:
        """The binding of the token's project; ``id_of`` gives the id of the project a
        binding's credentials scope to, asked only of bindings that match by name."""
        for binding in self.by_key.values():
            if binding.project == project_id:
                return binding
        for binding in self.by_key.values():
            if binding.project == project_name and id_of(binding) == project_id:
                return binding
        raise UnboundProjectError(
            f"project {project_name} ({project_id}) is bound to no workspace environment"
            " (give one `project:` in atonix.yaml)"
        )

    def for_key(self, workspace: str, environment: str) -> Binding:
        binding = self.by_key.get((workspace, environment))
        if binding is None:
            raise UnboundProjectError(f"no binding {workspace}/{environment} in atonix.yaml")
        return binding
