"""Golden error cases: each ``tests/cases/errors/<name>.yaml`` must fail with exactly the
diagnostics in ``<name>.expected`` (paths relative to that directory).

Regenerate the expected files with ``UPDATE_GOLDEN=1 pytest tests/template/test_golden_errors.py``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atonix_iac.errors import TemplateError
from atonix_iac.template import load_template

CASES = Path(__file__).resolve().parent.parent / "cases" / "errors"
NAMES = sorted(p.stem for p in CASES.glob("*.yaml"))


def test_there_are_enough_cases() -> None:
    assert len(NAMES) >= 12


@pytest.mark.parametrize("name", NAMES)
def test_golden_error_case(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    with pytest.raises(TemplateError) as info:
        load_template(f"{name}.yaml")
    actual = info.value.format() + "\n"
    expected_file = CASES / f"{name}.expected"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_file.write_text(actual)
    assert expected_file.exists(), f"no {expected_file.name}; run with UPDATE_GOLDEN=1"
    assert actual == expected_file.read_text()
