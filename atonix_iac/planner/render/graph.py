"""The dependency graph as a picture a reviewer reads in a pull request: Graphviz DOT or
Mermaid, nested stacks drawn as clusters, and, given a plan, each resource coloured by what
the plan does to it.

Arrows point from a resource to what it needs, as ``terraform graph`` draws them; a
``depends_on`` that no property reference backs is dashed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from atonix_iac.planner.graph import ResourceGraph
from atonix_iac.planner.plan import Action

FORMATS = ("dot", "mermaid")

# Planned action -> (word in the legend, fill colour): Terraform's plan colours.
_STYLE: dict[Action, tuple[str, str]] = {
    Action.CREATE: ("create", "#d4f7d4"),
    Action.UPDATE: ("update in place", "#fff3c4"),
    Action.DELETE: ("destroy", "#ffd6d6"),
    Action.DELETE_THEN_CREATE: ("replace", "#f3d6ff"),
    Action.CREATE_THEN_DELETE: ("replace", "#f3d6ff"),
    Action.READ: ("read (external_id)", "#d6ecff"),
}


@dataclass
class _Cluster:
    """One nesting level: the resources directly in it and its nested stacks."""

    nodes: list[str] = field(default_factory=list)
    children: dict[str, _Cluster] = field(default_factory=dict)


def _clusters(addresses: list[str]) -> _Cluster:
    """``net.router`` lives in cluster ``net``; ``a.b.c`` in ``a`` then ``a.b``."""
    root = _Cluster()
    for address in sorted(addresses):
        parts = address.split(".")
        here = root
        for depth in range(1, len(parts)):
            here = here.children.setdefault(".".join(parts[:depth]), _Cluster())
        here.nodes.append(address)
    return root


def render_graph(
    graph: ResourceGraph, fmt: str, actions: Mapping[str, Action] | None = None
) -> str:
    """``graph`` in ``fmt`` (``dot`` or ``mermaid``); ``actions`` colours planned changes."""
    if fmt == "mermaid":
        return _mermaid(graph, actions or {})
    return _dot(graph, actions or {})


def _types(graph: ResourceGraph) -> dict[str, str]:
    return graph.types()


def _dashed(graph: ResourceGraph, dependency: str, dependent: str) -> bool:
    kinds = {s.kind for s in graph.edge_sources(dependency, dependent)}
    return kinds <= {"depends_on", "implicit"}


# -- Graphviz ---------------------------------------------------------------------------------


def _dot(graph: ResourceGraph, actions: Mapping[str, Action]) -> str:
    types = _types(graph)
    lines = [
        "digraph atonix {",
        "  rankdir = LR;",
        '  node [shape = box, fontname = "monospace"];',
    ]

    def emit(cluster: _Cluster, indent: str) -> None:
        for name, child in sorted(cluster.children.items()):
            lines.append(f"{indent}subgraph {_dot_id('cluster_' + name)} {{")
            lines.append(f'{indent}  label = "{_escape(name)}"; style = "rounded";')
            emit(child, indent + "  ")
            lines.append(f"{indent}}}")
        for node in cluster.nodes:
            kind = types.get(node, "")
            label = f"{_escape(node)}\\n{_escape(kind)}" if kind else _escape(node)
            style = _STYLE.get(actions[node]) if node in actions else None
            fill = f', style = "filled", fillcolor = "{style[1]}"' if style else ""
            lines.append(f'{indent}{_dot_id(node)} [label = "{label}"{fill}];')

    emit(_clusters(list(types)), "  ")
    for dependency, dependent in sorted(graph.edges()):
        style = ' [style = "dashed"]' if _dashed(graph, dependency, dependent) else ""
        lines.append(f"  {_dot_id(dependent)} -> {_dot_id(dependency)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_id(text: str) -> str:
    return f'"{_escape(text)}"'


# -- Mermaid ----------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _mermaid(graph: ResourceGraph, actions: Mapping[str, Action]) -> str:
    types = _types(graph)
    ids = {node: f"r_{_UNSAFE.sub('_', node)}_{n}" for n, node in enumerate(sorted(types))}
    lines = ["flowchart LR"]

    def emit(cluster: _Cluster, indent: str) -> None:
        for name, child in sorted(cluster.children.items()):
            lines.append(f'{indent}subgraph c_{_UNSAFE.sub("_", name)}["{_label(name)}"]')
            emit(child, indent + "  ")
            lines.append(f"{indent}end")
        for node in cluster.nodes:
            kind = types.get(node, "")
            text = f"{_label(node)}<br/><small>{_label(kind)}</small>" if kind else _label(node)
            lines.append(f'{indent}{ids[node]}["{text}"]')

    emit(_clusters(list(types)), "  ")
    for dependency, dependent in sorted(graph.edges()):
        arrow = "-.->" if _dashed(graph, dependency, dependent) else "-->"
        lines.append(f"  {ids[dependent]} {arrow} {ids[dependency]}")
    used = sorted({actions[n] for n in types if n in actions and actions[n] in _STYLE})
    for action in used:
        word, colour = _STYLE[action]
        cls = _UNSAFE.sub("_", word)
        lines.append(f"  classDef {cls} fill:{colour},stroke:#555")
        members = ",".join(ids[n] for n in sorted(types) if actions.get(n) is action)
        lines.append(f"  class {members} {cls}")
    return "\n".join(lines) + "\n"


def _label(text: str) -> str:
    """Mermaid labels are quoted: a quote inside is its HTML entity."""
    return text.replace('"', "&quot;")
