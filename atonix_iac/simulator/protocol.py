"""Request/response value types shared by the router and every service module.

Kept free of any WSGI detail so service handlers are plain functions of a :class:`Request`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .errors import ApiError

Rec = dict[str, Any]


@dataclass(frozen=True)
class AuthContext:
    """Who is calling, from the validated token."""

    user_id: str
    user_name: str
    project_id: str
    project_name: str
    roles: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass
class Request:
    """One API request, already split into service and service-relative path."""

    method: str
    service: str
    path: str
    segments: list[str]
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    #: Full URL prefix of the service root (e.g. ``http://h/compute/v2.1``), for links.
    service_url: str = ""
    microversion: tuple[int, int] = (0, 0)
    #: Cinder's ``/v3/{project_id}/...`` segment, checked against the token's project.
    url_project: str | None = None
    ctx: AuthContext | None = None
    _json: Any = field(default=None, repr=False)

    @property
    def auth(self) -> AuthContext:
        if self.ctx is None:  # the app authenticates before dispatching
            raise ApiError(401, "The request you have made requires authentication.")
        return self.ctx

    def json(self) -> Any:
        if self._json is None:
            if not self.body:
                raise ApiError(400, "The server could not comply with the request: no body.")
            try:
                self._json = json.loads(self.body)
            except ValueError as exc:
                raise ApiError(400, f"Malformed request body: {exc}") from exc
        return self._json

    def json_object(self, key: str | None = None) -> Rec:
        """The body (or ``body[key]``) as a dict, 400 otherwise."""
        body = self.json()
        if key is not None:
            if not isinstance(body, dict) or not isinstance(body.get(key), dict):
                raise ApiError(400, f"Invalid input: '{key}' is a required property")
            body = body[key]
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid input: the request body must be a JSON object")
        return body

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        return self.query.get(name, [])

    def url_with(self, **params: str) -> str:
        """This request's URL with some query parameters replaced (for pagination links)."""
        query = {k: v[0] for k, v in self.query.items() if v}
        query.update(params)
        return f"{self.service_url}{self.path}?{urlencode(query)}"

    def version_at_least(self, major: int, minor: int) -> bool:
        return self.microversion >= (major, minor)


@dataclass
class Response:
    """What a handler returns; ``body`` is JSON-able data, raw bytes or None."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode()


def ok(body: Any, status: int = 200) -> Response:
    return Response(status, body)


def empty(status: int = 204) -> Response:
    return Response(status, None)
