"""Heat's hidden ordering between network resources.

Some Neutron and Nova calls succeed only once a resource the template never names is there:
a server or port booted on a network before its subnet exists gets no address, a floating
IP needs the router interface that reaches its port's subnet, a gateway must go after the
interfaces of its router. Heat's plugins add these edges in ``add_dependencies``; a template
written for Heat relies on them, so the graph adds the same ones, matched the way Heat does:
on property values as far as they are known before anything exists (``get_resource`` is the
resource's name, an attribute is not known). Only resources of one stack are matched.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from atonix_iac.errors import AtonixError, SourceLocation
from atonix_iac.planner.evaluation import PlanContext, resolve_value
from atonix_iac.template.model import ResourceSpec, Template
from atonix_iac.template.values import UNKNOWN, unwrap

SERVER = "OS::Nova::Server"
PORT = "OS::Neutron::Port"
SUBNET = "OS::Neutron::Subnet"
ROUTER = "OS::Neutron::Router"
ROUTER_INTERFACE = "OS::Neutron::RouterInterface"
ROUTER_GATEWAY = "OS::Neutron::RouterGateway"
FLOATING_IP = "OS::Neutron::FloatingIP"
FLOATING_IP_ASSOCIATION = "OS::Neutron::FloatingIPAssociation"
FLOATING_IP_PORT_FORWARD = "OS::Neutron::FloatingIPPortForward"
EXTRA_ROUTE = "OS::Neutron::ExtraRoute"
EXTRA_ROUTE_SET = "OS::Neutron::ExtraRouteSet"

_DEPENDENTS = frozenset(
    {
        SERVER,
        PORT,
        ROUTER,
        ROUTER_GATEWAY,
        FLOATING_IP,
        FLOATING_IP_ASSOCIATION,
        FLOATING_IP_PORT_FORWARD,
        EXTRA_ROUTE,
        EXTRA_ROUTE_SET,
    }
)


@dataclass(frozen=True, slots=True)
class ImplicitEdge:
    """``dependent`` waits for ``dependency``; ``why`` says which Heat rule asks for it."""

    dependency: str
    dependent: str
    location: SourceLocation
    why: str


def implicit_edges(
    template: Template, explicit: Mapping[str, set[str]], parameters: Mapping[str, Any]
) -> Iterator[ImplicitEdge]:
    """The edges Heat adds that no reference in ``template`` writes. ``explicit`` maps each
    address to what it already depends on (the floating IP rules look at those ports)."""
    specs = template.resources
    if not any(spec.type in _DEPENDENTS for spec in specs.values()):
        return
    stacks: dict[str | None, list[ResourceSpec]] = defaultdict(list)
    for spec in specs.values():
        if spec.external_id is None:
            stacks[spec.parent].append(spec)
    values = _Values(template, parameters)
    for members in stacks.values():
        if any(spec.type in _DEPENDENTS for spec in members):
            yield from _StackRules(members, values, explicit).edges()


class _DependencyContext(PlanContext):
    """Values as Heat sees them while it orders a stack: nothing exists yet, so a resource's
    id is its name and its attributes are None."""

    def resource_id(self, name: str) -> Any:
        return _resource_id(name)

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        return None


@dataclass(frozen=True, slots=True)
class _Parameters:
    values: Mapping[str, Any]
    sensitive: frozenset[str] = frozenset()


class _Values:
    """Property values of specs, resolved once each."""

    def __init__(self, template: Template, parameters: Mapping[str, Any]) -> None:
        self._ctx = _DependencyContext(template, _Parameters(parameters))
        self._cache: dict[tuple[str, str], Any] = {}

    def get(self, spec: ResourceSpec, *names: str) -> Any:
        """The first of ``names`` that has a value (Heat's ``a or b`` over old and new names)."""
        for name in names:
            value = self._one(spec, name)
            if value:
                return value
        return None

    def active(self, spec: ResourceSpec) -> bool:
        try:
            return self._ctx.is_active(spec)
        except AtonixError:
            return True

    def _one(self, spec: ResourceSpec, name: str) -> Any:
        key = (spec.name, name)
        if key not in self._cache:
            self._cache[key] = self._resolve(spec.properties.get(name))
        return self._cache[key]

    def _resolve(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            resolved = unwrap(resolve_value(value, self._ctx))
        except AtonixError:  # a property error is reported, located, by validation
            return None
        return None if resolved is UNKNOWN else resolved


def _resource_id(name: str) -> str:
    """What ``get_resource`` gives before anything exists: a value no literal can equal."""
    return f"\x00resource:{name}"


def _key(value: Any) -> Any:
    """A hashable stand-in that compares as Heat compares the values."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


class _StackRules:
    """The rules of Heat's plugins, over the resources of one stack."""

    def __init__(
        self,
        members: list[ResourceSpec],
        values: _Values,
        explicit: Mapping[str, set[str]],
    ) -> None:
        self.values = values
        self.explicit = explicit
        self.by_type: dict[str, list[ResourceSpec]] = defaultdict(list)
        for spec in members:
            if values.active(spec):
                self.by_type[spec.type].append(spec)
        self.by_name = {spec.name: spec for specs in self.by_type.values() for spec in specs}

    def edges(self) -> Iterator[ImplicitEdge]:
        yield from self._servers()
        yield from self._ports()
        yield from self._routers()
        yield from self._gateways()
        yield from self._floating_ips()
        yield from self._associations(FLOATING_IP_ASSOCIATION)
        yield from self._associations(FLOATING_IP_PORT_FORWARD)
        yield from self._extra_routes()

    # Helpers ------------------------------------------------------------------------------
    def _subnet_network(self, subnet: ResourceSpec) -> Any:
        return _key(self.values.get(subnet, "network", "network_id"))

    def _interface_router(self, interface: ResourceSpec) -> Any:
        return _key(self.values.get(interface, "router", "router_id"))

    def _interface_subnet(self, interface: ResourceSpec) -> Any:
        return _key(self.values.get(interface, "subnet", "subnet_id"))

    @functools.cached_property
    def _subnets_on(self) -> dict[Any, list[ResourceSpec]]:
        """Subnets by network (None: not known), so each rule looks its network up instead of
        comparing every pair: a stack of a thousand ports and subnets stays linear."""
        found: dict[Any, list[ResourceSpec]] = defaultdict(list)
        for subnet in self.by_type[SUBNET]:
            found[self._subnet_network(subnet) or None].append(subnet)
        return found

    @functools.cached_property
    def _interfaces_of(self) -> dict[Any, list[ResourceSpec]]:
        found: dict[Any, list[ResourceSpec]] = defaultdict(list)
        for interface in self.by_type[ROUTER_INTERFACE]:
            found[self._interface_router(interface) or None].append(interface)
        return found

    @staticmethod
    def _edge(
        dependency: ResourceSpec, dependent: ResourceSpec, prop: str, why: str
    ) -> ImplicitEdge:
        location = dependent.property_locations.get(prop, dependent.location)
        return ImplicitEdge(dependency.name, dependent.name, location, why)

    # Rules --------------------------------------------------------------------------------
    def _servers(self) -> Iterator[ImplicitEdge]:
        """A server waits for the subnets of its networks (any subnet whose network, or the
        server's network, is not known yet)."""
        why = "Heat starts a server after the subnets of its networks"
        for server in self.by_type[SERVER]:
            nets = self.values.get(server, "networks")
            if not nets or not isinstance(nets, list):
                continue
            wanted = {_key(_net_id(net)) or None for net in nets}
            if None in wanted:
                subnets = self.by_type[SUBNET]
            else:
                subnets = list(self._subnets_on.get(None, ()))
                for network in sorted(wanted, key=repr):
                    subnets += self._subnets_on.get(network, ())
            for subnet in subnets:
                yield self._edge(subnet, server, "networks", why)

    def _ports(self) -> Iterator[ImplicitEdge]:
        why = "Heat creates a port after the subnets of its network"
        for port in self.by_type[PORT]:
            network = _key(self.values.get(port, "network", "network_id")) or None
            for subnet in self._subnets_on.get(network, ()):
                yield self._edge(subnet, port, "network", why)

    def _routers(self) -> Iterator[ImplicitEdge]:
        why = "Heat sets a router's gateway after the subnets of the external network"
        for router in self.by_type[ROUTER]:
            gateway = self.values.get(router, "external_gateway_info")
            if not isinstance(gateway, dict):
                continue
            network = _key(gateway.get("network")) or None
            for subnet in self._subnets_on.get(network, ()):
                yield self._edge(subnet, router, "external_gateway_info", why)

    def _gateways(self) -> Iterator[ImplicitEdge]:
        for gateway in self.by_type[ROUTER_GATEWAY]:
            router = _key(self.values.get(gateway, "router_id", "router")) or None
            network = _key(self.values.get(gateway, "network", "network_id")) or None
            for interface in self._interfaces_of.get(router, ()):
                why = "Heat adds a router's gateway after its interfaces"
                yield self._edge(interface, gateway, "router_id", why)
            for subnet in self._subnets_on.get(network, ()):
                why = "Heat adds a router's gateway after the external network's subnets"
                yield self._edge(subnet, gateway, "network", why)

    def _floating_ips(self) -> Iterator[ImplicitEdge]:
        for fip in self.by_type[FLOATING_IP]:
            network = _key(self.values.get(fip, "floating_network", "floating_network_id"))
            for gateway in self.by_type[ROUTER_GATEWAY]:
                if _key(self.values.get(gateway, "network", "network_id")) == network:
                    why = "Heat allocates a floating IP after the gateway to its network"
                    yield self._edge(gateway, fip, "floating_network", why)
            for router in self.by_type[ROUTER]:
                info = self.values.get(router, "external_gateway_info")
                if isinstance(info, dict) and _key(info.get("network")) == network:
                    why = "Heat allocates a floating IP after the router that reaches its network"
                    yield self._edge(router, fip, "floating_network", why)
            yield from self._port_interfaces(fip, "port_id", loose=True)

    def _associations(self, kind: str) -> Iterator[ImplicitEdge]:
        for association in self.by_type[kind]:
            yield from self._port_interfaces(association, "port_id", loose=False)

    def _port_interfaces(
        self, dependent: ResourceSpec, prop: str, *, loose: bool
    ) -> Iterator[ImplicitEdge]:
        """The router interfaces on the subnets of the ports ``dependent`` already depends on.

        ``loose`` is the floating IP's rule: every fixed IP counts, and a port with none
        waits for an interface of unknown subnet or on a subnet of its network (Heat asks
        Neutron for the network's subnets; here the template says which network a subnet
        of this stack is on). Otherwise only the port's first fixed IP counts, as in Heat's
        association and port forwarding."""
        why = "Heat attaches a floating IP after the router interface on its port's subnet"
        ports = [
            self.by_name[name]
            for name in sorted(self.explicit.get(dependent.name, ()))
            if name in self.by_name and self.by_name[name].type == PORT
        ]
        if not ports:
            return
        for interface in self.by_type[ROUTER_INTERFACE]:
            subnet = self._interface_subnet(interface)
            if any(self._port_on_subnet(port, subnet, loose) for port in ports):
                yield self._edge(interface, dependent, prop, why)

    def _port_on_subnet(self, port: ResourceSpec, subnet: Any, loose: bool) -> bool:
        fixed_ips = self.values.get(port, "fixed_ips")
        if not isinstance(fixed_ips, list) or not fixed_ips:
            if not loose:
                return False
            if subnet is None:
                return True
            network = _key(self.values.get(port, "network", "network_id"))
            return bool(network) and any(
                _resource_id(s.name) == subnet and self._subnet_network(s) == network
                for s in self.by_type[SUBNET]
            )
        subnets = [
            _key((ip.get("subnet") or ip.get("subnet_id")) if isinstance(ip, dict) else None)
            for ip in fixed_ips
        ]
        return subnet in subnets if loose else subnets[0] == subnet

    def _extra_routes(self) -> Iterator[ImplicitEdge]:
        why = "Heat adds extra routes after the router's interfaces and gateway"
        for route in self.by_type[EXTRA_ROUTE]:
            router = _key(self.values.get(route, "router_id")) or None
            for interface in self._interfaces_of.get(router, ()):
                yield self._edge(interface, route, "router_id", why)
            for gateway in self.by_type[ROUTER_GATEWAY]:
                if (_key(self.values.get(gateway, "router_id")) or None) == router:
                    yield self._edge(gateway, route, "router_id", why)
        for route_set in self.by_type[EXTRA_ROUTE_SET]:
            router = _key(self.values.get(route_set, "router")) or None
            for interface in self._interfaces_of.get(router, ()):
                yield self._edge(interface, route_set, "router", why)


def _net_id(net: Any) -> Any:
    """A server's ``networks`` entry's network (``uuid`` is Heat's old name for it)."""
    if not isinstance(net, dict):
        return None
    return net.get("network") or net.get("uuid")
