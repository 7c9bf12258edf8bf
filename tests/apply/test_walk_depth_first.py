"""The walker gives free slots to what became ready last, so slow chain ends stay in flight."""

from __future__ import annotations

import threading

from atonix_iac.apply.walk import walk
from atonix_iac.planner.digraph import Digraph


def _ports_and_servers(count: int) -> Digraph[str]:
    """net -> port{i} -> server{i}, nodes in plan order: every port before any server."""
    graph: Digraph[str] = Digraph(["net", *(f"port{i}" for i in range(count))])
    for i in range(count):
        graph.add_node(f"server{i}")
    for i in range(count):
        graph.add_edge("net", f"port{i}")
    for i in range(count):
        graph.add_edge(f"port{i}", f"server{i}")
    return graph


def test_a_completed_port_hands_its_slot_to_its_server() -> None:
    order: list[str] = []
    walk(_ports_and_servers(3), order.append, parallelism=1)
    assert order == ["net", "port0", "server0", "port1", "server1", "port2", "server2"]


def test_slow_servers_fill_the_slots_while_ports_wait() -> None:
    # Two slots; servers block until told to finish. Depth first, both slots hold servers
    # before the third port starts (breadth first would start all four ports first).
    graph = _ports_and_servers(4)
    release = threading.Event()
    lock = threading.Lock()
    started: list[str] = []
    two_servers = threading.Event()

    def visit(node: str) -> None:
        with lock:
            started.append(node)
            if sum(n.startswith("server") for n in started) == 2:
                two_servers.set()
        if node.startswith("server"):
            assert release.wait(timeout=30)

    def watcher() -> None:
        assert two_servers.wait(timeout=30)
        with lock:
            snapshot = list(started)
        release.set()
        seen.extend(snapshot)

    seen: list[str] = []
    thread = threading.Thread(target=watcher)
    thread.start()
    result = walk(graph, visit, parallelism=2)
    thread.join()

    assert result.ok
    assert sorted(seen) == ["net", "port0", "port1", "server0", "server1"]
