"""OS::Heat::Value: exposes its ``value`` property as the ``value`` attribute.

When ``type`` is given, Heat re-types the ``value`` property (string -> String, number ->
Number, comma_delimited_list -> List, json -> Map, boolean -> Boolean) so the attribute is
coerced as a property of that type would be ("3" becomes 3 for number). Updates are in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from atonix_iac.errors import Diagnostic, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.coercion import coerce_value
from atonix_iac.providers.heat._common import SHOW, BuiltinType, is_plain_data, new_physical_id

# HOT parameter type -> the property type Heat gives ``value`` (heat/.../heat/value.py).
VALUE_TYPES: Final[Mapping[str, str]] = {
    "string": "String",
    "number": "Number",
    "comma_delimited_list": "List",
    "json": "Map",
    "boolean": "Boolean",
}


def typed_value(value: Any, value_type: str | None) -> Any:
    """value as the ``value`` attribute carries it; ValueError if it is not of value_type."""
    property_type = VALUE_TYPES.get(value_type) if value_type is not None else None
    if property_type is None:
        return value
    try:
        return coerce_value(property_type, value)
    except ValueError as err:
        raise ValueError(f"`value` {err} (type: {value_type})") from None


class ValueResource(BuiltinType):
    type_name = "OS::Heat::Value"
    runs_inline: ClassVar[bool] = True

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {"value": typed_value(properties.get("value"), properties.get("type")), SHOW: {}}

    def _result(self, physical_id: str, properties: Mapping[str, Any]) -> ResourceResult:
        try:
            return ResourceResult(physical_id, self.attributes_for(properties))
        except ValueError as err:
            raise ResourceFailedError(str(err)) from None

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        return self._result(new_physical_id(), properties)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        return self._result(physical_id, new)

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        value, value_type = properties.get("value"), properties.get("type")
        if not (is_plain_data(value) and isinstance(value_type, str)):
            return []
        try:
            typed_value(value, value_type)
        except ValueError as err:
            return [Diagnostic(str(err))]
        return []
