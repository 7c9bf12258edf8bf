"""HOT versions, aliases and feature gates."""

from __future__ import annotations

import datetime

import pytest

from atonix_iac.template.versions import (
    FEATURES,
    HOT_VERSIONS,
    VERSION_ALIASES,
    at_least,
    canonical_version,
    introduced_in,
    supports,
)


def test_versions_are_the_eleven_heat_dates_oldest_first() -> None:
    assert HOT_VERSIONS == (
        "2013-05-23",
        "2014-10-16",
        "2015-04-30",
        "2015-10-15",
        "2016-04-08",
        "2016-10-14",
        "2017-02-24",
        "2017-09-01",
        "2018-03-02",
        "2018-08-31",
        "2021-04-16",
    )
    assert list(HOT_VERSIONS) == sorted(HOT_VERSIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-05-23", "2013-05-23"),
        ("2016-10-14", "2016-10-14"),
        ("newton", "2016-10-14"),
        ("ocata", "2017-02-24"),
        ("pike", "2017-09-01"),
        ("queens", "2018-03-02"),
        ("rocky", "2018-08-31"),
        ("wallaby", "2021-04-16"),
        (datetime.date(2018, 8, 31), "2018-08-31"),
        ("2016-10-15", None),
        ("Newton", None),
        ("mitaka", None),
        (" 2016-10-14", None),
        ("", None),
        (20161014, None),
        (None, None),
    ],
)
def test_canonical_version(text: object, expected: str | None) -> None:
    assert canonical_version(text) == expected


def test_every_alias_names_a_version() -> None:
    assert set(VERSION_ALIASES.values()) <= set(HOT_VERSIONS)


@pytest.mark.parametrize(
    ("feature", "first"),
    [
        ("conditions", "2016-10-14"),
        ("external_id", "2016-10-14"),
        ("condition_key", "2016-10-14"),
        ("lowercase_deletion_policy", "2016-10-14"),
        ("output_condition", "2016-10-14"),
        ("modulo", "2017-02-24"),
        ("param_tags", "2018-03-02"),
        ("get_attr_path", "2014-10-16"),
        ("get_attr_all_attributes", "2015-10-15"),
        ("list_join_multiple", "2015-10-15"),
        ("str_replace_json", "2015-10-15"),
        ("repeat_map", "2016-10-14"),
        ("repeat_permutations", "2017-09-01"),
        ("if_nullable", "2021-04-16"),
    ],
)
def test_feature_gates(feature: str, first: str) -> None:
    assert introduced_in(feature) == first
    for version in HOT_VERSIONS:
        assert supports(version, feature) == (version >= first), version


def test_supports_accepts_aliases() -> None:
    assert supports("newton", "conditions")
    assert not supports("newton", "modulo")
    assert supports("wallaby", "if_nullable")


def test_every_feature_is_tested_above() -> None:
    assert len(FEATURES) == 14


@pytest.mark.parametrize(("version", "feature"), [("2016-10-15", "conditions"), ("x", "modulo")])
def test_unknown_version_is_a_programming_error(version: str, feature: str) -> None:
    with pytest.raises(ValueError, match="unknown heat_template_version"):
        supports(version, feature)


def test_unknown_feature_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown HOT feature"):
        supports("2018-08-31", "teleport")


def test_at_least() -> None:
    assert at_least("2018-08-31", "2016-10-14")
    assert at_least("pike", "2017-09-01")
    assert not at_least("2015-10-15", "newton")
