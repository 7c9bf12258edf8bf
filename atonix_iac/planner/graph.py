"""The dependency graph of a template's resources.

Edge ``a -> b`` means ``b`` depends on ``a`` (``b`` refers to ``a`` through ``get_resource``,
``get_attr`` or ``depends_on``, or one of Heat's implicit rules in ``planner.implicit`` says
so). References to a nested stack are expanded to the inner resources they really need, so
the graph only ever holds flat resource addresses. Every edge remembers where it was written,
so a cycle can be reported edge by edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atonix_iac.errors import (
    DependencyCycleError,
    Diagnostic,
    SourceLocation,
    TemplateError,
    suggest,
)
from atonix_iac.planner.digraph import Digraph, GraphCycleError
from atonix_iac.planner.implicit import implicit_edges
from atonix_iac.template.expr import Reference, iter_references
from atonix_iac.template.model import NestedStack, ResourceSpec, Template
from atonix_iac.template.spec_references import resource_references

if TYPE_CHECKING:
    import networkx as nx

_RESOURCE_ATTR_PREFIX = "resource."
# AWS::CloudFormation::Stack's outputs: ``get_attr [stack, Outputs.<name>]``.
CFN_OUTPUT_PREFIX = "Outputs."


@dataclass(frozen=True, slots=True)
class EdgeSource:
    """Why one resource depends on another: the reference and where it is written."""

    kind: str  # "get_resource", "get_attr", "depends_on" or "implicit"
    location: SourceLocation
    via: str | None = None  # the nested stack the reference went through, if any
    why: str | None = None  # for an implicit edge: the Heat rule that adds it


class ResourceGraph:
    """A DAG over resource addresses; orders are computed once and cached."""

    def __init__(
        self,
        graph: Digraph[str],
        types: dict[str, str],
        sources: dict[tuple[str, str], list[EdgeSource]],
        order: tuple[str, ...] | None = None,
    ) -> None:
        self._g = graph
        self._types = types
        self._sources = sources
        self._sorted = order

    def restricted_to(self, addresses: Iterable[str]) -> ResourceGraph:
        """The graph of just ``addresses`` and the edges between them."""
        sub = self._g.subgraph(addresses)
        types = {node: self._types.get(node, "") for node in sub}
        sources = {edge: list(self._sources[edge]) for edge in sub.edges()}
        return ResourceGraph(sub, types, sources)

    def __contains__(self, address: object) -> bool:
        return address in self._g

    def __len__(self) -> int:
        return len(self._g)

    def addresses(self) -> list[str]:
        return list(self._g)

    def types(self) -> dict[str, str]:
        """Each address's resource type."""
        return {node: self._types.get(node, "") for node in self._g}

    def edges(self) -> list[tuple[str, str]]:
        """Every ``(dependency, dependent)`` pair."""
        return list(self._g.edges())

    def digraph(self) -> Digraph[str]:
        """A copy of the graph, to extend (``-target`` adds the state's addresses)."""
        return self._g.copy()

    @property
    def _order(self) -> tuple[str, ...]:
        if self._sorted is None:
            self._sorted = tuple(self._g.lexicographical_topological_sort())
        return self._sorted

    def creation_order(self) -> list[str]:
        """Every address after its dependencies; ties broken by name, so it is stable."""
        return list(self._order)

    def deletion_order(self) -> list[str]:
        """Dependents before what they depend on."""
        return list(reversed(self._order))

    def dependencies(self, address: str) -> set[str]:
        return set(self._g.predecessors(address))

    def dependents(self, address: str) -> set[str]:
        return set(self._g.successors(address))

    def ancestors(self, address: str) -> set[str]:
        return self._g.ancestors(address)

    def descendants(self, address: str) -> set[str]:
        return self._g.descendants(address)

    def edge_sources(self, dependency: str, dependent: str) -> tuple[EdgeSource, ...]:
        return tuple(self._sources.get((dependency, dependent), ()))


def build_graph(template: Template, parameters: Mapping[str, Any] | None = None) -> ResourceGraph:
    """The graph of ``template``; raises a located TemplateError for dangling references and
    a DependencyCycleError (every edge of every cycle located) for loops.

    Heat's implicit edges (``planner.implicit``) are matched on property values; with the
    bound ``parameters`` a ``get_param`` takes part in the match, without them it does not."""
    builder = _GraphBuilder(template)
    graph = builder.build()
    builder.add_implicit(graph, parameters or {})
    cycles: list[Diagnostic] = []
    try:
        order = graph.lexicographical_topological_sort()
    except GraphCycleError:  # dangling references add no edge: loops still show
        cycles = _cycle_diagnostics(_to_networkx(graph, builder.sources))
    if builder.diagnostics:
        raise TemplateError(diagnostics=[*builder.diagnostics, *cycles])
    if cycles:
        raise DependencyCycleError(diagnostics=cycles)
    return ResourceGraph(graph, builder.types, builder.sources, tuple(order))


def _to_networkx(
    graph: Digraph[str], sources: dict[tuple[str, str], list[EdgeSource]]
) -> nx.DiGraph:
    """The graph in networkx, for its strongly connected components (only when there is a
    cycle to report: importing networkx costs more than planning a small stack)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(graph)
    for edge in graph.edges():
        g.add_edge(*edge, sources=sources[edge])
    return g


class _GraphBuilder:
    def __init__(self, template: Template) -> None:
        self.template = template
        self.diagnostics: list[Diagnostic] = []
        self._output_targets: dict[tuple[str, str], frozenset[str]] = {}
        self._expanding: set[tuple[str, str]] = set()
        self.types: dict[str, str] = {}
        self.sources: dict[tuple[str, str], list[EdgeSource]] = {}

    def build(self) -> Digraph[str]:
        g: Digraph[str] = Digraph()
        for name, spec in self.template.resources.items():
            g.add_node(name)
            self.types[name] = spec.type
        for name, spec in self.template.resources.items():
            for target, source in self._dependencies_of(spec):
                self._record(g, target, name, source)
        return g

    def add_implicit(self, g: Digraph[str], parameters: Mapping[str, Any]) -> None:
        explicit = {name: set(g.predecessors(name)) for name in self.template.resources}
        for edge in implicit_edges(self.template, explicit, parameters):
            source = EdgeSource("implicit", edge.location, why=edge.why)
            self._record(g, edge.dependency, edge.dependent, source)

    def _record(self, g: Digraph[str], dependency: str, dependent: str, source: EdgeSource) -> None:
        """One more reason for the edge; the edge itself is added once."""
        known = self.sources.get((dependency, dependent))
        if known is not None:
            known.append(source)
        else:
            g.add_edge(dependency, dependent)
            self.sources[(dependency, dependent)] = [source]

    def _dependencies_of(self, spec: ResourceSpec) -> Iterator[tuple[str, EdgeSource]]:
        if spec.external_id is not None:
            self._refuse_external_dependencies(spec)
            return
        for ref in resource_references(spec).all:
            kind = "get_resource" if ref.attribute is None else "get_attr"
            for target, via in self._targets(ref, spec.name):
                yield target, EdgeSource(kind, ref.location, via)
        for name, location in spec.depends_on:
            for target, via in self._targets(Reference(name, None, location), spec.name):
                yield target, EdgeSource("depends_on", location, via)

    def _refuse_external_dependencies(self, spec: ResourceSpec) -> None:
        """Heat: an external resource depends on no other resource (a ``depends_on`` is
        InvalidExternalResourceDependency; references in its properties are ignored, since
        they are not used)."""
        for name, location in spec.depends_on:
            self.diagnostics.append(
                Diagnostic(
                    f"Invalid dependency with external {spec.type} resource `{spec.name}`:"
                    f" depends_on `{name}`",
                    location,
                    hint="a resource adopted through external_id depends on no other resource",
                )
            )
        for ref in resource_references(spec).external_id:
            self.diagnostics.append(
                Diagnostic(
                    f"the external_id of `{spec.name}` refers to resource `{ref.resource}`",
                    ref.location,
                    hint="a resource adopted through external_id depends on no other "
                    "resource; use a literal or a parameter",
                )
            )

    def _targets(self, ref: Reference, owner: str) -> Iterator[tuple[str, str | None]]:
        """The flat addresses a reference needs (one, or the inner resources of a stack)."""
        name = ref.resource
        if name in self.template.resources:
            yield name, None
            return
        nested = self.template.nested_stacks.get(name)
        if nested is None:
            self._dangling(ref, owner)
            return
        for target in sorted(self._nested_targets(nested, ref)):
            yield target, name

    def _nested_targets(self, nested: NestedStack, ref: Reference) -> frozenset[str]:
        attribute = ref.attribute
        if attribute is None:
            output = nested.outputs.get("OS::stack_id")
            if output is None:
                return frozenset(nested.resources)
            return self._output_dependencies(nested, output.name, ref)
        if nested.stack_resource and attribute in ("outputs", "stack_name"):
            return self._stack_outputs_targets(nested, ref)
        if nested.stack_resource and attribute.startswith(CFN_OUTPUT_PREFIX):
            attribute = attribute[len(CFN_OUTPUT_PREFIX) :]
        if attribute.startswith(_RESOURCE_ATTR_PREFIX):
            inner = attribute[len(_RESOURCE_ATTR_PREFIX) :].split(".", 1)[0]
            inner_ref = Reference(f"{nested.name}.{inner}", None, ref.location)
            inner_stack = self.template.nested_stacks.get(inner_ref.resource)
            if inner_stack is not None:
                return frozenset(inner_stack.resources)
            return frozenset(t for t, _ in self._targets(inner_ref, nested.name))
        if attribute not in nested.outputs:
            self.diagnostics.append(
                Diagnostic(
                    f"nested stack `{nested.name}` ({nested.template_source}) has no output "
                    f"`{attribute}`",
                    ref.location,
                    hint=suggest(attribute, nested.outputs),
                )
            )
            return frozenset()
        return self._output_dependencies(nested, attribute, ref)

    def _stack_outputs_targets(self, nested: NestedStack, ref: Reference) -> frozenset[str]:
        """OS::Heat::Stack: ``outputs`` (one output, named by the path, or all of them)."""
        if ref.attribute == "stack_name":
            return frozenset()
        if ref.path:
            # A name that is no output reads None, as Heat's path into the outputs map does.
            name = str(ref.path[0])
            if name not in nested.outputs:
                return frozenset()
            return self._output_dependencies(nested, name, ref)
        found: set[str] = set()
        for name in nested.outputs:
            found |= self._output_dependencies(nested, name, ref)
        return frozenset(found)

    def _output_dependencies(
        self, nested: NestedStack, output: str, ref: Reference
    ) -> frozenset[str]:
        key = (nested.name, output)
        cached = self._output_targets.get(key)
        if cached is not None:
            return cached
        if key in self._expanding:  # outputs referring to each other: the cycle is the loader's
            return frozenset()
        self._expanding.add(key)
        found: set[str] = set()
        for inner_ref in iter_references(nested.outputs[output].value):
            found.update(t for t, _ in self._targets(inner_ref, nested.name))
        self._expanding.discard(key)
        result = frozenset(found)
        self._output_targets[key] = result
        return result

    def _dangling(self, ref: Reference, owner: str) -> None:
        candidates = [*self.template.resources, *self.template.nested_stacks]
        self.diagnostics.append(
            Diagnostic(
                f"`{owner}` refers to an undefined resource `{ref.resource}`",
                ref.location,
                hint=suggest(ref.resource, candidates),
            )
        )


def _cycle_diagnostics(g: nx.DiGraph) -> list[Diagnostic]:
    """One diagnostic per strongly connected component, naming every edge inside it."""
    import networkx as nx

    diagnostics: list[Diagnostic] = []
    components = [c for c in nx.strongly_connected_components(g) if _is_cyclic(g, c)]
    for component in sorted(components, key=lambda c: sorted(c)):
        members = set(component)
        related: list[tuple[SourceLocation, str]] = []
        for dependency, dependent in sorted(g.subgraph(members).edges):
            for source in g.edges[dependency, dependent]["sources"]:
                via = f" via nested stack `{source.via}`" if source.via else ""
                via += f": {source.why}" if source.why else ""
                related.append(
                    (
                        source.location,
                        f"{dependent} depends on {dependency} here ({source.kind}{via})",
                    )
                )
        related.sort()
        names = ", ".join(sorted(members))
        diagnostics.append(
            Diagnostic(
                f"dependency cycle between {names}",
                related[0][0] if related else None,
                hint="break the loop: remove one of the references below",
                related=tuple(related),
            )
        )
    return diagnostics


def _is_cyclic(g: nx.DiGraph, component: set[str]) -> bool:
    if len(component) > 1:
        return True
    (only,) = component
    return bool(g.has_edge(only, only))
