"""Heat's stack suspend and resume, resource by resource.

Heat suspends a stack's resources in reverse dependency order (dependents first) and resumes
them in dependency order; each resource's ``handle_suspend``/``handle_resume`` acts in the
cloud (a server: Nova's suspend and resume actions, awaited) or does nothing (most types).
Each step is an event (``SUSPEND_IN_PROGRESS`` then ``SUSPEND_COMPLETE`` or ``_FAILED``);
the first failure stops the run and fails the stack. Nothing else is written: a job run
again after its worker died does the same steps again (a step the dead run left in progress
counts as failed, as Heat resets it when its engine restarts, so it may be done again), and
the cloud calls are idempotent (a server already suspended is left as it is), so a kill
leaves nothing half-done.
"""

from __future__ import annotations

from dataclasses import replace

from atonix_iac.errors import AtonixError
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import ResourceState, State
from atonix_iac.state.records import ServiceRecords, StackRecord

# Heat's Resource.resume: the states a resource may be resumed from.
_RESUMABLE = {("SUSPEND", "COMPLETE"), ("RESUME", "FAILED"), ("RESUME", "COMPLETE")}


def suspend_or_resume(
    records: ServiceRecords,
    registry: Registry,
    record: StackRecord,
    state: State,
    base: ResourceIdentity,
    action: str,
) -> str | None:
    """Suspend (``action`` SUSPEND) or resume (RESUME) the stack's resources; the failure's
    reason (Heat's ``Resource SUSPEND failed: ...``), or None when all of them did."""
    latest: dict[str, tuple[str, str]] = {}
    for event in records.events(record.id):
        latest[event.resource_name] = (event.action, event.status)
    resources = dependency_order([r for r in state.resources.values() if r.deposed is None])
    if action == "SUSPEND":
        resources.reverse()
    for resource in resources:
        current = latest.get(resource.address, ("CREATE", "COMPLETE"))
        if current[1] == "IN_PROGRESS":  # a dead run's step (this run holds the lock)
            current = (current[0], "FAILED")  # as Heat resets it when its engine restarts
        invalid = _invalid(action, current)

        def step_event(status: str, reason: str, resource: ResourceState = resource) -> None:
            records.add_event(
                record.id,
                resource.address,
                resource.type,
                resource.physical_id,
                action,
                status,
                reason,
            )

        if invalid is not None:
            step_event("FAILED", invalid)
            return f"Resource {action} failed: {resource.address}: {invalid}"
        step_event("IN_PROGRESS", "state changed")
        implementation = registry.implementation(resource.type)
        try:
            if implementation is not None and resource.physical_id:
                identity = replace(base, address=resource.address)
                step = implementation.suspend if action == "SUSPEND" else implementation.resume
                step(identity, resource.physical_id, resource.properties)
        except AtonixError as err:
            step_event("FAILED", err.message)
            return f"Resource {action} failed: {resource.address}: {err.message}"
        step_event("COMPLETE", "state changed")
    return None


def _invalid(action: str, current: tuple[str, str]) -> str | None:
    """Heat's preconditions: a resource is suspended from a stable state (or after a failed
    suspend), resumed only once suspended (or after a resume)."""
    shown = f"('{current[0]}', '{current[1]}')"
    if action == "SUSPEND":
        if current[0] == "DELETE" or (current[0] != "SUSPEND" and current[1] != "COMPLETE"):
            return f"State {shown} invalid for suspend"
        return None
    if current not in _RESUMABLE:
        return f"State {shown} invalid for resume"
    return None


def dependency_order(resources: list[ResourceState]) -> list[ResourceState]:
    """Resources with every dependency before its dependents (ties by address)."""
    by_address = {r.address: r for r in resources}
    ordered: list[ResourceState] = []
    placed: set[str] = set()

    def place(address: str, trail: frozenset[str]) -> None:
        if address in placed or address in trail or address not in by_address:
            return
        resource = by_address[address]
        for dependency in sorted(resource.dependencies):
            place(dependency, trail | {address})
        placed.add(address)
        ordered.append(resource)

    for address in sorted(by_address):
        place(address, frozenset())
    return ordered
