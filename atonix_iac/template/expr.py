"""The contract between template functions and whoever evaluates them.

A template's property values are plain data in which intrinsic function calls have been
replaced by ``Expr`` objects. The planner evaluates them against a ``ResolveContext`` built from
parameters and state (attributes of resources not yet created are ``UNKNOWN``); apply evaluates
them again once the dependencies exist.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from atonix_iac.errors import SourceLocation


@dataclass(frozen=True, slots=True)
class Reference:
    """A dependency on another resource: ``get_resource`` (attribute None) or ``get_attr``."""

    resource: str
    attribute: str | None
    location: SourceLocation
    path: tuple[Any, ...] = ()


class ResolveContext(Protocol):
    """What evaluation needs from outside the template."""

    def parameter(self, name: str) -> Any:
        """A bound parameter value (pseudo-parameters included)."""

    def resource_id(self, name: str) -> Any:
        """The physical id for ``get_resource``; UNKNOWN until created."""

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        """An attribute for ``get_attr`` (None attribute = all attributes); UNKNOWN if not
        yet known."""

    def condition(self, name: str) -> bool:
        """The truth of a named condition."""


class Expr(ABC):
    """One intrinsic function call found in a template, with where it was written."""

    name: str
    location: SourceLocation

    @abstractmethod
    def references(self) -> Iterator[Reference]:
        """Every resource this expression (and its arguments) refers to."""

    @abstractmethod
    def resolve(self, ctx: ResolveContext) -> Any:
        """The value; may contain UNKNOWN or OMIT. Raises TemplateError, located."""


_SCALARS = (str, int, float, bool, type(None))


def iter_references(value: Any) -> Iterator[Reference]:
    """References in a value that may hold Expr objects anywhere inside, in document order.

    A loop over an explicit stack rather than nested generators, with plain scalars (most of
    a template) dismissed before the slow ``isinstance`` test against the Expr ABC."""
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) in _SCALARS or isinstance(item, str):  # LocatedStr: a str subclass
            continue
        if isinstance(item, Expr):
            yield from item.references()
        elif isinstance(item, dict):
            pending.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            pending.extend(reversed(item))
