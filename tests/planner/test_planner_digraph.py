"""The planner's dict-based graph orders, and finds ancestors and descendants, exactly as
networkx (which it replaced on the plan path) does."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from atonix_iac.planner.digraph import Digraph, GraphCycleError


def _random_dag(seed: int) -> tuple[Digraph[str], nx.DiGraph]:
    rng = random.Random(seed)
    names = [f"r{rng.randrange(1000):03d}_{i}" for i in range(rng.randrange(1, 60))]
    rng.shuffle(names)
    ours: Digraph[str] = Digraph(names)
    theirs = nx.DiGraph()
    theirs.add_nodes_from(names)
    for later in range(len(names)):
        for _ in range(rng.randrange(4)):
            earlier = rng.randrange(later + 1)
            if earlier != later:
                ours.add_edge(names[earlier], names[later])
                theirs.add_edge(names[earlier], names[later])
    return ours, theirs


@pytest.mark.parametrize("seed", range(30))
def test_orders_and_reachability_match_networkx(seed: int) -> None:
    ours, theirs = _random_dag(seed)
    assert ours.lexicographical_topological_sort() == list(
        nx.lexicographical_topological_sort(theirs)
    )

    def key(name: str) -> tuple[str, str]:
        return (name[-1], name)

    assert ours.lexicographical_topological_sort(key=key) == list(
        nx.lexicographical_topological_sort(theirs, key=key)
    )
    for node in theirs:
        assert ours.ancestors(node) == nx.ancestors(theirs, node)
        assert ours.descendants(node) == nx.descendants(theirs, node)
    keep = list(theirs)[::2]
    assert sorted(ours.subgraph(keep).edges()) == sorted(theirs.subgraph(keep).edges)


def test_a_cycle_has_no_order() -> None:
    graph: Digraph[str] = Digraph()
    graph.add_edge("a", "b")
    graph.add_edge("b", "c")
    graph.add_edge("c", "b")
    with pytest.raises(GraphCycleError):
        graph.lexicographical_topological_sort()
    graph.remove_edge("c", "b")
    assert graph.lexicographical_topological_sort() == ["a", "b", "c"]


def test_a_self_loop_is_a_cycle_and_not_its_own_ancestor() -> None:
    graph: Digraph[str] = Digraph()
    graph.add_edge("a", "a")
    with pytest.raises(GraphCycleError):
        graph.lexicographical_topological_sort()
    assert graph.ancestors("a") == set()
    assert graph.descendants("a") == set()


@pytest.mark.parametrize("seed", range(30))
def test_cycles_in_degrees_and_node_removal_match_networkx(seed: int) -> None:
    """What apply's scheduler asks of the graph: with a random back edge added, the same
    verdict on cycles, and a cycle found is a real one."""
    ours, theirs = _random_dag(seed)
    assert ours.is_acyclic() and ours.find_cycle() == []
    for node in theirs:
        assert ours.in_degree(node) == theirs.in_degree(node)
    rng = random.Random(seed)
    nodes = list(theirs)
    source, target = rng.choice(nodes), rng.choice(nodes)
    ours.add_edge(source, target)
    theirs.add_edge(source, target)
    assert ours.is_acyclic() == nx.is_directed_acyclic_graph(theirs)
    cycle = ours.find_cycle()
    assert bool(cycle) != ours.is_acyclic()
    for a, b in zip(cycle, [*cycle[1:], *cycle[:1]], strict=True):
        assert ours.has_edge(a, b)
    removed = rng.choice(nodes)
    ours.remove_node(removed)
    theirs.remove_node(removed)
    assert list(ours) == list(theirs)
    assert sorted(ours.edges()) == sorted(theirs.edges)
