"""Signalling a Mistral workflow starts an execution (``apply.workflow_signal``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atonix_iac.apply.workflow_signal import signal_workflow

if TYPE_CHECKING:
    from atonix_iac.state.model import ResourceState

    from ..session import Session


def signal(session: Session, resource: ResourceState, data: Any) -> str:
    run = signal_workflow(session.store, session.key, session.registry, resource.address, data)
    return f"Signalled {resource.address}: execution {run['id']} is {run['state']}."
