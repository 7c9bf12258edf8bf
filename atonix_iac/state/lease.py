"""The life of a held stack lock: its lease, the heartbeat that renews it, and on PostgreSQL
the advisory lock ("beacon") that tells others at once when the holder's session is gone.

``locking.py`` decides when a lock is taken or taken over; this module keeps a taken lock alive
and notices when it is lost. Renewal runs on a daemon thread, so a busy or blocked main thread
(a long create call) never lets the lease lapse; only a stopped or vanished process does. The
lease is measured by the database server's clock on PostgreSQL (one clock for every host) and by
the local clock on SQLite (whose writers share a machine, or at least a file system: hosts sharing
one must keep their clocks within ``lease - renew`` of each other).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, bindparam, delete, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from atonix_iac.errors import StateError, StateLockedError
from atonix_iac.state.model import LockInfo, StackKey
from atonix_iac.state.schema import LockRow, table_of, utcnow

LEASE_ENV = "ATONIX_LOCK_LEASE_S"
RENEW_ENV = "ATONIX_LOCK_RENEW_S"
DEFAULT_LEASE_S = 60.0
_JOIN_TIMEOUT_S = 30.0

Warn = Callable[[str], None]
_log = logging.getLogger(__name__)
_locks = table_of(LockRow)


def log_warning(message: str) -> None:
    """The default for a store's ``on_warning``: library users see it through ``logging``."""
    _log.warning("%s", message)


# Which lock the stack has, kept until the writer's transaction ends (see HeldLock.check).
_CONFIRM = (
    select(_locks.c.lock_id)
    .where(
        _locks.c.workspace == bindparam("w"),
        _locks.c.environment == bindparam("e"),
        _locks.c.stack == bindparam("s"),
    )
    .with_for_update(read=True, key_share=True)
)
_SQLITE_CONFIRM = "SELECT lock_id FROM locks WHERE workspace = ? AND environment = ? AND stack = ?"


@dataclass(frozen=True, slots=True)
class LeaseTiming:
    """How long a lock survives its holder's silence, and how often the holder renews it."""

    lease_s: float = DEFAULT_LEASE_S
    renew_s: float = DEFAULT_LEASE_S / 6

    @classmethod
    def from_environment(cls) -> LeaseTiming:
        lease = _seconds(LEASE_ENV, DEFAULT_LEASE_S)
        renew = _seconds(RENEW_ENV, lease / 6)
        if renew >= lease:
            raise StateError(
                f"{RENEW_ENV}={renew:g} must be shorter than {LEASE_ENV}={lease:g}: "
                "the lease would lapse between two renewals"
            )
        return cls(lease_s=lease, renew_s=renew)


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise StateError(f"{name}={raw!r} is not a positive number of seconds")
    return value


class HeldLock:
    """A lock this process holds: a heartbeat thread renews its lease until ``release``."""

    def __init__(
        self,
        write: Engine,
        info: LockInfo,
        timing: LeaseTiming,
        beacon: Beacon | None,
        warn: Warn,
    ) -> None:
        self.info = info
        self._write = write
        self._timing = timing
        self._beacon = beacon
        self._warn = warn
        self._stop = threading.Event()
        self._renewing = threading.Lock()  # renewals against the beacon's closing
        self._marking = threading.Lock()
        self._lost = False
        self._thread = threading.Thread(
            target=self._heartbeat, name=f"atonix-lock-{info.key}", daemon=True
        )

    def start(self) -> None:
        """Start renewing; not for an in-memory SQLite database, which no other process sees
        (and whose one shared connection a second thread must not use)."""
        if not _in_memory(self._write):
            self._thread.start()

    def check(self, transaction: Session | Connection) -> None:
        """Inside a write transaction: raise StateLockedError unless our row is still there,
        and keep it there until the transaction ends (PostgreSQL: FOR KEY SHARE, which a
        takeover's DELETE waits for and a renewal does not; SQLite: writers are serial). So
        a holder that was force-unlocked or taken over never writes on, however late its
        heartbeat learns of it."""
        if not self._lost:
            if _confirm(transaction, self.info.key) == self.info.lock_id:
                return
            self._mark_lost()
        raise StateLockedError(
            f"the lock {self.info.lock_id} on the state of {self.info.key} is no longer "
            "held by this run (force-unlocked, or taken over as stale); stopping before "
            "writing state"
        )

    def release(self) -> None:
        """Drop our lock row (only ours: a force-unlocked and retaken lock is someone else's),
        then stop the heartbeat, which lets the beacon go."""
        self._stop.set()
        try:
            with self._write.begin() as connection:
                connection.execute(delete(LockRow).where(*_mine(self.info)))
        finally:
            if self._thread.is_alive():
                self._thread.join(_JOIN_TIMEOUT_S)
            elif self._beacon is not None:
                self._beacon.close()  # never handed to a heartbeat

    def _heartbeat(self) -> None:
        try:
            while not self._stop.wait(self._timing.renew_s):
                if self._renew_or_mark_lost():
                    return
        finally:
            if self._beacon is not None:
                with self._renewing:
                    self._beacon.close()

    def _renew_or_mark_lost(self) -> bool:
        """Renew the lease; True once the lock is known lost."""
        with self._renewing:
            if self._lost:
                return True
            try:
                ours = self._renew()
            except SQLAlchemyError as exc:  # the database is away: try again next beat
                _log.debug("renewing lock %s failed: %s", self.info.lock_id, exc)
                if self._beacon is not None:
                    self._beacon.drop()
                return False
            if ours is None or ours:  # None: a taker holds our beacon just now; look again
                return False
            if self._stop.is_set():
                return True  # we released it ourselves meanwhile
        self._mark_lost()
        return True

    def _mark_lost(self) -> None:
        """Remember (and say, once) that the lock is no longer ours."""
        with self._marking:
            if self._lost:
                return
            self._lost = True
        self._warn(
            f"the lock {self.info.lock_id} on the state of {self.info.key} was force-unlocked "
            "or taken over; this run writes no more state"
        )

    def _renew(self) -> bool | None:
        """Push the lease forward if the row is still ours: True, False (not ours), None (our
        beacon is held by a taker at this instant)."""
        if self._beacon is None:
            with self._write.begin() as connection:
                return _extend(connection, self.info, self._timing)
        beacon = self._beacon.connection()
        if beacon is None:
            return None
        return _extend(beacon, self.info, self._timing)


class Beacon:
    """PostgreSQL only: a session advisory lock keyed by our lock id, held on a connection of
    its own; the server frees it when that connection dies, which tells takers at once that
    we are gone. Used by one thread at a time (acquire, then the heartbeat).

    It needs connections that are server sessions: behind a transaction-pooling proxy
    (PgBouncer ``pool_mode = transaction``) an advisory lock outlives our use of the server
    connection and others may see it free or held at random, so point atonix at PostgreSQL
    directly or through session pooling."""

    def __init__(self, engine: Engine, lock_id: str) -> None:
        self.lock_id = lock_id
        self._engine = engine
        self._key = advisory_key(lock_id)
        self._connection: Connection | None = None

    @classmethod
    def take(cls, engine: Engine) -> Beacon:
        for _ in range(3):  # a fresh uuid4's key is free unless 64 bits collide
            beacon = cls(engine, str(uuid.uuid4()))
            if beacon.connection() is not None:
                return beacon
        raise StateError("could not take a PostgreSQL advisory lock for the stack lock")

    def connection(self) -> Connection | None:
        """The connection holding the advisory lock, (re)connecting and retaking it if the
        old one died; None if another session holds our key right now (a taker)."""
        if self._connection is not None:
            return self._connection
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            connection.execute(
                text("SELECT set_config('application_name', :name, false)"),
                {"name": f"atonix lock {self.lock_id}"},
            )
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(CAST(:k AS BIGINT))"), {"k": self._key}
            ).scalar_one()
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if not got:
            connection.close()
            return None
        self._connection = connection
        return connection

    def drop(self) -> None:
        """Close our connection, which frees the advisory lock (if the server had not already
        freed it: a connection that failed)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                connection.invalidate()
                connection.close()

    def close(self) -> None:
        """Let the advisory lock go by closing the connection for good (not back to the pool,
        where it would keep its application_name)."""
        self.drop()


def advisory_key(lock_id: str) -> int:
    """The signed 64-bit PostgreSQL advisory-lock key of a lock id."""
    digest = hashlib.blake2b(f"atonix-lock:{lock_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _confirm(transaction: Session | Connection, key: StackKey) -> str | None:
    """The id of the stack's lock, read inside ``transaction`` (see ``HeldLock.check``)."""
    if isinstance(transaction, Connection) and transaction.dialect.name == "sqlite":
        # Every resource write runs this: straight to the driver, as database.py's BEGIN does
        # (SQLAlchemy's statement machinery costs ten times the lookup itself).
        driver = transaction.connection.driver_connection
        assert driver is not None
        row = driver.execute(_SQLITE_CONFIRM, (key.workspace, key.environment, key.stack))
        found = row.fetchone()
        return None if found is None else str(found[0])
    params = {"w": key.workspace, "e": key.environment, "s": key.stack}
    value = transaction.execute(_CONFIRM, params).scalar_one_or_none()
    return None if value is None else str(value)


def _extend(connection: Connection, info: LockInfo, timing: LeaseTiming) -> bool:
    expires = db_now_on(connection) + timedelta(seconds=timing.lease_s)
    renewed = connection.execute(update(LockRow).where(*_mine(info)).values(lease_expires=expires))
    return renewed.rowcount == 1


def db_now(engine: Engine) -> datetime:
    if engine.dialect.name != "postgresql":
        return utcnow()
    with engine.connect() as connection:
        return db_now_on(connection)


def db_now_on(connection: Connection) -> datetime:
    """The clock leases run on: PostgreSQL's (one clock for every host), else ours."""
    if connection.dialect.name != "postgresql":
        return utcnow()
    value = connection.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)  # in the session's time zone as read


def _mine(info: LockInfo) -> tuple[ColumnElement[bool], ...]:
    return (*key_filter(info.key), LockRow.lock_id == info.lock_id)


def key_filter(key: StackKey) -> tuple[ColumnElement[bool], ...]:
    return (
        LockRow.workspace == key.workspace,
        LockRow.environment == key.environment,
        LockRow.stack == key.stack,
    )


def _in_memory(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
