"""The machinery every intrinsic function shares: the parser walk, the ``Function`` base class,
``evaluate``, and small helpers for locations, Sensitive values and messages.

Parsing turns located YAML nodes into plain data in which each function call is a
``Function`` (an ``Expr``). A container without calls inside is returned as it came (no copy),
so parsing a large template allocates little. Evaluation walks the data once, resolving each
``Function`` against a ``ResolveContext``; ``OMIT`` items and keys are dropped there.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from atonix_iac.errors import (
    AtonixError,
    Diagnostic,
    Severity,
    SourceLocation,
    TemplateError,
    suggest,
)
from atonix_iac.template.expr import Expr, Reference, ResolveContext, iter_references
from atonix_iac.template.functions.context import ParseContext
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr
from atonix_iac.template.values import (
    OMIT,
    UNKNOWN,
    Sensitive,
    contains_sensitive,
    contains_unknown,
)
from atonix_iac.template.versions import supports

PSEUDO_PARAMETERS: Final = frozenset(
    {"OS::stack_name", "OS::stack_id", "OS::project_id", "OS::region"}
)

_NOWHERE_FILE: Final = "<unknown>"
_SCALARS: Final = frozenset({str, int, float, bool, type(None), LocatedStr})
_PLAIN_SCALARS: Final = frozenset({str, int, float, bool, type(None)})

# (parser, function name as written, raw argument node, location of the call) -> value
Factory = Callable[["Parser", str, Any, SourceLocation], Any]
# (name, version, in_condition) -> (severity, message, hint), or None if name is no function
Unavailable = Callable[[str, str, bool], "tuple[Severity, str, str | None] | None"]


# --------------------------------------------------------------------------- locations


def loc_of(value: Any, fallback: SourceLocation) -> SourceLocation:
    """The value's own location if it carries one, else fallback."""
    loc = getattr(value, "loc", None)
    if isinstance(loc, SourceLocation) and loc.file != _NOWHERE_FILE:
        return loc
    return fallback


def item_loc(container: Any, key: Any, fallback: SourceLocation) -> SourceLocation:
    """Where container[key] is written: its own location, else its key's or slot's."""
    try:
        item = container[key]
    except (KeyError, IndexError, TypeError):
        item = None
    own = getattr(item, "loc", None)
    if isinstance(own, SourceLocation) and own.file != _NOWHERE_FILE:
        return own
    if isinstance(container, LocatedList) and isinstance(key, int):
        loc = container.item_loc(key)
    elif isinstance(container, LocatedDict):
        loc = container.key_locs.get(key, container.loc)
    else:
        return fallback
    return loc if loc.file != _NOWHERE_FILE else fallback


# --------------------------------------------------------------------------- messages


def describe(value: Any) -> str:
    """A short, secret-free description of a value's kind for messages."""
    if value is None:
        return "null"
    if value is UNKNOWN:
        return "a value known only after apply"
    if isinstance(value, Sensitive):
        return "a sensitive value"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value!r}" if len(repr(value)) <= 20 else "a number"
    if isinstance(value, str):
        text = str(value)
        return f"the string {text!r}" if len(text) <= 40 else "a string"
    if isinstance(value, Function):
        return f"a `{value.name}` call"
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def needs_version(feature: str, first: str, version: str) -> str:
    return f"{feature} needs heat_template_version {first} or later (this template is {version})"


# --------------------------------------------------------------------------- values


def reveal(value: Any) -> tuple[Any, bool]:
    """(value with every Sensitive wrapper removed, whether it had any)."""
    if contains_sensitive(value):
        return _unwrap(value), True
    return value, False


def _unwrap(value: Any) -> Any:
    if isinstance(value, Sensitive):
        return _unwrap(value.value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    return value


def reveal_top(value: Any) -> tuple[Any, bool]:
    """Like ``reveal`` but only for a Sensitive wrapping the value itself (inner ones stay)."""
    sensitive = False
    while isinstance(value, Sensitive):
        value, sensitive = value.value, True
    return value, sensitive


def conceal(value: Any, sensitive: bool) -> Any:
    return Sensitive(value) if sensitive and not isinstance(value, Sensitive) else value


def to_json(value: Any) -> str:
    """JSON as Heat writes it for list_join / str_replace (sorted keys, default separators)."""
    return json.dumps(value, sort_keys=True)


def strip_located(value: Any) -> Any:
    """value without Located* wrappers; returns value itself when there are none."""
    t = type(value)
    if t in _PLAIN_SCALARS:
        return value
    if t is LocatedStr:
        return str(value)
    if isinstance(value, dict):
        changed = t is not dict
        out: dict[Any, Any] = {}
        for k, v in value.items():
            pk, pv = strip_located(k), strip_located(v)
            changed = changed or pk is not k or pv is not v
            out[pk] = pv
        return out if changed else value
    if isinstance(value, list):
        changed = t is not list
        items = []
        for v in value:
            pv = strip_located(v)
            changed = changed or pv is not v
            items.append(pv)
        return items if changed else value
    if isinstance(value, str):
        return str(value)
    return value


# --------------------------------------------------------------------------- Expr classes


class Function(Expr):
    """One intrinsic function call: its name as written, where, and its parsed arguments.

    ``args`` is the parsed argument structure (plain data with nested ``Function`` objects);
    subclasses keep the pieces they need in further slots. Equality is structural (the
    location is not compared), so parsed templates can be compared in tests and diffs.
    """

    __slots__ = ("name", "location", "args")

    def __init__(self, name: str, location: SourceLocation, args: Any) -> None:
        self.name = str(name)
        self.location = location
        self.args = args

    def references(self) -> Iterator[Reference]:
        return iter_references(self.args)

    def resolve(self, ctx: ResolveContext) -> Any:  # pragma: no cover - every subclass has one
        raise NotImplementedError

    def children(self) -> Iterator[Any]:
        """The argument values, for walking the expression tree."""
        yield self.args

    def as_data(self) -> Any:
        """The call as template data again: ``{name: args}``."""
        return {self.name: unparse(self.args)}

    def fail(self, message: str, hint: str | None = None) -> TemplateError:
        return TemplateError.at(self.location, message, hint)

    def __repr__(self) -> str:
        return f"{self.name}({self.args!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Function)
        return self.name == other.name and bool(self.args == other.args)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))


class ConditionRef(Function):
    """A reference to a declared condition by name (in ``if``, ``not``/``and``/``or``, or a
    resource's or output's ``condition``). Resolves to the condition's truth."""

    __slots__ = ("condition",)

    def __init__(self, condition: str, location: SourceLocation) -> None:
        super().__init__("condition", location, condition)
        self.condition = str(condition)

    def references(self) -> Iterator[Reference]:
        return iter(())

    def resolve(self, ctx: ResolveContext) -> Any:
        return ctx.condition(self.condition)

    def as_data(self) -> Any:
        return self.condition

    def __repr__(self) -> str:
        return f"condition({self.condition!r})"


class InvalidCall(Function):
    """A call the parser rejected (its diagnostic is already reported). Evaluating it raises
    the same located error, so a caller that ignores diagnostics still cannot use it."""

    __slots__ = ("message", "hint")

    def __init__(
        self, name: str, location: SourceLocation, args: Any, message: str, hint: str | None
    ) -> None:
        super().__init__(name, location, args)
        self.message = message
        self.hint = hint

    def references(self) -> Iterator[Reference]:
        return iter(())

    def children(self) -> Iterator[Any]:
        return iter(())

    def resolve(self, ctx: ResolveContext) -> Any:
        raise self.fail(self.message, self.hint)

    def as_data(self) -> Any:
        return {self.name: strip_located(self.args)}


def unparse(value: Any) -> Any:
    """Parsed data back to template data (each Function as ``{name: args}``)."""
    if isinstance(value, Function):
        return value.as_data()
    if isinstance(value, dict):
        return {strip_located(k): unparse(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unparse(v) for v in value]
    return strip_located(value)


def walk(value: Any) -> Iterator[Function]:
    """Every Function inside value (outermost first), arguments included."""
    if isinstance(value, Function):
        yield value
        for child in value.children():
            yield from walk(child)
    elif isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from walk(v)


# --------------------------------------------------------------------------- evaluation


def evaluate(value: Any, ctx: ResolveContext) -> Any:
    """Resolve every Expr inside value; drop OMIT list items and map keys; no Located*.

    A top-level OMIT is returned as is (the caller drops the property or output).
    """
    t = type(value)
    if t in _PLAIN_SCALARS:
        return value
    if t is LocatedStr:
        return str(value)
    if t is dict or t is LocatedDict:
        out: dict[Any, Any] = {}
        for k, v in value.items():
            tv = type(v)
            if tv in _PLAIN_SCALARS:
                r = v
            else:
                r = evaluate(v, ctx)
                if r is OMIT:
                    continue
            out[k if type(k) is str else strip_located(k)] = r
        return out
    if t is list or t is LocatedList:
        items = []
        for v in value:
            if type(v) in _PLAIN_SCALARS:
                items.append(v)
            else:
                r = evaluate(v, ctx)
                if r is not OMIT:
                    items.append(r)
        return items
    if isinstance(value, Expr):
        return _resolve_expr(value, ctx)
    if isinstance(value, dict):
        return evaluate(dict(value), ctx)
    if isinstance(value, list | tuple):
        return evaluate(list(value), ctx)
    if isinstance(value, str):
        return str(value)
    return value


def _resolve_expr(expr: Expr, ctx: ResolveContext) -> Any:
    try:
        return expr.resolve(ctx)
    except TemplateError as exc:
        # An unlocated error (e.g. from the ResolveContext) is placed at this call.
        if not any(d.location is None for d in exc.diagnostics):
            raise
        diagnostics = [
            d if d.location is not None else dataclasses.replace(d, location=expr.location)
            for d in exc.diagnostics
        ]
        raise type(exc)(diagnostics=diagnostics) from exc
    except AtonixError:
        raise
    except RecursionError:
        raise TemplateError.at(
            expr.location, f"`{expr.name}` nests too deeply to evaluate"
        ) from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        # A safety net: every function checks its inputs and raises a located TemplateError
        # itself. Getting here means an unforeseen input (or a failing ResolveContext).
        raise TemplateError.at(
            expr.location, f"internal error while evaluating `{expr.name}`: {exc}"
        ) from exc


def resolve_arg(value: Any, ctx: ResolveContext) -> Any:
    """An argument's value: like evaluate, but an omitted (OMIT) argument is null."""
    r = evaluate(value, ctx)
    return None if r is OMIT else r


def truth(value: Any, ctx: ResolveContext, where: Function, what: str) -> Any:
    """A resolved condition operand as bool (or UNKNOWN): a boolean, or a condition name."""
    if value is UNKNOWN or isinstance(value, bool):
        return value
    value, _ = reveal_top(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return ctx.condition(value)
    raise where.fail(f"{what} must be a condition name or a boolean, not {describe(value)}")


def any_unknown(values: Iterable[Any]) -> bool:
    return any(contains_unknown(v) for v in values)


# --------------------------------------------------------------------------- parsing


class Parser:
    """Walks located YAML nodes, turning function calls into Function objects.

    One Parser parses values (the version's function table); its ``cond`` twin parses
    condition expressions (the condition-function table). Factories receive the Parser that
    found the call and parse their arguments with it, so arguments of a condition function
    are parsed with the condition table too.
    """

    __slots__ = (
        "ctx",
        "version",
        "written_version",
        "table",
        "in_condition",
        "cond",
        "_unavailable",
    )

    def __init__(
        self,
        ctx: ParseContext,
        version: str,
        table: Mapping[str, Factory],
        condition_table: Mapping[str, Factory],
        unavailable: Unavailable,
        *,
        in_condition: bool = False,
    ) -> None:
        self.ctx = ctx
        self.version = version
        self.written_version: Any = version
        self.in_condition = in_condition
        self._unavailable = unavailable
        if in_condition:
            self.table = condition_table
            self.cond: Parser = self
        else:
            self.table = table
            self.cond = Parser(ctx, version, table, condition_table, unavailable, in_condition=True)

    # -- diagnostics

    def error(self, loc: SourceLocation, message: str, hint: str | None = None) -> None:
        self.ctx.diagnostics.append(Diagnostic(message, loc, hint=hint))

    def warning(self, loc: SourceLocation, message: str, hint: str | None = None) -> None:
        self.ctx.diagnostics.append(Diagnostic(message, loc, Severity.WARNING, hint))

    def invalid(
        self, name: str, loc: SourceLocation, args: Any, message: str, hint: str | None = None
    ) -> InvalidCall:
        """Report an error and return the call that stands for the rejected one."""
        self.error(loc, message, hint)
        return InvalidCall(name, loc, args, message, hint)

    def supports(self, feature: str) -> bool:
        return supports(self.version, feature)

    # -- the walk

    def value(self, node: Any, loc: SourceLocation) -> Any:
        """Parse a value: plain data stays as it is; calls become Function objects."""
        t = type(node)
        if t in _SCALARS:
            return node
        if isinstance(node, dict):
            return self._dict(node, loc)
        if isinstance(node, list | tuple):
            return self._list(node, loc)
        return node

    def _dict(self, node: dict[Any, Any], loc: SourceLocation) -> Any:
        key_locs: dict[Any, SourceLocation] | None = None
        if isinstance(node, LocatedDict):
            key_locs = node.key_locs
            if node.loc.file != _NOWHERE_FILE:
                loc = node.loc
        if len(node) == 1:
            ((key, args),) = node.items()
            if isinstance(key, str):
                call_loc = key_locs.get(key, loc) if key_locs is not None else loc
                factory = self.table.get(key)
                if factory is not None:
                    return self._call(factory, key, args, call_loc)
                if key in _CALL_NAMES:
                    refusal = self._unavailable(key, self.version, self.in_condition)
                    if refusal is not None:
                        severity, message, hint = refusal
                        if severity is Severity.ERROR:
                            return self.invalid(key, call_loc, args, message, hint)
                        self.warning(call_loc, message, hint)
                elif isinstance(args, dict | list):
                    near = _misspelt_call(key)
                    if near is not None:  # Heat keeps it as data; the user meant a call
                        self.warning(
                            call_loc,
                            f"`{key}` is not a function, so this map is kept as plain data",
                            f"did you mean `{near}`?",
                        )
        new: dict[Any, Any] | None = None
        for k, v in node.items():
            if type(v) in _SCALARS:
                continue
            child_loc = key_locs.get(k, loc) if key_locs is not None else loc
            pv = self.value(v, child_loc)
            if pv is not v:
                if new is None:
                    new = _copy_dict(node)
                new[k] = pv
        return node if new is None else new

    def _list(self, node: list[Any] | tuple[Any, ...], loc: SourceLocation) -> Any:
        located = node if isinstance(node, LocatedList) else None
        if located is not None and located.loc.file != _NOWHERE_FILE:
            loc = located.loc
        new: list[Any] | None = None
        for i, v in enumerate(node):
            if type(v) in _SCALARS:
                continue
            child_loc = located.item_loc(i) if located is not None else loc
            pv = self.value(v, child_loc)
            if pv is not v:
                if new is None:
                    new = _copy_list(node)
                new[i] = pv
        if new is None:
            return node if isinstance(node, list) else list(node)
        return new

    def _call(self, factory: Factory, name: str, args: Any, loc: SourceLocation) -> Any:
        try:
            return factory(self, name, args, loc)
        except AtonixError as exc:
            diags = exc.diagnostics or (Diagnostic(exc.message, loc),)
            self.ctx.diagnostics.extend(diags)
            first = diags[0]
            return InvalidCall(name, loc, args, first.message, first.hint)
        except RecursionError:
            return self.invalid(name, loc, args, f"`{name}` nests too deeply")
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            return self.invalid(name, loc, args, f"internal error while parsing `{name}`: {exc}")

    # -- conditions

    def condition(self, node: Any, loc: SourceLocation) -> Any:
        """Parse a condition operand: a declared condition's name, a boolean, or a call from
        the condition-function table. Returns bool or an Expr."""
        cond = self.cond
        loc = loc_of(node, loc)
        if isinstance(node, bool):
            return node
        if isinstance(node, str):
            name = str(node)
            if name not in self.ctx.condition_names:
                hint = suggest(name, self.ctx.condition_names)
                if not self.ctx.condition_names:
                    hint = hint or "declare it in the `conditions` section"
                cond.error(loc, f"unknown condition `{name}`", hint)
            return ConditionRef(name, loc)
        if isinstance(node, dict) and len(node) == 1:
            parsed = cond.value(node, loc)
            if isinstance(parsed, Function):
                return parsed
            ((key, _),) = node.items()
            return cond.invalid(
                "condition",
                loc,
                node,
                f"a condition must be a condition name, a boolean or a condition function, "
                f"not a map with key `{key}`",
                self.condition_function_hint(),
            )
        return cond.invalid(
            "condition",
            loc,
            node,
            f"a condition must be a condition name, a boolean or a condition function, "
            f"not {describe(node)}",
            self.condition_function_hint(),
        )

    def condition_function_hint(self) -> str:
        names = sorted(self.cond.table)
        if not names:
            return "condition functions need heat_template_version 2016-10-14 or later"
        return "condition functions: " + ", ".join(names)

    # -- helpers for factories

    def check_parameter(self, name: Any, loc: SourceLocation) -> None:
        names = self.ctx.parameter_names
        if names and isinstance(name, str) and name not in names and name not in PSEUDO_PARAMETERS:
            self.error(loc, f"unknown parameter `{name}`", suggest(str(name), names))

    def check_resource(self, name: Any, loc: SourceLocation) -> None:
        names = self.ctx.resource_names
        if names and isinstance(name, str) and name not in names:
            self.error(loc, f"unknown resource `{name}`", suggest(str(name), names))


# Every name that is a function in some version or table (set by the table module); a
# single-key map with any other key is plain data.
_CALL_NAMES: set[str] = set()


def _misspelt_call(key: str) -> str | None:
    """The function a one-key map's key was probably meant to name (one typo away)."""
    import difflib

    if key in _CALL_NAMES or not key.islower():
        return None
    matches = difflib.get_close_matches(key, _CALL_NAMES, n=1, cutoff=0.85)
    return matches[0] if matches else None


def register_call_names(names: Iterable[str]) -> None:
    _CALL_NAMES.update(names)


def _copy_dict(node: dict[Any, Any]) -> dict[Any, Any]:
    if isinstance(node, LocatedDict):
        new = LocatedDict(node, loc=node.loc)
        new.key_locs = node.key_locs
        return new
    return dict(node)


def _copy_list(node: list[Any] | tuple[Any, ...]) -> list[Any]:
    if isinstance(node, LocatedList):
        new = LocatedList(node, loc=node.loc)
        new.item_locs = node.item_locs
        return new
    return list(node)


def parse_items(
    p: Parser, args: Any, loc: SourceLocation, start: int = 0, stop: int | None = None
) -> list[Any]:
    """Parse args[start:stop] (a list) item by item, each with its own location."""
    end = len(args) if stop is None else stop
    return [p.value(args[i], item_loc(args, i, loc)) for i in range(start, end)]


def is_static(value: Any) -> bool:
    """True if value holds no function call."""
    if isinstance(value, Function):
        return False
    if isinstance(value, dict):
        return all(is_static(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_static(v) for v in value)
    return True


def plain_key(key: Any) -> Any:
    return str(key) if isinstance(key, str) else key


__all__ = [
    "PSEUDO_PARAMETERS",
    "ConditionRef",
    "Factory",
    "Function",
    "InvalidCall",
    "Parser",
    "any_unknown",
    "conceal",
    "describe",
    "evaluate",
    "is_static",
    "item_loc",
    "loc_of",
    "needs_version",
    "parse_items",
    "plain_key",
    "register_call_names",
    "resolve_arg",
    "reveal",
    "reveal_top",
    "strip_located",
    "to_json",
    "truth",
    "unparse",
    "walk",
]
