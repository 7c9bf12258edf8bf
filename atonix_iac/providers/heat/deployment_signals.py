"""A signalled software deployment: the inputs that tell the server where to signal, the
signal's body as Heat takes it, and how the outputs it carries end the deployment.

The server POSTs (or PUTs) to ``deploy_signal_id``, the run's resource-signal URL signed with
a ``Signature`` only this deployment holds (CFN_SIGNAL, TEMP_URL_SIGNAL); or ``atonix signal
ADDRESS --data '{"deploy_status_code": 0, ...}'`` sends the output values. They arrive
through the run's signal channel, under the deployment's physical id. As Heat's
``signal_software_deployment``: a non-zero ``deploy_status_code``, or a value for an output
marked ``error_output``, fails the deployment; otherwise it completes with "Outputs
received", and every declared output and deploy_stdout/stderr/status_code become attributes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from atonix_iac.errors import ProviderConfigError, ProviderTimeoutError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.signals import STATUS_SUCCESS, Signal, SignalChannel

DEPLOYMENT_TYPES: Final = ("OS::Heat::SoftwareDeployment", "OS::Heat::StructuredDeployment")
OUTPUT_ATTRIBUTES: Final = ("deploy_stdout", "deploy_stderr", "deploy_status_code")
# Heat's verbs per transport; HEAT_SIGNAL and ZAQAR_SIGNAL authenticate with credentials
# Heat mints for a stack user (not made here): they are signalled with ``atonix signal``.
SIGNAL_VERBS: Final[Mapping[str, str]] = {"CFN_SIGNAL": "POST", "TEMP_URL_SIGNAL": "PUT"}
# The attribute holding the Signature a signal to deploy_signal_id must carry (secret).
SIGNATURE: Final = "signal_signature"
DEFAULT_TIMEOUT_S: Final = 3600.0  # Heat's default stack timeout (60 minutes)
POLL_INTERVAL_S: Final = 0.25

Sleep = Callable[[float], None]
Clock = Callable[[], float]


class DeploymentSignalError(ValueError):
    """A signal body Heat would not take for a deployment."""


def parse_deployment_signal(details: Any) -> Signal:
    """A deployment's signal is its output values: a JSON object (or nothing)."""
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        raise DeploymentSignalError(
            "a deployment's signal is a JSON object of output values (deploy_stdout,"
            f" deploy_stderr, deploy_status_code, ...); got {type(details).__name__}"
        )
    return Signal(status=STATUS_SUCCESS, data=dict(details))


def channel_of(identity: ResourceIdentity, type_name: str) -> SignalChannel:
    if identity.signals is None:
        raise ProviderConfigError(f"{type_name} needs a run's signal channel (apply opens one)")
    return identity.signals


def signal_inputs(transport: str, endpoint: str) -> list[dict[str, Any]]:
    """deploy_signal_id and deploy_signal_verb, for the transports that signal a URL."""
    verb = SIGNAL_VERBS.get(transport)
    if verb is None:
        return []
    return [
        {
            "name": "deploy_signal_id",
            "description": "ID of signal to use for signaling output values",
            "type": "String",
            "value": endpoint,
        },
        {
            "name": "deploy_signal_verb",
            "description": "HTTP verb to use for signaling output values",
            "type": "String",
            "value": verb,
        },
    ]


def outcome(
    details: Mapping[str, Any], outputs: list[Mapping[str, Any]]
) -> tuple[dict[str, Any], str | None]:
    """(output values, failure reason or None), as signal_software_deployment decides."""
    values: dict[str, Any] = {}
    reasons: dict[str, Any] = {}
    code = details.get("deploy_status_code")
    if code and str(code) != "0":
        reasons["deploy_status_code"] = f"Deployment exited with non-zero status code: {code}"
    for output in outputs:
        name = str(output.get("name"))
        if name in details:
            values[name] = details[name]
            if output.get("error_output", False):
                reasons[name] = details[name]
    for name in OUTPUT_ATTRIBUTES:
        values[name] = details.get(name)
    failure = ", ".join(f"{k} : {v}" for k, v in reasons.items()) if reasons else None
    return values, failure


def wait_for_outputs(
    channel: SignalChannel,
    deployment_id: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
) -> Mapping[str, Any]:
    """The first signal's output values; ProviderTimeoutError if none comes in time."""
    deadline = clock() + timeout_s
    while True:
        received = channel.received(deployment_id)
        if received:
            data = received[0].data
            return data if isinstance(data, Mapping) else {}
        if clock() >= deadline:
            raise ProviderTimeoutError(
                f"no signal with the deployment's outputs after {timeout_s:g}s"
                " (the server signals deploy_signal_id, or run `atonix signal`)"
            )
        sleep(POLL_INTERVAL_S)


def completed(
    record: Mapping[str, Any], values: Mapping[str, Any], failure: str | None, physical_id: str
) -> dict[str, Any]:
    """The deployment record after its signal; ResourceFailedError when it failed."""
    if failure is not None:
        raise ResourceFailedError(
            f"Deployment to server failed: {failure}", physical_id=physical_id
        )
    return {
        **record,
        "output_values": dict(values),
        "status": "COMPLETE",
        "status_reason": "Outputs received",
    }
