"""Fixtures for the gating tests (helpers live in gating_kit.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gating_kit import CASES_DIR, Planned, make_case_plan


@pytest.fixture
def every_action(monkeypatch: pytest.MonkeyPatch) -> Iterator[Planned]:
    case_dir = CASES_DIR / "every_action"
    monkeypatch.chdir(case_dir)
    yield make_case_plan(case_dir)
