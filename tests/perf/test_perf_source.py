"""The fast YAML path keeps the loader's answers: tags, locations, errors, size limit."""

from __future__ import annotations

import pytest

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.source import parse_document


def test_a_repeated_plain_scalar_resolves_the_same_each_time() -> None:
    doc = parse_document("s.yaml", "a: yes\nb: 'yes'\nc: yes\nd: [yes, 'yes', 1, '1', 1]\n")
    assert doc == {"a": True, "b": "yes", "c": True, "d": [True, "yes", 1, "1", 1]}
    assert type(doc["d"][3]) is not int


def test_keys_items_and_values_share_one_location() -> None:
    doc = parse_document("s.yaml", "top:\n  k: v\n  l: [x, 2]\n")
    top = doc["top"]
    assert top.key_loc("k") == SourceLocation("s.yaml", 2, 3)
    assert next(k for k in top if k == "k").loc is top.key_locs["k"]
    assert top["k"].loc == SourceLocation("s.yaml", 2, 6)
    assert top["l"].item_locs == [SourceLocation("s.yaml", 3, 7), SourceLocation("s.yaml", 3, 10)]
    assert top["l"][0].loc is top["l"].item_locs[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!int abc\n", "s.yaml:1:4: error: invalid int value"),
        ("a: !!float x\n", "s.yaml:1:4: error: invalid float value"),
        ("a: !!bool maybe\n", "s.yaml:1:4: error: invalid bool value"),
    ],
)
def test_bad_explicit_scalars_are_located_errors_not_tracebacks(text: str, expected: str) -> None:
    with pytest.raises(TemplateError) as info:
        parse_document("s.yaml", text)
    assert info.value.format().startswith(expected)


def test_templates_over_heats_512_kib_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATONIX_MAX_TEMPLATE_SIZE", raising=False)
    pad = "x" * 100
    body = "".join(
        f"  r{i}:\n    type: OS::Heat::None\n    description: {pad}\n" for i in range(4_000)
    )
    text = "heat_template_version: 2018-08-31\nresources:\n" + body
    assert len(text) > 512 * 1024
    doc = parse_document("big.yaml", text)
    assert len(doc["resources"]) == 4_000
    assert doc["resources"].key_loc("r3999") == SourceLocation("big.yaml", 3 + 3 * 3_999, 3)


@pytest.mark.parametrize("raw", ["0", "-5", "lots"])
def test_a_bad_size_limit_setting_is_named(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("ATONIX_MAX_TEMPLATE_SIZE", raw)
    with pytest.raises(TemplateError, match="ATONIX_MAX_TEMPLATE_SIZE must be a positive"):
        parse_document("s.yaml", "a: 1\n")
