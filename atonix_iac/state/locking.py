"""Stack locks that hold across processes and hosts, on SQLite and PostgreSQL alike.

A lock is a row in ``locks`` whose primary key is the stack key: the database's uniqueness check
is the mutual exclusion, committed before the holder goes on. A holder that dies leaves its row;
when it ran on this host and its pid is gone, the error says the lock is stale and how to break
it (``atonix state force-unlock LOCK_ID``). Nothing breaks a lock on its own: a pid can be
reused, and a wrong guess would let two runs write one stack.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atonix_iac.errors import StateError, StateLockedError
from atonix_iac.state.model import LockInfo, StackKey
from atonix_iac.state.schema import LockRow, utcnow

_FIRST_POLL_S = 0.05
_MAX_POLL_S = 0.5


@dataclass(frozen=True, slots=True)
class Holder:
    """Who this process is, as written into lock, version and audit rows."""

    user: str
    host: str
    pid: int

    @classmethod
    def current(cls) -> Holder:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            user = f"uid{os.getuid()}"
        return cls(user=user, host=socket.gethostname(), pid=os.getpid())

    def __str__(self) -> str:
        return f"{self.user}@{self.host} pid {self.pid}"


def acquire(
    read: Engine, write: Engine, key: StackKey, operation: str, timeout_s: float, me: Holder
) -> LockInfo:
    """Take the stack's lock, polling up to ``timeout_s``; StateLockedError if still held."""
    deadline = time.monotonic() + max(timeout_s, 0.0)
    pause = _FIRST_POLL_S
    while True:
        info = _try_insert(write, key, operation, me)
        if info is not None:
            return info
        holder = current_lock(read, key)
        if holder is None:
            continue  # released between our insert and our look: try again at once
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise StateLockedError(describe_held(holder, me))
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, _MAX_POLL_S)


def release(write: Engine, info: LockInfo) -> None:
    """Drop our lock row (only ours: a force-unlocked and retaken lock is someone else's)."""
    with Session(write) as session, session.begin():
        session.execute(
            delete(LockRow).where(*_key_filter(info.key), LockRow.lock_id == info.lock_id)
        )


def force_unlock(write: Engine, key: StackKey, lock_id: str) -> LockInfo:
    """Break the lock ``lock_id``; StateError if the stack is not locked by that id."""
    with Session(write) as session, session.begin():
        row = session.scalars(select(LockRow).where(*_key_filter(key))).one_or_none()
        if row is None:
            raise StateError(f"state of {key} is not locked")
        if row.lock_id != lock_id:
            raise StateError(
                f"state of {key} is locked with id {row.lock_id}, not {lock_id}; "
                "nothing was unlocked"
            )
        info = _info(key, row)
        session.delete(row)
    return info


def current_lock(read: Engine, key: StackKey) -> LockInfo | None:
    with Session(read) as session, session.begin():
        row = session.scalars(select(LockRow).where(*_key_filter(key))).one_or_none()
        return None if row is None else _info(key, row)


def describe_held(info: LockInfo, me: Holder) -> str:
    since = info.since.strftime("%Y-%m-%d %H:%M:%S UTC")
    head = f"state of {info.key} is locked by {info.who} ({info.operation}) since {since}"
    host, pid = _host_and_pid(info.who)
    if host == me.host and pid is not None and pid != me.pid and not _pid_alive(pid):
        return (
            f"{head}; that process is gone, so the lock is stale: "
            f"atonix state force-unlock {info.lock_id}"
        )
    return (
        f"{head}; retry with -lock-timeout=30s to wait for it, or, if that run is gone, "
        f"atonix state force-unlock {info.lock_id}"
    )


def _try_insert(write: Engine, key: StackKey, operation: str, me: Holder) -> LockInfo | None:
    row = LockRow(
        workspace=key.workspace,
        environment=key.environment,
        stack=key.stack,
        lock_id=str(uuid.uuid4()),
        who=str(me),
        host=me.host,
        pid=me.pid,
        operation=operation,
        since=utcnow().replace(microsecond=0),
    )
    info = _info(key, row)
    try:
        with Session(write) as session, session.begin():
            session.add(row)
    except IntegrityError:
        return None
    return info


def _info(key: StackKey, row: LockRow) -> LockInfo:
    return LockInfo(
        key=key, lock_id=row.lock_id, who=row.who, operation=row.operation, since=row.since
    )


def _key_filter(key: StackKey) -> tuple[ColumnElement[bool], ...]:
    return (
        LockRow.workspace == key.workspace,
        LockRow.environment == key.environment,
        LockRow.stack == key.stack,
    )


def _host_and_pid(who: str) -> tuple[str | None, int | None]:
    """Parse ``user@host pid N`` back (LockInfo keeps only the text)."""
    user_host, _, pid_text = who.partition(" pid ")
    host = user_host.rpartition("@")[2] or None
    return host, int(pid_text) if pid_text.isdigit() else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
