"""Other processes and threads: incremental persistence, concurrent writers, locks."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from _state_kit import KEY, Backend

from atonix_iac.errors import StateError, StateLockedError
from atonix_iac.state.model import ResourceState, ResourceStatus
from atonix_iac.state.sql import SqlStateStore

CHILD = Path(__file__).with_name("_state_child.py")


def run_child(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def holder(backend: Backend) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Another process holding the stack's lock until told to let go; yields (it, lock id)."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), "hold", backend.url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    line = child.stdout.readline()
    assert line.startswith("locked "), line
    try:
        yield child, line.split()[1]
    finally:
        if child.poll() is None:
            child.stdin.write("\n")
            child.stdin.flush()
            child.wait(timeout=60)


def test_a_crash_keeps_every_resource_written_before_it(
    backend: Backend, store: SqlStateStore
) -> None:
    result = run_child("crash-after", backend.url, "2")
    assert result.returncode == 17, result.stderr
    state = store.load(KEY)
    assert sorted(state.resources) == ["r1", "r2"]
    assert state.serial == 2


def test_an_intent_survives_a_crash_mid_create(backend: Backend, store: SqlStateStore) -> None:
    result = run_child("intent-then-crash", backend.url)
    assert result.returncode == 17, result.stderr
    assert store.load(KEY).resources["r1"].status is ResourceStatus.PENDING_CREATE


def test_twenty_threads_write_concurrently(store: SqlStateStore) -> None:
    per_thread = 10
    errors: list[BaseException] = []

    def writer(thread: int) -> None:
        try:
            for index in range(per_thread):
                store.put_resource(
                    KEY,
                    ResourceState(
                        f"t{thread}.r{index}",
                        "T",
                        f"id-{thread}-{index}",
                        properties={"secret": f"pw-{thread}-{index}"},
                        sensitive_properties=frozenset({"secret"}),
                    ),
                )
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    state = store.load(KEY)
    assert len(state.resources) == 20 * per_thread
    assert state.resources["t7.r3"].properties == {"secret": "pw-7-3"}
    assert state.serial == 20 * per_thread
    assert [v.serial for v in store.history(KEY)] == list(range(1, 20 * per_thread + 1))


def test_a_lock_held_by_another_process_fails_fast_naming_the_holder(
    store: SqlStateStore, holder: tuple[subprocess.Popen[str], str]
) -> None:
    child, lock_id = holder
    with pytest.raises(StateLockedError) as caught, store.lock(KEY, "apply"):
        pass
    message = str(caught.value)
    assert f"state of {KEY} is locked by " in message
    assert f" pid {child.pid} (apply) since " in message
    assert " UTC; retry with -lock-timeout=" in message
    assert lock_id in message
    current = store.current_lock(KEY)
    assert current is not None and current.lock_id == lock_id


def test_waiting_for_a_lock_succeeds_once_it_is_released(
    store: SqlStateStore, holder: tuple[subprocess.Popen[str], str]
) -> None:
    child, _ = holder
    assert child.stdin is not None and child.stdout is not None

    asked = threading.Event()

    def let_go() -> None:
        assert child.stdin is not None
        asked.set()
        child.stdin.write("\n")
        child.stdin.flush()

    # The holder is told to release shortly after we start waiting.
    threading.Timer(0.3, let_go).start()
    with store.lock(KEY, "apply", timeout_s=60) as info:
        assert asked.is_set()  # we got the lock only after the holder was told to let go
        assert child.stdout.readline().strip() == "released"
        assert " pid " in info.who
    assert store.current_lock(KEY) is None


def test_force_unlock_breaks_a_lock_and_the_next_run_takes_it(
    backend: Backend, store: SqlStateStore
) -> None:
    result = run_child("die-holding", backend.url)
    assert result.returncode == 0, result.stderr
    lock_id = result.stdout.split()[1]
    with pytest.raises(StateError, match="not .*nothing was unlocked"):
        store.force_unlock(KEY, "some-other-id")
    broken = store.force_unlock(KEY, lock_id)
    assert broken.lock_id == lock_id and broken.operation == "apply"
    with store.lock(KEY, "apply") as info:
        assert info.lock_id != lock_id
    with pytest.raises(StateError, match="is not locked"):
        store.force_unlock(KEY, lock_id)


def test_lock_is_released_when_the_body_raises(store: SqlStateStore) -> None:
    with pytest.raises(RuntimeError), store.lock(KEY, "apply"):
        raise RuntimeError("apply blew up")
    assert store.current_lock(KEY) is None
