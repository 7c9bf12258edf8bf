"""Stack locks that hold across processes and hosts, and free themselves when the holder dies.

A lock is a row in ``locks`` whose primary key is the stack key: the database's uniqueness check
is the mutual exclusion, committed before the holder goes on. A holder killed with ``kill -9``
cannot delete its row, so a later run decides whether the row is *stale* and, if so, takes the
lock over with a warning naming the old holder. A row is stale when any of these holds:

- its lease has expired: the holder's heartbeat (a daemon thread) pushes ``lease_expires``
  forward every ``ATONIX_LOCK_RENEW_S`` (10 s) to now + ``ATONIX_LOCK_LEASE_S`` (60 s); the
  "now" is the database server's clock on PostgreSQL, the local clock on SQLite;
- the holder ran in this pid scope (same kernel boot and pid namespace, see ``liveness.py``)
  and its process is gone, or its pid now belongs to a process started at another time;
- on PostgreSQL, its *beacon* is free: before inserting its row, a holder takes a session-level
  advisory lock keyed by its lock id on a connection it keeps for the lock's lifetime, and the
  server frees that lock the moment the connection dies. A taker tries the beacon inside the
  takeover transaction (``pg_try_advisory_xact_lock``): got it, the holder's session is gone.

A row written before leases existed (``lease_expires`` NULL) is never taken over: only
``atonix state force-unlock`` breaks it. Taking over is one transaction that deletes the stale
row only if it still has the lock id and lease that were judged, then inserts ours: of two
takers, the second deletes nothing (or hits the primary key) and finds a live lock instead.

A holder's every state write first confirms, in its own transaction, that the row is still its
own (``HeldLock.check``): one that was force-unlocked, or taken over after its lease lapsed
while it was stopped, writes nothing more, and its heartbeat stops renewing.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atonix_iac.errors import StateError, StateLockedError
from atonix_iac.state.lease import (
    Beacon,
    HeldLock,
    LeaseTiming,
    Warn,
    advisory_key,
    db_now,
    db_now_on,
    key_filter,
    log_warning,
)
from atonix_iac.state.liveness import process_gone, process_scope, process_started
from atonix_iac.state.model import LockInfo, StackKey
from atonix_iac.state.schema import LockRow, table_of

_FIRST_POLL_S = 0.05
_MAX_POLL_S = 0.5
_RETRIES = 20  # looks again at once when the lock changed under us, before waiting
_locks = table_of(LockRow)


@dataclass(frozen=True, slots=True)
class Holder:
    """Who this process is, as written into lock, version and audit rows (``scope`` and
    ``started`` identify the process for staleness checks; they never appear in messages)."""

    user: str
    host: str
    pid: int
    scope: str | None = field(default=None, compare=False)
    started: int | None = field(default=None, compare=False)

    @classmethod
    def current(cls) -> Holder:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            user = f"uid{os.getuid()}"
        pid = os.getpid()
        return cls(
            user=user,
            host=socket.gethostname(),
            pid=pid,
            scope=process_scope(),
            started=process_started(pid),
        )

    def __str__(self) -> str:
        return f"{self.user}@{self.host} pid {self.pid}"


@dataclass(frozen=True, slots=True)
class _Seen:
    """A lock row as a would-be taker read it."""

    info: LockInfo
    pid: int
    lease_expires: datetime | None
    pid_scope: str | None
    pid_started: int | None


def acquire(
    read: Engine,
    write: Engine,
    key: StackKey,
    operation: str,
    timeout_s: float,
    me: Holder,
    *,
    timing: LeaseTiming | None = None,
    warn: Warn = log_warning,
) -> HeldLock:
    """Take the stack's lock, polling up to ``timeout_s``, taking over a stale one (``warn``
    names its holder); StateLockedError if a live holder keeps it. The returned lock renews
    itself until ``HeldLock.release``."""
    timing = timing or LeaseTiming()
    deadline = time.monotonic() + max(timeout_s, 0.0)
    pause = _FIRST_POLL_S
    took_over = ""
    retries = _RETRIES
    beacon = Beacon.take(write) if write.dialect.name == "postgresql" else None
    lock_id = beacon.lock_id if beacon is not None else str(uuid.uuid4())
    try:
        while True:
            row = _row(key, lock_id, operation, me, db_now(write), timing)
            if _try_insert(write, row):
                break
            seen, now = _current(read, key)
            if seen is None:
                continue  # released between our insert and our look: try again at once
            reason = _stale_reason(seen, me, now)
            check_beacon = reason is None and seen.lease_expires is not None and beacon is not None
            if reason is not None or check_beacon:
                row = _row(key, lock_id, operation, me, db_now(write), timing)
                if _take_over(write, key, seen, row, check_beacon=check_beacon):
                    took_over = _took_over(seen.info, reason or "its database session is gone")
                    break
                if reason is not None and retries > 0:
                    retries -= 1
                    continue  # someone changed the row first: look again, without waiting
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StateLockedError(describe_held(seen.info, me, seen=seen))
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, _MAX_POLL_S)
    except BaseException:
        if beacon is not None:
            beacon.close()
        raise
    held = HeldLock(write, _info(key, row), timing, beacon, warn)
    held.start()
    if took_over:
        try:
            warn(took_over)
        except BaseException:
            held.release()
            raise
    return held


def force_unlock(write: Engine, key: StackKey, lock_id: str) -> LockInfo:
    """Break the lock ``lock_id``; StateError if the stack is not locked by that id."""
    with Session(write) as session, session.begin():
        row = session.scalars(select(LockRow).where(*key_filter(key))).one_or_none()
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
    seen, _ = _current(read, key)
    return None if seen is None else seen.info


def describe_held(info: LockInfo, me: Holder, *, seen: _Seen | None = None) -> str:
    since = _when(info.since)
    head = f"state of {info.key} is locked by {info.who} ({info.operation}) since {since}"
    host, pid = _host_and_pid(info.who)
    legacy = seen is not None and seen.lease_expires is None
    if legacy and host == me.host and pid is not None and pid != me.pid and not _alive(pid):
        return (
            f"{head}; that process is gone, so the lock is stale: "
            f"atonix state force-unlock {info.lock_id}"
        )
    return (
        f"{head}; retry with -lock-timeout=30s to wait for it, or, if that run is gone, "
        f"atonix state force-unlock {info.lock_id}"
    )


def _stale_reason(seen: _Seen, me: Holder, now: datetime) -> str | None:
    """Why ``seen`` is stale by pid or lease (the PostgreSQL beacon is tried separately, in
    the takeover transaction); None if neither says so, or for a pre-lease row."""
    if seen.lease_expires is None:
        return None
    if (
        seen.pid_scope is not None
        and seen.pid_scope == me.scope
        and process_gone(seen.pid, seen.pid_started)
    ):
        return "that process is gone"
    if seen.lease_expires <= now:
        return f"its lease expired at {_when(seen.lease_expires)}"
    return None


def _take_over(
    write: Engine, key: StackKey, seen: _Seen, row: dict[str, object], *, check_beacon: bool
) -> bool:
    """Replace the stale row ``seen`` by ``row`` in one transaction; False if the row changed
    meanwhile (released, renewed, taken by another), or its beacon is held (a live holder)."""
    try:
        with write.begin() as connection:
            if check_beacon:
                free = connection.execute(
                    text("SELECT pg_try_advisory_xact_lock(CAST(:k AS BIGINT))"),
                    {"k": advisory_key(seen.info.lock_id)},
                ).scalar_one()
                if not free:
                    return False
            lease = LockRow.lease_expires
            gone = connection.execute(
                delete(LockRow).where(
                    *key_filter(key),
                    LockRow.lock_id == seen.info.lock_id,
                    lease.is_(None) if seen.lease_expires is None else lease == seen.lease_expires,
                )
            )
            if gone.rowcount != 1:
                return False
            connection.execute(insert(_locks).values(row))
    except IntegrityError:
        return False
    return True


def _row(
    key: StackKey,
    lock_id: str,
    operation: str,
    me: Holder,
    now: datetime,
    timing: LeaseTiming,
) -> dict[str, object]:
    return {
        "workspace": key.workspace,
        "environment": key.environment,
        "stack": key.stack,
        "lock_id": lock_id,
        "who": str(me),
        "host": me.host,
        "pid": me.pid,
        "operation": operation,
        "since": now.replace(microsecond=0),
        "lease_expires": now + timedelta(seconds=timing.lease_s),
        "pid_scope": me.scope,
        "pid_started": me.started,
    }


def _try_insert(write: Engine, row: dict[str, object]) -> bool:
    try:
        with write.begin() as connection:
            connection.execute(insert(_locks).values(row))
    except IntegrityError:
        return False
    return True


def _current(read: Engine, key: StackKey) -> tuple[_Seen | None, datetime]:
    """The stack's lock row (if any) and the clock leases are judged by, read together."""
    with Session(read) as session, session.begin():
        row = session.scalars(select(LockRow).where(*key_filter(key))).one_or_none()
        now = db_now_on(session.connection())
        if row is None:
            return None, now
        seen = _Seen(
            info=_info(key, row),
            pid=row.pid,
            lease_expires=row.lease_expires,
            pid_scope=row.pid_scope,
            pid_started=row.pid_started,
        )
    return seen, now


def _info(key: StackKey, row: LockRow | dict[str, object]) -> LockInfo:
    if isinstance(row, dict):
        since = row["since"]
        assert isinstance(since, datetime)
        return LockInfo(
            key=key,
            lock_id=str(row["lock_id"]),
            who=str(row["who"]),
            operation=str(row["operation"]),
            since=since,
        )
    return LockInfo(
        key=key, lock_id=row.lock_id, who=row.who, operation=row.operation, since=row.since
    )


def _took_over(old: LockInfo, reason: str) -> str:
    return (
        f"took over the lock on the state of {old.key} from {old.who} ({old.operation}) "
        f"since {_when(old.since)}: {reason}"
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _host_and_pid(who: str) -> tuple[str | None, int | None]:
    """Parse ``user@host pid N`` back (LockInfo keeps only the text)."""
    user_host, _, pid_text = who.partition(" pid ")
    host = user_host.rpartition("@")[2] or None
    return host, int(pid_text) if pid_text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
