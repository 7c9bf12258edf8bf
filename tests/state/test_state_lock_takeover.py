"""Locks heal themselves: a dead holder's lock is taken over, a live holder's never is.

Real processes on real databases (SQLite files and the PostgreSQL server): holders are killed
with SIGKILL, stopped with SIGSTOP, or have their database session terminated.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from _state_kit import KEY, Backend, libpq_conninfo
from sqlalchemy import create_engine, insert

from atonix_iac.errors import StateError, StateLockedError
from atonix_iac.state import open_store
from atonix_iac.state.lease import LEASE_ENV, RENEW_ENV, LeaseTiming
from atonix_iac.state.liveness import process_gone, process_scope, process_started
from atonix_iac.state.schema import LockRow, utcnow
from atonix_iac.state.sql import SqlStateStore

CHILD = Path(__file__).with_name("_state_child.py")
TAKEN_OVER = f"took over the lock on the state of {KEY} from "


class Child:
    """A ``_state_child.py`` process talking over stdin/stdout."""

    def __init__(self, command: str, url: str, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD), command, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def locked(self) -> str:
        """Wait for the child to hold the lock; its lock id."""
        line = self.line()
        assert line.startswith("locked "), (line, self.stderr())
        return line.split()[1]

    def tell(self, text: str = "") -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def stderr(self) -> str:
        if self.process.poll() is None:
            return ""
        assert self.process.stderr is not None
        return self.process.stderr.read()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=60)

    def finish(self) -> str:
        """Let go of the child (a line on stdin, or SIGKILL if it hangs); its stderr."""
        if self.process.poll() is None:
            with contextlib.suppress(BrokenPipeError):
                self.tell()
        try:
            _, err = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        if child.process.poll() is None:
            os.kill(child.pid, signal.SIGCONT)
            child.kill()


@pytest.fixture
def warned(backend: Backend) -> Iterator[tuple[SqlStateStore, list[str]]]:
    """A store whose warnings are collected in a list."""
    warnings: list[str] = []
    opened = open_store(backend.url, on_warning=warnings.append)
    yield opened, warnings
    opened.close()


def _fast_leases(monkeypatch: pytest.MonkeyPatch, lease: float, renew: float) -> dict[str, str]:
    env = {LEASE_ENV: str(lease), RENEW_ENV: str(renew)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _insert_lock(
    backend: Backend,
    *,
    lease_in_s: float | None,
    host: str,
    pid: int,
    scope: str | None = None,
    started: int | None = None,
) -> str:
    """A lock row written by hand: a holder on ``host`` whose lease ends ``lease_in_s`` from
    now (None: a row from before leases existed)."""
    lock_id = "0badc0de-0000-4000-8000-000000000000"
    now = utcnow().replace(microsecond=0)
    open_store(backend.url).close()  # the database, at the current schema
    lease = None if lease_in_s is None else now + timedelta(seconds=lease_in_s)
    engine = create_engine(backend.url)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(LockRow).values(
                    workspace=KEY.workspace,
                    environment=KEY.environment,
                    stack=KEY.stack,
                    lock_id=lock_id,
                    who=f"alice@{host} pid {pid}",
                    host=host,
                    pid=pid,
                    operation="destroy",
                    since=now - timedelta(hours=1),
                    lease_expires=lease,
                    pid_scope=scope or (None if lease_in_s is None else f"{host} scope"),
                    pid_started=started,
                )
            )
    finally:
        engine.dispose()
    return lock_id


def test_a_holder_killed_with_sigkill_is_taken_over_naming_it(
    backend: Backend, warned: tuple[SqlStateStore, list[str]], children: list[Child]
) -> None:
    store, warnings = warned
    child = Child("hold", backend.url)
    children.append(child)
    old_id = child.locked()
    child.kill()

    with store.lock(KEY, "apply") as info:  # no force-unlock, no waiting
        assert info.lock_id != old_id
        current = store.current_lock(KEY)
        assert current is not None and current.lock_id == info.lock_id
    assert len(warnings) == 1
    assert warnings[0].startswith(TAKEN_OVER)
    assert f" pid {child.pid} (apply) since " in warnings[0]
    assert warnings[0].endswith(": that process is gone")
    assert store.current_lock(KEY) is None


def test_a_live_holder_is_never_broken_even_after_many_lease_periods(
    backend: Backend,
    warned: tuple[SqlStateStore, list[str]],
    children: list[Child],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The holder claims another host, so only its renewals keep it alive: the heartbeat
    carries it through a wait of several lease periods."""
    store, warnings = warned
    env = _fast_leases(monkeypatch, lease=4.0, renew=0.2)
    child = Child("hold", backend.url, ATONIX_TEST_OTHER_HOST="far-away", **env)
    children.append(child)
    lock_id = child.locked()
    first_lease = backend.raw_rows("locks")[0]

    with pytest.raises(StateLockedError) as caught, store.lock(KEY, "apply", timeout_s=13.0):
        pass
    assert "is locked by " in str(caught.value)
    assert "far-away pid " in str(caught.value)
    assert lock_id in str(caught.value)
    assert warnings == []
    (row,) = backend.raw_rows("locks")
    assert row[3] == lock_id
    lease_column = 9
    assert row[lease_column] > first_lease[lease_column]  # renewed meanwhile
    assert child.finish() == ""  # released cleanly, no "lost" warning
    assert store.current_lock(KEY) is None


def test_an_expired_lease_of_another_host_is_taken_over(
    backend: Backend, warned: tuple[SqlStateStore, list[str]]
) -> None:
    store, warnings = warned
    old_id = _insert_lock(backend, lease_in_s=-5, host="gone-host", pid=4242)
    with store.lock(KEY, "apply") as info:
        assert info.lock_id != old_id
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{TAKEN_OVER}alice@gone-host pid 4242 (destroy) since ")
    assert ": its lease expired at " in warnings[0]


@pytest.mark.skipif(process_scope() is None, reason="pids are checked on Linux only")
def test_a_reused_pid_does_not_keep_a_dead_holders_lock(
    backend: Backend, warned: tuple[SqlStateStore, list[str]]
) -> None:
    """The row names a live pid of this machine (ours), but a process that started at another
    time: the holder is gone and its pid was handed on."""
    store, warnings = warned
    started = process_started(os.getpid())
    assert started is not None
    _insert_lock(
        backend,
        lease_in_s=3600,
        host=socket.gethostname(),
        pid=os.getpid(),
        scope=process_scope(),
        started=started - 1,
    )
    with store.lock(KEY, "apply"):
        pass
    assert len(warnings) == 1 and warnings[0].endswith(": that process is gone")


def test_process_liveness_checks_the_start_time_and_zombies() -> None:
    me = os.getpid()
    assert not process_gone(me, process_started(me))
    assert not process_gone(me, None)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
    assert process_gone(child.pid, None)
    child.wait(timeout=60)
    assert process_gone(child.pid, None)
    if process_scope() is not None:
        assert process_gone(me, (process_started(me) or 0) + 1)


def test_an_unexpired_lease_of_another_host_is_live_unless_postgres_says_its_session_is_gone(
    backend: Backend, warned: tuple[SqlStateStore, list[str]]
) -> None:
    """A row nobody renews, from a host whose pids we cannot see. On SQLite only its lease
    can free it. On PostgreSQL no session holds its advisory lock, so it is stale at once."""
    store, warnings = warned
    _insert_lock(backend, lease_in_s=3600, host="other-host", pid=os.getpid())
    if backend.name == "sqlite":
        with pytest.raises(StateLockedError, match="locked by alice@other-host"):
            store.lock(KEY, "apply").__enter__()
        assert warnings == []
        return
    with store.lock(KEY, "apply"):
        pass
    assert len(warnings) == 1
    assert warnings[0].endswith(": its database session is gone")


def test_a_holder_that_stops_renewing_is_taken_over_and_then_writes_nothing(
    backend: Backend,
    warned: tuple[SqlStateStore, list[str]],
    children: list[Child],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGSTOP freezes the holder (its PostgreSQL session stays open): its lease lapses, the
    lock is taken over; woken, the old holder finds out and refuses to write."""
    store, warnings = warned
    env = _fast_leases(monkeypatch, lease=1.5, renew=0.2)
    child = Child("hold-write", backend.url, ATONIX_TEST_OTHER_HOST="frozen", **env)
    children.append(child)
    old_id = child.locked()
    os.kill(child.pid, signal.SIGSTOP)

    with store.lock(KEY, "apply", timeout_s=60) as info:
        assert len(warnings) == 1 and ": its lease expired at " in warnings[0]
        assert "frozen pid " in warnings[0]
        os.kill(child.pid, signal.SIGCONT)
        child.tell()
        answer = child.line()
        assert answer.startswith("refused "), answer
        assert old_id in answer and "no longer held by this run" in answer
        assert child.line() == "released"
        current = store.current_lock(KEY)
        assert current is not None and current.lock_id == info.lock_id  # its release left ours
    assert "late" not in store.load(KEY).resources
    err = child.finish()
    assert f"warning the lock {old_id} on the state of {KEY} was force-unlocked or taken" in err


def test_a_force_unlocked_holder_neither_renews_nor_writes_the_new_holders_lock(
    backend: Backend,
    warned: tuple[SqlStateStore, list[str]],
    children: list[Child],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, warnings = warned
    env = _fast_leases(monkeypatch, lease=3.0, renew=0.1)
    child = Child("hold-write", backend.url, **env)
    children.append(child)
    old_id = child.locked()
    store.force_unlock(KEY, old_id)
    with store.lock(KEY, "apply") as info:
        assert warnings == []  # nothing stale was taken over: the lock was free
        child.tell()
        assert child.line().startswith(f"refused the lock {old_id} ")
        assert child.line() == "released"
        current = store.current_lock(KEY)
        assert current is not None and current.lock_id == info.lock_id
    assert "late" not in store.load(KEY).resources
    assert "was force-unlocked or taken over" in child.finish()


def test_of_many_takers_of_one_stale_lock_exactly_one_wins(
    backend: Backend, children: list[Child]
) -> None:
    _insert_lock(backend, lease_in_s=-5, host="gone-host", pid=4242)
    racers = [Child("race", backend.url) for _ in range(4)]
    children.extend(racers)
    for racer in racers:
        assert racer.line() == "ready", racer.stderr()
    for racer in racers:
        racer.tell()
    outcomes = [racer.line() for racer in racers]

    winners = [o for o in outcomes if o.startswith("won ")]
    assert len(winners) == 1, outcomes
    losers = [o for o in outcomes if o.startswith("lost ")]
    assert len(losers) == 3, outcomes
    assert all("is locked by " in o for o in losers)
    winner = racers[outcomes.index(winners[0])]
    current = open_store(backend.url)
    try:
        lock = current.current_lock(KEY)
        assert lock is not None and lock.lock_id == winners[0].split()[1]
    finally:
        current.close()
    errors = [racer.finish() for racer in racers]
    assert sum(TAKEN_OVER in err for err in errors) == 1
    assert TAKEN_OVER in errors[racers.index(winner)]


@pytest.mark.postgres
def test_postgres_frees_the_lock_when_the_holders_session_dies(
    backend: Backend,
    warned: tuple[SqlStateStore, list[str]],
    children: list[Child],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The holder lives on, with a lease of an hour and no pid we could check; the server
    ends its session: the lock is free at once, and the holder learns it lost the lock."""
    if backend.name != "postgres":
        pytest.skip("advisory locks are PostgreSQL's")
    import psycopg

    store, warnings = warned
    env = _fast_leases(monkeypatch, lease=3600, renew=1800)
    child = Child("hold-write", backend.url, ATONIX_TEST_OTHER_HOST="elsewhere", **env)
    children.append(child)
    old_id = child.locked()
    with psycopg.connect(libpq_conninfo(backend.url), autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (f"atonix lock {old_id}",),
        ).fetchall()
    assert ended == [(True,)]

    with store.lock(KEY, "apply", timeout_s=60):
        assert len(warnings) == 1
        assert warnings[0].startswith(f"{TAKEN_OVER}")
        assert "elsewhere pid " in warnings[0]
        assert warnings[0].endswith(": its database session is gone")
        child.tell()
        assert child.line().startswith("refused ")
    child.finish()


@pytest.mark.postgres
def test_postgres_frees_a_killed_holders_lock_whatever_host_it_claims(
    backend: Backend,
    warned: tuple[SqlStateStore, list[str]],
    children: list[Child],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend.name != "postgres":
        pytest.skip("advisory locks are PostgreSQL's")
    store, warnings = warned
    env = _fast_leases(monkeypatch, lease=3600, renew=1800)
    child = Child("hold", backend.url, ATONIX_TEST_OTHER_HOST="elsewhere", **env)
    children.append(child)
    child.locked()
    child.kill()
    with store.lock(KEY, "apply", timeout_s=60):
        pass
    assert len(warnings) == 1 and warnings[0].endswith(": its database session is gone")


def test_a_lock_from_before_leases_is_never_taken_over(
    backend: Backend, warned: tuple[SqlStateStore, list[str]]
) -> None:
    """Its holder ran an older atonix that neither renews nor holds an advisory lock: only
    a human may break it, as before."""
    store, warnings = warned
    beyond_pid_max = 2**22 + 7  # no process has this pid
    lock_id = _insert_lock(backend, lease_in_s=None, host=socket.gethostname(), pid=beyond_pid_max)
    with pytest.raises(StateLockedError, match=f"stale: atonix state force-unlock {lock_id}"):
        store.lock(KEY, "apply").__enter__()
    assert warnings == []
    store.force_unlock(KEY, lock_id)
    with store.lock(KEY, "apply"):
        pass


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({LEASE_ENV: "soon"}, "ATONIX_LOCK_LEASE_S='soon' is not a positive number of seconds"),
        ({LEASE_ENV: "-1"}, "ATONIX_LOCK_LEASE_S='-1' is not a positive"),
        ({LEASE_ENV: "5", RENEW_ENV: "5"}, "ATONIX_LOCK_RENEW_S=5 must be shorter than"),
    ],
)
def test_lease_settings_are_checked(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StateError, match=message.replace("(", r"\(")):
        LeaseTiming.from_environment()


def test_lease_settings_default_to_a_minute_renewed_every_ten_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(LEASE_ENV, raising=False)
    monkeypatch.delenv(RENEW_ENV, raising=False)
    assert LeaseTiming.from_environment() == LeaseTiming(lease_s=60.0, renew_s=10.0)
    monkeypatch.setenv(LEASE_ENV, "3")
    assert LeaseTiming.from_environment() == LeaseTiming(lease_s=3.0, renew_s=0.5)
