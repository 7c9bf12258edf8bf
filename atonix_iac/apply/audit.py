"""Who ran a provider call, and a timed wrapper that records every call in the audit log."""

from __future__ import annotations

import getpass
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Protocol

from atonix_iac.errors import AtonixError
from atonix_iac.state.model import AuditRecord, StackKey


class AuditSink(Protocol):
    def record_audit(self, record: AuditRecord) -> None: ...


@cache
def current_user() -> str:
    """``user@host`` for audit records and lock holders."""
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
) -> Iterator[CallOutcome]:
    """Time the enclosed provider call and record it, ok or failed, before anything else."""
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
        sink.record_audit(
            AuditRecord(
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
        )
