"""Who ran a provider call, and a timed wrapper that records every call in the audit log."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Protocol

from atonix_iac.errors import AtonixError
from atonix_iac.state.model import AuditRecord, ResourceState, StackKey


class AuditSink(Protocol):
    def record_audit(self, record: AuditRecord) -> None: ...


@cache
def current_user() -> str:
    """``user@host`` for audit records and lock holders."""
    import getpass  # with socket, only once a record or lock needs them (not a plain plan)
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


@dataclass
class CallOutcome:
    """Filled in by the caller inside ``audited`` once the physical id is known."""

    physical_id: str | None = None
    elapsed_s: float = 0.0
    # With ``audited(..., deferred=True)``: the record of a call that succeeded, for the
    # caller to commit in the same transaction as the call's result.
    record: AuditRecord | None = None


@contextmanager
def audited(
    sink: AuditSink,
    key: StackKey,
    address: str,
    type_name: str,
    action: str,
    physical_id: str | None,
    *,
    project: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    deferred: bool = False,
) -> Iterator[CallOutcome]:
    """Time the enclosed provider call and record it, ok or failed, before anything else.

    ``deferred``: a call that succeeds is not written here but left in ``outcome.record``,
    for the caller to commit with the call's result (one transaction per resource instead
    of two); a failed call is still written at once."""
    outcome = CallOutcome(physical_id)
    started_at = datetime.now(UTC)
    start = clock()
    result, message = "ok", None
    try:
        yield outcome
    except BaseException as err:
        result = "failed"
        message = (err.message if isinstance(err, AtonixError) else "") or type(err).__name__
        outcome.physical_id = outcome.physical_id or getattr(err, "physical_id", None)
        raise
    finally:
        outcome.elapsed_s = clock() - start
        record = AuditRecord(
            key=key,
            address=address,
            type=type_name,
            physical_id=outcome.physical_id,
            action=action,
            result=result,
            who=current_user(),
            started_at=started_at,
            duration_s=outcome.elapsed_s,
            message=message,
            project=project,
        )
        if deferred and result == "ok":
            outcome.record = record
        else:
            sink.record_audit(record)


def record_event(
    sink: AuditSink,
    key: StackKey,
    action: str,
    *,
    address: str = "",
    type_name: str = "",
    physical_id: str | None = None,
    message: str | None = None,
    project: str | None = None,
) -> None:
    """Record a state change that is not a provider call (``import``, ``forget``,
    ``state-rm``, ``state-mv``, ``state-push``, ``state-rollback``): it took no time, it
    happened, and the audit log says who did it."""
    sink.record_audit(
        AuditRecord(
            key=key,
            address=address,
            type=type_name,
            physical_id=physical_id,
            action=action,
            result="ok",
            who=current_user(),
            started_at=datetime.now(UTC),
            duration_s=0.0,
            message=message,
            project=project,
        )
    )


def record_forget(
    sink: AuditSink,
    key: StackKey,
    resource: ResourceState,
    forget_only: bool,
    project: str | None = None,
) -> None:
    """An apply dropped ``resource`` from state without deleting it (``forget``)."""
    if resource.deletion_policy == "Retain":
        why = "deletion_policy Retain: forgotten, the object stays"
    elif forget_only:
        why = "forgotten as planned; the object stays"
    else:
        why = "no physical id: nothing to delete"
    record_event(
        sink,
        key,
        "forget",
        address=resource.address + (f"#{resource.deposed}" if resource.deposed else ""),
        type_name=resource.type,
        physical_id=resource.physical_id,
        message=why,
        project=project,
    )
