"""OS::Heat::SoftwareConfig, StructuredConfig, CloudConfig and MultipartMime.

Heat stores each config, immutable, in its software config store and gives the resource the
config's id; any change makes a new config (the catalog marks these types as having no
handle_update, so every change replaces). Here the record Heat's API would show (id, name,
group, config, options, inputs, outputs, creation_time) is the resource's ``show`` attribute,
and apply finds it by id in state, as Heat finds it in its database: a server's
SOFTWARE_CONFIG user_data, a deployment's config or a MultipartMime part naming the id gets
the config's content.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Final

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, BuiltinType, is_plain_data, new_physical_id
from atonix_iac.providers.heat.cloud_config_yaml import cloud_config_text
from atonix_iac.providers.mime import (
    Part,
    is_uuid_like,
    multipart,
    split_multipart,
    subtype_from_filename,
)

UNGROUPED: Final = "Heat::Ungrouped"
CONFIG_TYPES: Final = (
    "OS::Heat::SoftwareConfig",
    "OS::Heat::StructuredConfig",
    "OS::Heat::CloudConfig",
    "OS::Heat::MultipartMime",
    "OS::Heat::SoftwareComponent",
)


def short_id() -> str:
    """Heat's short_id: 12 lower-case base32 characters."""
    import secrets  # here: ids are drawn only when a resource is created

    alphabet = string.ascii_lowercase + "234567"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def physical_resource_name(identity: ResourceIdentity) -> str:
    return f"{identity.stack}-{identity.address}-{short_id()}"


# software_config_io's schemas: keys in order, with their defaults.
INPUT_DEFAULTS: Final[Mapping[str, Any]] = {
    "name": None,
    "description": None,
    "type": "String",
    "default": None,
    "replace_on_change": False,
}
OUTPUT_DEFAULTS: Final[Mapping[str, Any]] = {
    "name": None,
    "description": None,
    "type": "String",
    "error_output": False,
}


def io_as_dict(given: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """InputConfig/OutputConfig(**given).as_dict(): schema order, defaults filled, None
    dropped, replace_on_change kept only when true, an input's value last."""
    out = {k: given.get(k) if given.get(k) is not None else d for k, d in defaults.items()}
    out = {k: v for k, v in out.items() if v is not None}
    if out.get("replace_on_change") is False:
        del out["replace_on_change"]
    if "value" in given:
        out["value"] = given["value"]
    return out


def config_record(
    config_id: str,
    name: str,
    group: str | None,
    config: Any,
    options: Any = None,
    inputs: Any = None,
    outputs: Any = None,
) -> dict[str, Any]:
    """A software config as Heat's API formats it (heat/engine/api.py format_software_config)."""
    return {
        "id": config_id,
        "name": name,
        "group": group or UNGROUPED,
        "config": config,
        "inputs": [io_as_dict(i, INPUT_DEFAULTS) for i in inputs or []],
        "outputs": [io_as_dict(o, OUTPUT_DEFAULTS) for o in outputs or []],
        "options": options,
        "creation_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class SoftwareConfigResource(BuiltinType):
    """A config: create stores the record; read gives it back from state (nothing to read)."""

    type_name: ClassVar[str] = "OS::Heat::SoftwareConfig"

    def config_value(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> Any:
        return props.get("config")

    def record(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        return config_record(
            new_physical_id(),
            physical_resource_name(identity),
            props.get("group"),
            self.config_value(identity, props),
            props.get("options"),
            props.get("inputs"),
            props.get("outputs"),
        )

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {}  # the record cannot be derived again: state keeps the one made

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        record = self.record(identity, self.with_defaults(properties))
        return ResourceResult(record["id"], {"config": record["config"], SHOW: record})

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise ProviderError(f"{self.type_name} is immutable; a change replaces it")


class StructuredConfigResource(SoftwareConfigResource):
    """Like SoftwareConfig, with ``config`` a map (kept as parsed JSON, as Heat keeps it)."""

    type_name = "OS::Heat::StructuredConfig"


class CloudConfigResource(SoftwareConfigResource):
    """``#cloud-config`` followed by the ``cloud_config`` map as YAML, group Heat::Ungrouped."""

    type_name = "OS::Heat::CloudConfig"

    def record(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        text = "#cloud-config\n" + cloud_config_text(props.get("cloud_config"))
        return config_record(new_physical_id(), physical_resource_name(identity), UNGROUPED, text)


class MultipartMimeResource(SoftwareConfigResource):
    """A multipart/mixed message of its parts, in order. A part's ``config`` that is the id of
    another config is that config's content; a part of type ``multipart`` contributes each of
    its own parts (Heat's multi_part.py)."""

    type_name = "OS::Heat::MultipartMime"

    def config_value(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> Any:
        return message_for(props.get("parts") or [], identity)

    def record(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        return config_record(
            new_physical_id(),
            physical_resource_name(identity),
            props.get("group"),
            self.config_value(identity, props),
        )


def part_content(config: Any, identity: ResourceIdentity) -> str:
    """A part's text: the referenced config's content when ``config`` is a known config id."""
    text = "" if config is None else str(config)
    if is_uuid_like(text) and identity.software_configs is not None:
        record = identity.software_configs(text)
        if record is not None:
            found = record.get("config")
            return found if isinstance(found, str) else ("" if found is None else str(found))
    return text


def message_for(parts: list[Mapping[str, Any]], identity: ResourceIdentity) -> str:
    assembled: list[Part] = []
    for item in parts:
        content = part_content(item.get("config"), identity)
        if (item.get("type") or "text") == "multipart":
            assembled.extend(split_multipart(content) or [])
            continue
        filename = str(item.get("filename") or "")
        subtype = subtype_from_filename(str(item.get("subtype") or ""), filename)
        assembled.append(Part(content, subtype, filename))
    return multipart(assembled)


DEFAULT_COMPONENT_ACTIONS: Final = ("CREATE", "UPDATE")


def component_configs(configs: Any) -> list[dict[str, Any]]:
    """Each entry with its ``actions`` (Heat's default CREATE, UPDATE when absent)."""
    return [
        {**entry, "actions": list(entry.get("actions") or DEFAULT_COMPONENT_ACTIONS)}
        for entry in configs or []
        if isinstance(entry, Mapping)
    ]


class SoftwareComponentResource(SoftwareConfigResource):
    """OS::Heat::SoftwareComponent: a config per lifecycle action, stored as Heat stores it
    (``config: {configs: [...]}``, group ``component``); a deployment of it runs the entry
    whose ``actions`` name the deployment's action."""

    type_name = "OS::Heat::SoftwareComponent"

    def record(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        return config_record(
            new_physical_id(),
            physical_resource_name(identity),
            "component",
            {"configs": component_configs(props.get("configs"))},
            props.get("options"),
            props.get("inputs"),
            props.get("outputs"),
        )

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        record = self.record(identity, self.with_defaults(properties))
        return ResourceResult(record["id"], {"configs": record["config"]["configs"], SHOW: record})

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        configs = properties.get("configs")
        if not is_plain_data(configs):
            return []
        seen: set[str] = set()
        for entry in component_configs(configs):
            actions = {str(a) for a in entry["actions"]}
            if actions & seen:
                return [
                    Diagnostic(
                        "Defining more than one configuration for the same action in"
                        " SoftwareComponent is not allowed."
                    )
                ]
            seen |= actions
        return []
