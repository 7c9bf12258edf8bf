"""Floating IP port forwardings, a router's extra route sets and a project's Neutron quotas.

A port forwarding lives under its floating IP, so every call names both; it carries no name
or tags, but a floating IP forwards one external port and protocol once, which finds an
interrupted create. An extra route set is, as in Heat, the router's id: routes added to
the router and removed from it (a deep diff on update, so unchanged routes never flap); its
create is found again by its routes being on the router. A quota is the project's id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import OpenStackResource, report, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack.compute_admin import _Quota


class FloatingIPPortForward(OpenStackResource):
    type_name = "OS::Neutron::FloatingIPPortForward"
    map_constraints = {"internal_port": "neutron.port"}

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        found = super().check(properties)
        given = properties.get("floating_ip")
        if isinstance(given, str) and given and self._find_ip(given) is None:
            found.append(Diagnostic(f"floating IP `{given}` not found"))
        return found

    def _find_ip(self, given: str) -> str | None:
        """A floating IP by id or address."""
        with sdk_errors(f"looking up floating IP `{given}`"):
            found = self.conn.network.find_ip(given, ignore_missing=True)
        return None if found is None else str(found.id)

    def _ip(self, properties: Mapping[str, Any]) -> str:
        found = self._find_ip(str(properties["floating_ip"]))
        if found is None:
            raise ProviderError(f"floating IP `{properties['floating_ip']}` not found")
        return found

    def _body(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        internal = properties.get("internal_port_number") or properties["external_port"]
        return {
            "internal_port_id": self.resolve("neutron.port", str(properties["internal_port"])),
            "internal_ip_address": properties["internal_ip_address"],
            # Neutron needs one; Heat leaves it out when unset: forward to the same port.
            "internal_port": int(internal),
            "external_port": int(properties["external_port"]),
            "protocol": properties["protocol"],
        }

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        ip = self._ip(properties)
        with sdk_errors("creating port forwarding"):
            created = self.conn.network.create_port_forwarding(
                floatingip_id=ip, **self._body(properties)
            )
        return ResourceResult(str(created.id), {"show": show(created)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        ip = self._ip(properties)
        key = (int(properties["external_port"]), properties["protocol"])
        with sdk_errors("looking for an interrupted port forwarding create"):
            for found in self.conn.network.port_forwardings(ip):
                if (found.external_port, found.protocol) == key and str(found.id) not in claimed:
                    return str(found.id)
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        given = properties.get("floating_ip")
        ip = self._find_ip(str(given)) if given else None
        if ip is None:
            return None  # the floating IP is gone, and its forwardings with it
        found = self.fetch(
            lambda pf: self.conn.network.get_port_forwarding(pf, ip), physical_id, "port forward"
        )
        if found is None:
            return None
        live = {
            "floating_ip": given,
            "internal_ip_address": found.internal_ip_address,
            "internal_port_number": found.internal_port,
            "external_port": found.external_port,
            "protocol": found.protocol,
            "internal_port": found.internal_port_id,
        }

        def same(name: str, want: Any, value: Any) -> bool:
            if name == "internal_port" and want != value:
                return bool(self.resolve("neutron.port", str(want)) == value)
            return bool(want == value)

        return ResourceResult(physical_id, {"show": show(found)}, report(properties, live, same))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        ip = self._ip(new)
        with sdk_errors(f"updating port forwarding {physical_id}", physical_id):
            found = self.conn.network.update_port_forwarding(physical_id, ip, **self._body(new))
        return ResourceResult(physical_id, {"show": show(found)})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        given = properties.get("floating_ip")
        ip = self._find_ip(str(given)) if given else None
        if ip is None:
            return
        self.gone_ok(
            lambda: self.conn.network.delete_port_forwarding(physical_id, ip, ignore_missing=False),
            f"port forwarding {physical_id}",
        )


def _route_set(routes: Any) -> set[tuple[str, str]]:
    return {(str(r["destination"]), str(r["nexthop"])) for r in routes or []}


def _routes(pairs: set[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"destination": d, "nexthop": n} for d, n in sorted(pairs)]


class ExtraRouteSet(OpenStackResource):
    type_name = "OS::Neutron::ExtraRouteSet"
    map_constraints = {"router": "neutron.router"}

    def _router_id(self, properties: Mapping[str, Any]) -> str:
        return self.resolve("neutron.router", str(properties["router"]))

    def _change(self, router_id: str, verb: str, pairs: set[tuple[str, str]]) -> Any:
        body = {"router": {"routes": _routes(pairs)}}
        with sdk_errors(f"changing the extra routes of router {router_id}", router_id):
            return getattr(self.conn.network, verb)(router_id, body)

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        router_id = self._router_id(properties)
        wanted = _route_set(properties.get("routes"))
        with sdk_errors(f"reading router {router_id}", router_id):
            live = _route_set(self.conn.network.get_router(router_id).routes)
        if wanted & live:
            # Heat refuses too: the other set's delete would remove these routes.
            taken = ", ".join(f"{d} via {n}" for d, n in sorted(wanted & live))
            raise ProviderError(f"router {router_id} already has the routes {taken}")
        router = self._change(router_id, "add_extra_routes_to_router", wanted)
        return ResourceResult(router_id, {"show": show(router)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        router_id = self._router_id(properties)
        wanted = _route_set(properties.get("routes"))
        with sdk_errors(f"reading router {router_id}", router_id):
            router = self.conn.network.find_router(router_id, ignore_missing=True)
        if router is None or router_id in claimed or not wanted <= _route_set(router.routes):
            return None
        return router_id

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        router = self.fetch(self.conn.network.get_router, physical_id, "router")
        if router is None:
            return None
        wanted = _route_set(properties.get("routes"))
        live = {
            "router": properties.get("router"),
            # Only this set's routes: other sets and the router's own are not ours.
            "routes": _routes(wanted & _route_set(router.routes)),
        }

        def same(name: str, want: Any, value: Any) -> bool:
            if name == "routes":
                return _route_set(want) == _route_set(value)
            return bool(want == value)

        return ResourceResult(physical_id, {"show": show(router)}, report(properties, live, same))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        before, after = _route_set(old.get("routes")), _route_set(new.get("routes"))
        router = None
        if before - after:
            router = self._change(physical_id, "remove_extra_routes_from_router", before - after)
        if after - before:
            router = self._change(physical_id, "add_extra_routes_to_router", after - before)
        if router is None:
            with sdk_errors(f"reading router {physical_id}", physical_id):
                router = self.conn.network.get_router(physical_id)
        return ResourceResult(physical_id, {"show": show(router)})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        pairs = _route_set(properties.get("routes"))
        if pairs:
            self.gone_ok(
                lambda: self.conn.network.remove_extra_routes_from_router(
                    physical_id, {"router": {"routes": _routes(pairs)}}
                ),
                f"extra routes of router {physical_id}",
            )


class NeutronQuota(_Quota):
    type_name = "OS::Neutron::Quota"
    proxy, what = "network", "network quotas"
    map_constraints = {"project": "keystone.project"}

    def _path(self, project_id: str) -> str:
        return f"/quotas/{project_id}"

    def _put(self, project_id: str, limits: Mapping[str, int]) -> dict[str, Any]:
        found = self._request("put", project_id, {"quota": dict(limits)})
        return dict(found.get("quota") or {})

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        quota = dict(self._request("get", physical_id).get("quota") or {})
        if not quota:
            return None
        live: dict[str, Any] = dict(quota)
        live["project"] = properties.get("project")
        return ResourceResult(
            physical_id, {"show": quota}, report(properties, live, lambda n, g, v: g == v)
        )


TYPES: tuple[type[OpenStackResource], ...] = (
    FloatingIPPortForward,
    ExtraRouteSet,
    NeutronQuota,
)
