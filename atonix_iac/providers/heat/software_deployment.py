"""OS::Heat::SoftwareDeployment and StructuredDeployment: a config applied to a server.

For each triggering action (``actions``, default CREATE and UPDATE) Heat derives a config
from the source config: the inputs with their values (``input_values``, declared defaults,
undeclared values appended) followed by the ``deploy_*`` inputs (server id, action, stack id,
resource name, signal transport), the source's options and outputs, and the config itself (a
StructuredDeployment first substitutes ``{get_input: name}`` with the inputs' values). The
deployment record points at that derived config.

``signal_transport: NO_SIGNAL`` completes at once, with Heat's status reason "Not waiting for
outputs signal" and no output values (deploy_stdout, deploy_stderr, deploy_status_code are
None). The signalled transports wait for the server's signal with the output values
(``deployment_signals``), which arrives through the run's signal channel.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar, Final

from atonix_iac.errors import Diagnostic, ResourceFailedError
from atonix_iac.providers.base import AttributeSchema, ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, BuiltinType, is_plain_data, new_physical_id
from atonix_iac.providers.heat.deployment_signals import (
    DEFAULT_TIMEOUT_S,
    OUTPUT_ATTRIBUTES,
    SIGNATURE,
    Clock,
    Sleep,
    channel_of,
    completed,
    outcome,
    signal_inputs,
    wait_for_outputs,
)
from atonix_iac.providers.heat.software_config import (
    INPUT_DEFAULTS,
    UNGROUPED,
    component_configs,
    config_record,
    io_as_dict,
    physical_resource_name,
)

NO_SIGNAL: Final = "NO_SIGNAL"
SIGNALLED: Final = ("CFN_SIGNAL", "TEMP_URL_SIGNAL", "HEAT_SIGNAL", "ZAQAR_SIGNAL")


def stack_id(identity: ResourceIdentity) -> str:
    """Heat's stack_path (``<name>/<id>``); the id is stable for the stack's key."""
    key = f"{identity.workspace}/{identity.environment}/{identity.stack}"
    return f"{identity.stack}/{uuid.uuid5(uuid.NAMESPACE_URL, 'atonix:' + key)}"


def input_config(declared: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """swc_io.InputConfig(value=..., **declared).as_dict()."""
    return io_as_dict({**declared, "value": value}, INPUT_DEFAULTS)


def derived_inputs(
    identity: ResourceIdentity,
    props: Mapping[str, Any],
    source: Mapping[str, Any],
    action: str,
    endpoint: str = "",
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
    return inputs + signal_inputs(str(transport), endpoint)


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
    uses_signals: ClassVar[bool] = True
    recoverable: ClassVar[bool] = True  # its id is in state while it waits for its signal
    takes_signals: ClassVar[bool] = True

    def __init__(
        self,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        super().__init__()
        # Kept secret (sealed in state, masked in output): the derived config holds the
        # signed signal URL, and ``signal_signature`` is what a signal to it must carry.
        hidden = {
            name: AttributeSchema(name, "Map", sensitive=True, support_status="HIDDEN")
            for name in ("derived_config", SIGNATURE)
        }
        self.schema = replace(self.schema, attributes={**self.schema.attributes, **hidden})
        self._sleep = sleep
        self._clock = clock
        self._timeout_s = timeout_s

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
            configs = component_configs(source["config"].get("configs"))
            valid = {a for c in configs for a in c["actions"]}
            return action in valid
        return action in (props.get("actions") or [])

    def deploy(
        self, identity: ResourceIdentity, physical_id: str, props: Mapping[str, Any], action: str
    ) -> dict[str, Any] | None:
        """The attributes after running ``action``, or None when the action does not trigger."""
        source = self.source_config(identity, props.get("config"))
        if not self.triggers(props, source, action):
            return None
        signalled = props.get("signal_transport") in SIGNALLED
        endpoint, signature = "", ""
        if signalled:
            signature = _token(24)
            endpoint = channel_of(identity, self.type_name).endpoint(identity.address)
            endpoint += f"?Signature={signature}"
        inputs = derived_inputs(identity, props, source, action, endpoint)
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
            "status": "IN_PROGRESS" if signalled else "COMPLETE",
            "status_reason": "Deploy data available"
            if signalled
            else "Not waiting for outputs signal",
            "creation_time": now,
            "updated_time": None if action == "CREATE" else now,
        }
        attributes = {**dict.fromkeys(OUTPUT_ATTRIBUTES), SHOW: record, "derived_config": derived}
        if signature:
            attributes[SIGNATURE] = signature
        return attributes

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {}  # output values and the derived config live in state

    def outputs_signalled(
        self, identity: ResourceIdentity, physical_id: str, attributes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Wait for the signal, then the attributes Heat gives: its output values."""
        channel = channel_of(identity, self.type_name)
        details = wait_for_outputs(
            channel, physical_id, timeout_s=self._timeout_s, sleep=self._sleep, clock=self._clock
        )
        derived = attributes.get("derived_config") or {}
        values, failure = outcome(details, list(derived.get("outputs") or []))
        record = completed(attributes.get(SHOW) or {}, values, failure, physical_id)
        return {**attributes, **values, SHOW: record}

    def _signalled(self, props: Mapping[str, Any]) -> bool:
        return props.get("signal_transport") in SIGNALLED

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        """Make the deployment (its derived config); a signalled one is then waited for in
        ``finish_create``, its id already in state so that its signal can find it."""
        props = self.with_defaults(properties)
        refused = self.check(props)
        if refused:
            raise ResourceFailedError(refused[0].message)
        physical_id = new_physical_id()
        attributes = self.deploy(identity, physical_id, props, "CREATE")
        return ResourceResult(physical_id, attributes or {**dict.fromkeys(OUTPUT_ATTRIBUTES)})

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        props = self.with_defaults(properties)
        attributes = started.attributes
        if SHOW not in attributes and "deploy_stdout" not in attributes:
            attributes = self.deploy(identity, started.physical_id, props, "CREATE") or {}
        record = attributes.get(SHOW) or {}
        if self._signalled(props) and record.get("status") == "IN_PROGRESS":
            attributes = self.outputs_signalled(identity, started.physical_id, attributes)
        return ResourceResult(started.physical_id, dict(attributes))

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        return self.finish_create(identity, self.start_create(identity, properties), properties)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        props = self.with_defaults(new)
        if self._signalled(props):
            channel_of(identity, self.type_name).forget(physical_id)  # a new action's signal
        attributes = self.deploy(identity, physical_id, props, "UPDATE")
        if attributes is not None and self._signalled(props):
            attributes = self.outputs_signalled(identity, physical_id, attributes)
        return ResourceResult(physical_id, attributes or {})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        # A DELETE action deploys and completes at once (Heat waits for a signalled one; a
        # deleted server will not send it); a config already gone cannot fail a delete.
        if identity.signals is not None:
            identity.signals.forget(physical_id)
        try:
            self.deploy(identity, physical_id, self.with_defaults(properties), "DELETE")
        except ResourceFailedError:
            return None

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        transport = properties.get("signal_transport", "CFN_SIGNAL")
        if not self.takes_signals and is_plain_data(transport) and transport in SIGNALLED:
            return [
                Diagnostic(
                    f"signal_transport {transport} on {self.type_name} waits for each server"
                    " to signal, which this engine does not do for groups yet"
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


def _token(nbytes: int) -> str:
    """A URL-safe random token; ``secrets`` (hmac, hashlib: OpenSSL) is imported on first
    use, as a plan draws none."""
    import secrets

    return secrets.token_urlsafe(nbytes)
