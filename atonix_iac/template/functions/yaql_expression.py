"""``yaql`` (HOT 2016-10-14 and later; in conditions from 2017-09-01), evaluated by the yaql
library Heat itself uses, with Heat's limits (``[yaql] limit_iterators`` 200 and
``memory_quota`` 10000 bytes)::

    yaql:
      expression: $.data.var1.sum()
      data:
        var1: [3, 2, 1]

As in Heat (``heat/engine/hot/functions.py``, ``Yaql``): the arguments are a map of
``expression`` (a string, or a function giving one) and optional ``data``; the expression is
parsed when the template is validated (a syntax error is located there) and evaluated with the
resolved data as ``$.data``. Data "known after apply" makes the result unknown until then;
an evaluation error is located at the call when plan (or apply) evaluates it.

The yaql package is imported only when a template uses the function.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from atonix_iac.errors import SourceLocation
from atonix_iac.template.expr import ResolveContext
from atonix_iac.template.functions.base import (
    Function,
    Parser,
    conceal,
    describe,
    loc_of,
    resolve_arg,
    reveal,
)
from atonix_iac.template.nodes import LocatedDict
from atonix_iac.template.values import UNKNOWN, contains_unknown

# Heat's defaults for its [yaql] options.
LIMIT_ITERATORS: Final = 200
MEMORY_QUOTA: Final = 10000

_EXAMPLE: Final = "yaql: {expression: $.data.var1.sum(), data: {var1: [3, 2, 1]}}"
_KEYS: Final = frozenset({"expression", "data"})


# One shared ply lexer holds the text being parsed: parses (apply resolves on worker threads)
# take turns.
_PARSE_LOCK: Final = threading.Lock()


class YaqlError(Exception):
    """A yaql expression that does not parse or evaluate (message without a traceback)."""


@functools.cache
def _engine() -> tuple[Any, Any]:
    import yaql  # noqa: PLC0415 - third-party, loaded only when a template uses yaql

    parser = yaql.YaqlFactory().create(
        {"yaql.limitIterators": LIMIT_ITERATORS, "yaql.memoryQuota": MEMORY_QUOTA}
    )
    return parser, yaql.create_context()


def parse_expression(expression: str) -> Any:
    """The parsed statement; YaqlError with yaql's message for a bad one."""
    parser, _ = _engine()
    try:
        with _PARSE_LOCK:
            return parser(expression)
    except RecursionError:
        raise YaqlError("the expression is nested too deeply") from None
    except Exception as err:  # yaql/ply raise many kinds: each is a bad expression
        raise YaqlError(_message(err)) from None


def evaluate_expression(expression: str, data: Any) -> Any:
    """``expression`` evaluated on ``$.data`` = data, as plain JSON-like data."""
    statement = parse_expression(expression)
    _, context = _engine()
    try:
        result = statement.evaluate({"data": data}, context.create_child_context())
    except RecursionError:
        raise YaqlError("the evaluation recursed too deeply") from None
    except Exception as err:  # any error inside a yaql function is the expression's
        raise YaqlError(_message(err)) from None
    return _plain(result)


def _message(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _plain(value: Any, depth: int = 0) -> Any:
    """yaql's answer as template data: sets and tuples as lists, dates as ISO strings."""
    if depth > 100:
        raise YaqlError("the result is nested too deeply")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise YaqlError(f"the result {value} is not a number JSON can hold")
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [_plain(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


class Yaql(Function):
    __slots__ = ("expression", "data")

    def __init__(
        self, name: str, location: SourceLocation, args: Any, expression: Any, data: Any
    ) -> None:
        super().__init__(name, location, args)
        self.expression = expression
        self.data = data

    def resolve(self, ctx: ResolveContext) -> Any:
        expression = resolve_arg(self.expression, ctx)
        data = resolve_arg(self.data, ctx)
        if contains_unknown(expression) or contains_unknown(data):
            return UNKNOWN
        expression, secret_expression = reveal(expression)
        data, secret_data = reveal(data)
        if not isinstance(expression, str):
            raise self.fail(
                f'The "expression" argument to `{self.name}` must contain a string, not '
                f"{describe(expression)}"
            )
        try:
            result = evaluate_expression(expression, data)
        except YaqlError as err:
            raise self.fail(
                f"`{self.name}` could not evaluate its expression: {err}",
                "check the expression against its data (`$.data`); Heat limits yaql to "
                f"{LIMIT_ITERATORS} elements per collection and {MEMORY_QUOTA} bytes",
            ) from None
        return conceal(result, secret_expression or secret_data)


def parse_yaql(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, dict):
        return p.invalid(
            name, aloc, args, f'Arguments to "{name}" must be a map, not {describe(args)}'
        )
    if "expression" not in args or set(args) - _KEYS:
        extra = sorted(str(k) for k in set(args) - _KEYS)
        what = f"unknown key(s) {', '.join(f'`{k}`' for k in extra)}" if extra else "no expression"
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a map of `expression` and optional `data` ({what})",
            f"e.g. {_EXAMPLE}",
        )
    eloc = args.value_loc("expression") if isinstance(args, LocatedDict) else aloc
    expression = p.value(args["expression"], eloc)
    data = p.value(args.get("data", {}), aloc)
    if isinstance(expression, Function):
        return Yaql(name, loc, {"expression": expression, "data": data}, expression, data)
    if not isinstance(expression, str):
        return p.invalid(
            name,
            eloc,
            args,
            f'The "expression" argument to `{name}` must contain a string, not '
            f"{describe(expression)}",
        )
    try:
        parse_expression(str(expression))
    except YaqlError as err:
        return p.invalid(name, eloc, args, f"Bad expression {err}.")
    return Yaql(name, loc, {"expression": str(expression), "data": data}, str(expression), data)


__all__ = ["LIMIT_ITERATORS", "MEMORY_QUOTA", "Yaql", "evaluate_expression", "parse_yaql"]
