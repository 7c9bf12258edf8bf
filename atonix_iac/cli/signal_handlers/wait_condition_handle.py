"""Signalling a wait condition handle: the signal goes to the state's inbox, where the wait
condition waiting on it (in a running apply, or the next one) reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atonix_iac.apply.signals import deliver_signal

if TYPE_CHECKING:
    from atonix_iac.state.model import ResourceState

    from ..session import Session


def signal(session: Session, resource: ResourceState, data: Any) -> str:
    sent = deliver_signal(session.store, session.key, resource, data, source="cli")
    what = f"status {sent.status}" + (f", id {sent.signal_id}" if sent.signal_id else "")
    return f"Signalled {resource.address} ({what})."
