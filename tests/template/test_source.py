"""The located YAML loader: positions, Heat's scalar rules, and errors that never trace back."""

from __future__ import annotations

import datetime

import pytest

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr
from atonix_iac.template.source import MAX_TEMPLATE_BYTES, parse_document

TEXT = """\
heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties:
      networks:
        - port: {get_resource: port}
        - network: private
"""


def test_every_key_item_and_string_is_located() -> None:
    doc = parse_document("s.yaml", TEXT)
    assert isinstance(doc, LocatedDict)
    assert doc.key_loc("resources") == SourceLocation("s.yaml", 2, 1)
    server = doc["resources"]["server"]
    assert doc["resources"].key_loc("server") == SourceLocation("s.yaml", 3, 3)
    assert server.value_loc("type") == SourceLocation("s.yaml", 4, 11)
    networks = server["properties"]["networks"]
    assert isinstance(networks, LocatedList)
    assert networks.item_locs == [SourceLocation("s.yaml", 7, 11), SourceLocation("s.yaml", 8, 11)]
    port = networks[0]["port"]
    assert port.loc == SourceLocation("s.yaml", 7, 17)
    assert port.key_loc("get_resource") == SourceLocation("s.yaml", 7, 18)
    assert isinstance(port["get_resource"], LocatedStr)
    assert port["get_resource"].loc == SourceLocation("s.yaml", 7, 32)


def test_bom_is_ignored_and_positions_stay_right() -> None:
    doc = parse_document("s.yaml", "\ufeff" + TEXT)
    assert doc.key_loc("heat_template_version") == SourceLocation("s.yaml", 1, 1)


def test_dates_and_timestamps_stay_strings_as_in_heat() -> None:
    doc = parse_document("s.yaml", "v: 2013-05-23\nt: 2001-12-14t21:59:43.10-05:00\n")
    assert doc["v"] == "2013-05-23" and not isinstance(doc["v"], datetime.date)
    assert doc["t"] == "2001-12-14t21:59:43.10-05:00"


def test_yaml_11_booleans_stay_booleans_as_in_heat() -> None:
    doc = parse_document("s.yaml", "a: yes\nb: off\nc: 'yes'\nd: 010\ne: 1.5\nf: ~\n")
    assert doc == {"a": True, "b": False, "c": "yes", "d": 8, "e": 1.5, "f": None}


def test_duplicate_key_names_the_first_occurrence() -> None:
    with pytest.raises(TemplateError) as info:
        parse_document("s.yaml", "a: 1\nb:\n  x: 1\n  x: 2\n")
    assert info.value.format() == (
        "s.yaml:4:3: error: duplicate key `x` (first defined at s.yaml:3:3)"
    )


def test_json_templates_are_read_with_locations() -> None:
    doc = parse_document("s.json", '{\n  "heat_template_version": "2015-04-30",\n  "n": 3\n}')
    assert doc == {"heat_template_version": "2015-04-30", "n": 3}
    assert doc.key_loc("n") == SourceLocation("s.json", 3, 3)


def test_json_that_yaml_rejects_still_loads() -> None:
    # A tab before a value is legal JSON but not YAML.
    doc = parse_document("s.json", '{"a":\t"b"}')
    assert doc == {"a": "b"}


def test_size_limit_guards_against_absurd_input(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_TEMPLATE_BYTES == 64 * 1024 * 1024  # not Heat's 512 KiB server limit
    monkeypatch.setenv("ATONIX_MAX_TEMPLATE_SIZE", "1000")
    text = "a: " + "x" * 1000
    with pytest.raises(TemplateError, match="larger than the 1000-byte limit"):
        parse_document("big.yaml", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: [1, 2\n", "s.yaml:2:1: error: YAML syntax error"),
        ("a:\n  b: 1\n c: 2\n", "s.yaml:3:2: error: YAML syntax error"),
        ("a: 'open\n", "s.yaml:2:1: error: YAML syntax error"),
        ("a: !include x.yaml\n", "s.yaml:1:4: error: unsupported YAML tag `!include`"),
        ("a: &x [*x]\n", "s.yaml:1:4: error: recursive YAML alias"),
        ("? [1, 2]\n: v\n", "s.yaml:1:3: error: a mapping key must be a scalar"),
    ],
)
def test_syntax_errors_are_located(text: str, expected: str) -> None:
    with pytest.raises(TemplateError) as info:
        parse_document("s.yaml", text)
    assert info.value.format().startswith(expected)


def test_merge_keys_apply_with_explicit_keys_winning() -> None:
    doc = parse_document("s.yaml", "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n")
    assert doc["d"] == {"x": 1, "y": 3}


def test_empty_document_is_none() -> None:
    assert parse_document("s.yaml", "# nothing\n") is None
