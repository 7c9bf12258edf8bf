"""OS::Heat::WaitConditionHandle, OS::Heat::UpdateWaitConditionHandle and
OS::Heat::WaitCondition (with their AWS::CloudFormation twins): a stack waits for signals.

A handle gets an identity and a token; servers signal it (``curl_cli`` in their user_data,
or ``atonix signal``) through the run's signal channel. A wait condition waits, up to its
``timeout``, until ``count`` SUCCESS signals have arrived at its handle; a FAILURE signal
fails it with the signal's reason, as Heat's ``HeatWaitCondition._wait`` does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, ClassVar, Final

from atonix_iac.errors import (
    Diagnostic,
    ProviderConfigError,
    ProviderError,
    ProviderTimeoutError,
    ResourceFailedError,
)
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, BuiltinType, new_physical_id
from atonix_iac.providers.heat.signal_format import merge_signals
from atonix_iac.providers.signals import STATUS_FAILURE, STATUS_SUCCESS, Signal, SignalChannel

TOKEN_SIGNAL: Final = "TOKEN_SIGNAL"
POLL_INTERVAL_S: Final = 0.25
Sleep = Callable[[float], None]
Clock = Callable[[], float]


def channel_of(identity: ResourceIdentity, type_name: str) -> SignalChannel:
    if identity.signals is None:
        raise ProviderConfigError(f"{type_name} needs a run's signal channel (apply opens one)")
    return identity.signals


def curl_cli(endpoint: str, token: str) -> str:
    """Heat's ``curl_cli``: append ``--data-binary '{"status": "SUCCESS"}'`` to signal."""
    return (
        f"curl -i -X POST -H 'X-Auth-Token: {token}' -H 'Content-Type: application/json'"
        f" -H 'Accept: application/json' {endpoint}"
    )


class WaitConditionHandle(BuiltinType):
    """Heat's TOKEN_SIGNAL handle: ``endpoint`` is Heat's resource-signal URL for it and
    ``token`` the credential to post with (both in ``curl_cli`` and ``signal``)."""

    type_name = "OS::Heat::WaitConditionHandle"
    uses_signals: ClassVar[bool] = True

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        transport = self.with_defaults(properties).get("signal_transport") or TOKEN_SIGNAL
        if transport != TOKEN_SIGNAL:
            raise ResourceFailedError(_transport_message(transport))
        endpoint = channel_of(identity, self.type_name).endpoint(identity.address)
        token = _token(32)
        attributes = {
            "endpoint": endpoint,
            "token": token,
            "curl_cli": curl_cli(endpoint, token),
            "signal": json.dumps({"alarm_url": endpoint, "token": token}),
            SHOW: {},
        }
        return ResourceResult(new_physical_id(), attributes)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise ProviderError(f"{self.type_name} cannot be updated in place; a change replaces it")

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        transport = properties.get("signal_transport")
        if isinstance(transport, str) and transport != TOKEN_SIGNAL:
            return [Diagnostic(_transport_message(transport))]
        return []


def _transport_message(transport: str) -> str:
    return (
        f"signal_transport {transport} is not supported; atonix handles signal by"
        f" {TOKEN_SIGNAL} (the default)"
    )


class CfnWaitConditionHandle(BuiltinType):
    """AWS::CloudFormation::WaitConditionHandle: its reference (physical id) is the URL to
    post ``{"Status", "Reason", "Data", "UniqueId"}`` to, a capability as Heat's pre-signed
    URL is (the ``Signature`` in it is the credential)."""

    type_name = "AWS::CloudFormation::WaitConditionHandle"
    uses_signals: ClassVar[bool] = True

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        endpoint = channel_of(identity, self.type_name).endpoint(identity.address)
        return ResourceResult(f"{endpoint}?Signature={_token(24)}", {SHOW: {}})

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise ProviderError(f"{self.type_name} cannot be updated in place; a change replaces it")


class UpdateWaitConditionHandle(CfnWaitConditionHandle):
    """OS::Heat::UpdateWaitConditionHandle: the AWS handle, replaced (a new URL, no signals)
    whenever the stack is updated, so that senders must signal again after every update."""

    type_name = "OS::Heat::UpdateWaitConditionHandle"

    def __init__(self) -> None:
        super().__init__()
        self.schema = replace(self.schema, replaced_on_stack_update=True)


class WaitCondition(BuiltinType):
    """OS::Heat::WaitCondition: waits for ``count`` SUCCESS signals at ``handle``."""

    type_name = "OS::Heat::WaitCondition"
    uses_signals: ClassVar[bool] = True
    read_is_local: ClassVar[bool] = True
    names: ClassVar[tuple[str, str, str, str]] = ("handle", "timeout", "count", "data")

    def __init__(self, *, sleep: Sleep = time.sleep, clock: Clock = time.monotonic) -> None:
        super().__init__()
        self._sleep = sleep
        self._clock = clock

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {SHOW: {}}  # the data read at create time stays as state recorded it

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        return ResourceResult(new_physical_id(), self.wait(identity, properties))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        return ResourceResult(physical_id, self.wait(identity, new))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        handle = properties.get(self.names[0])
        if identity.signals is not None and isinstance(handle, str) and handle:
            identity.signals.forget(handle)

    def wait(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> dict[str, Any]:
        """Heat's ``_wait``, polled: the attributes once enough SUCCESS signals arrived."""
        handle_key, timeout_key, count_key, data_key = self.names
        values = self.with_defaults(properties)
        handle = str(values[handle_key])
        timeout = float(values[timeout_key])
        count = int(values.get(count_key) or 1)
        channel = channel_of(identity, self.type_name)
        if not channel.is_handle(handle):
            raise ResourceFailedError(f"{handle} is not a valid wait condition handle")
        deadline = self._clock() + timeout
        while True:
            signals = merge_signals(channel.received(handle))
            failures = _reasons(signals, STATUS_FAILURE)
            if failures:
                raise ResourceFailedError(f"wait condition failed: {';'.join(failures)}")
            if len(signals) >= count:
                data = {k: s.data for k, s in signals.items()}
                return {data_key: json.dumps(data), SHOW: {}}
            if self._clock() >= deadline:
                successes = _reasons(signals, STATUS_SUCCESS)
                received = f"{len(successes)} of {count} received"
                if successes:
                    received += f" - {';'.join(successes)}"
                raise ProviderTimeoutError(
                    f"wait condition timed out after {timeout:g}s: {received}"
                )
            self._sleep(POLL_INTERVAL_S)


def _reasons(signals: Mapping[str, Signal], status: str) -> list[str]:
    return [s.reason or "" for s in signals.values() if s.status == status]


class CfnWaitCondition(WaitCondition):
    """AWS::CloudFormation::WaitCondition: the same wait, with AWS property names."""

    type_name = "AWS::CloudFormation::WaitCondition"
    names: ClassVar[tuple[str, str, str, str]] = ("Handle", "Timeout", "Count", "Data")


def _token(nbytes: int) -> str:
    """A URL-safe random token; ``secrets`` (hmac, hashlib: OpenSSL) is imported on first
    use, as a plan draws none."""
    import secrets

    return secrets.token_urlsafe(nbytes)
