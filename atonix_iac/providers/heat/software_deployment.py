"""OS::Heat::SoftwareDeployment and StructuredDeployment: a config applied to a server.

For each triggering action (``actions``, default CREATE and UPDATE) Heat derives a config
from the source config: the inputs with their values (``input_values``, declared defaults,
undeclared values appended) followed by the ``deploy_*`` inputs (server id, action, stack id,
resource name, signal transport), the source's options and outputs, and the config itself (a
StructuredDeployment first substitutes ``{get_input: name}`` with the inputs' values). The
deployment record points at that derived config.

``signal_transport: NO_SIGNAL`` completes at once, with Heat's status reason "Not waiting for
outputs signal" and no output values (deploy_stdout, deploy_stderr, deploy_status_code are
None). The signalled transports wait for the server to report: they are refused at plan time
until a signal can be received (``SIGNALLED`` names them; ``signal_inputs`` is the seam).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from atonix_iac.errors import Diagnostic, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, BuiltinType, is_plain_data, new_physical_id
from atonix_iac.providers.heat.software_config import (
    INPUT_DEFAULTS,
    UNGROUPED,
    config_record,
    io_as_dict,
    physical_resource_name,
)

NO_SIGNAL: Final = "NO_SIGNAL"
SIGNALLED: Final = ("CFN_SIGNAL", "TEMP_URL_SIGNAL", "HEAT_SIGNAL", "ZAQAR_SIGNAL")
OUTPUT_ATTRIBUTES: Final = ("deploy_stdout", "deploy_stderr", "deploy_status_code")


def stack_id(identity: ResourceIdentity) -> str:
    """Heat's stack_path (``<name>/<id>``); the id is stable for the stack's key."""
    key = f"{identity.workspace}/{identity.environment}/{identity.stack}"
    return f"{identity.stack}/{uuid.uuid5(uuid.NAMESPACE_URL, 'atonix:' + key)}"


def input_config(declared: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """swc_io.InputConfig(value=..., **declared).as_dict()."""
    return io_as_dict({**declared, "value": value}, INPUT_DEFAULTS)


def signal_inputs(transport: str) -> list[dict[str, Any]]:
    """The inputs that tell the server how to signal back (deploy_signal_id, verb, ...); none
    for NO_SIGNAL, the one transport that needs no receiver."""
    return []


def derived_inputs(
    identity: ResourceIdentity, props: Mapping[str, Any], source: Mapping[str, Any], action: str
) -> list[dict[str, Any]]:
    """_build_derived_inputs: declared inputs, then undeclared values, then deploy_*."""
    values = dict(props.get("input_values") or {})
    inputs = []
    for declared in source.get("inputs") or []:
        name = declared.get("name")
        value = values.pop(name) if name in values else declared.get("default")
        inputs.append(input_config(declared, value))
    inputs += [input_config({"name": k}, v) for k, v in values.items()]
    transport = props.get("signal_transport")
    inputs += [
        input_config(
            {"name": "deploy_server_id", "description": "ID of the server being deployed to"},
            props.get("server"),
        ),
        input_config(
            {"name": "deploy_action", "description": "Name of the current action being deployed"},
            action,
        ),
        input_config(
            {
                "name": "deploy_stack_id",
                "description": "ID of the stack this deployment belongs to",
            },
            stack_id(identity),
        ),
        input_config(
            {
                "name": "deploy_resource_name",
                "description": "Name of this deployment resource in the stack",
            },
            identity.address,
        ),
        input_config(
            {
                "name": "deploy_signal_transport",
                "description": "How the server should signal to heat with the deployment"
                " output values.",
            },
            transport,
        ),
    ]
    return inputs + signal_inputs(str(transport))


def substitute_inputs(
    snippet: Any, inputs: Mapping[str, Any], input_key: str, strict: bool = False
) -> Any:
    """StructuredDeployment.parse: ``{input_key: name}`` becomes the input's value."""
    if isinstance(snippet, Mapping):
        if len(snippet) == 1:
            fn_name, fn_arg = next(iter(snippet.items()))
            if fn_name == input_key and isinstance(fn_arg, str):
                if strict and fn_arg not in inputs:
                    raise ResourceFailedError(f"The Parameter ({fn_arg}) was not provided.")
                return inputs.get(fn_arg)
        return {k: substitute_inputs(v, inputs, input_key, strict) for k, v in snippet.items()}
    if isinstance(snippet, list | tuple):
        return [substitute_inputs(v, inputs, input_key, strict) for v in snippet]
    return snippet


class SoftwareDeploymentResource(BuiltinType):
    type_name: ClassVar[str] = "OS::Heat::SoftwareDeployment"

    def empty_config(self) -> Any:
        return ""

    def derived_config_value(
        self, props: Mapping[str, Any], source: Mapping[str, Any], inputs: list[dict[str, Any]]
    ) -> Any:
        return source.get("config")

    def source_config(self, identity: ResourceIdentity, config_id: Any) -> dict[str, Any]:
        if not config_id:
            return {}
        lookup = identity.software_configs
        record = lookup(str(config_id)) if lookup is not None else None
        if record is None:
            raise ResourceFailedError(f"Software config {config_id} not found")
        return dict(record)

    def triggers(self, props: Mapping[str, Any], source: Mapping[str, Any], action: str) -> bool:
        """Heat's _handle_action gate: a ``component`` config's own actions, else ``actions``."""
        if source.get("group") == "component" and isinstance(source.get("config"), Mapping):
            valid = {a for c in source["config"].get("configs") or [] for a in c.get("actions")}
            return action in valid
        return action in (props.get("actions") or [])

    def deploy(
        self, identity: ResourceIdentity, physical_id: str, props: Mapping[str, Any], action: str
    ) -> dict[str, Any] | None:
        """The attributes after running ``action``, or None when the action does not trigger."""
        source = self.source_config(identity, props.get("config"))
        if not self.triggers(props, source, action):
            return None
        inputs = derived_inputs(identity, props, source, action)
        derived = config_record(
            new_physical_id(),
            props.get("name") or source.get("name") or physical_resource_name(identity),
            source.get("group") or UNGROUPED,
            self.derived_config_value(props, source, inputs) or self.empty_config(),
            source.get("options"),
            inputs,
            source.get("outputs"),
        )
        now = derived["creation_time"]
        record = {
            "id": physical_id,
            "server_id": props.get("server"),
            "config_id": derived["id"],
            "input_values": props.get("input_values"),
            "output_values": None,
            "action": action,
            "status": "COMPLETE",
            "status_reason": "Not waiting for outputs signal",
            "creation_time": now,
            "updated_time": None if action == "CREATE" else now,
        }
        return {**dict.fromkeys(OUTPUT_ATTRIBUTES), SHOW: record, "derived_config": derived}

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {}  # output values and the derived config live in state

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        props = self.with_defaults(properties)
        refused = self.check(props)
        if refused:
            raise ResourceFailedError(refused[0].message)
        physical_id = new_physical_id()
        attributes = self.deploy(identity, physical_id, props, "CREATE")
        return ResourceResult(physical_id, attributes or {**dict.fromkeys(OUTPUT_ATTRIBUTES)})

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        attributes = self.deploy(identity, physical_id, self.with_defaults(new), "UPDATE")
        return ResourceResult(physical_id, attributes or {})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        # A DELETE action deploys and (NO_SIGNAL) completes at once; a config already gone
        # cannot fail a delete (Heat ignores NotFound here).
        try:
            self.deploy(identity, physical_id, self.with_defaults(properties), "DELETE")
        except ResourceFailedError:
            return None

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        transport = properties.get("signal_transport", "CFN_SIGNAL")
        if is_plain_data(transport) and transport in SIGNALLED:
            return [
                Diagnostic(
                    f"signal_transport {transport} waits for the server to signal its"
                    " outputs, and this engine cannot receive deployment signals yet"
                    " (set `signal_transport: NO_SIGNAL` to complete at once)"
                )
            ]
        return []


class StructuredDeploymentResource(SoftwareDeploymentResource):
    type_name = "OS::Heat::StructuredDeployment"

    def empty_config(self) -> Any:
        return {}

    def derived_config_value(
        self, props: Mapping[str, Any], source: Mapping[str, Any], inputs: list[dict[str, Any]]
    ) -> Any:
        values = {i["name"]: i.get("value") for i in inputs}
        return substitute_inputs(
            source.get("config"),
            values,
            str(props.get("input_key") or "get_input"),
            strict=props.get("input_values_validate") == "STRICT",
        )
