"""Octavia v2: load balancers, listeners, pools, members, health monitors, L7 policies and
rules, flavors, flavor profiles and quotas (``/load-balancer/v2/lbaas/...``).

A load balancer and everything under it share one provisioning state, as in Octavia: a write
to any of them puts the load balancer in ``PENDING_UPDATE`` (``PENDING_CREATE`` when it is
new) for the ``loadbalancer_action`` delay (``loadbalancer`` for a new one), and any write
meanwhile is answered 409 "Load Balancer ... is immutable and cannot be updated." The vip is
a real Neutron port on the vip subnet. Errors use Octavia's WSME shape (``faultstring``).
The handlers are split: ``octavia_base`` (state, generic handlers), ``octavia_children``
(listeners ... L7 rules), ``octavia_admin`` (flavors, quotas); this module routes them and
serves the load balancers themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import lifecycle
from .backend import Backend
from .common import iso, now, parse_bool
from .network import Networking
from .octavia_admin import OctaviaAdmin
from .octavia_base import CHILD_KINDS, LB_KIND, WHAT, fault
from .octavia_children import OctaviaChildren
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router


class LoadBalancing(OctaviaChildren, OctaviaAdmin):
    """Octavia's handlers; ``network`` lends its ports for vips."""

    def __init__(self, backend: Backend, network: Networking) -> None:
        super().__init__(backend, network)
        lifecycle.register_finalizer(self.store, LB_KIND, self._finish_delete)
        r = Router("The resource could not be found.")
        for coll, handler_set in (
            ("loadbalancers", (self.create_lb, self.update_lb)),
            ("listeners", (self.create_listener, self.update_listener)),
            ("pools", (self.create_pool, self.update_pool)),
            ("healthmonitors", (self.create_hm, self.update_hm)),
            ("l7policies", (self.create_l7policy, self.update_l7policy)),
        ):
            kind = self._kind(coll)
            create, update = handler_set
            r.add("GET", f"/lbaas/{coll}", self._lister(kind))
            r.add("POST", f"/lbaas/{coll}", create)
            r.add("GET", f"/lbaas/{coll}/{{id}}", self._shower(kind))
            r.add("PUT", f"/lbaas/{coll}/{{id}}", update)
            r.add("DELETE", f"/lbaas/{coll}/{{id}}", self._deleter(kind))
        r.add("GET", "/lbaas/pools/{parent}/members", self._lister("lb_member"))
        r.add("POST", "/lbaas/pools/{parent}/members", self.create_member)
        r.add("GET", "/lbaas/pools/{parent}/members/{id}", self._shower("lb_member"))
        r.add("PUT", "/lbaas/pools/{parent}/members/{id}", self.update_member)
        r.add("DELETE", "/lbaas/pools/{parent}/members/{id}", self._deleter("lb_member"))
        r.add("GET", "/lbaas/l7policies/{parent}/rules", self._lister("lb_l7rule"))
        r.add("POST", "/lbaas/l7policies/{parent}/rules", self.create_l7rule)
        r.add("GET", "/lbaas/l7policies/{parent}/rules/{id}", self._shower("lb_l7rule"))
        r.add("PUT", "/lbaas/l7policies/{parent}/rules/{id}", self.update_l7rule)
        r.add("DELETE", "/lbaas/l7policies/{parent}/rules/{id}", self._deleter("lb_l7rule"))
        for coll, kind in (("flavors", "lb_flavor"), ("flavorprofiles", "lb_flavorprofile")):
            r.add("GET", f"/lbaas/{coll}", self._lister(kind))
            r.add("POST", f"/lbaas/{coll}", self._catalog_creator(kind))
            r.add("GET", f"/lbaas/{coll}/{{id}}", self._shower(kind))
            r.add("PUT", f"/lbaas/{coll}/{{id}}", self._catalog_updater(kind))
            r.add("DELETE", f"/lbaas/{coll}/{{id}}", self._catalog_deleter(kind))
        r.add("GET", "/lbaas/providers", self.providers)
        r.add("GET", "/lbaas/quotas", self.list_quotas)
        r.add("GET", "/lbaas/quotas/defaults", self.quota_defaults)
        r.add("GET", "/lbaas/quotas/{project}", self.show_quota)
        r.add("PUT", "/lbaas/quotas/{project}", self.update_quota)
        r.add("DELETE", "/lbaas/quotas/{project}", self.reset_quota)
        self.router = r

    def _deleter(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            if kind == LB_KIND:
                return self.delete_lb(req, params)
            rec = self._get(req, kind, params["id"], params.get("parent"))
            if rec["provisioning_status"] == "PENDING_DELETE":
                raise fault(409, f"Invalid state PENDING_DELETE of {WHAT[kind]} {rec['id']}.")
            lb = self._get(req, LB_KIND, rec["_lb"])
            self._writable(lb)
            self._pend(lb, rec, "PENDING_DELETE")
            if kind == "lb_pool":
                for listener in self.store.table("lb_listener").values():
                    if listener.get("default_pool_id") == rec["id"]:
                        listener["default_pool_id"] = None
                for child_kind, field in (("lb_member", "_parent"), ("lb_hm", "pool_id")):
                    for child in self.store.table(child_kind).values():
                        if child.get(field) == rec["id"]:
                            child["provisioning_status"] = "PENDING_DELETE"
            if kind == "lb_l7policy":
                for child in self.store.table("lb_l7rule").values():
                    if child.get("_parent") == rec["id"]:
                        child["provisioning_status"] = "PENDING_DELETE"
            if self.backend.delay("loadbalancer_action") <= 0:
                self._settle(lb)
            return empty(204)

        return handler

    # -- load balancers ---------------------------------------------------------------------

    def create_lb(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("loadbalancer")
        project_id = req.auth.project_id
        subnet = self._vip_subnet(body)
        flavor_id = body.get("flavor_id")
        if flavor_id:
            flavor = self.store.get("lb_flavor", str(flavor_id))
            if flavor is None:
                raise fault(400, f"Validation failure: Invalid flavor_id {flavor_id}.")
        self._check_quota(project_id, "load_balancer")
        rec = self._base(req, LB_KIND, body, None)
        network = self.store.get("network", subnet["network_id"])
        assert network is not None
        wanted_ip: Rec = {"subnet_id": subnet["id"]}
        if body.get("vip_address"):
            wanted_ip["ip_address"] = str(body["vip_address"])
        port = self.network.ports.new_port(
            req,
            project_id,
            network,
            {
                "name": f"octavia-lb-{rec['id']}",
                "device_owner": "Octavia",
                "device_id": f"lb-{rec['id']}",
                # As Octavia's allowed-address-pairs driver makes it: the amphora's own port
                # carries the traffic, the VIP port only holds the address.
                "admin_state_up": False,
                "fixed_ips": [wanted_ip],
                "security_groups": [],
                "port_security_enabled": False,
            },
        )
        rec.update(
            {
                "vip_address": port["fixed_ips"][0]["ip_address"],
                "vip_port_id": port["id"],
                "vip_subnet_id": subnet["id"],
                "vip_network_id": network["id"],
                "vip_qos_policy_id": None,
                "additional_vips": [],
                "provider": str(body.get("provider") or "amphora"),
                "flavor_id": flavor_id,
                "availability_zone": body.get("availability_zone"),
                "tenant_id": project_id,
                "_due": now() + self.backend.delay("loadbalancer"),
            }
        )
        outcome = self.backend.outcome("loadbalancer", rec["name"])
        if outcome == "error":
            rec["_final"] = "ERROR"
        elif outcome == "stuck":
            rec["_due"] = float("inf")
        self.store.put(LB_KIND, rec)
        return ok({"loadbalancer": self.render(LB_KIND, rec)}, 201)

    def _vip_subnet(self, body: Rec) -> Rec:
        if body.get("vip_subnet_id"):
            subnet = self.store.get("subnet", str(body["vip_subnet_id"]))
            if subnet is None:
                raise fault(400, f"Validation failure: Subnet {body['vip_subnet_id']} not found.")
            return subnet
        if body.get("vip_network_id"):
            network = self.store.get("network", str(body["vip_network_id"]))
            if network is None or not network["subnets"]:
                raise fault(400, f"Validation failure: Network {body['vip_network_id']} not found.")
            found = self.store.get("subnet", network["subnets"][0])
            assert found is not None
            return found
        raise fault(
            400,
            "Validation failure: VIP must contain one of: vip_port_id, vip_network_id, "
            "vip_subnet_id.",
        )

    def update_lb(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, LB_KIND, params["id"])
        body = req.json_object("loadbalancer")
        self._writable(rec)
        for key in ("name", "description", "admin_state_up", "tags", "vip_qos_policy_id"):
            if key in body:
                rec[key] = body[key]
        self._pend(rec, None, "")
        return ok({"loadbalancer": self.render(LB_KIND, rec)})

    def delete_lb(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, LB_KIND, params["id"])
        self._writable(rec)
        cascade = parse_bool(req.arg("cascade"))
        has_children = any(
            c.get("_lb") == rec["id"] and c["provisioning_status"] != "PENDING_DELETE"
            for kind in ("lb_listener", "lb_pool")
            for c in self.store.table(kind).values()
        )
        if has_children and not cascade:
            raise fault(400, "Cannot delete Load Balancer - it has children")
        rec["provisioning_status"] = "PENDING_DELETE"
        rec["updated_at"] = iso()
        lifecycle.schedule_delete(
            self.store, LB_KIND, rec, self.backend.delay("loadbalancer_delete")
        )
        return empty(204)

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        for kind in CHILD_KINDS:
            for child in list(self.store.table(kind).values()):
                if child.get("_lb") == rec["id"]:
                    self.store.delete(kind, child["id"])
        port = self.store.get("port", str(rec.get("vip_port_id")))
        if port is not None:
            self.network.ports.remove(port)
        self.store.delete(LB_KIND, rec["id"])
