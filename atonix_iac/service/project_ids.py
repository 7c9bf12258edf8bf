"""The id of the project each binding's own credentials are scoped to, learned once.

atonix.yaml names a binding's project by name (or id), and Keystone names a project uniquely
only within its domain: a token for a project of the same name in another domain is not that
binding's. Which project the binding means is what its cloud's credentials scope to, so a
token that matches a binding only by name must also match that project's id.
"""

from __future__ import annotations

import threading

from atonix_iac.providers.openstack.connect import CloudTarget, connect
from atonix_iac.workspace.binding import Binding


class ProjectIds:
    """binding -> project id, authenticating once per binding with its clouds.yaml entry."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._guard = threading.Lock()

    def of(self, binding: Binding) -> str:
        """Raises ProviderConfigError when the binding's cloud cannot authenticate (not
        remembered: the next request tries again)."""
        key = (binding.workspace, binding.environment)
        with self._guard:
            known = self._ids.get(key)
            if known is not None:
                return known
            conn = connect(CloudTarget.from_binding(binding))
            try:
                project_id = str(conn.current_project_id)
            finally:
                conn.close()
            self._ids[key] = project_id
            return project_id
