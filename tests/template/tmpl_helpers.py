"""A plain ResolveContext for template tests (imported by name: test dirs are not packages)."""

from __future__ import annotations

from typing import Any

from atonix_iac.template.values import UNKNOWN


class PlainContext:
    """Parameters from a dict, ids ``id-<name>``, attributes from a dict (else UNKNOWN)."""

    def __init__(
        self,
        params: dict[str, Any],
        attributes: dict[tuple[str, str | None], Any] | None = None,
        conditions: dict[str, bool] | None = None,
    ) -> None:
        self.params = params
        self.attributes = attributes or {}
        self.conditions = conditions or {}
        self.asked: list[str] = []

    def parameter(self, name: str) -> Any:
        return self.params[name]

    def resource_id(self, name: str) -> Any:
        self.asked.append(name)
        return f"id-{name}"

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        self.asked.append(name)
        value = self.attributes.get((name, attribute), UNKNOWN)
        for part in path:
            if value is UNKNOWN:
                break
            value = value[part]
        return value

    def condition(self, name: str) -> bool:
        return self.conditions[name]
