"""Each resource's references, collected once per loaded template.

Graph building, the ``get_attr`` name checks and the plan all need a resource's references;
on a 10,000-resource chain, scanning the property tree for each of them separately cost
~1 CPU s of a no-op plan. The result is kept on the (frozen) ``ResourceSpec`` itself, so it
lives exactly as long as the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atonix_iac.template.expr import Expr, Reference
from atonix_iac.template.model import ResourceSpec

_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True, slots=True)
class ResourceReferences:
    """A resource's references in document order, split by where Heat takes them from."""

    body: tuple[Reference, ...]  # properties, then metadata
    external_id: tuple[Reference, ...]

    @property
    def all(self) -> tuple[Reference, ...]:
        """Everything Heat takes dependencies from: properties, metadata, external id."""
        return self.body + self.external_id


def resource_references(spec: ResourceSpec) -> ResourceReferences:
    """The references of ``spec``, collected on the first call and reused after."""
    cached = spec.collected_references
    if isinstance(cached, ResourceReferences):
        return cached
    collected = ResourceReferences(
        body=_collect([spec.properties, spec.metadata]),
        external_id=_collect(spec.external_id),
    )
    object.__setattr__(spec, "collected_references", collected)  # a cache on a frozen spec
    return collected


def _collect(value: Any) -> tuple[Reference, ...]:
    """``iter_references`` as a tuple, with plain scalars (most of a template) skipped first."""
    found: list[Reference] = []
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if type(item) in _SCALARS or isinstance(item, str):  # LocatedStr: a str subclass
            continue
        if isinstance(item, dict):
            pending.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            pending.extend(reversed(item))
        elif isinstance(item, Expr):
            found.extend(item.references())
    return tuple(found)
