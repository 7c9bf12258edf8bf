"""The parallel walker: order, bounded parallelism, stop-scheduling on failure, determinism."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atonix_iac.apply.walk import walk
from atonix_iac.errors import AtonixError, ResourceFailedError
from atonix_iac.planner.digraph import Digraph


def _dag(edges: list[tuple[str, str]], nodes: list[str] | None = None) -> Digraph[str]:
    graph: Digraph[str] = Digraph(nodes or [])
    for source, target in edges:
        graph.add_edge(source, target)
    return graph


class _Recorder:
    """Logs begin/end of visits and the highest number of visits running at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[tuple[str, str]] = []
        self.running = 0
        self.peak = 0

    def begin(self, node: str) -> None:
        with self.lock:
            self.log.append(("begin", node))
            self.running += 1
            self.peak = max(self.peak, self.running)

    def end(self, node: str) -> None:
        with self.lock:
            self.log.append(("end", node))
            self.running -= 1

    def index(self, event: str, node: str) -> int:
        return self.log.index((event, node))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
            st.integers(1, 4),
        )
    )
)
def test_every_node_starts_after_all_its_predecessors_ended(
    case: tuple[int, list[tuple[int, int]], int],
) -> None:
    n, pairs, parallelism = case
    nodes = [f"n{i}" for i in range(n)]
    edges = [(f"n{min(a, b)}", f"n{max(a, b)}") for a, b in pairs if a != b]
    graph = _dag(edges, nodes)
    rec = _Recorder()

    def visit(node: str) -> None:
        rec.begin(node)
        rec.end(node)

    result = walk(graph, visit, parallelism=parallelism)

    assert result.ok
    assert sorted(result.completed) == sorted(nodes)
    assert rec.peak <= parallelism
    for a, b in edges:
        assert rec.index("end", a) < rec.index("begin", b)


def test_parallelism_is_reached_and_never_exceeded() -> None:
    graph = _dag([], [f"n{i}" for i in range(9)])
    rec = _Recorder()
    # Three visits must be running together to pass the barrier: proves the pool really runs
    # `parallelism` visits at once (a lower bound would deadlock and break the barrier).
    barrier = threading.Barrier(3, timeout=30)

    def visit(node: str) -> None:
        rec.begin(node)
        barrier.wait()
        rec.end(node)

    result = walk(graph, visit, parallelism=3)

    assert result.ok
    assert rec.peak == 3


def test_failure_stops_scheduling_lets_in_flight_finish_and_skips_the_rest() -> None:
    # fail and slow start together; slow is still running when fail's failure is taken into
    # account, then finishes; after_slow (ready only then) and after_fail are never started.
    graph = _dag(
        [("slow", "after_slow"), ("fail", "after_fail")],
        ["fail", "slow", "after_slow", "after_fail", "independent"],
    )
    failure_seen = threading.Event()
    visited: list[str] = []

    def visit(node: str) -> None:
        visited.append(node)
        if node == "fail":
            raise ResourceFailedError("boom", address=node)
        if node == "slow":
            assert failure_seen.wait(timeout=30)

    def settled(node: str, error: AtonixError | None) -> None:
        if node == "fail":
            failure_seen.set()

    result = walk(graph, visit, parallelism=2, on_settled=settled)

    assert [n for n, _ in result.failed] == ["fail"]
    assert result.completed == ("slow",)
    assert set(result.skipped) == {"after_slow", "after_fail", "independent"}
    assert sorted(visited) == ["fail", "slow"]
    assert not result.ok
    # Only after_fail depends on the failure; the others were left because the walk stopped.
    assert result.blocked_by == {"after_fail": "fail"}


def test_keep_going_skips_only_the_failures_descendants() -> None:
    graph = _dag(
        [("fail", "child"), ("child", "grandchild"), ("ok", "joined"), ("fail", "joined")],
        ["fail", "ok", "child", "grandchild", "joined", "independent", "after_independent"],
    )
    graph.add_edge("independent", "after_independent")

    def visit(node: str) -> None:
        if node == "fail":
            raise ResourceFailedError("boom", address=node)

    for parallelism in (1, 3):
        result = walk(graph, visit, parallelism=parallelism, keep_going=True)

        assert [n for n, _ in result.failed] == ["fail"]
        assert set(result.completed) == {"ok", "independent", "after_independent"}
        assert set(result.skipped) == {"child", "grandchild", "joined"}
        assert result.blocked_by == {"child": "fail", "grandchild": "fail", "joined": "fail"}


def test_ties_are_broken_by_sort_key_then_insertion_order() -> None:
    graph = _dag([("root", "c"), ("root", "a"), ("root", "b")], ["root"])
    order: list[str] = []

    walk(graph, order.append, parallelism=1)
    assert order == ["root", "c", "a", "b"]

    order.clear()
    walk(graph, order.append, parallelism=1, sort_key=str)
    assert order == ["root", "a", "b", "c"]


def test_a_bug_in_a_visit_is_re_raised_after_in_flight_work() -> None:
    graph = _dag([("bug", "later")], ["bug", "later"])

    def visit(node: str) -> None:
        if node == "bug":
            raise KeyError(node)

    with pytest.raises(KeyError):
        walk(graph, visit)


def test_a_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match="acyclic"):
        walk(_dag([("a", "b"), ("b", "a")]), lambda node: None)


def test_a_delayed_node_waits_without_holding_a_slot() -> None:
    """``b`` waits 0.5s once ``a`` is done; with one slot, ``c`` (ordered last) runs in that
    wait, and a failure during a wait leaves the waiting node unstarted."""
    import time

    started: dict[str, float] = {}
    delayed: list[tuple[str, float]] = []

    def visit(node: str) -> None:
        started[node] = time.monotonic()
        if node == "c":
            time.sleep(0.1)

    graph = _dag([("a", "b")], ["a", "b", "c"])
    order = {"a": 0, "b": 1, "c": 2}
    result = walk(
        graph,
        visit,
        parallelism=1,
        sort_key=order.__getitem__,
        delay=lambda node: 0.5 if node == "b" else 0.0,
        on_delayed=lambda node, seconds: delayed.append((node, seconds)),
    )
    assert result.ok
    assert delayed == [("b", 0.5)]
    assert started["a"] < started["c"] < started["b"]
    assert started["b"] - started["a"] >= 0.5

    def fails(node: str) -> None:
        if node == "c":
            raise ResourceFailedError("c broke")

    result = walk(graph, fails, parallelism=1, sort_key=order.__getitem__, delay=lambda _: 0.3)
    assert [node for node, _ in result.failed] == ["c"]
    assert result.completed == ("a",) and result.skipped == ("b",)


def test_stop_starts_nothing_more_and_lets_in_flight_visits_finish() -> None:
    """``stop`` (a cancelled run): asked before each start; once True the walk ends as after a
    failure, except that nothing failed: what never started is skipped."""
    graph = _dag([("a", "b"), ("b", "c"), ("x", "y")])
    visited: list[str] = []
    asked: list[list[str]] = []

    def stop() -> bool:
        asked.append(list(visited))
        return "b" in visited

    result = walk(graph, visited.append, parallelism=1, sort_key=str, stop=stop)
    assert result.stopped
    assert not result.ok and result.failed == ()
    assert "c" in result.skipped and "c" not in visited
    assert set(result.completed) == set(visited)
    assert asked[0] == []  # asked before the very first start


def test_stop_never_true_changes_nothing() -> None:
    graph = _dag([("a", "b")])
    result = walk(graph, lambda node: None, stop=lambda: False)
    assert result.ok and not result.stopped and result.completed == ("a", "b")
