"""HOT template versions: canonical dates, release-name aliases and per-version features.

Heat registers one template class per ``heat_template_version`` key (``setup.cfg``,
``heat.templates`` entry points); the release names (``newton`` ... ``wallaby``) are aliases
of the dates. ``supports`` answers "does this version have feature X" for the loader and the
function parser; the function tables themselves are in ``template.functions.table``.
"""

from __future__ import annotations

import datetime
from typing import Any, Final

HOT_VERSIONS: Final[tuple[str, ...]] = (
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

# Release names Heat accepts as version keys, oldest first.
VERSION_ALIASES: Final[dict[str, str]] = {
    "newton": "2016-10-14",
    "ocata": "2017-02-24",
    "pike": "2017-09-01",
    "queens": "2018-03-02",
    "rocky": "2018-08-31",
    "wallaby": "2021-04-16",
}

_INDEX: Final[dict[str, int]] = {v: i for i, v in enumerate(HOT_VERSIONS)}

# feature -> the first version that has it.
FEATURES: Final[dict[str, str]] = {
    # template sections and keys (used by the loader)
    "conditions": "2016-10-14",
    "external_id": "2016-10-14",
    "condition_key": "2016-10-14",
    "lowercase_deletion_policy": "2016-10-14",
    "output_condition": "2016-10-14",
    "modulo": "2017-02-24",
    "param_tags": "2018-03-02",
    # function behaviour (used by the function parser)
    "get_attr_path": "2014-10-16",  # path handed to the resource (GetAtt), not selected after
    "get_attr_all_attributes": "2015-10-15",
    "list_join_multiple": "2015-10-15",  # several lists; non-strings JSON-serialised
    "str_replace_json": "2015-10-15",  # non-string params JSON-serialised
    "repeat_map": "2016-10-14",  # for_each values may be maps
    "repeat_permutations": "2017-09-01",
    "if_nullable": "2021-04-16",  # two-argument ``if``
}


def canonical_version(text: Any) -> str | None:
    """The canonical date for a version key or release alias; None if Heat has no such version.

    ``"2016-10-14"`` and ``"newton"`` both give ``"2016-10-14"``. A ``datetime.date`` (what plain
    ``yaml.safe_load`` makes of an unquoted date) is accepted too.
    """
    if isinstance(text, datetime.date) and not isinstance(text, datetime.datetime):
        text = text.isoformat()
    if not isinstance(text, str):
        return None
    key = str(text)
    if key in _INDEX:
        return key
    return VERSION_ALIASES.get(key)


def version_index(version: str) -> int:
    """Position of a version (canonical or alias) in ``HOT_VERSIONS``; ValueError if unknown."""
    canonical = canonical_version(version)
    if canonical is None:
        raise ValueError(f"unknown heat_template_version {version!r}")
    return _INDEX[canonical]


def at_least(version: str, minimum: str) -> bool:
    """True if version is minimum or later (both canonical dates or aliases)."""
    return version_index(version) >= version_index(minimum)


def introduced_in(feature: str) -> str:
    """The first version that has feature; ValueError for a feature name this module lacks."""
    try:
        return FEATURES[feature]
    except KeyError:
        raise ValueError(f"unknown HOT feature {feature!r}") from None


_SUPPORTS: Final[dict[tuple[str, str], bool]] = {
    (version, feature): _INDEX[version] >= _INDEX[first]
    for version in HOT_VERSIONS
    for feature, first in FEATURES.items()
}


def supports(version: str, feature: str) -> bool:
    """Whether templates of version (canonical or alias) have feature (a ``FEATURES`` key).

    Unknown versions or features are programming errors and raise ValueError.
    """
    known = _SUPPORTS.get((version, feature))
    if known is not None:
        return known
    return version_index(version) >= _INDEX[introduced_in(feature)]
