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


def iter_references(value: Any) -> Iterator[Reference]:
    """References in a value that may hold Expr objects anywhere inside."""
    if isinstance(value, Expr):
        yield from value.references()
    elif isinstance(value, dict):
        for v in value.values():
            yield from iter_references(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from iter_references(v)
