from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from atonix_iac.providers.base import ResourceIdentity

DESIGN_DIR = Path("/work/shared/design")


class RecordingSleep:
    """Stands in for time.sleep: records the waits a resource asked for."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def identity() -> ResourceIdentity:
    return ResourceIdentity("ws", "dev", "stack", "res")


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


def _load(name: str) -> dict[str, Any]:
    path = DESIGN_DIR / name
    if not path.exists():
        pytest.skip(f"{path} (Heat's schema dump) is not available here")
    with open(path, encoding="utf-8") as fh:
        types: dict[str, Any] = yaml.safe_load(fh)["types"]
    return types


@pytest.fixture(scope="session")
def heat_all_types() -> dict[str, Any]:
    return _load("heat_resource_schemas_all.yaml")


@pytest.fixture(scope="session")
def heat_detailed_types() -> dict[str, Any]:
    return _load("heat_resource_schemas.yaml")
