"""Apply tests share ``_apply_kit``; make it importable whether or not pytest treats this
directory as a package."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from _apply_kit import Stack  # noqa: E402

from atonix_iac.providers.heat import HeatProvider  # noqa: E402
from atonix_iac.providers.registry import Registry  # noqa: E402
from atonix_iac.state import open_store  # noqa: E402


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    registry = Registry.from_providers([HeatProvider()], plugins=False)
    try:
        yield Stack(tmp_path, store, registry)
    finally:
        store.close()
