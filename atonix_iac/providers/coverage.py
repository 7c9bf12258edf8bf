"""Which resource types atonix can deploy, which it can only validate, and which it does not
know: the catalog (every type Heat ships) set against the providers a registry holds.

``atonix types`` lists this; ``validate`` warns about resources whose type is validate-only,
since ``plan`` refuses them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum

from atonix_iac.providers.catalog import heat_schema, known_types
from atonix_iac.providers.registry import Registry


class Deployability(StrEnum):
    DEPLOYABLE = "deployable"  # a provider implements it (or the loader expands it): deployed
    VALIDATE_ONLY = "validate-only"  # Heat ships it (the catalog knows it), no provider yet
    UNKNOWN = "unknown"  # neither Heat nor any provider knows it


@dataclass(frozen=True, slots=True)
class TypeCoverage:
    type_name: str
    status: Deployability
    provider: str | None  # the provider that implements it, if any
    in_catalog: bool  # Heat ships it
    support_status: str | None  # Heat's (SUPPORTED, DEPRECATED, HIDDEN ...) if in the catalog


def provider_names(registry: Registry) -> dict[str, str]:
    """Type name -> the name of the provider serving it (the first provider wins, as in the
    registry)."""
    owners: dict[str, str] = {}
    for provider in registry.providers:
        for type_name in provider.resource_types():
            owners.setdefault(type_name, provider.name)
    return owners


# The provider column of a type the template loader expands (a nested stack flattened into
# its parent) rather than a provider deploying it.
EXPANDED_BY = "template"


def classify(
    registry: Registry,
    type_name: str,
    owners: dict[str, str] | None = None,
    expanded: AbstractSet[str] = frozenset(),
) -> TypeCoverage:
    """``expanded``: the types the loader turns into other resources before planning (an
    ``OS::Heat::Stack`` with its template): deployable though no provider has them."""
    owners = provider_names(registry) if owners is None else owners
    if type_name in expanded and not registry.has_provider(type_name):
        owners = {**owners, type_name: EXPANDED_BY}
    schema = heat_schema(type_name)
    in_catalog = schema is not None
    if registry.has_provider(type_name) or type_name in expanded:
        status = Deployability.DEPLOYABLE
    elif registry.is_known(type_name):
        status = Deployability.VALIDATE_ONLY
    else:
        status = Deployability.UNKNOWN
    return TypeCoverage(
        type_name=type_name,
        status=status,
        provider=owners.get(type_name) if status is Deployability.DEPLOYABLE else None,
        in_catalog=in_catalog,
        support_status=schema.support_status if schema is not None else None,
    )


def type_coverage(
    registry: Registry, extra: Iterable[str] = (), expanded: AbstractSet[str] = frozenset()
) -> list[TypeCoverage]:
    """Every catalog type, every type a provider adds beyond it, and the ``extra`` names
    (e.g. asked for by name), sorted by name; ``expanded`` as for ``classify``."""
    owners = provider_names(registry)
    names = set(known_types()) | set(owners) | set(extra)
    return [classify(registry, name, owners, expanded) for name in sorted(names)]


def coverage_counts(rows: Iterable[TypeCoverage]) -> Counter[Deployability]:
    return Counter(row.status for row in rows)


def summary_line(rows: Iterable[TypeCoverage]) -> str:
    """``201 types: 20 deployable, 181 validate-only`` (and the unknown ones, if any)."""
    listed = list(rows)
    counts = coverage_counts(listed)
    parts = [
        f"{counts[Deployability.DEPLOYABLE]} deployable",
        f"{counts[Deployability.VALIDATE_ONLY]} validate-only",
    ]
    if counts[Deployability.UNKNOWN]:
        parts.append(f"{counts[Deployability.UNKNOWN]} unknown")
    noun = "type" if len(listed) == 1 else "types"
    return f"{len(listed)} {noun}: {', '.join(parts)}"
