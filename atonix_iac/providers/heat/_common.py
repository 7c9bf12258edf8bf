"""What the cloud-free Heat types share: Heat's schema from the catalog, uuid4 physical ids,
and the rule that such a resource exists exactly as long as state says it does."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from atonix_iac.errors import ProviderConfigError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult, ResourceSchema, ResourceType
from atonix_iac.providers.catalog import heat_schema
from atonix_iac.providers.validation import apply_defaults

# Heat's base attribute; for resources without a cloud entity Heat shows an empty map.
SHOW: Final = "show"


def new_physical_id() -> str:
    return str(uuid.uuid4())


def is_plain_data(value: Any) -> bool:
    """True for JSON-like data. ``check`` receives properties that may hold markers (values
    known after apply, secrets) this layer cannot name; anything not plain data is skipped."""
    pending = [value]  # an explicit stack: no generator frame per container
    while pending:
        item = pending.pop()
        if item is None or isinstance(item, str | int | float | bool):
            continue
        if isinstance(item, (dict, Mapping)):  # dict first: no ABC check for dicts
            for key in item:
                if not isinstance(key, str):
                    return False
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        else:
            return False
    return True


class BuiltinType(ResourceType):
    """A Heat type that needs no cloud. Subclasses set ``type_name``."""

    type_name: ClassVar[str]
    read_is_local: ClassVar[bool] = True  # read derives attributes from the properties

    def __init__(self) -> None:
        schema = heat_schema(self.type_name)
        if schema is None:
            raise ProviderConfigError(f"the Heat catalog has no type {self.type_name}")
        self.schema: ResourceSchema = schema

    def with_defaults(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return apply_defaults(self.schema, properties)

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """The attributes that follow from the properties (read reports these)."""
        return {SHOW: {}}

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult:
        return ResourceResult(physical_id, self.attributes_for(self.with_defaults(properties)))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        return None
