from __future__ import annotations

import pytest
from _planner_kit import GetAttr, GetResource, loc, spec, template

from atonix_iac.errors import DependencyCycleError, TemplateError
from atonix_iac.planner import build_graph
from atonix_iac.template.model import NestedStack, OutputSpec


def test_references_and_depends_on_become_edges() -> None:
    g = build_graph(
        template(
            spec("net"),
            spec("subnet", properties={"network": GetResource("net")}),
            spec("server", properties={"ip": GetAttr("subnet", "cidr")}, depends_on=("net",)),
        )
    )
    assert g.dependencies("server") == {"subnet", "net"}
    assert g.dependents("net") == {"subnet", "server"}
    assert g.ancestors("server") == {"net", "subnet"}
    assert g.descendants("subnet") == {"server"}
    assert g.creation_order() == ["net", "subnet", "server"]
    assert g.deletion_order() == ["server", "subnet", "net"]


def test_creation_order_breaks_ties_by_name() -> None:
    g = build_graph(template(spec("c"), spec("a"), spec("b", properties={"x": GetResource("c")})))
    assert g.creation_order() == ["a", "c", "b"]


def test_dangling_reference_is_located_with_did_you_mean() -> None:
    with pytest.raises(TemplateError) as err:
        build_graph(
            template(
                spec("network"), spec("port", properties={"n": GetResource("netwrk", loc(9, 11))})
            )
        )
    (diag,) = err.value.diagnostics
    assert diag.location == loc(9, 11)
    assert "`port` refers to an undefined resource `netwrk`" in diag.message
    assert diag.hint == "did you mean `network`?"


def test_dangling_depends_on_is_reported_too() -> None:
    with pytest.raises(TemplateError) as err:
        build_graph(template(spec("a", depends_on=("ghost",), line=20)))
    assert err.value.diagnostics[0].location == loc(22, 5)


def test_cycle_reports_every_edge_with_its_location() -> None:
    with pytest.raises(DependencyCycleError) as err:
        build_graph(
            template(
                spec("web", properties={"db": GetAttr("db", "ip", location=loc(5, 9))}),
                spec("db", properties={"cache": GetResource("cache", location=loc(15, 9))}),
                spec("cache", depends_on=("web",), line=30),
                spec("unrelated"),
            )
        )
    (diag,) = err.value.diagnostics
    assert diag.message == "dependency cycle between cache, db, web"
    notes = [(str(where), note) for where, note in diag.related]
    assert notes == [
        ("stack.yaml:5:9", "web depends on db here (get_attr)"),
        ("stack.yaml:15:9", "db depends on cache here (get_resource)"),
        ("stack.yaml:32:5", "cache depends on web here (depends_on)"),
    ]
    assert "note: web depends on db here" in err.value.format()


def test_every_cycle_is_reported_and_self_reference_is_a_cycle() -> None:
    with pytest.raises(DependencyCycleError) as err:
        build_graph(
            template(
                spec("a", properties={"x": GetResource("b")}),
                spec("b", properties={"x": GetResource("a")}),
                spec("me", properties={"x": GetResource("me")}),
            )
        )
    messages = [d.message for d in err.value.diagnostics]
    assert messages == ["dependency cycle between a, b", "dependency cycle between me"]
    assert len(err.value.diagnostics[0].related) == 2


def _nested_template() -> NestedStack:
    return NestedStack(
        name="net",
        template_source="net.yaml",
        location=loc(40),
        resources=("net.network", "net.router"),
        outputs={
            "router_id": OutputSpec("router_id", GetResource("net.router"), loc(41)),
            "everything": OutputSpec(
                "everything", [GetResource("net.router"), GetAttr("net.network", "name")], loc(42)
            ),
        },
        resource_id="nested-net",
    )


def test_references_to_a_nested_stack_reach_the_inner_resources() -> None:
    g = build_graph(
        template(
            spec("net.network", parent="net"),
            spec("net.router", properties={"n": GetResource("net.network")}, parent="net"),
            spec("by_output", properties={"r": GetAttr("net", "router_id")}),
            spec("by_stack", properties={"s": GetResource("net")}),
            spec("by_inner", properties={"s": GetAttr("net", "resource.network.name")}),
            spec("by_depends", depends_on=("net",)),
            nested=(_nested_template(),),
        )
    )
    assert g.dependencies("by_output") == {"net.router"}
    assert g.dependencies("by_stack") == {"net.network", "net.router"}
    assert g.dependencies("by_inner") == {"net.network"}
    assert g.dependencies("by_depends") == {"net.network", "net.router"}
    (source,) = g.edge_sources("net.router", "by_output")
    assert source.via == "net" and source.kind == "get_attr"


def test_missing_nested_output_is_located() -> None:
    with pytest.raises(TemplateError) as err:
        build_graph(
            template(
                spec("net.network"),
                spec("net.router"),
                spec("user", properties={"r": GetAttr("net", "router_idd", location=loc(7, 8))}),
                nested=(_nested_template(),),
            )
        )
    (diag,) = err.value.diagnostics
    assert diag.location == loc(7, 8)
    assert "has no output `router_idd`" in diag.message
    assert diag.hint == "did you mean `router_id`?"


def test_to_dot_is_deterministic_and_points_at_dependencies() -> None:
    t = template(
        spec("b", properties={"x": GetResource("a")}),
        spec("a"),
        spec("c", depends_on=("a",)),
    )
    from atonix_iac.planner.render.graph import render_graph

    dot = render_graph(build_graph(t), "dot")
    assert dot == render_graph(build_graph(t), "dot")
    assert '"b" -> "a";' in dot
    assert '"c" -> "a" [style = "dashed"];' in dot
    assert '"a" [label = "a\\nTest::Value"];' in dot
    assert dot.startswith("digraph atonix {") and dot.endswith("}\n")
