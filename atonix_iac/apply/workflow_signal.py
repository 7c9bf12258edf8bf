"""Signalling a Mistral workflow: start an execution, as Heat's Workflow.handle_signal does,
and record it in the resource's ``executions`` attribute (newest first), under the stack lock.

The signal's ``input`` and ``params`` override the template's (or the whole body is the input
when the workflow sets ``use_request_body_as_input``); the provider checks them as Heat does.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from atonix_iac.errors import UsageError
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import StackKey
from atonix_iac.state.store import StateStore

WORKFLOW_TYPES = ("OS::Mistral::Workflow",)


@runtime_checkable
class Executable(Protocol):
    def execute(
        self, physical_id: str, properties: Mapping[str, Any], details: Any
    ) -> dict[str, Any]: ...


def signal_workflow(
    store: StateStore,
    key: StackKey,
    registry: Registry,
    address: str,
    details: Any,
    *,
    lock_timeout_s: float = 0.0,
    already_locked: bool = False,
) -> dict[str, Any]:
    """The execution started; the stack's state records it (under the stack lock, taken
    here unless ``already_locked``)."""
    lock: AbstractContextManager[Any] = (
        nullcontext() if already_locked else store.lock(key, "signal", lock_timeout_s)
    )
    with lock:
        state = store.load(key)
        resource = state.resources.get(address)
        if resource is None or resource.type not in WORKFLOW_TYPES or not resource.physical_id:
            raise UsageError(f"`{address}` is not a created OS::Mistral::Workflow of this stack")
        impl = registry.implementation(resource.type)
        if not isinstance(impl, Executable):
            raise UsageError(f"no provider can run {resource.type} `{address}`")
        execution = impl.execute(resource.physical_id, resource.properties, details)
        earlier = list(resource.attributes.get("executions") or [])
        updated = replace(
            resource,
            attributes={**resource.attributes, "executions": [execution, *earlier]},
            updated_at=datetime.now(UTC),
        )
        store.put_resource(key, updated)
        return execution
