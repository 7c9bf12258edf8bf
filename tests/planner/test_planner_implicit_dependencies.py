"""Heat's implicit edges between network resources, from real template text.

Each case is a rule of a Heat plugin's ``add_dependencies``: a template written for Heat
counts on them (a server booted before its subnet exists gets no address)."""

from __future__ import annotations

from pathlib import Path

import pytest

from atonix_iac.errors import DependencyCycleError
from atonix_iac.planner import build_graph
from atonix_iac.planner.graph import ResourceGraph
from atonix_iac.planner.render.graph import render_graph
from atonix_iac.template import bind_parameters, load_template

HEAD = "heat_template_version: 2018-08-31\n"


def _graph(tmp_path: Path, body: str, **values: str) -> ResourceGraph:
    path = tmp_path / "stack.yaml"
    path.write_text(HEAD + body)
    template = load_template(str(path))
    params = bind_parameters(
        template, values, stack_name="s", stack_id="id", project_id="p", region="r"
    )
    return build_graph(template, params.values)


def _server(networks: str | None) -> str:
    """A server resource's text, with ``networks`` (YAML flow) if given."""
    text = "  server:\n    type: OS::Nova::Server\n"
    text += "    properties:\n      image: cirros\n      flavor: m1.small\n"
    return text + (f"      networks: {networks}\n" if networks else "")


SUBNET = """
  net: {type: OS::Neutron::Net}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.0.0.0/24}"""
NETWORK = (
    SUBNET
    + """
  other_net: {type: OS::Neutron::Net}
  other_subnet:
    type: OS::Neutron::Subnet
    properties: {network_id: {get_resource: other_net}, cidr: 10.1.0.0/24}
"""
)


def test_a_server_waits_for_the_subnets_of_its_networks_only(tmp_path: Path) -> None:
    g = _graph(
        tmp_path,
        "resources:" + NETWORK + "\n" + _server("[{network: {get_resource: net}}]"),
    )
    assert g.dependencies("server") == {"net", "subnet"}
    (source,) = g.edge_sources("subnet", "server")
    assert source.kind == "implicit"
    assert (source.location.line, source.location.column) == (17, 7)  # its `networks`
    assert "subnets of its networks" in (source.why or "")
    assert g.creation_order().index("subnet") < g.creation_order().index("server")


def test_a_server_on_a_port_waits_for_every_subnet(tmp_path: Path) -> None:
    """Heat: a network entry that names no network could be on any subnet."""
    g = _graph(
        tmp_path,
        "resources:"
        + NETWORK
        + """
  port:
    type: OS::Neutron::Port
    properties: {network: {get_resource: net}}
"""
        + _server("[{port: {get_resource: port}}]"),
    )
    assert g.dependencies("server") == {"port", "subnet", "other_subnet"}
    assert g.dependencies("port") == {"net", "subnet"}


def test_a_network_given_by_parameter_matches_the_same_parameter(tmp_path: Path) -> None:
    g = _graph(
        tmp_path,
        """parameters:
  net: {type: string, default: private}
resources:
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_param: net}, cidr: 10.0.0.0/24}
  elsewhere:
    type: OS::Neutron::Subnet
    properties: {network: public, cidr: 10.2.0.0/24}
  port:
    type: OS::Neutron::Port
    properties: {network: private}
"""
        + _server("[{network: {get_param: net}}]"),
    )
    assert g.dependencies("port") == {"subnet"}
    assert g.dependencies("server") == {"subnet"}


def test_a_server_without_networks_waits_for_nothing(tmp_path: Path) -> None:
    g = _graph(
        tmp_path,
        "resources:" + NETWORK + "\n" + _server(None),
    )
    assert g.dependencies("server") == set()


ROUTED = (
    "resources:"
    + SUBNET
    + """
  router: {type: OS::Neutron::Router}
  interface:
    type: OS::Neutron::RouterInterface
    properties: {router: {get_resource: router}, subnet: {get_resource: subnet}}
  gateway:
    type: OS::Neutron::RouterGateway
    properties: {router_id: {get_resource: router}, network: public}
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
      fixed_ips: [{subnet: {get_resource: subnet}}]
  bare_port:
    type: OS::Neutron::Port
    properties: {network: {get_resource: net}}
  fip:
    type: OS::Neutron::FloatingIP
    properties: {floating_network: public, port_id: {get_resource: port}}
  bare_fip:
    type: OS::Neutron::FloatingIP
    properties: {floating_network: public, port_id: {get_resource: bare_port}}
  lone_fip:
    type: OS::Neutron::FloatingIP
    properties: {floating_network: public}
  assoc_fip:
    type: OS::Neutron::FloatingIP
    properties: {floating_network: elsewhere}
  association:
    type: OS::Neutron::FloatingIPAssociation
    properties: {floatingip_id: {get_resource: assoc_fip}, port_id: {get_resource: port}}
  route:
    type: OS::Neutron::ExtraRoute
    properties: {router_id: {get_resource: router}, destination: 10.9.0.0/24, nexthop: 10.0.0.9}
"""
)


def test_floating_ips_wait_for_the_gateway_and_the_interface_to_their_port(
    tmp_path: Path,
) -> None:
    g = _graph(tmp_path, ROUTED)
    assert g.dependencies("fip") == {"port", "gateway", "interface"}
    # A port with no fixed IP, on a network whose subnet the interface is on.
    assert g.dependencies("bare_fip") == {"bare_port", "gateway", "interface"}
    assert g.dependencies("lone_fip") == {"gateway"}
    assert g.dependencies("association") == {"assoc_fip", "port", "interface"}


def test_gateways_and_routes_wait_for_the_routers_interfaces(tmp_path: Path) -> None:
    g = _graph(tmp_path, ROUTED)
    assert g.dependencies("gateway") == {"router", "interface"}
    assert g.dependencies("route") == {"router", "interface", "gateway"}
    order = g.deletion_order()
    assert order.index("gateway") < order.index("interface")  # removed before its interfaces


def test_a_router_with_a_gateway_waits_for_that_networks_subnets(tmp_path: Path) -> None:
    g = _graph(
        tmp_path,
        """resources:
  ext: {type: OS::Neutron::Net, properties: {value_specs: {"router:external": true}}}
  ext_subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: ext}, cidr: 172.24.0.0/24}
  router:
    type: OS::Neutron::Router
    properties: {external_gateway_info: {network: {get_resource: ext}}}
  fip:
    type: OS::Neutron::FloatingIP
    properties: {floating_network: {get_resource: ext}}
""",
    )
    assert g.dependencies("router") == {"ext", "ext_subnet"}
    assert g.dependencies("fip") == {"ext", "router"}


def test_resources_of_different_stacks_do_not_match(tmp_path: Path) -> None:
    """Heat matches within one stack: the members of a group are stacks of their own."""
    (tmp_path / "member.yaml").write_text(
        HEAD
        + """parameters:
  net: {type: string}
resources:
  port:
    type: OS::Neutron::Port
    properties: {network: {get_param: net}}
"""
    )
    g = _graph(
        tmp_path,
        """resources:
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: private, cidr: 10.0.0.0/24}
  member:
    type: member.yaml
    properties: {net: private}
""",
    )
    assert g.dependencies("member.port") == set()


def test_inactive_resources_are_not_matched(tmp_path: Path) -> None:
    g = _graph(
        tmp_path,
        """parameters:
  with_subnet: {type: boolean, default: false}
conditions:
  subnet_on: {get_param: with_subnet}
resources:
  subnet:
    type: OS::Neutron::Subnet
    condition: subnet_on
    properties: {network: private, cidr: 10.0.0.0/24}
  port:
    type: OS::Neutron::Port
    properties: {network: private}
""",
    )
    assert g.dependencies("port") == set()


def test_implicit_edges_are_drawn_dashed(tmp_path: Path) -> None:
    g = _graph(tmp_path, ROUTED)
    dot = render_graph(g, "dot")
    assert '"gateway" -> "interface" [style = "dashed"]' in dot  # dependent -> dependency
    assert '"gateway" -> "router";' in dot


def test_a_cycle_through_an_implicit_edge_names_the_heat_rule(tmp_path: Path) -> None:
    with pytest.raises(DependencyCycleError) as err:
        _graph(
            tmp_path,
            """resources:
  subnet:
    type: OS::Neutron::Subnet
    depends_on: [port]
    properties: {network: private, cidr: 10.0.0.0/24}
  port:
    type: OS::Neutron::Port
    properties: {network: private}
""",
        )
    (diag,) = err.value.diagnostics
    notes = [text for _, text in diag.related]
    assert any("port depends on subnet here (implicit: Heat creates a port" in n for n in notes)
    assert any("subnet depends on port here (depends_on)" in n for n in notes)
