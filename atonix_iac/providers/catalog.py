"""Heat's schemas for every resource type Heat ships (201), so any type can be checked at
validate time whether or not a provider implements it yet.

The facts come from ``schema_data/heat_schemas.json`` (generated from Heat by
``tools/generate_heat_schemas.py``). Loading is lazy and cached: the JSON is parsed on first use
(a few milliseconds) and each ``ResourceSchema`` is built when first asked for.

Heat marks no property as secret, so which values are sensitive is our curation, kept here:
``SENSITIVE_PROPERTY_NAMES`` (matched at any nesting depth, in every type) and
``SENSITIVE_ATTRIBUTES`` (per type).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from atonix_iac.providers import schema_data
from atonix_iac.providers.base import AttributeSchema, PropertySchema, ResourceSchema

DATA_FILE: Final = "heat_schemas.json"

# Property names whose values are secrets wherever they appear.
SENSITIVE_PROPERTY_NAMES: Final = frozenset(
    {
        "admin_pass",  # OS::Nova::Server
        "admin_password",
        "pass_phrase",  # OS::Barbican::Order
        "password",  # OS::Keystone::User, OS::Manila::SecurityService
        "payload",  # OS::Barbican::Secret
        "private_key",
        "psk",  # OS::Neutron::IPsecSiteConnection
        "secret",
        # Boot scripts routinely carry secrets (and are echoed back, base64, by the cloud).
        "user_data",  # OS::Nova::Server
        "UserData",  # AWS::EC2::Instance, AWS::AutoScaling::LaunchConfiguration
    }
)

# Attributes whose values are secrets, per type.
SENSITIVE_ATTRIBUTES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "AWS::IAM::AccessKey": frozenset({"SecretAccessKey"}),
        "OS::Barbican::Order": frozenset({"private_key"}),
        "OS::Barbican::Secret": frozenset({"decrypted_payload"}),
        # The handle's curl_cli and signal endpoints embed the token or a pre-signed URL.
        "OS::Heat::RandomString": frozenset({"value"}),
        "OS::Heat::SwiftSignalHandle": frozenset({"curl_cli", "endpoint", "token"}),
        "OS::Heat::WaitConditionHandle": frozenset({"curl_cli", "signal", "token"}),
        "OS::Neutron::IPsecSiteConnection": frozenset({"psk"}),
        "OS::Nova::KeyPair": frozenset({"private_key"}),
    }
)

# Types that accept any property and resolve any attribute (to None), as Heat's NoneResource
# does: it exists to stub out any other type through the resource_registry.
OPEN_TYPES: Final = frozenset({"OS::Heat::None"})

# Types whose attributes are not a fixed list: deployments expose every output their config
# declares, groups expose `resource.N...`, stacks expose their outputs.
DYNAMIC_ATTRIBUTE_TYPES: Final = frozenset(
    {
        "OS::Heat::SoftwareDeployment",
        "OS::Heat::StructuredDeployment",
        "OS::Heat::SoftwareDeploymentGroup",
        "OS::Heat::StructuredDeploymentGroup",
        "OS::Heat::ResourceGroup",
        "OS::Heat::AutoScalingGroup",
        "OS::Heat::ResourceChain",
        "OS::Heat::Stack",
        "AWS::CloudFormation::Stack",
    }
)

# Heat's base Resource attribute, present on every type.
SHOW_ATTRIBUTE: Final = "show"

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


@functools.cache
def _raw_types() -> Mapping[str, Mapping[str, Any]]:
    text = schema_data.read_text(DATA_FILE)
    types: dict[str, Mapping[str, Any]] = json.loads(text)["types"]
    return types


@functools.cache
def known_types() -> frozenset[str]:
    """Every type name Heat ships."""
    return frozenset(_raw_types())


@functools.cache
def heat_schema(type_name: str) -> ResourceSchema | None:
    """Heat's schema for type_name (with our sensitivity curation), or None if Heat has no
    such type. Schemas are immutable and shared."""
    raw = _raw_types().get(type_name)
    if raw is None:
        return None
    return _resource_schema(type_name, raw)


def _resource_schema(type_name: str, raw: Mapping[str, Any]) -> ResourceSchema:
    secret_attributes = SENSITIVE_ATTRIBUTES.get(type_name, frozenset())
    attributes = {
        name: AttributeSchema(
            name=name,
            type=spec.get("type"),
            sensitive=name in secret_attributes,
            support_status=spec.get("support_status", "SUPPORTED"),
        )
        for name, spec in raw.get("attributes", _EMPTY).items()
    }
    attributes.setdefault(SHOW_ATTRIBUTE, AttributeSchema(SHOW_ATTRIBUTE, type="Map"))
    properties = {
        name: _property_schema(name, spec) for name, spec in raw.get("properties", _EMPTY).items()
    }
    # A hidden (retired) type has no schema left in Heat to check against.
    retired = raw.get("support_status") == "HIDDEN" and not properties
    is_open = type_name in OPEN_TYPES or retired
    return ResourceSchema(
        type_name=type_name,
        properties=MappingProxyType(properties),
        attributes=MappingProxyType(attributes),
        has_handle_update=raw.get("has_handle_update", True),
        open_properties=is_open,
        open_attributes=is_open or type_name in DYNAMIC_ATTRIBUTE_TYPES,
        support_status=raw.get("support_status", "SUPPORTED"),
    )


def _default(raw: Mapping[str, Any]) -> Any:
    """The default as a value of the property's type: Heat writes a few Boolean defaults as
    text ("False" for OS::Neutron::MeteringRule's ``excluded``, "true" for Aodh's ``enabled``)
    and converts them when it reads them; a plan must not see ``false -> "False"``."""
    default = raw.get("default")
    if raw.get("type") == "Boolean" and isinstance(default, str):
        return default.strip().lower() in ("true", "t", "yes", "y", "on", "1")
    return default


def _property_schema(name: str, raw: Mapping[str, Any]) -> PropertySchema:
    nested = raw.get("schema")
    item = raw.get("item_schema")
    return PropertySchema(
        name=name,
        type=raw.get("type", "String"),
        required=raw.get("required", False),
        update_allowed=raw.get("update_allowed", False),
        immutable=raw.get("immutable", False),
        default=_default(raw),
        has_default="default" in raw,
        sensitive=name in SENSITIVE_PROPERTY_NAMES,
        constraints=tuple(MappingProxyType(dict(c)) for c in raw.get("constraints", ())),
        schema=MappingProxyType(
            {key: _property_schema(key, sub) for key, sub in (nested or _EMPTY).items()}
        ),
        item_schema=_property_schema("*", item) if item is not None else None,
        support_status=raw.get("support_status", "SUPPORTED"),
    )
