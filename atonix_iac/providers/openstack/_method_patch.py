"""One method of a library class replaced once per process, and only where it is still the
method the replacement was written for.

The SDK and keystoneauth speed-ups (``_sdk_fields``, ``_sdk_consume``, ``_sdk_dict``,
``_ks_catalog``, ``_ks_expiry``) each give a faster equivalent of one method, and the
requests ones (``_http_env``, ``_requests_lean``) one of a session's methods, set on that
session. Each is checked against the shipped method's parameter names before it goes in: a
release of the library that changed the method keeps its own, so a speed-up can only go
missing, never misbehave. Tests reach the shipped method through ``original`` to compare.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Sequence
from typing import Any

import requests


def shipped_session_method(session: Any, name: str, parameters: Sequence[str]) -> bool:
    """Whether ``session`` is a requests session whose ``name`` is requests' own method (not a
    subclass's) with ``parameters``: the one a per-session replacement was written for."""
    shipped: Any = getattr(requests.Session, name, None)
    if not isinstance(session, requests.Session) or not inspect.isfunction(shipped):
        return False
    if list(inspect.signature(shipped).parameters) != list(parameters):
        return False
    return getattr(type(session), name, None) is shipped


class MethodPatch:
    """``owner.name`` (a plain function or a classmethod, defined on ``owner`` itself) replaced
    by ``replace(shipped)``, also under ``aliases``, if the shipped function's parameters are
    ``parameters``."""

    def __init__(
        self,
        owner: type,
        name: str,
        parameters: Sequence[str],
        replace: Callable[[Callable[..., Any]], Callable[..., Any]],
        aliases: Sequence[str] = (),
    ) -> None:
        self._owner = owner
        self._name = name
        self._parameters = list(parameters)
        self._replace = replace
        self._aliases = tuple(aliases)
        self._lock = threading.Lock()
        self._original: Callable[..., Any] | None = None

    @property
    def original(self) -> Callable[..., Any] | None:
        """The shipped function once replaced (for tests), else None."""
        return self._original

    def install(self) -> bool:
        """Replace it (once); False if the shipped method is not the known one."""
        with self._lock:
            if self._original is not None:
                return True
            current: Any = self._owner.__dict__.get(self._name)
            is_classmethod = isinstance(current, classmethod)
            shipped = current.__func__ if is_classmethod else current
            if not inspect.isfunction(shipped):
                return False
            if list(inspect.signature(shipped).parameters) != self._parameters:
                return False
            replacement: Any = self._replace(shipped)
            if is_classmethod:
                replacement = classmethod(replacement)
            for name in (self._name, *self._aliases):
                setattr(self._owner, name, replacement)
            self._original = shipped
            return True
