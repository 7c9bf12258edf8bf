"""The narrow views the planner needs of its inputs.

The planner depends on these shapes rather than on concrete classes so that the template
layer's ``BoundParameters``, the provider ``Registry`` and the state's ``ResourceState`` all fit
without the planner knowing how they are built (and tests can hand in small fakes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, Protocol

from atonix_iac.providers.base import ResourceSchema, ResourceType


class BoundParams(Protocol):
    """Parameter values (pseudo-parameters included) and which of them are secret."""

    @property
    def values(self) -> Mapping[str, Any]: ...

    @property
    def sensitive(self) -> AbstractSet[str]: ...


class TypeRegistry(Protocol):
    """Resource type name -> schema and implementation (``providers.registry.Registry``)."""

    def is_known(self, type_name: str) -> bool: ...

    def has_provider(self, type_name: str) -> bool: ...

    def schema(self, type_name: str) -> ResourceSchema: ...

    def implementation(self, type_name: str) -> ResourceType: ...


class ResourceFacts(Protocol):
    """What evaluation reads of a resource that exists (``state.model.ResourceState`` fits)."""

    @property
    def physical_id(self) -> str | None: ...

    @property
    def attributes(self) -> Mapping[str, Any]: ...

    @property
    def sensitive_attributes(self) -> AbstractSet[str]: ...


def known_type_names(registry: TypeRegistry) -> Iterable[str]:
    """Every type name the registry knows, for did-you-mean hints (empty if it cannot say)."""
    for attribute in ("type_names", "known_types", "names"):
        lister = getattr(registry, attribute, None)
        if callable(lister):
            names = lister()
            if isinstance(names, Iterable):
                return [str(n) for n in names]
    return []
