"""Hand-edited plan files: whatever the bytes, reading one raises only PlanError."""

from __future__ import annotations

import json

import pytest

from atonix_iac.errors import PlanError
from atonix_iac.planner import plan_from_bytes


@pytest.mark.parametrize(
    "text",
    [
        # A lone surrogate is valid JSON but not encodable UTF-8 (the digest re-encodes).
        '{"format": "atonix-plan", "format_version": 1, "x": "\\ud800", "digest": "y"}',
        '{"format": "atonix-plan", "format_version": 1, "\\udfff": 1, "digest": "y"}',
    ],
)
def test_a_plan_file_with_a_lone_surrogate_is_refused_cleanly(text: str) -> None:
    assert json.loads(text)  # the JSON itself parses
    with pytest.raises(PlanError, match="corrupt"):
        plan_from_bytes(text.encode())
