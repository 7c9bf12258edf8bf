"""Signals to wait condition handles: delivered into the state's inbox (by ``atonix signal``
and the run's HTTP receiver) and read back by the waiting wait condition.

Delivery takes no stack lock: the apply that waits for the signal holds it. The inbox is
append-only; which signals count, and under which ids, is decided when they are read
(``signal_format.merge_signals``), so two signals arriving at once cannot race for an id.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final, Protocol, runtime_checkable
from urllib.parse import quote

from atonix_iac.errors import UsageError
from atonix_iac.providers.heat.deployment_signals import (
    DEPLOYMENT_TYPES,
    DeploymentSignalError,
    parse_deployment_signal,
)
from atonix_iac.providers.heat.signal_format import HANDLE_FORMATS, SignalFormatError, parse_signal
from atonix_iac.providers.signals import Signal
from atonix_iac.state.model import ResourceState, SignalRecord, StackKey

# The base URL signals are sent to (a routable address when the cloud's servers must reach
# it, or the stack service); default: the run's own receiver.
SIGNAL_URL_ENV: Final = "ATONIX_SIGNAL_URL"
# host[:port] the run's receiver listens on (default 127.0.0.1, a free port).
SIGNAL_LISTEN_ENV: Final = "ATONIX_SIGNAL_LISTEN"
DEFAULT_PROJECT: Final = "atonix"
# The stack's current resources by address, as state has them now.
Resources = Callable[[], Mapping[str, ResourceState]]


@runtime_checkable
class SignalInbox(Protocol):
    """What signals need from the state store (``SqlStateStore`` has it)."""

    def add_signal(self, record: SignalRecord) -> None: ...

    def signals(self, key: StackKey, handle_id: str) -> Sequence[SignalRecord]: ...

    def forget_signals(self, key: StackKey, handle_id: str) -> None: ...


def is_handle(type_name: str) -> bool:
    """A type that takes signals: a wait condition handle, or a software deployment."""
    return type_name in HANDLE_FORMATS or type_name in DEPLOYMENT_TYPES


def _parse(type_name: str, details: Any) -> Signal:
    if type_name in DEPLOYMENT_TYPES:
        try:
            return parse_deployment_signal(details)
        except DeploymentSignalError as err:
            raise SignalFormatError(str(err)) from None
    return parse_signal(details, HANDLE_FORMATS[type_name])


def deliver_signal(
    inbox: SignalInbox, key: StackKey, handle: ResourceState, details: Any, *, source: str
) -> Signal:
    """Validate ``details`` (Heat's format for the handle's type) and append it to the inbox.
    UsageError naming the handle if the body is not one Heat would accept, or the handle was
    never created."""
    if not handle.physical_id:
        raise UsageError(f"{handle.address} has not been created yet; nothing to signal")
    try:
        signal = _parse(handle.type, details)
    except SignalFormatError as err:
        raise UsageError(f"bad signal to {handle.address}: {err}") from None
    inbox.add_signal(
        SignalRecord(
            key=key,
            address=handle.address,
            handle_id=handle.physical_id,
            status=signal.status,
            signal_id=signal.signal_id,
            reason=signal.reason,
            data=signal.data,
            source=source,
        )
    )
    return signal


def resources_path(project: str, key: StackKey, stack_id: str) -> str:
    """Heat's route to the stack's resources (each resource's signal route is below it)."""
    return f"/v1/{quote(project, safe='')}/stacks/{quote(key.stack, safe='')}/{stack_id}/resources/"


def signal_path(project: str, key: StackKey, stack_id: str, address: str) -> str:
    """Heat's resource-signal route for the resource at ``address``."""
    return f"{resources_path(project, key, stack_id)}{quote(address, safe='')}/signal"


class InboxChannel:
    """``providers.signals.SignalChannel`` over the state's inbox, for one run of one stack."""

    def __init__(
        self,
        inbox: SignalInbox,
        key: StackKey,
        *,
        base_url: str,
        project: str,
        stack_id: str,
        resources: Resources | None = None,
    ) -> None:
        self._inbox = inbox
        self._key = key
        self._resources = resources
        self.base_url = base_url.rstrip("/")
        self.project = project or DEFAULT_PROJECT
        self.stack_id = stack_id

    def endpoint(self, address: str) -> str:
        return self.base_url + signal_path(self.project, self._key, self.stack_id, address)

    def is_handle(self, handle_id: str) -> bool:
        """Whether a wait condition handle of this stack has the reference ``handle_id``."""
        if self._resources is None:
            return True
        return any(
            r.physical_id == handle_id and is_handle(r.type) and r.deposed is None
            for r in self._resources().values()
        )

    def received(self, handle_id: str) -> Sequence[Signal]:
        return [
            Signal(r.status, r.signal_id, r.reason, r.data)
            for r in self._inbox.signals(self._key, handle_id)
        ]

    def forget(self, handle_id: str) -> None:
        self._inbox.forget_signals(self._key, handle_id)


def configured_base_url() -> str | None:
    return os.environ.get(SIGNAL_URL_ENV) or None


def _listen_address() -> tuple[str, int] | None:
    """ATONIX_SIGNAL_LISTEN as (host, port); None when unset."""
    raw = os.environ.get(SIGNAL_LISTEN_ENV, "").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":") if ":" in raw else (raw, "", "0")
    try:
        return (host.strip("[]") or "127.0.0.1", int(port or 0))
    except ValueError:
        raise UsageError(
            f"{SIGNAL_LISTEN_ENV}={raw!r}: expected HOST[:PORT], e.g. 0.0.0.0:8004"
        ) from None


@contextmanager
def open_signal_channel(
    inbox: SignalInbox,
    key: StackKey,
    resources: Resources,
    *,
    project: str,
    stack_id: str,
    serve: bool = True,
) -> Iterator[InboxChannel]:
    """The run's channel; its receiver (if one is needed) listens until the block ends.

    ``ATONIX_SIGNAL_URL`` names where endpoints point (the stack service, a routable address);
    without it the run serves them itself, on ``ATONIX_SIGNAL_LISTEN`` (default 127.0.0.1 and
    a free port). With both set, the run listens there and hands out the named URL.
    ``serve`` False: no receiver whatever the settings (the run hands out no endpoint)."""
    from atonix_iac.apply.signal_receiver import DEFAULT_HOST, SignalReceiver

    base_url = configured_base_url()
    listen = _listen_address()
    receiver = None
    if serve and (listen is not None or base_url is None):
        host, port = listen or (DEFAULT_HOST, 0)
        try:
            receiver = SignalReceiver(
                inbox,
                key,
                lambda address: resources().get(address),
                project=project or DEFAULT_PROJECT,
                stack_id=stack_id,
                host=host,
                port=port,
            )
        except OSError as err:
            raise UsageError(
                f"cannot listen for signals on {host}:{port} ({err.strerror or err}); set"
                f" {SIGNAL_LISTEN_ENV} to a free HOST:PORT"
            ) from None
        base_url = base_url or receiver.url
    try:
        yield InboxChannel(
            inbox,
            key,
            base_url=base_url or "",
            project=project,
            stack_id=stack_id,
            resources=resources,
        )
    finally:
        if receiver is not None:
            receiver.close()
