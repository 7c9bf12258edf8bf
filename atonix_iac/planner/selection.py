"""``-target`` and ``-exclude``: which resources a partial plan considers.

Terraform's rule for targets (a target needs its dependencies; when destroying, its
dependents must go first) and OpenTofu's for excludes (what depends on an excluded resource
is excluded too; when destroying, what it depends on is kept). A nested stack's name stands
for every resource inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from atonix_iac.errors import Diagnostic, Severity, suggest
from atonix_iac.planner.digraph import Digraph
from atonix_iac.planner.graph import ResourceGraph
from atonix_iac.planner.plan import PlanMode
from atonix_iac.planner.reasons import PARTIAL_PLAN_WARNING


def select_addresses(
    graph: ResourceGraph,
    state_dependencies: Mapping[str, Sequence[str]],
    mode: PlanMode,
    targets: Sequence[str],
    excludes: Sequence[str],
) -> tuple[frozenset[str], list[Diagnostic]]:
    """The addresses to plan (template and state ones), and the warnings to show with it."""
    combined = graph.digraph()
    for address, dependencies in state_dependencies.items():
        if address in graph:
            continue
        combined.add_node(address)
        for dependency in dependencies:
            combined.add_edge(dependency, address)
    diagnostics = [Diagnostic(PARTIAL_PLAN_WARNING, severity=Severity.WARNING)]
    selected: set[str] = set(combined)
    destroying = mode is PlanMode.DESTROY
    if targets:
        chosen = _expand(combined, targets, "-target", diagnostics)
        needed = _ancestors(combined, chosen) if not destroying else _descendants(combined, chosen)
        selected &= chosen | needed
    if excludes:
        left_out = _expand(combined, excludes, "-exclude", diagnostics)
        also = (
            _descendants(combined, left_out) if not destroying else _ancestors(combined, left_out)
        )
        selected -= left_out | also
    return frozenset(selected), diagnostics


def _expand(
    g: Digraph[str], addresses: Iterable[str], flag: str, diagnostics: list[Diagnostic]
) -> set[str]:
    found: set[str] = set()
    nodes: list[str] = sorted(g)
    for address in addresses:
        prefix = f"{address}."
        matches = {n for n in nodes if n == address or n.startswith(prefix)}
        if not matches:
            diagnostics.append(
                Diagnostic(
                    f"{flag} {address} matches no resource in the template or the state",
                    severity=Severity.WARNING,
                    hint=suggest(address, nodes),
                )
            )
        found |= matches
    return found


def _ancestors(g: Digraph[str], addresses: set[str]) -> set[str]:
    out: set[str] = set()
    for address in addresses:
        if address not in out:
            out |= g.ancestors(address)
    return out


def _descendants(g: Digraph[str], addresses: set[str]) -> set[str]:
    out: set[str] = set()
    for address in addresses:
        if address not in out:
            out |= g.descendants(address)
    return out
