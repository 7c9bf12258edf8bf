"""Fixtures for template tests (helpers are fixtures: test dirs may or may not be packages)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from atonix_iac.template.values import UNKNOWN


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """write(name=text, ...) writes files under a fresh directory made the working directory."""
    monkeypatch.chdir(tmp_path)

    def _write(**files: str) -> None:
        for name, text in files.items():
            path = tmp_path / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dedent(text))

    return _write


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


@pytest.fixture
def plain_context() -> type[PlainContext]:
    return PlainContext
