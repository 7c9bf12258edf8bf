"""Parsed YAML with positions: the containers the loader returns.

Dict and list subclasses carry the location of themselves, of each key and of each item, so
any value can be located through its parent (scalars other than strings carry nothing).
``LocatedStr`` carries its own location. Equality and hashing are those of the plain types.
"""

from __future__ import annotations

from typing import Any

from atonix_iac.errors import SourceLocation

_NOWHERE = SourceLocation("<unknown>")


class LocatedDict(dict[Any, Any]):
    __slots__ = ("loc", "key_locs")

    def __init__(self, *args: Any, loc: SourceLocation = _NOWHERE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc = loc
        self.key_locs: dict[Any, SourceLocation] = {}

    def key_loc(self, key: Any) -> SourceLocation:
        return self.key_locs.get(key, self.loc)

    def value_loc(self, key: Any) -> SourceLocation:
        """Where the value of key starts (or the key, for values that carry no position)."""
        return location_of(self.get(key), self.key_loc(key))


class LocatedList(list[Any]):
    __slots__ = ("loc", "item_locs")

    def __init__(self, *args: Any, loc: SourceLocation = _NOWHERE) -> None:
        super().__init__(*args)
        self.loc = loc
        self.item_locs: list[SourceLocation] = []

    def item_loc(self, index: int) -> SourceLocation:
        if 0 <= index < len(self.item_locs):
            return self.item_locs[index]
        return self.loc


class LocatedStr(str):
    __slots__ = ("loc",)
    loc: SourceLocation

    def __new__(cls, value: str, loc: SourceLocation = _NOWHERE) -> LocatedStr:
        obj = super().__new__(cls, value)
        obj.loc = loc
        return obj


def location_of(value: Any, fallback: SourceLocation) -> SourceLocation:
    loc = getattr(value, "loc", None)
    return loc if isinstance(loc, SourceLocation) else fallback


def plain(value: Any) -> Any:
    """Strip location wrappers (for hashing, JSON, comparisons with literals)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, LocatedStr):
        return str(value)
    return value
