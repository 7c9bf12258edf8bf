"""A valid sequential apply order for a plan's changes.

Creates, updates and replacements run after the resources they depend on. Deletes run in
reverse: a removed resource goes before anything it depended on is deleted or replaced (a
port before its network). A delete-then-create replacement deletes and recreates in its own
slot; a create-then-delete replacement creates in its slot and its old (deposed) object is
deleted by apply once the dependents have moved over. Ties are broken by deletes first (they
free quota), then by address, so the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterable

from atonix_iac.planner.digraph import Digraph, GraphCycleError
from atonix_iac.planner.plan import Action, ResourceChange

_Key = tuple[str, str]  # (address, deposed or "")


def _key(change: ResourceChange) -> _Key:
    return (change.address, change.deposed or "")


def _rank(change: ResourceChange) -> tuple[int, str, str]:
    return (0 if change.action is Action.DELETE else 1, change.address, change.deposed or "")


def order_changes(changes: Iterable[ResourceChange]) -> tuple[ResourceChange, ...]:
    """The changes in an order apply can run one by one."""
    given = tuple(changes)
    if _already_ordered(given):
        return given
    by_key = {_key(c): c for c in given}
    current = {c.address: c for c in by_key.values() if not c.deposed}
    g: Digraph[_Key] = Digraph(by_key)
    delete_edges: list[tuple[_Key, _Key]] = []
    deposed_by_address: dict[str, list[_Key]] = {}
    for key, change in by_key.items():
        for dependency in change.dependencies:
            target = current.get(dependency)
            if target is None:
                continue
            if change.action is Action.DELETE:
                if target.action is Action.DELETE or target.action.is_replace:
                    delete_edges.append((key, _key(target)))
            elif target.action is not Action.DELETE:
                g.add_edge(_key(target), key)
        if change.deposed and change.address in current:
            # A leftover deposed object goes once its replacement and its dependents are done.
            g.add_edge(_key(current[change.address]), key)
            deposed_by_address.setdefault(change.address, []).append(key)
    for key, change in by_key.items():
        if change.action is Action.DELETE:
            continue
        for dependency in change.dependencies:
            for deposed_key in deposed_by_address.get(dependency, ()):
                g.add_edge(key, deposed_key)
    for edge in delete_edges:
        g.add_edge(*edge)
    try:
        order = g.lexicographical_topological_sort(key=lambda k: _rank(by_key[k]))
    except GraphCycleError:
        # State recorded dependencies that now loop; drop the delete edges, keep the rest.
        for edge in dict.fromkeys(delete_edges):
            if g.has_edge(*edge):
                g.remove_edge(*edge)
        order = g.lexicographical_topological_sort(key=lambda k: _rank(by_key[k]))
    return tuple(by_key[k] for k in order)


def _already_ordered(changes: tuple[ResourceChange, ...]) -> bool:
    """True when nothing is deleted and every change follows its dependencies (the planner
    hands changes over in creation order, so no-op and create-only plans need no sort)."""
    position: dict[str, int] = {}
    for index, change in enumerate(changes):
        if change.action is Action.DELETE:
            return False
        position[change.address] = index
    return all(
        position.get(dependency, -1) < position[change.address]
        for change in changes
        for dependency in change.dependencies
    )
