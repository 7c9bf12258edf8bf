"""Condition functions (equals, not, and, or) and ``if``.

Condition operands (of ``not``/``and``/``or``, the first argument of ``if``, a resource's or
output's ``condition``) are a declared condition's name, a boolean, or a condition-function
call. At evaluation a string result is taken as a condition name, as Heat does.
Undecidable operands (UNKNOWN) give UNKNOWN unless the answer is already known (``and`` with a
false operand is false, ``or`` with a true one is true).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from atonix_iac.errors import SourceLocation
from atonix_iac.template.expr import Reference, ResolveContext, iter_references
from atonix_iac.template.functions.base import (
    ConditionRef,
    Function,
    Parser,
    describe,
    evaluate,
    item_loc,
    loc_of,
    needs_version,
    parse_items,
    resolve_arg,
    reveal,
    truth,
    walk,
)
from atonix_iac.template.values import OMIT, UNKNOWN, contains_unknown

# --------------------------------------------------------------------------- if

_NO_BRANCH: Final = object()


class If(Function):
    """``if: [condition, value_if_true, value_if_false]``; from 2021-04-16 also
    ``[condition, value_if_true]``, which is OMIT (the enclosing item, key or property
    disappears) when the condition is false."""

    __slots__ = ("condition", "when_true", "when_false")

    def __init__(
        self,
        name: str,
        location: SourceLocation,
        args: Any,
        condition: Any,
        when_true: Any,
        when_false: Any,
    ) -> None:
        super().__init__(name, location, args)
        self.condition = condition
        self.when_true = when_true
        self.when_false = when_false  # _NO_BRANCH for the two-argument form

    @property
    def has_false_branch(self) -> bool:
        return self.when_false is not _NO_BRANCH

    def references(self) -> Iterator[Reference]:
        # Both branches: which one applies is only known once conditions are evaluated.
        yield from iter_references(self.when_true)
        if self.when_false is not _NO_BRANCH:
            yield from iter_references(self.when_false)

    def children(self) -> Iterator[Any]:
        yield self.condition
        yield self.when_true
        if self.when_false is not _NO_BRANCH:
            yield self.when_false

    def test(self, ctx: ResolveContext) -> Any:
        """The condition's truth: True, False or UNKNOWN."""
        return truth(evaluate(self.condition, ctx), ctx, self, f"the condition of `{self.name}`")

    def resolve(self, ctx: ResolveContext) -> Any:
        chosen = self.test(ctx)
        if chosen is UNKNOWN:
            return UNKNOWN
        if chosen:
            return evaluate(self.when_true, ctx)
        if self.when_false is _NO_BRANCH:
            return OMIT
        return evaluate(self.when_false, ctx)


def parse_if(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    nullable = p.supports("if_nullable")
    form = "[condition, value_if_true, value_if_false]"
    if nullable:
        form += " or [condition, value_if_true]"
    if not isinstance(args, list) or len(args) not in (2, 3):
        return p.invalid(name, aloc, args, f"`{name}` takes a list {form}, not {describe(args)}")
    if len(args) == 2 and not nullable:
        return p.invalid(
            name, aloc, args, needs_version(f"`{name}` with two arguments", "2021-04-16", p.version)
        )
    condition = p.condition(args[0], item_loc(args, 0, aloc))
    branches = parse_items(p, args, aloc, 1)
    when_false = branches[1] if len(branches) > 1 else _NO_BRANCH
    return If(name, loc, [condition, *branches], condition, branches[0], when_false)


# --------------------------------------------------------------------------- equals


class Equals(Function):
    """``equals: [a, b]``."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        a, b = (resolve_arg(x, ctx) for x in self.args)
        if contains_unknown(a) or contains_unknown(b):
            return UNKNOWN
        (a, b), _ = reveal((a, b))
        return bool(a == b)


def parse_equals(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, list) or len(args) != 2:
        return p.invalid(
            name, aloc, args, f"`{name}` takes a list [value_1, value_2], not {describe(args)}"
        )
    return Equals(name, loc, parse_items(p, args, aloc))


# --------------------------------------------------------------------------- not, and, or


class Not(Function):
    """``not: condition``."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        value = truth(evaluate(self.args, ctx), ctx, self, f"the argument of `{self.name}`")
        return UNKNOWN if value is UNKNOWN else not value


def parse_not(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if args is None:
        return p.invalid(name, aloc, args, f"`{name}` takes a condition")
    return Not(name, loc, p.condition(args, aloc))


class AndOr(Function):
    """``and: [c1, c2, ...]`` / ``or: [c1, c2, ...]`` (at least two conditions)."""

    __slots__ = ("is_and",)

    def __init__(self, name: str, location: SourceLocation, args: Any) -> None:
        super().__init__(name, location, args)
        self.is_and = name == "and"

    def resolve(self, ctx: ResolveContext) -> Any:
        # Heat resolves every operand first, then tests them in order.
        operands = [evaluate(x, ctx) for x in self.args]
        decisive = not self.is_and  # `and` stops at the first false, `or` at the first true
        unknown = False
        for operand in operands:
            value = truth(operand, ctx, self, f"each argument of `{self.name}`")
            if value is UNKNOWN:
                unknown = True
            elif bool(value) is decisive:
                return decisive
        return UNKNOWN if unknown else not decisive


def parse_and_or(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, list):
        return p.invalid(
            name, aloc, args, f"`{name}` takes a list of conditions, not {describe(args)}"
        )
    if len(args) < 2:
        return p.invalid(name, aloc, args, f"`{name}` takes at least two conditions")
    operands = [p.condition(args[i], item_loc(args, i, aloc)) for i in range(len(args))]
    return AndOr(name, loc, operands)


# --------------------------------------------------------------------------- helpers


def iter_condition_names(value: Any) -> Iterator[str]:
    """The names of the conditions a parsed value refers to (for cycle checks)."""
    for fn in walk(value):
        if isinstance(fn, ConditionRef):
            yield fn.condition


def evaluate_condition(value: Any, ctx: ResolveContext, location: SourceLocation) -> Any:
    """A parsed condition's truth (True, False or UNKNOWN). A string result names a
    condition; anything else but a boolean is an error at location."""
    result = evaluate(value, ctx)
    if result is UNKNOWN or isinstance(result, bool):
        return result
    holder = ConditionRef("condition", location)
    return truth(result, ctx, holder, "a condition")


__all__ = [
    "AndOr",
    "Equals",
    "If",
    "Not",
    "evaluate_condition",
    "iter_condition_names",
    "parse_and_or",
    "parse_equals",
    "parse_if",
    "parse_not",
]
