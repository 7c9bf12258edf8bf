"""The id of the project each binding's own credentials are scoped to, learned once.

atonix.yaml names a binding's project by name (or id), and Keystone names a project uniquely
only within its domain: a token for a project of the same name in another domain is not that
binding's. Which project the binding means is what its cloud's credentials scope to, so a
token that matches a binding only by name must also match that project's id.

Each binding learns its id under its own lock: requests for one binding wait for the one
lookup in flight (one authentication, not one per request), while a slow or hung cloud of
one binding never delays the first requests of the others.
"""

from __future__ import annotations

import threading

from atonix_iac.providers.openstack.connect import CloudTarget, connect
from atonix_iac.workspace.binding import Binding

BindingKey = tuple[str, str]


def scoped_project_id(binding: Binding) -> str:
    """Authenticate with the binding's clouds.yaml entry: the project its token is scoped to.
    Raises ProviderConfigError when the credentials do not authenticate."""
    conn = connect(CloudTarget.from_binding(binding))
    try:
        return str(conn.current_project_id)
    finally:
        conn.close()


class ProjectIds:
    """binding -> project id, authenticating once per binding with its clouds.yaml entry."""

    def __init__(self) -> None:
        self._ids: dict[BindingKey, str] = {}
        self._locks: dict[BindingKey, threading.Lock] = {}
        self._guard = threading.Lock()  # the two maps only; never held across a lookup

    def of(self, binding: Binding) -> str:
        """Raises ProviderConfigError when the binding's cloud cannot authenticate (not
        remembered: the next request tries again)."""
        key = (binding.workspace, binding.environment)
        with self._guard:
            known = self._ids.get(key)
            if known is not None:
                return known
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                known = self._ids.get(key)
            if known is not None:  # learned by the request this one waited for
                return known
            project_id = scoped_project_id(binding)
            with self._guard:
                self._ids[key] = project_id
            return project_id
