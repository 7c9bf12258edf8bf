"""A small directed graph on plain dicts: what planning needs of one, without networkx.

Importing networkx costs ~0.15-0.2 CPU s (its backends scan the installed distributions'
entry points), more than planning 1,000 resources. Planning needs only adjacency, a
lexicographical topological sort, and ancestors/descendants; those are a few lines each.
networkx stays for what is rare: cycle reports (``graph.py`` hands a cyclic graph to it).
Apply's step scheduler (``apply/schedule.py``, ``walk.py``) uses this graph too.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, Generic, TypeVar

N = TypeVar("N", bound=Hashable)


class GraphCycleError(Exception):
    """The graph has a cycle, so it has no topological order."""


class Digraph(Generic[N]):
    """Nodes in insertion order; each node's successors and predecessors as ordered sets."""

    __slots__ = ("_pred", "_succ")

    def __init__(self, nodes: Iterable[N] = ()) -> None:
        self._succ: dict[N, dict[N, None]] = {}
        self._pred: dict[N, dict[N, None]] = {}
        for node in nodes:
            self.add_node(node)

    def add_node(self, node: N) -> None:
        if node not in self._succ:
            self._succ[node] = {}
            self._pred[node] = {}

    def add_edge(self, source: N, target: N) -> None:
        """``source -> target``, adding either node if it is new."""
        self.add_node(source)
        self.add_node(target)
        self._succ[source][target] = None
        self._pred[target][source] = None

    def remove_node(self, node: N) -> None:
        """``node`` and every edge to or from it."""
        for successor in self._succ.pop(node):
            del self._pred[successor][node]
        for predecessor in self._pred.pop(node):
            del self._succ[predecessor][node]

    def remove_edge(self, source: N, target: N) -> None:
        del self._succ[source][target]
        del self._pred[target][source]

    def has_edge(self, source: N, target: N) -> bool:
        successors = self._succ.get(source)
        return successors is not None and target in successors

    def __contains__(self, node: object) -> bool:
        return node in self._succ

    def __len__(self) -> int:
        return len(self._succ)

    def __iter__(self) -> Iterator[N]:
        return iter(self._succ)

    def successors(self, node: N) -> Iterable[N]:
        return self._succ[node].keys()

    def predecessors(self, node: N) -> Iterable[N]:
        return self._pred[node].keys()

    def in_degree(self, node: N) -> int:
        return len(self._pred[node])

    def edges(self) -> Iterator[tuple[N, N]]:
        for source, successors in self._succ.items():
            for target in successors:
                yield source, target

    def copy(self) -> Digraph[N]:
        clone: Digraph[N] = Digraph()
        clone._succ = {node: dict(successors) for node, successors in self._succ.items()}
        clone._pred = {node: dict(predecessors) for node, predecessors in self._pred.items()}
        return clone

    def subgraph(self, nodes: Iterable[N]) -> Digraph[N]:
        """A copy holding just ``nodes`` (those in the graph) and the edges between them."""
        keep = {node for node in nodes if node in self._succ}
        sub: Digraph[N] = Digraph()
        for node in self._succ:
            if node in keep:
                sub._succ[node] = {t: None for t in self._succ[node] if t in keep}
                sub._pred[node] = {s: None for s in self._pred[node] if s in keep}
        return sub

    def ancestors(self, node: N) -> set[N]:
        """Every node with a path to ``node`` (``node`` itself excluded)."""
        return _reachable(self._pred, node)

    def descendants(self, node: N) -> set[N]:
        """Every node reachable from ``node`` (``node`` itself excluded)."""
        return _reachable(self._succ, node)

    def lexicographical_topological_sort(self, key: Callable[[N], Any] | None = None) -> list[N]:
        """Every node after its predecessors; among the nodes ready at once, the smallest
        ``key`` (the node itself by default) first, then insertion order. Raises
        ``GraphCycleError`` if there is a cycle. The same order as networkx's function of this
        name."""
        ordinal = {node: index for index, node in enumerate(self._succ)}
        if key is None:
            entry: Callable[[N], tuple[Any, int, N]] = lambda n: (n, ordinal[n], n)  # noqa: E731
        else:
            sort_key = key
            entry = lambda n: (sort_key(n), ordinal[n], n)  # noqa: E731
        waiting = {node: len(preds) for node, preds in self._pred.items() if preds}
        ready = [entry(node) for node, preds in self._pred.items() if not preds]
        heapq.heapify(ready)
        order: list[N] = []
        while ready:
            node = heapq.heappop(ready)[2]
            order.append(node)
            for child in self._succ[node]:
                left = waiting[child] - 1
                if left:
                    waiting[child] = left
                else:
                    del waiting[child]
                    heapq.heappush(ready, entry(child))
        if waiting:
            raise GraphCycleError("the graph has a cycle")
        return order

    def is_acyclic(self) -> bool:
        """No cycle (Kahn's algorithm: every node can be taken once its predecessors are)."""
        waiting = {node: len(preds) for node, preds in self._pred.items()}
        free = [node for node, count in waiting.items() if not count]
        taken = 0
        while free:
            node = free.pop()
            taken += 1
            for child in self._succ[node]:
                waiting[child] -= 1
                if not waiting[child]:
                    free.append(child)
        return taken == len(self._succ)

    def find_cycle(self) -> list[N]:
        """The nodes of one cycle in path order (the first back to the last closes it), or
        ``[]`` if there is none."""
        done: set[N] = set()
        for root in self._succ:
            if root in done:
                continue
            path: list[N] = [root]
            on_path = {root: 0}
            todo: list[Iterator[N]] = [iter(self._succ[root])]
            while todo:
                child = next(todo[-1], None)
                if child is None:
                    todo.pop()
                    finished = path.pop()
                    del on_path[finished]
                    done.add(finished)
                elif child in on_path:
                    return path[on_path[child] :]
                elif child not in done:
                    on_path[child] = len(path)
                    path.append(child)
                    todo.append(iter(self._succ[child]))
        return []


def _reachable(adjacency: dict[N, dict[N, None]], start: N) -> set[N]:
    seen: set[N] = set()
    stack = list(adjacency[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(n for n in adjacency[node] if n not in seen)
    seen.discard(start)
    return seen
