"""Functions that read from outside the expression: get_param, get_resource, get_attr,
get_file, resource_facade, and the CFN ``Ref`` of 2013-05-23."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from atonix_iac.errors import AtonixError, SourceLocation, suggest
from atonix_iac.template.expr import Reference, ResolveContext, iter_references
from atonix_iac.template.functions.base import (
    PSEUDO_PARAMETERS,
    Function,
    Parser,
    conceal,
    describe,
    evaluate,
    item_loc,
    loc_of,
    needs_version,
    parse_items,
    resolve_arg,
    reveal_top,
    strip_located,
)
from atonix_iac.template.values import UNKNOWN, contains_unknown

_URL: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def _is_path_component(value: Any) -> bool:
    return isinstance(value, str | int | Function)


def _bad_path(
    p: Parser, name: str, args: Any, aloc: SourceLocation, path: list[Any], *, first: int
) -> Any:
    """The invalid call standing for the first path component that is not a string or an
    integer (``first``: the argument index of path[0]), or None if all are."""
    for i, comp in enumerate(path, start=first):
        if isinstance(comp, bool) or not _is_path_component(comp):
            return p.invalid(
                name,
                item_loc(args, i, aloc),
                args,
                f"path components of `{name}` must be strings or integers, not {describe(comp)}",
            )
    return None


def _path_text(name: str, path: tuple[Any, ...] | list[Any]) -> str:
    parts = [name, *(repr(strip_located(c)) for c in path)]
    return "[" + ", ".join(parts) + "]"


# --------------------------------------------------------------------------- get_param


class GetParam(Function):
    """``get_param: name`` or ``get_param: [name, key|index, ...]``.

    A missing key or an index out of range is an error (Heat quietly returns '').
    """

    __slots__ = ("parameter", "path")

    def __init__(
        self,
        name: str,
        location: SourceLocation,
        args: Any,
        parameter: Any,
        path: tuple[Any, ...],
    ) -> None:
        super().__init__(name, location, args)
        self.parameter = parameter  # str, or a Function when the name is computed
        self.path = path

    def resolve(self, ctx: ResolveContext) -> Any:
        pname = self.parameter
        if isinstance(pname, Function):
            pname = resolve_arg(pname, ctx)
            if pname is UNKNOWN:
                return UNKNOWN
            pname, _ = reveal_top(pname)
            if not isinstance(pname, str):
                raise self.fail(f"the parameter name must be a string, not {describe(pname)}")
        pname = str(pname)
        path = [resolve_arg(c, ctx) for c in self.path]
        value = strip_located(ctx.parameter(pname))
        if not path:
            return value
        if value is UNKNOWN or any(contains_unknown(c) for c in path):
            return UNKNOWN
        return select_path(self, pname, value, path)


def select_path(fn: Function, pname: str, value: Any, path: list[Any]) -> Any:
    """Follow path (map keys, list indexes) into value; errors name the parameter."""
    value, sensitive = reveal_top(value)
    for depth, comp in enumerate(path):
        comp, _ = reveal_top(comp)
        value, inner = reveal_top(value)
        sensitive = sensitive or inner
        where = _path_text(pname, path[: depth + 1])
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(comp, bool) or not isinstance(comp, str | int):
            raise fn.fail(
                f"path components of `{fn.name}` must be strings or integers, not {describe(comp)}"
            )
        if isinstance(value, dict):
            if comp not in value:
                keys = [k for k in value if isinstance(k, str)]
                hint = suggest(str(comp), keys) if isinstance(comp, str) else None
                raise fn.fail(f"`{fn.name}` {where}: the map has no key {comp!r}", hint)
            value = value[comp]
        elif isinstance(value, list | str):
            if isinstance(comp, str):
                try:
                    index = int(comp)
                except ValueError:
                    raise fn.fail(
                        f"`{fn.name}` {where}: a list index must be an integer, not {comp!r}"
                    ) from None
            else:
                index = comp
            if not -len(value) <= index < len(value):
                raise fn.fail(
                    f"`{fn.name}` {where}: index {index} is out of range "
                    f"(the list has {len(value)} item{'s' if len(value) != 1 else ''})"
                )
            value = value[index]
        else:
            raise fn.fail(f"`{fn.name}` {where}: cannot look up {comp!r} in {describe(value)}")
    return conceal(value, sensitive)


def parse_get_param(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if isinstance(args, str):
        p.check_parameter(str(args), aloc)
        return GetParam(name, loc, args, str(args), ())
    if isinstance(args, dict):
        parsed = p.value(args, aloc)
        if isinstance(parsed, Function):  # the whole argument is computed
            return GetParam(name, loc, parsed, parsed, ())
    if not isinstance(args, list):
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a parameter name or a list [name, key or index, ...], "
            f"not {describe(args)}",
        )
    if not args:
        return p.invalid(name, aloc, args, f"`{name}` needs a parameter name")
    parsed_items = parse_items(p, args, aloc)
    pname = parsed_items[0]
    if isinstance(pname, str):
        p.check_parameter(str(pname), item_loc(args, 0, aloc))
        pname = str(pname)
    elif not isinstance(pname, Function):
        return p.invalid(
            name,
            item_loc(args, 0, aloc),
            args,
            f"the parameter name of `{name}` must be a string, not {describe(pname)}",
        )
    bad = _bad_path(p, name, args, aloc, parsed_items[1:], first=1)
    if bad is not None:
        return bad
    return GetParam(name, loc, parsed_items, pname, tuple(parsed_items[1:]))


# --------------------------------------------------------------------------- get_resource


class GetResource(Function):
    """``get_resource: name``: the resource's physical id (UNKNOWN until created)."""

    __slots__ = ("resource",)

    def __init__(self, name: str, location: SourceLocation, args: Any, resource: str) -> None:
        super().__init__(name, location, args)
        self.resource = resource

    def references(self) -> Iterator[Reference]:
        yield Reference(self.resource, None, self.location)

    def resolve(self, ctx: ResolveContext) -> Any:
        return strip_located(ctx.resource_id(self.resource))


def parse_get_resource(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, str):
        return p.invalid(
            name, aloc, args, f"`{name}` takes a resource name (a string), not {describe(args)}"
        )
    p.check_resource(str(args), aloc)
    return GetResource(name, loc, args, str(args))


# --------------------------------------------------------------------------- get_attr


class GetAttr(Function):
    """``get_attr: [resource, attribute, path...]``; ``[resource]`` for all attributes.

    From 2014-10-16 the path goes to the resource with the attribute (``ctx.attribute``);
    in 2013-05-23 it is applied to the attribute's value afterwards (a miss gives null).
    """

    __slots__ = ("resource", "attribute", "path", "select_after")

    def __init__(
        self,
        name: str,
        location: SourceLocation,
        args: Any,
        resource: str,
        attribute: Any,
        path: tuple[Any, ...],
        select_after: bool,
    ) -> None:
        super().__init__(name, location, args)
        self.resource = resource
        self.attribute = attribute  # str, None (all attributes) or a Function
        self.path = path
        self.select_after = select_after

    def references(self) -> Iterator[Reference]:
        attribute = self.attribute if isinstance(self.attribute, str) else None
        static: list[Any] = []
        if attribute is not None:
            for comp in self.path:
                if isinstance(comp, Function):
                    break
                static.append(strip_located(comp))
        yield Reference(self.resource, attribute, self.location, tuple(static))
        yield from iter_references(self.attribute)
        yield from iter_references(list(self.path))

    def resolve(self, ctx: ResolveContext) -> Any:
        attribute = self.attribute
        if isinstance(attribute, Function):
            attribute = resolve_arg(attribute, ctx)
            if attribute is UNKNOWN:
                return UNKNOWN
            attribute, _ = reveal_top(attribute)
            if not isinstance(attribute, str):
                raise self.fail(
                    f"the attribute name of `{self.name}` must be a string, "
                    f"not {describe(attribute)}"
                )
        elif attribute is not None:
            attribute = str(attribute)
        path = tuple(resolve_arg(c, ctx) for c in self.path)
        if any(contains_unknown(c) for c in path):
            return UNKNOWN
        for comp in path:
            if isinstance(comp, bool) or not isinstance(comp, str | int):
                raise self.fail(
                    f"path components of `{self.name}` must be strings or integers, "
                    f"not {describe(comp)}"
                )
        if not self.select_after:
            return strip_located(ctx.attribute(self.resource, attribute, path))
        value = strip_located(ctx.attribute(self.resource, attribute, ()))
        return select_from_attribute(value, path)


def select_from_attribute(value: Any, path: tuple[Any, ...]) -> Any:
    """Heat's ``attributes.select_from_attribute``: a missing key or index gives None."""
    value, sensitive = reveal_top(value)
    for comp in path:
        value, inner = reveal_top(value)
        sensitive = sensitive or inner
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(value, dict):
            value = value.get(comp)
        elif isinstance(value, list | str) and isinstance(comp, int):
            value = value[comp] if -len(value) <= comp < len(value) else None
        else:
            return None
    return conceal(value, sensitive)


def parse_get_attr(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    all_ok = p.supports("get_attr_all_attributes")
    form = "[resource_name, attribute, (path), ...]"
    if all_ok:
        form = "[resource_name] or " + form
    if not isinstance(args, list):
        return p.invalid(name, aloc, args, f"`{name}` takes a list {form}, not {describe(args)}")
    if not args:
        return p.invalid(name, aloc, args, f"`{name}` takes a list {form}, not an empty list")
    if len(args) == 1 and not all_ok:
        return p.invalid(
            name,
            aloc,
            args,
            needs_version(
                f"`{name}` with only a resource name (all attributes)", "2015-10-15", p.version
            ),
        )
    resource = args[0]
    rloc = item_loc(args, 0, aloc)
    if not isinstance(resource, str):
        return p.invalid(
            name,
            rloc,
            args,
            f"the resource name of `{name}` must be a string, not {describe(resource)}",
        )
    p.check_resource(str(resource), rloc)
    rest = parse_items(p, args, aloc, 1)
    parsed = [resource, *rest]
    attribute: Any = None
    if rest:
        attribute = rest[0]
        if not isinstance(attribute, str | Function):
            return p.invalid(
                name,
                item_loc(args, 1, aloc),
                args,
                f"the attribute name of `{name}` must be a string, not {describe(attribute)}",
            )
    bad = _bad_path(p, name, args, aloc, rest[1:], first=2)
    if bad is not None:
        return bad
    return GetAttr(
        name,
        loc,
        parsed,
        str(resource),
        attribute,
        tuple(rest[1:]),
        select_after=not p.supports("get_attr_path"),
    )


# --------------------------------------------------------------------------- get_file


class GetFile(Function):
    """``get_file: path``: the file's text, read at parse time."""

    __slots__ = ("path", "text")

    def __init__(self, name: str, location: SourceLocation, args: Any, path: str, text: str):
        super().__init__(name, location, args)
        self.path = path
        self.text = text

    def resolve(self, ctx: ResolveContext) -> Any:
        return self.text


def parse_get_file(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, str):
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a file path (a plain string), not {describe(args)}",
            "the path must be written in the template; functions are not allowed there",
        )
    path = str(args)
    sent = p.ctx.read_url(path) if p.ctx.read_url is not None and _URL.match(path) else None
    if sent is not None:
        p.ctx.files[path] = sent
        return GetFile(name, loc, args, path, sent)
    if _URL.match(path):
        return p.invalid(
            name,
            aloc,
            args,
            f"remote get_file is not supported: `{path}` is a URL",
            "save the file next to the template and give its relative path",
        )
    read = p.ctx.read_file
    if read is None:
        return p.invalid(name, loc, args, f"`{name}` is not supported here")
    try:
        text = read(path, aloc)
    except AtonixError as exc:
        return p.invalid(
            name,
            aloc,
            args,
            exc.diagnostics[0].message if exc.diagnostics else exc.message,
            exc.diagnostics[0].hint if exc.diagnostics else None,
        )
    text = str(text)
    p.ctx.files[path] = text
    return GetFile(name, loc, args, path, text)


# --------------------------------------------------------------------------- resource_facade

_FACADE_KEYS: Final = ("metadata", "deletion_policy", "update_policy")


class ResourceFacade(Function):
    """``resource_facade: metadata|deletion_policy|update_policy`` of the parent resource."""

    __slots__ = ("value",)

    def __init__(self, name: str, location: SourceLocation, args: Any, value: Any) -> None:
        super().__init__(name, location, args)
        self.value = value

    def references(self) -> Iterator[Reference]:
        return iter_references(self.value)

    def children(self) -> Iterator[Any]:
        yield self.value

    def resolve(self, ctx: ResolveContext) -> Any:
        return evaluate(self.value, ctx)


def parse_resource_facade(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, str) or args not in _FACADE_KEYS:
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes one of {', '.join(_FACADE_KEYS)}, not {describe(args)}",
        )
    facade = p.ctx.facade
    if facade is None:
        return p.invalid(
            name,
            loc,
            args,
            f"`{name}` is not supported outside a nested stack",
            "it reads the parent resource of a template used as a resource type",
        )
    return ResourceFacade(name, loc, args, facade.get(str(args)))


# --------------------------------------------------------------------------- Ref (CFN)


def parse_ref(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    """``Ref: name`` (2013-05-23): get_resource if name is a resource, else get_param."""
    aloc = loc_of(args, loc)
    if not isinstance(args, str):
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a parameter or resource name (a string), not {describe(args)}",
        )
    target = str(args)
    if target in p.ctx.resource_names:
        return GetResource(name, loc, args, target)
    params, resources = p.ctx.parameter_names, p.ctx.resource_names
    if (params or resources) and target not in params and target not in PSEUDO_PARAMETERS:
        p.error(
            aloc,
            f"unknown parameter or resource `{target}`",
            suggest(target, [*params, *resources]),
        )
    return GetParam(name, loc, args, target, ())


__all__ = [
    "GetAttr",
    "GetFile",
    "GetParam",
    "GetResource",
    "ResourceFacade",
    "parse_get_attr",
    "parse_get_file",
    "parse_get_param",
    "parse_get_resource",
    "parse_ref",
    "parse_resource_facade",
    "select_from_attribute",
    "select_path",
]
