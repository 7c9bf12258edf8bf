"""A tiny segment-matching router: ``/servers/{id}/action`` style patterns.

Patterns match whole path segments, so ids or names containing dots still reach the item
handler; an unmatched path is a 404 in the service's own shape (``find_*`` relies on it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import ApiError
from .protocol import Request, Response

Handler = Callable[[Request, dict[str, str]], Response]


@dataclass(frozen=True)
class _Route:
    method: str
    parts: tuple[str, ...]
    handler: Handler

    def match(self, segments: list[str]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for part, seg in zip(self.parts, segments, strict=True):
            if part.startswith("{"):
                params[part[1:-1]] = seg
            elif part != seg:
                return None
        return params


class Router:
    """Routes keyed by segment count for cheap lookups."""

    def __init__(self, not_found_message: str = "The resource could not be found.") -> None:
        self._routes: dict[int, list[_Route]] = {}
        self._not_found = not_found_message

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        parts = tuple(p for p in pattern.split("/") if p)
        routes = self._routes.setdefault(len(parts), [])
        routes.append(_Route(method.upper(), parts, handler))
        # Literal segments win over placeholders: /servers/detail before /servers/{id}.
        routes.sort(key=lambda r: sum(p.startswith("{") for p in r.parts))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def deco(handler: Handler) -> Handler:
            self.add(method, pattern, handler)
            return handler

        return deco

    def dispatch(self, req: Request) -> Response:
        allowed = False
        for route in self._routes.get(len(req.segments), ()):
            params = route.match(req.segments)
            if params is None:
                continue
            if route.method == req.method:
                return route.handler(req, params)
            allowed = True
        if allowed:
            raise ApiError(405, f"The method {req.method} is not allowed for this resource.")
        raise ApiError(404, self._not_found)
