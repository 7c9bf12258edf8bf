"""Functions over lists and maps: repeat, map_merge, map_replace, filter, list_concat,
list_concat_unique, contains."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, Final

from atonix_iac.errors import SourceLocation, suggest
from atonix_iac.template.expr import ResolveContext
from atonix_iac.template.functions.base import (
    Function,
    Parser,
    conceal,
    describe,
    item_loc,
    loc_of,
    needs_version,
    parse_items,
    resolve_arg,
    reveal,
    reveal_top,
)
from atonix_iac.template.values import UNKNOWN, contains_unknown

# A guard against a template that would expand to millions of items (Heat has none).
MAX_REPEAT_ITEMS: Final = 100_000

# --------------------------------------------------------------------------- repeat


class Repeat(Function):
    """``repeat: {for_each: {var: list}, template: body, permutations: bool}``.

    The body (resolved first) is copied for each item, every occurrence of each var in its
    strings replaced, vars in for_each order. Several vars give the cartesian product, or with
    ``permutations: false`` the lists zipped (equal lengths). From 2016-10-14 a for_each value
    may be a map (its keys are iterated) when permutations is on.
    """

    __slots__ = ("for_each", "template", "permutations", "maps_by_version")

    def __init__(
        self,
        name: str,
        location: SourceLocation,
        args: Any,
        for_each: Any,
        template: Any,
        permutations: bool,
        maps_by_version: bool,
    ) -> None:
        super().__init__(name, location, args)
        self.for_each = for_each
        self.template = template
        self.permutations = permutations
        self.maps_by_version = maps_by_version

    def resolve(self, ctx: ResolveContext) -> Any:
        for_each = resolve_arg(self.for_each, ctx)
        if contains_unknown(for_each):
            return UNKNOWN
        for_each, sensitive = reveal(for_each)
        if not isinstance(for_each, dict):
            raise self.fail(
                f"the `for_each` argument to `{self.name}` must be a map, not {describe(for_each)}"
            )
        if not for_each:
            raise self.fail(f"the `for_each` argument to `{self.name}` names no variable")
        keys = list(for_each)
        for key in keys:
            if not isinstance(key, str):
                raise self.fail(f"`{self.name}` variables must be strings, not {key!r}")
        values: list[Any] = []
        lengths: list[int] = []
        for key, value in for_each.items():
            if value is None:
                values.append([])
                continue
            problem = self.check_values(value)
            if problem is not None:
                raise self.fail(f"`{self.name}` variable `{key}`: {problem}")
            values.append(value)
            lengths.append(len(value))
        if not self.permutations and len(set(lengths)) > 1:
            raise self.fail(
                f"with `permutations: false` the for_each lists of `{self.name}` must have the "
                f"same length (got {', '.join(str(n) for n in lengths)})"
            )
        count = 1
        if self.permutations:
            for value in values:
                count *= len(value)
        else:
            count = min((len(v) for v in values), default=0)
        if count > MAX_REPEAT_ITEMS:
            raise self.fail(f"`{self.name}` would make {count} items (at most {MAX_REPEAT_ITEMS})")
        template = resolve_arg(self.template, ctx)
        combos = itertools.product(*values) if self.permutations else zip(*values, strict=False)
        result = [self._substitute(keys, combo, template) for combo in combos]
        return conceal(result, sensitive)

    @property
    def allow_maps(self) -> bool:
        return self.maps_by_version and self.permutations

    def check_values(self, value: Any) -> str | None:
        if isinstance(value, list):
            return None
        if isinstance(value, dict):
            if self.allow_maps:
                return None
            if not self.maps_by_version:
                return "a map of values needs heat_template_version 2016-10-14 or later"
            return "with `permutations: false` the values must be a list, not a map"
        kinds = "a list or a map" if self.allow_maps else "a list"
        return f"the values to repeat over must be {kinds}, not {describe(value)}"

    def _substitute(self, keys: list[str], values: tuple[Any, ...], template: Any) -> Any:
        if isinstance(template, str):
            for key, value in zip(keys, values, strict=True):
                if not isinstance(value, str):
                    raise self.fail(
                        f"`{self.name}` can only put strings into the template's text; "
                        f"`{key}` is {describe(value)}",
                        "quote the values in for_each",
                    )
                template = template.replace(key, value)
            return template
        if isinstance(template, list):
            return [self._substitute(keys, values, item) for item in template]
        if isinstance(template, dict):
            return {
                self._substitute(keys, values, k): self._substitute(keys, values, v)
                for k, v in template.items()
            }
        return template

    def children(self) -> Iterator[Any]:
        yield self.for_each
        yield self.template


_REPEAT_KEYS: Final = ("for_each", "template", "permutations")


def parse_repeat(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    example = f"e.g. `{name}: {{for_each: {{'%name%': [a, b]}}, template: 'x-%name%'}}`"
    if not isinstance(args, dict):
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a map with `for_each` and `template`, not {describe(args)}",
            example,
        )
    missing = [k for k in ("for_each", "template") if k not in args]
    if missing:
        return p.invalid(
            name, aloc, args, f"`{name}` needs " + " and ".join(f"`{k}`" for k in missing), example
        )
    extra = [k for k in args if k not in _REPEAT_KEYS]
    if extra:
        p.warning(
            item_loc(args, extra[0], aloc),
            f"`{name}` ignores " + ", ".join(f"`{k}`" for k in extra),
            suggest(str(extra[0]), _REPEAT_KEYS),
        )
    permutations = True
    if "permutations" in args:
        ploc = item_loc(args, "permutations", aloc)
        if not p.supports("repeat_permutations"):
            return p.invalid(
                name,
                ploc,
                args,
                needs_version("`permutations` in `repeat`", "2017-09-01", p.version),
            )
        permutations = args["permutations"]
        if not isinstance(permutations, bool):
            return p.invalid(
                name,
                ploc,
                args,
                f"`permutations` in `{name}` must be true or false, not {describe(permutations)}",
            )
    allow_maps = p.supports("repeat_map") and permutations
    floc = item_loc(args, "for_each", aloc)
    for_each = p.value(args["for_each"], floc)
    template = p.value(args["template"], item_loc(args, "template", aloc))
    if isinstance(for_each, dict):
        if not for_each:
            return p.invalid(
                name, floc, args, f"the `for_each` argument to `{name}` names no variable", example
            )
        for key, value in for_each.items():
            vloc = item_loc(for_each, key, floc)
            if not isinstance(key, str):
                return p.invalid(
                    name, vloc, args, f"`{name}` variables must be strings, not {key!r}"
                )
            if isinstance(value, Function) or value is None or isinstance(value, list):
                continue
            if isinstance(value, dict):
                if allow_maps:
                    continue
                if not p.supports("repeat_map"):
                    message = needs_version("a map as a `for_each` value", "2016-10-14", p.version)
                else:
                    message = (
                        "with `permutations: false` the for_each values must be lists, not maps"
                    )
                return p.invalid(name, vloc, args, message)
            kinds = "a list or a map" if allow_maps else "a list"
            return p.invalid(
                name,
                vloc,
                args,
                f"`{name}` variable `{key}` must be {kinds} of values, not {describe(value)}",
            )
    elif not isinstance(for_each, Function):
        return p.invalid(
            name,
            floc,
            args,
            f"the `for_each` argument to `{name}` must be a map, not {describe(for_each)}",
        )
    parsed = {"for_each": for_each, "template": template}
    if "permutations" in args:
        parsed["permutations"] = permutations
    return Repeat(name, loc, parsed, for_each, template, permutations, p.supports("repeat_map"))


# --------------------------------------------------------------------------- map_merge


class MapMerge(Function):
    """``map_merge: [map, map, ...]``: later maps win; null items are skipped."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        maps = resolve_arg(self.args, ctx)
        if maps is UNKNOWN:
            return UNKNOWN
        maps, sensitive = reveal_top(maps)
        if not isinstance(maps, list):
            raise self.fail(f"`{self.name}` takes a list of maps, not {describe(maps)}")
        result: dict[Any, Any] = {}
        for item in maps:
            if item is UNKNOWN:
                return UNKNOWN
            item, inner = reveal_top(item)
            sensitive = sensitive or inner
            if item is None:
                continue
            if not isinstance(item, dict):
                raise self.fail(f"`{self.name}` merges maps, not {describe(item)}")
            result.update(item)
        return conceal(result, sensitive)


def parse_map_merge(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    example = f"e.g. `{name}: [{{a: 1}}, {{b: 2}}]`"
    parsed = p.value(args, aloc)
    if isinstance(parsed, Function):
        return MapMerge(name, loc, parsed)
    if not isinstance(parsed, list):
        return p.invalid(
            name, aloc, args, f"`{name}` takes a list of maps, not {describe(args)}", example
        )
    for i, item in enumerate(parsed):
        if not (item is None or isinstance(item, dict | Function)):
            return p.invalid(
                name, item_loc(args, i, aloc), args, f"`{name}` merges maps, not {describe(item)}"
            )
    return MapMerge(name, loc, parsed)


# --------------------------------------------------------------------------- map_replace


class MapReplace(Function):
    """``map_replace: [map, {keys: {old: new}, values: {old: new}}]``; a key collision is an
    error."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        args = resolve_arg(self.args, ctx)
        if args is UNKNOWN:
            return UNKNOWN
        args, sensitive = reveal_top(args)
        if not isinstance(args, list) or len(args) != 2:
            raise self.fail(
                f"`{self.name}` takes a list [map, {{keys: ..., values: ...}}], "
                f"not {describe(args)}"
            )
        source, replacements = args
        if source is UNKNOWN:
            return UNKNOWN
        source, s1 = reveal_top(source)
        replacements, s2 = reveal(replacements)
        source = {} if source is None else source
        replacements = {} if replacements is None else replacements
        if not isinstance(source, dict):
            raise self.fail(f"`{self.name}` replaces in a map, not {describe(source)}")
        if not isinstance(replacements, dict):
            raise self.fail(
                f"the `{self.name}` replacements must be a map with `keys` and/or `values`"
            )
        extra = [k for k in replacements if k not in ("keys", "values")]
        if extra:
            raise self.fail(
                f"the `{self.name}` replacements may only have `keys` and `values`, "
                f"not {extra[0]!r}"
            )
        new_keys = replacements.get("keys") or {}
        new_values = replacements.get("values") or {}
        if contains_unknown(new_keys):
            return UNKNOWN
        for what, mapping in (("keys", new_keys), ("values", new_values)):
            if not isinstance(mapping, dict):
                raise self.fail(f"`{what}` of `{self.name}` must be a map, not {describe(mapping)}")
        result: dict[Any, Any] = {}
        for k, v in source.items():
            key = new_keys.get(k)
            if key is None:
                key = k
            else:
                if isinstance(key, dict | list):
                    raise self.fail(
                        f"`{self.name}`: a replacement key must be a string or number, "
                        f"not {describe(key)}"
                    )
                if key in source and key != k:
                    raise self.fail(
                        f"`{self.name}`: the key replacement {key!r} collides with a key "
                        "in the input map"
                    )
                if key in result:
                    raise self.fail(
                        f"`{self.name}`: the key replacement {key!r} collides with a key "
                        "in the output map"
                    )
            try:
                value = new_values.get(v, v)
            except TypeError:  # an unhashable value is never replaced
                value = v
            result[key] = value
        return conceal(result, sensitive or s1 or s2)


def parse_map_replace(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    example = f"e.g. `{name}: [{{k1: v1}}, {{keys: {{k1: K1}}, values: {{v1: V1}}}}]`"
    if not isinstance(args, list) or len(args) != 2:
        parsed = p.value(args, aloc)
        if isinstance(parsed, Function):
            return MapReplace(name, loc, parsed)
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a list [map, {{keys: ..., values: ...}}], not {describe(args)}",
            example,
        )
    parsed = parse_items(p, args, aloc)
    source, replacements = parsed
    if not (source is None or isinstance(source, dict | Function)):
        return p.invalid(
            name,
            item_loc(args, 0, aloc),
            args,
            f"`{name}` replaces in a map, not {describe(source)}",
            example,
        )
    rloc = item_loc(args, 1, aloc)
    if isinstance(replacements, dict):
        for k, v in replacements.items():
            if k not in ("keys", "values"):
                return p.invalid(
                    name,
                    item_loc(replacements, k, rloc),
                    args,
                    f"the `{name}` replacements may only have `keys` and `values`, not {k!r}",
                    suggest(str(k), ["keys", "values"]),
                )
            if not (v is None or isinstance(v, dict | Function)):
                return p.invalid(
                    name,
                    item_loc(replacements, k, rloc),
                    args,
                    f"`{k}` of `{name}` must be a map, not {describe(v)}",
                )
    elif not (replacements is None or isinstance(replacements, Function)):
        return p.invalid(
            name,
            rloc,
            args,
            f"the `{name}` replacements must be a map with `keys` and/or `values`, "
            f"not {describe(replacements)}",
            example,
        )
    return MapReplace(name, loc, parsed)


# --------------------------------------------------------------------------- filter


class Filter(Function):
    """``filter: [values, list]``: list without the items in values."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        values, sequence = (resolve_arg(a, ctx) for a in self.args)
        if sequence is UNKNOWN:
            return UNKNOWN
        sequence, s1 = reveal_top(sequence)
        if not sequence:
            return conceal(sequence, s1)
        if not isinstance(sequence, list):
            raise self.fail(f"`{self.name}` filters a list, not {describe(sequence)}")
        if values is UNKNOWN:
            return UNKNOWN
        values, s2 = reveal_top(values)
        if not values:
            return conceal(sequence, s1)
        if not isinstance(values, list):
            raise self.fail(
                f"the values `{self.name}` removes must be a list, not {describe(values)}"
            )
        if contains_unknown(values) or contains_unknown(sequence):
            return UNKNOWN
        return conceal([item for item in sequence if item not in values], s1 or s2)


def parse_filter(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, list) or len(args) != 2:
        count = f"{len(args)} arguments" if isinstance(args, list) else describe(args)
        return p.invalid(name, aloc, args, f"`{name}` takes a list [values, list], not {count}")
    parsed = parse_items(p, args, aloc)
    for i, item in enumerate(parsed):
        if not (item is None or isinstance(item, list | Function)):
            what = "the values to remove" if i == 0 else "the list to filter"
            return p.invalid(
                name,
                item_loc(args, i, aloc),
                args,
                f"{what} of `{name}` must be a list, not {describe(item)}",
            )
    return Filter(name, loc, parsed)


# --------------------------------------------------------------------------- list_concat


class ListConcat(Function):
    """``list_concat: [list, list, ...]`` (null items skipped); ``list_concat_unique`` also
    drops repeats, keeping each item's last occurrence, in Heat's order. (Heat's loop deletes
    while iterating and can leave a repeat behind; the result here is always unique.)"""

    __slots__ = ("unique",)

    def __init__(self, name: str, location: SourceLocation, args: Any, unique: bool) -> None:
        super().__init__(name, location, args)
        self.unique = unique

    def resolve(self, ctx: ResolveContext) -> Any:
        lists = resolve_arg(self.args, ctx)
        if lists is UNKNOWN:
            return UNKNOWN
        lists, sensitive = reveal_top(lists)
        if not isinstance(lists, list):
            raise self.fail(f"`{self.name}` takes a list of lists, not {describe(lists)}")
        result: list[Any] = []
        for item in lists:
            if item is UNKNOWN:
                return UNKNOWN
            item, inner = reveal_top(item)
            sensitive = sensitive or inner
            if item is None:
                continue
            if not isinstance(item, list):
                raise self.fail(f"`{self.name}` concatenates lists, not {describe(item)}")
            result.extend(item)
        if self.unique:
            if contains_unknown(result):
                return UNKNOWN
            result = keep_last(result)
        return conceal(result, sensitive)


_HASH_SAFE: Final = frozenset({str, int, float, bool, type(None)})


def keep_last(items: list[Any]) -> list[Any]:
    """items without repeats (==), each kept at its last occurrence."""
    out: list[Any] = []
    if all(type(item) in _HASH_SAFE for item in items):
        seen: set[Any] = set()
        for item in reversed(items):
            if item not in seen:
                seen.add(item)
                out.append(item)
    else:
        for i in range(len(items) - 1, -1, -1):
            item = items[i]
            if not any(item == other for other in out):
                out.append(item)
    out.reverse()
    return out


def parse_list_concat(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    unique = name == "list_concat_unique"
    example = f"e.g. `{name}: [[a, b], [c]]`"
    parsed = p.value(args, aloc)
    if isinstance(parsed, Function):
        return ListConcat(name, loc, parsed, unique)
    if not isinstance(parsed, list):
        return p.invalid(
            name, aloc, args, f"`{name}` takes a list of lists, not {describe(args)}", example
        )
    for i, item in enumerate(parsed):
        if not (item is None or isinstance(item, list | Function)):
            return p.invalid(
                name,
                item_loc(args, i, aloc),
                args,
                f"`{name}` concatenates lists, not {describe(item)}",
                example,
            )
    return ListConcat(name, loc, parsed, unique)


# --------------------------------------------------------------------------- contains


class Contains(Function):
    """``contains: [value, sequence]``: whether value is in the list (or a substring)."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        value, sequence = (resolve_arg(a, ctx) for a in self.args)
        if value is UNKNOWN or sequence is UNKNOWN or contains_unknown(value):
            return UNKNOWN
        (value, sequence), _ = reveal((value, sequence))
        if isinstance(sequence, str):
            if not isinstance(value, str):
                raise self.fail(
                    f"`{self.name}` looks for a string in a string, not for {describe(value)}"
                )
            return value in sequence
        if not isinstance(sequence, list):
            raise self.fail(
                f"the second argument to `{self.name}` must be a list, not {describe(sequence)}"
            )
        known = [item for item in sequence if not contains_unknown(item)]
        if value in known:
            return True
        return UNKNOWN if len(known) != len(sequence) else False


def parse_contains(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, list) or len(args) != 2:
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a list [value, list], not {describe(args)}",
            f"e.g. `{name}: [{{get_param: env}}, [prod, staging]]`",
        )
    parsed = parse_items(p, args, aloc)
    sequence = parsed[1]
    if not isinstance(sequence, list | str | Function):
        return p.invalid(
            name,
            item_loc(args, 1, aloc),
            args,
            f"the second argument to `{name}` must be a list, not {describe(sequence)}",
        )
    return Contains(name, loc, parsed)


__all__ = [
    "MAX_REPEAT_ITEMS",
    "Contains",
    "Filter",
    "ListConcat",
    "MapMerge",
    "MapReplace",
    "Repeat",
    "keep_last",
    "parse_contains",
    "parse_filter",
    "parse_list_concat",
    "parse_map_merge",
    "parse_map_replace",
    "parse_repeat",
]
