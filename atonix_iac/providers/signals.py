"""Signals to a resource (Heat's resource-signal): the shape of one, and the channel through
which a waiting resource reads them and a handle learns where they are to be sent.

Apply implements ``SignalChannel`` (over the state's signal inbox and the run's receiver) and
hands it to types through ``ResourceIdentity.signals``; providers never touch state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

STATUS_SUCCESS: Final = "SUCCESS"
STATUS_FAILURE: Final = "FAILURE"
STATUSES: Final = (STATUS_SUCCESS, STATUS_FAILURE)


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal as received; None = the sender left it out (Heat fills in defaults)."""

    status: str
    signal_id: str | None = None
    reason: str | None = None
    data: Any = None


class SignalChannel(Protocol):
    """What a run offers the types that send or receive signals."""

    def endpoint(self, address: str) -> str:
        """The URL (Heat's resource-signal route) to which signals for ``address`` go."""
        ...

    def is_handle(self, handle_id: str) -> bool:
        """Whether ``handle_id`` is the reference of a wait condition handle of the stack."""
        ...

    def received(self, handle_id: str) -> Sequence[Signal]:
        """Every signal the handle with physical id ``handle_id`` received, oldest first."""
        ...

    def forget(self, handle_id: str) -> None:
        """Drop the handle's signals (Heat clears them when its wait condition is deleted)."""
        ...
