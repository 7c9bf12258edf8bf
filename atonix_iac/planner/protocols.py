"""The narrow views the planner needs of its inputs.

Evaluation reads parameters and resources through these shapes, so that the template layer's
``BoundParameters``, the state's ``ResourceState`` and the planner's own ``KnownResource`` all
fit without conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any, Protocol


class BoundParams(Protocol):
    """Parameter values (pseudo-parameters included) and which of them are secret."""

    @property
    def values(self) -> Mapping[str, Any]: ...

    @property
    def sensitive(self) -> AbstractSet[str]: ...


class ResourceFacts(Protocol):
    """What evaluation reads of a resource that exists (``state.model.ResourceState`` fits)."""

    @property
    def physical_id(self) -> str | None: ...

    @property
    def attributes(self) -> Mapping[str, Any]: ...

    @property
    def sensitive_attributes(self) -> AbstractSet[str]: ...
