"""Several resource records in one transaction: each keeps its serial and history row, all or
none commit, and concurrent writers that share a transaction each learn their own outcome."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from _state_kit import KEY

from atonix_iac.errors import StateError
from atonix_iac.state.group_commit import GroupCommit
from atonix_iac.state.model import AuditRecord, ResourceState, ResourceStatus, ResourceWrite
from atonix_iac.state.sql import SqlStateStore


def value(address: str) -> ResourceState:
    return ResourceState(
        address=address,
        type="OS::Heat::Value",
        physical_id=f"id-{address}",
        status=ResourceStatus.READY,
        properties={"value": address},
        attributes={"value": address},
    )


def test_writes_committed_together_each_bump_the_serial_and_keep_a_history_row(
    store: SqlStateStore,
) -> None:
    store.put_resource(KEY, value("old"))
    serials = store.commit_writes(
        KEY,
        [
            ResourceWrite("a", value("a")),
            ResourceWrite("old"),  # a removal
            ResourceWrite("b", value("b")),
        ],
    )

    assert serials == [2, 3, 4]
    state = store.load(KEY)
    assert state.serial == 4
    assert set(state.resources) == {"a", "b"}
    assert state.resources["b"].properties == {"value": "b"}
    operations = [(v.serial, v.operation) for v in store.history(KEY)]
    assert operations == [(1, "write old"), (2, "write a"), (3, "remove old"), (4, "write b")]


def test_records_committed_together_land_in_order_with_their_audit_records(
    store: SqlStateStore,
) -> None:
    """In one shared commit a later record of the same address wins, every record keeps its
    serial and history row, and each audit record is kept, for a batch of any size."""
    started = datetime(2026, 1, 1, tzinfo=UTC)

    def audit(address: str) -> AuditRecord:
        return AuditRecord(KEY, address, "OS::Heat::Value", None, "create", "ok", "t", started, 0.5)

    store.put_resource(KEY, value("old"))
    again = dataclasses.replace(value("a"), properties={"value": "again"})
    writes = [
        ResourceWrite("a", value("a"), audit=audit("a")),
        ResourceWrite("old", value("old")),
        ResourceWrite("b", value("b"), audit=audit("b")),
        ResourceWrite("a", again),
    ]
    many = [ResourceWrite(f"r{i}", value(f"r{i}")) for i in range(120)]  # > one statement

    assert store.commit_writes(KEY, writes) == [2, 3, 4, 5]
    assert store.commit_writes(KEY, many) == list(range(6, 126))
    state = store.load(KEY)
    assert state.serial == 125
    assert set(state.resources) == {"a", "b", "old"} | {f"r{i}" for i in range(120)}
    assert state.resources["a"].properties == {"value": "again"}
    assert state.resources["r119"].physical_id == "id-r119"
    history = [(v.serial, v.operation) for v in store.history(KEY)]
    assert history[:5] == [
        (1, "write old"),
        (2, "write a"),
        (3, "write old"),
        (4, "write b"),
        (5, "write a"),
    ]
    assert [v.serial for v in store.history(KEY)] == list(range(1, 126))
    assert [r.address for r in store.audit(KEY)] == ["a", "b"]


def test_writes_committed_together_keep_their_order_for_one_address(store: SqlStateStore) -> None:
    """The upserts between two removals go to the database as one batch: a later write of an
    address still wins, and a write after a removal of the same address brings it back."""
    store.put_resource(KEY, value("r"))
    first, second, third = (
        dataclasses.replace(value(name), physical_id=f"id-{n}")
        for n, name in enumerate(("a", "a", "r"))
    )
    store.commit_writes(
        KEY,
        [
            ResourceWrite("a", first),
            ResourceWrite("a", second),
            ResourceWrite("r"),  # a removal, then the address written again
            ResourceWrite("r", third),
        ],
    )

    state = store.load(KEY)
    assert {a: r.physical_id for a, r in state.resources.items()} == {"a": "id-1", "r": "id-2"}
    assert [v.operation for v in store.history(KEY)][1:] == [
        "write a",
        "write a",
        "remove r",
        "write r",
    ]


def test_writes_committed_together_commit_all_or_none(store: SqlStateStore) -> None:
    store.put_resource(KEY, value("kept"))
    with pytest.raises(StateError, match="no resource missing"):
        store.commit_writes(KEY, [ResourceWrite("a", value("a")), ResourceWrite("missing")])

    state = store.load(KEY)
    assert (state.serial, set(state.resources)) == (1, {"kept"})
    assert [v.serial for v in store.history(KEY)] == [1]


def test_concurrent_writers_each_get_a_serial_of_their_own(store: SqlStateStore) -> None:
    threads, each = 8, 25
    serials: list[int] = []
    guard = threading.Lock()

    def writer(n: int) -> None:
        for i in range(each):
            serial = store.put_resource(KEY, value(f"r{n}_{i}"))
            with guard:
                serials.append(serial)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    total = threads * each
    assert sorted(serials) == list(range(1, total + 1))
    state = store.load(KEY)
    assert (state.serial, len(state.resources)) == (total, total)
    assert [v.serial for v in store.history(KEY)] == list(range(1, total + 1))


class _Gate:
    """A batch committer whose first commit waits until others have queued behind it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.batches: list[list[str]] = []

    def one(self, item: str) -> str:
        if not self.batches:
            self.batches.append([item])
            self.entered.set()
            self.release.wait(10)
        else:
            self.batches.append([item])
        if item == "bad":
            raise StateError("bad item")
        return item.upper()

    def many(self, items: Sequence[str]) -> list[str]:
        self.batches.append(list(items))
        if "bad" in items:
            raise StateError("the batch fails as a whole")
        return [item.upper() for item in items]


def _held() -> tuple[_Gate, GroupCommit[str, str], threading.Thread]:
    """A group whose first commit (of "first", in a thread of its own) is under way, held
    until ``gate.release`` is set."""
    gate = _Gate()
    group: GroupCommit[str, str] = GroupCommit(gate.many, gate.one)
    first = threading.Thread(target=group.commit, args=("first",))
    first.start()
    assert gate.entered.wait(10)
    return gate, group, first


def _join(threads: list[threading.Thread], outcomes: dict[str, str]) -> dict[str, str]:
    for thread in threads:
        thread.join(10)
    return outcomes


def test_writers_that_queue_during_a_commit_share_the_next_one() -> None:
    gate, group, first = _held()
    others = [f"w{i}" for i in range(5)]
    threads = [threading.Thread(target=group.commit, args=(item,)) for item in others]
    for thread in threads:
        thread.start()
    while len(group._queue) < len(others):  # all queued behind the first commit
        threading.Event().wait(0.01)
    gate.release.set()
    first.join(10)
    _join(threads, {})

    assert gate.batches == [["first"], others]


def test_a_failed_shared_commit_is_retried_alone_and_fails_only_its_writer() -> None:
    gate, group, first = _held()
    items = ["a", "bad", "b"]
    outcomes: dict[str, str] = {}

    def run(item: str) -> None:
        try:
            outcomes[item] = group.commit(item)
        except StateError as err:
            outcomes[item] = f"error: {err.message}"

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    while len(group._queue) < len(items):
        threading.Event().wait(0.01)
    gate.release.set()
    first.join(10)
    _join(threads, outcomes)

    assert outcomes == {"a": "A", "bad": "error: bad item", "b": "B"}
    assert gate.batches[1] == items  # tried together first, then each alone
    assert sorted(map(tuple, gate.batches[2:])) == [("a",), ("b",), ("bad",)]


class _Interrupted(BaseException):
    """Not an Exception: a batch it interrupts is not retried item by item."""


def test_an_interrupted_leader_fails_its_batch_and_the_next_writer_leads() -> None:
    entered, release = threading.Event(), threading.Event()
    batches: list[list[str]] = []

    def one(item: str) -> str:
        batches.append([item])
        if item == "leader":
            entered.set()
            release.wait(10)
            raise _Interrupted
        return item.upper()

    def many(items: Sequence[str]) -> list[str]:
        batches.append(list(items))
        return [item.upper() for item in items]

    group: GroupCommit[str, str] = GroupCommit(many, one)
    outcomes: dict[str, str] = {}

    def run(item: str) -> None:
        try:
            outcomes[item] = group.commit(item)
        except _Interrupted:
            outcomes[item] = "interrupted"

    leader = threading.Thread(target=run, args=("leader",))
    leader.start()
    assert entered.wait(10)
    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    while len(group._queue) < len(threads):
        threading.Event().wait(0.01)
    release.set()
    _join([leader, *threads], outcomes)

    assert outcomes == {"leader": "interrupted", "w0": "W0", "w1": "W1", "w2": "W2"}
    assert sorted(batches[1]) == ["w0", "w1", "w2"]
    assert group.commit("after") == "AFTER"  # nothing left stuck


WRITERS = 16


def _writers_at_once(run: Callable[[int], None]) -> None:
    """``run(base)`` in ``WRITERS`` threads at once (bases 0, 1000, 2000 ...); all finish."""
    threads = [threading.Thread(target=run, args=(n * 1000,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)


def test_many_writers_at_once_each_get_their_own_result() -> None:
    group: GroupCommit[int, int] = GroupCommit(
        lambda items: [i * 2 for i in items], lambda i: i * 2
    )
    results: dict[int, int] = {}

    def run(base: int) -> None:
        for i in range(base, base + 200):
            results[i] = group.commit(i)

    _writers_at_once(run)
    assert results == {i: i * 2 for n in range(WRITERS) for i in range(n * 1000, n * 1000 + 200)}


def test_a_record_nobody_waits_for_is_committed_at_once_when_no_commit_is_under_way() -> None:
    batches: list[list[str]] = []
    group: GroupCommit[str, str] = GroupCommit(
        lambda items: batches.append(list(items)) or [i.upper() for i in items],
        lambda item: batches.append([item]) or item.upper(),
    )
    pending = group.commit_soon("a")
    assert batches == [["a"]]
    assert group.settle(pending) == "A"


def test_a_record_queued_behind_a_commit_returns_at_once_and_the_leader_commits_it() -> None:
    """The writer of a ``commit_soon`` record goes on while a commit is under way; the
    leader, finding only such records queued, commits them itself, and keeps their order
    before a waiting writer's record that queued after them."""
    gate, group, first = _held()
    soon = [group.commit_soon(f"s{i}") for i in range(3)]  # returns while "first" commits
    assert [p.waiter.done for p in soon] == [False, False, False]
    gate.release.set()
    first.join(10)
    assert not first.is_alive()
    assert gate.batches == [["first"], ["s0", "s1", "s2"]]  # committed by the leader
    assert [group.settle(p) for p in soon] == ["S0", "S1", "S2"]


def test_a_writers_next_record_is_committed_after_its_unwaited_one() -> None:
    gate, group, first = _held()
    outcome: dict[str, str] = {}

    def writer() -> None:
        pending = group.commit_soon("id")
        outcome["result"] = group.commit("result")
        outcome["id"] = group.settle(pending)

    thread = threading.Thread(target=writer)
    thread.start()
    while len(group._queue) < 2:
        threading.Event().wait(0.01)
    gate.release.set()
    _join([first, thread], outcome)
    assert outcome == {"result": "RESULT", "id": "ID"}
    assert gate.batches == [["first"], ["id", "result"]]  # one commit, in order


def test_settling_waits_for_the_commit_and_raises_its_error() -> None:
    gate, group, first = _held()
    good, bad = group.commit_soon("good"), group.commit_soon("bad")
    outcomes: dict[str, str] = {}

    def settle(name: str, pending: Any) -> None:
        try:
            outcomes[name] = group.settle(pending)
        except StateError as err:
            outcomes[name] = f"error: {err.message}"

    threads = [
        threading.Thread(target=settle, args=(name, p))
        for name, p in (("good", good), ("bad", bad))
    ]
    for thread in threads:
        thread.start()
    while not (good.waiter.waited and bad.waiter.waited):  # both asleep on their records
        threading.Event().wait(0.01)
    gate.release.set()
    _join([first, *threads], outcomes)
    assert outcomes == {"good": "GOOD", "bad": "error: bad item"}


def test_an_unwaited_record_left_by_an_interrupted_leader_is_committed_by_its_settler() -> None:
    entered, release = threading.Event(), threading.Event()

    def one(item: str) -> str:
        if item == "leader":
            entered.set()
            release.wait(10)
            raise _Interrupted
        return item.upper()

    group: GroupCommit[str, str] = GroupCommit(lambda items: [i.upper() for i in items], one)

    def lead() -> None:
        with pytest.raises(_Interrupted):
            group.commit("leader")

    leader = threading.Thread(target=lead)
    leader.start()
    assert entered.wait(10)
    pending = group.commit_soon("left")
    release.set()
    leader.join(10)
    assert not pending.waiter.done  # queued, and nobody leads
    assert group.settle(pending) == "LEFT"
    assert group.commit("after") == "AFTER"


def test_many_writers_mixing_waited_and_unwaited_records_each_get_their_own_result() -> None:
    committed: list[int] = []
    lock = threading.Lock()

    def many(items: Sequence[int]) -> list[int]:
        with lock:
            committed.extend(items)
        return [i * 2 for i in items]

    def one(item: int) -> int:
        return many([item])[0]

    group: GroupCommit[int, int] = GroupCommit(many, one)
    results: dict[int, int] = {}

    def run(base: int) -> None:
        for i in range(base, base + 200, 2):
            pending = group.commit_soon(i)
            results[i + 1] = group.commit(i + 1)
            results[i] = group.settle(pending)

    _writers_at_once(run)
    assert results == {i: i * 2 for n in range(WRITERS) for i in range(n * 1000, n * 1000 + 200)}
    assert sorted(committed) == sorted(results)  # each once
    for n in range(WRITERS):  # each writer's records in the order it queued them
        mine = [i for i in committed if n * 1000 <= i < n * 1000 + 200]
        assert mine == sorted(mine)


def test_a_store_write_nobody_waits_for_lands_in_order(store: SqlStateStore) -> None:
    pending = store.put_resource_soon(KEY, value("a"))
    serial = store.put_resource(KEY, dataclasses.replace(value("a"), physical_id="final"))
    assert pending.wait() == serial - 1
    state = store.load(KEY)
    assert state.resources["a"].physical_id == "final"
    assert [v.operation for v in store.history(KEY)] == ["write a", "write a"]
