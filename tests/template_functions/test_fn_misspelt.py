"""A one-key map whose key is one typo from a function name: kept as data, as Heat does,
with a warning naming the function (a newcomer's `str_replac` otherwise fails silently)."""

from __future__ import annotations

import pytest

from atonix_iac.errors import Severity
from tests.template_functions.fn_helpers import parse


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("{str_replac: {template: x, params: {}}}", "str_replace"),
        ("{get_parm: [a, b]}", "get_param"),
        ("{list_jion: [',', [a]]}", "list_join"),
    ],
)
def test_a_misspelt_function_is_data_with_a_warning(text: str, meant: str) -> None:
    value, diagnostics = parse(text)
    assert isinstance(value, dict)
    assert [d.severity for d in diagnostics] == [Severity.WARNING]
    assert diagnostics[0].hint == f"did you mean `{meant}`?"


@pytest.mark.parametrize(
    "text", ["{name: [a]}", "{Filter: [a]}", "{str_replac: plain}", "{tags: {a: b}}"]
)
def test_ordinary_one_key_maps_stay_silent(text: str) -> None:
    _, diagnostics = parse(text)
    assert diagnostics == []
