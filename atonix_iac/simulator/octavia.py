"""Octavia v2: load balancers, listeners, pools, members, health monitors, L7 policies and
rules, flavors, flavor profiles and quotas (``/load-balancer/v2/lbaas/...``).

A load balancer and everything under it share one provisioning state, as in Octavia: a write
to any of them puts the load balancer in ``PENDING_UPDATE`` (``PENDING_CREATE`` when it is
new) for the ``loadbalancer_action`` delay (``loadbalancer`` for a new one), and any write
meanwhile is answered 409 "Load Balancer ... is immutable and cannot be updated." The vip is
a real Neutron port on the vip subnet. Errors use Octavia's WSME shape (``faultstring``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import lifecycle
from .backend import Backend
from .common import filter_records, iso, new_id, now, paginate, parse_bool, public
from .errors import ApiError
from .network import Networking
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

# kind -> (url collection, body key, plural key, field naming the load balancer)
_LB = "lb"
_CHILD_KINDS = ("lb_listener", "lb_pool", "lb_member", "lb_hm", "lb_l7policy", "lb_l7rule")
_KEYS = {
    "lb_listener": ("listeners", "listener", "listeners"),
    "lb_pool": ("pools", "pool", "pools"),
    "lb_hm": ("healthmonitors", "healthmonitor", "healthmonitors"),
    "lb_l7policy": ("l7policies", "l7policy", "l7policies"),
}
_WHAT = {
    "lb": "Load Balancer",
    "lb_listener": "Listener",
    "lb_pool": "Pool",
    "lb_member": "Member",
    "lb_hm": "Health Monitor",
    "lb_l7policy": "L7 Policy",
    "lb_l7rule": "L7 Rule",
    "lb_flavor": "Flavor",
    "lb_flavorprofile": "Flavor profile",
}
# Quota names (and their deprecated spellings, which Heat still sends).
QUOTA_KEYS = ("load_balancer", "listener", "pool", "health_monitor", "member", "l7policy", "l7rule")
_QUOTA_ALIASES = {"loadbalancer": "load_balancer", "healthmonitor": "health_monitor"}
_QUOTA_KIND = {
    "load_balancer": "lb",
    "listener": "lb_listener",
    "pool": "lb_pool",
    "health_monitor": "lb_hm",
    "member": "lb_member",
    "l7policy": "lb_l7policy",
    "l7rule": "lb_l7rule",
}
PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "TERMINATED_HTTPS", "PROXY", "SCTP", "PROXYV2")
ALGORITHMS = ("ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT")
MONITOR_TYPES = ("HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP")
L7_ACTIONS = ("REDIRECT_TO_POOL", "REDIRECT_TO_URL", "REJECT", "REDIRECT_PREFIX")
L7_RULE_TYPES = ("HOST_NAME", "PATH", "FILE_TYPE", "HEADER", "COOKIE", "SSL_CONN_HAS_CERT")
L7_COMPARE = ("REGEX", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUAL_TO")


def fault(status: int, message: str) -> ApiError:
    return ApiError(status, message)


class LoadBalancing:
    """Octavia's handlers; ``network`` lends its ports for vips."""

    def __init__(self, backend: Backend, network: Networking) -> None:
        self.backend = backend
        self.store = backend.store
        self.network = network
        lifecycle.register_finalizer(self.store, _LB, self._finish_delete)
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

    # -- discovery --------------------------------------------------------------------------

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        link = [{"rel": "self", "href": f"{req.base_url}/load-balancer/v2/"}]
        entry = {"id": "v2.27", "status": "CURRENT", "updated": "2023-05-31T00:00:00Z"}
        return ok({"versions": [{**entry, "links": link}]})

    @staticmethod
    def _kind(collection: str) -> str:
        return {
            "loadbalancers": _LB,
            "listeners": "lb_listener",
            "pools": "lb_pool",
            "healthmonitors": "lb_hm",
            "l7policies": "lb_l7policy",
        }[collection]

    # -- records and the shared provisioning state ------------------------------------------

    def _settle(self, lb: Rec) -> Rec:
        """Finish a load balancer's due transition, and with it its children's."""
        due = lb.get("_due")
        if due is None or now() < due or lb["provisioning_status"] == "PENDING_DELETE":
            return lb
        del lb["_due"]
        lb["provisioning_status"] = lb.pop("_final", "ACTIVE")
        lb["operating_status"] = "ONLINE" if lb["provisioning_status"] == "ACTIVE" else "ERROR"
        for kind in _CHILD_KINDS:
            for child in list(self.store.table(kind).values()):
                if child.get("_lb") != lb["id"]:
                    continue
                if child["provisioning_status"] == "PENDING_DELETE":
                    self.store.delete(kind, child["id"])
                elif child["provisioning_status"].startswith("PENDING_"):
                    child["provisioning_status"] = "ACTIVE"
                    child["operating_status"] = "ONLINE"
        self.store.changed()
        return lb

    def _get(self, req: Request, kind: str, rid: str, parent: str | None = None) -> Rec:
        rec = self.store.get(kind, rid)
        visible = rec is not None and (
            kind in ("lb_flavor", "lb_flavorprofile")
            or req.auth.is_admin
            or rec.get("project_id") == req.auth.project_id
        )
        if rec is None or not visible or (parent is not None and rec.get("_parent") != parent):
            raise fault(404, f"{_WHAT[kind]} {rid} could not be found.")
        if kind == _LB:
            self._settle(rec)
        elif rec.get("_lb"):
            lb = self.store.get(_LB, rec["_lb"])
            if lb is not None:
                self._settle(lb)
            if self.store.get(kind, rid) is None:
                raise fault(404, f"{_WHAT[kind]} {rid} could not be found.")
        return rec

    def _writable(self, lb: Rec) -> None:
        self._settle(lb)
        if lb["provisioning_status"].startswith("PENDING_"):
            raise fault(409, f"Load Balancer {lb['id']} is immutable and cannot be updated.")

    def _pend(self, lb: Rec, child: Rec | None, child_status: str) -> None:
        """Start a change: the load balancer PENDING_UPDATE, the child ``child_status``."""
        lb["provisioning_status"] = "PENDING_UPDATE"
        lb["_due"] = now() + self.backend.delay("loadbalancer_action")
        lb["updated_at"] = iso()
        if child is not None:
            child["provisioning_status"] = child_status
            child["updated_at"] = iso()
        self.store.changed()

    def _check_quota(self, project_id: str, key: str, adding: int = 1) -> None:
        limit = self._quota(project_id)[key]
        if limit >= 0 and self.store.count(_QUOTA_KIND[key], project_id) + adding > limit:
            name = key.replace("_", " ").title().replace("L7Policy", "L7 Policy")
            raise fault(403, f"Quota has been met for resources: {name}")

    def _base(self, req: Request, kind: str, body: Rec, lb: Rec | None) -> Rec:
        stamp = iso()
        rec: Rec = {
            "id": new_id(),
            "name": str(body.get("name") or ""),
            "description": str(body.get("description") or ""),
            "admin_state_up": bool(body.get("admin_state_up", True)),
            "project_id": req.auth.project_id,
            "provisioning_status": "PENDING_CREATE",
            "operating_status": "OFFLINE",
            "created_at": stamp,
            "updated_at": None,
            "tags": [str(t) for t in body.get("tags") or []],
        }
        if lb is not None:
            rec["_lb"] = lb["id"]
        return rec

    def render(self, kind: str, rec: Rec) -> Rec:
        view = public(rec)
        if kind == _LB:
            view["listeners"] = [{"id": i} for i in self._children("lb_listener", "_lb", rec)]
            view["pools"] = [{"id": i} for i in self._children("lb_pool", "_lb", rec)]
        elif kind == "lb_listener":
            view["loadbalancers"] = [{"id": rec["_lb"]}]
            view["l7policies"] = [{"id": i} for i in self._children("lb_l7policy", "_parent", rec)]
        elif kind == "lb_pool":
            view["loadbalancers"] = [{"id": rec["_lb"]}]
            view["listeners"] = [
                {"id": lid}
                for lid, ln in self.store.table("lb_listener").items()
                if ln.get("default_pool_id") == rec["id"]
            ]
            view["members"] = [{"id": i} for i in self._children("lb_member", "_parent", rec)]
            hms = self._children("lb_hm", "pool_id", rec)
            view["healthmonitor_id"] = hms[0] if hms else None
        elif kind == "lb_hm":
            view["pools"] = [{"id": rec["pool_id"]}]
        elif kind == "lb_l7policy":
            view["rules"] = [{"id": i} for i in self._children("lb_l7rule", "_parent", rec)]
        elif kind == "lb_member":
            view["pool_id"] = rec["_parent"]
        elif kind == "lb_l7rule":
            view["l7policy_id"] = rec["_parent"]
        return view

    def _children(self, kind: str, field: str, parent: Rec) -> list[str]:
        return [
            c["id"]
            for c in self.store.table(kind).values()
            if c.get(field) == parent["id"] and c["provisioning_status"] != "DELETED"
        ]

    # -- generic list / show / delete -------------------------------------------------------

    def _lister(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            if "parent" in params:
                parent_kind = "lb_pool" if kind == "lb_member" else "lb_l7policy"
                self._get(req, parent_kind, params["parent"])
            items = [
                self.render(kind, self._get(req, kind, rec["id"]))
                for rec in list(self.store.table(kind).values())
                if self._listed(req, kind, rec, params.get("parent"))
            ]
            tags = [t for v in req.args("tags") for t in v.split(",") if t]
            items = [i for i in items if set(tags) <= set(i.get("tags") or [])]
            items = filter_records(req, items, skip=("tags",))
            page, marker = paginate(req, items)
            plural = self._plural(kind)
            body: Rec = {plural: page, f"{plural}_links": []}
            if marker:
                body[f"{plural}_links"] = [{"rel": "next", "href": req.url_with(marker=marker)}]
            return ok(body)

        return handler

    def _listed(self, req: Request, kind: str, rec: Rec, parent: str | None) -> bool:
        if parent is not None and rec.get("_parent") != parent:
            return False
        if kind in ("lb_flavor", "lb_flavorprofile") or req.auth.is_admin:
            return True
        return bool(rec.get("project_id") == req.auth.project_id)

    @staticmethod
    def _plural(kind: str) -> str:
        return {
            _LB: "loadbalancers",
            "lb_member": "members",
            "lb_l7rule": "rules",
            "lb_flavor": "flavors",
            "lb_flavorprofile": "flavorprofiles",
        }.get(kind) or _KEYS[kind][2]

    @staticmethod
    def _key(kind: str) -> str:
        return {
            _LB: "loadbalancer",
            "lb_member": "member",
            "lb_l7rule": "rule",
            "lb_flavor": "flavor",
            "lb_flavorprofile": "flavorprofile",
        }.get(kind) or _KEYS[kind][1]

    def _shower(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self._get(req, kind, params["id"], params.get("parent"))
            return ok({self._key(kind): self.render(kind, rec)})

        return handler

    def _deleter(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            if kind == _LB:
                return self.delete_lb(req, params)
            rec = self._get(req, kind, params["id"], params.get("parent"))
            if rec["provisioning_status"] == "PENDING_DELETE":
                raise fault(409, f"Invalid state PENDING_DELETE of {_WHAT[kind]} {rec['id']}.")
            lb = self._get(req, _LB, rec["_lb"])
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
        rec = self._base(req, _LB, body, None)
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
        self.store.put(_LB, rec)
        return ok({"loadbalancer": self.render(_LB, rec)}, 201)

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
        rec = self._get(req, _LB, params["id"])
        body = req.json_object("loadbalancer")
        self._writable(rec)
        for key in ("name", "description", "admin_state_up", "tags", "vip_qos_policy_id"):
            if key in body:
                rec[key] = body[key]
        self._pend(rec, None, "")
        return ok({"loadbalancer": self.render(_LB, rec)})

    def delete_lb(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, _LB, params["id"])
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
        lifecycle.schedule_delete(self.store, _LB, rec, self.backend.delay("loadbalancer_delete"))
        return empty(204)

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        for kind in _CHILD_KINDS:
            for child in list(self.store.table(kind).values()):
                if child.get("_lb") == rec["id"]:
                    self.store.delete(kind, child["id"])
        port = self.store.get("port", str(rec.get("vip_port_id")))
        if port is not None:
            self.network.ports.remove(port)
        self.store.delete(_LB, rec["id"])

    # -- listeners, pools, members, monitors, L7 --------------------------------------------

    def _child_create(
        self, req: Request, kind: str, body: Rec, lb: Rec, quota: str, fields: Rec
    ) -> Response:
        self._writable(lb)
        self._check_quota(req.auth.project_id, quota)
        rec = self._base(req, kind, body, lb)
        rec.update(fields)
        self.store.put(kind, rec)
        self._pend(lb, rec, "PENDING_CREATE")
        return ok({self._key(kind): self.render(kind, rec)}, 201)

    def _child_update(
        self, req: Request, kind: str, params: dict[str, str], allowed: tuple[str, ...]
    ) -> Response:
        rec = self._get(req, kind, params["id"], params.get("parent"))
        body = req.json_object(self._key(kind))
        lb = self._get(req, _LB, rec["_lb"])
        self._writable(lb)
        for key in ("name", "description", "admin_state_up", "tags", *allowed):
            if key in body:
                rec[key] = body[key]
        if kind == "lb_listener" and body.get("default_pool_id"):
            self._get(req, "lb_pool", str(body["default_pool_id"]))
        self._pend(lb, rec, "PENDING_UPDATE")
        return ok({self._key(kind): self.render(kind, rec)})

    @staticmethod
    def _choice(body: Rec, key: str, allowed: tuple[str, ...]) -> str:
        value = body.get(key)
        if value not in allowed:
            raise fault(
                400,
                f"Invalid input for field/attribute {key}. Value: '{value}'. Value should be "
                f"one of: {', '.join(allowed)}",
            )
        return str(value)

    def create_listener(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("listener")
        lb = self._get(req, _LB, str(body.get("loadbalancer_id")))
        protocol = self._choice(body, "protocol", PROTOCOLS)
        port = body.get("protocol_port")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise fault(400, f"Invalid input for field/attribute protocol_port. Value: '{port}'.")
        for other in self.store.table("lb_listener").values():
            if (
                other["_lb"] == lb["id"]
                and other["protocol_port"] == port
                and other["provisioning_status"] != "PENDING_DELETE"
            ):
                raise fault(
                    409,
                    f"Another Listener on this Load Balancer is already using protocol_port {port}",
                )
        if body.get("default_pool_id"):
            self._get(req, "lb_pool", str(body["default_pool_id"]))
        fields = {
            "protocol": protocol,
            "protocol_port": port,
            "loadbalancer_id": lb["id"],
            "connection_limit": body.get("connection_limit", -1),
            "default_pool_id": body.get("default_pool_id"),
            "default_tls_container_ref": body.get("default_tls_container_ref"),
            "sni_container_refs": list(body.get("sni_container_refs") or []),
            "allowed_cidrs": body.get("allowed_cidrs"),
            "insert_headers": dict(body.get("insert_headers") or {}),
            "timeout_client_data": 50000,
            "timeout_member_connect": 5000,
            "timeout_member_data": 50000,
            "timeout_tcp_inspect": 0,
        }
        if protocol == "TERMINATED_HTTPS" and not body.get("default_tls_container_ref"):
            raise fault(
                400,
                "Validation failure: An SNI or default certificate container reference must "
                "be provided for TERMINATED_HTTPS listeners.",
            )
        return self._child_create(req, "lb_listener", body, lb, "listener", fields)

    def update_listener(self, req: Request, params: dict[str, str]) -> Response:
        allowed = (
            "connection_limit",
            "default_pool_id",
            "default_tls_container_ref",
            "sni_container_refs",
            "allowed_cidrs",
            "insert_headers",
        )
        return self._child_update(req, "lb_listener", params, allowed)

    def create_pool(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("pool")
        listener = None
        if body.get("listener_id"):
            listener = self._get(req, "lb_listener", str(body["listener_id"]))
            lb = self._get(req, _LB, listener["_lb"])
            if listener.get("default_pool_id"):
                raise fault(409, f"Listener {listener['id']} is already using default pool.")
        elif body.get("loadbalancer_id"):
            lb = self._get(req, _LB, str(body["loadbalancer_id"]))
        else:
            raise fault(
                400, "Validation failure: Either listener_id or loadbalancer_id must be specified."
            )
        fields = {
            "protocol": self._choice(body, "protocol", PROTOCOLS),
            "lb_algorithm": self._choice(body, "lb_algorithm", ALGORITHMS),
            "session_persistence": body.get("session_persistence"),
            "loadbalancer_id": lb["id"],
            "listener_id": listener["id"] if listener else None,
            "tls_enabled": bool(body.get("tls_enabled", False)),
        }
        response = self._child_create(req, "lb_pool", body, lb, "pool", fields)
        if listener is not None:
            listener["default_pool_id"] = response.body["pool"]["id"]
        return response

    def update_pool(self, req: Request, params: dict[str, str]) -> Response:
        if "lb_algorithm" in req.json_object("pool"):
            self._choice(req.json_object("pool"), "lb_algorithm", ALGORITHMS)
        allowed = ("lb_algorithm", "session_persistence", "tls_enabled")
        return self._child_update(req, "lb_pool", params, allowed)

    def create_member(self, req: Request, params: dict[str, str]) -> Response:
        pool = self._get(req, "lb_pool", params["parent"])
        body = req.json_object("member")
        lb = self._get(req, _LB, pool["_lb"])
        address = body.get("address")
        port = body.get("protocol_port")
        if not address or not isinstance(port, int):
            raise fault(400, "Invalid input for field/attribute address or protocol_port.")
        for other in self.store.table("lb_member").values():
            same = (other["address"], other["protocol_port"]) == (address, port)
            if other["_parent"] == pool["id"] and same:
                raise fault(
                    409,
                    f"Duplicate member with address {address} and port {port} already "
                    "exists in pool.",
                )
        fields = {
            "address": str(address),
            "protocol_port": port,
            "weight": int(body.get("weight", 1)),
            "subnet_id": body.get("subnet_id"),
            "monitor_address": body.get("monitor_address"),
            "monitor_port": body.get("monitor_port"),
            "backup": bool(body.get("backup", False)),
            "_parent": pool["id"],
        }
        return self._child_create(req, "lb_member", body, lb, "member", fields)

    def update_member(self, req: Request, params: dict[str, str]) -> Response:
        allowed = ("weight", "monitor_address", "monitor_port", "backup")
        return self._child_update(req, "lb_member", params, allowed)

    def create_hm(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("healthmonitor")
        pool = self._get(req, "lb_pool", str(body.get("pool_id")))
        lb = self._get(req, _LB, pool["_lb"])
        if self._children("lb_hm", "pool_id", pool):
            raise fault(409, f"This pool {pool['id']} already has a health monitor")
        kind = self._choice(body, "type", MONITOR_TYPES)
        for key in ("delay", "timeout", "max_retries"):
            if not isinstance(body.get(key), int):
                raise fault(400, f"Invalid input for field/attribute {key}.")
        http = kind in ("HTTP", "HTTPS")
        fields = {
            "type": kind,
            "pool_id": pool["id"],
            "delay": body["delay"],
            "timeout": body["timeout"],
            "max_retries": body["max_retries"],
            "max_retries_down": int(body.get("max_retries_down", 3)),
            "http_method": body.get("http_method", "GET") if http else None,
            "url_path": body.get("url_path", "/") if http else None,
            "expected_codes": body.get("expected_codes", "200") if http else None,
        }
        return self._child_create(req, "lb_hm", body, lb, "health_monitor", fields)

    def update_hm(self, req: Request, params: dict[str, str]) -> Response:
        allowed = (
            "delay",
            "timeout",
            "max_retries",
            "max_retries_down",
            "http_method",
            "url_path",
            "expected_codes",
        )
        return self._child_update(req, "lb_hm", params, allowed)

    def create_l7policy(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("l7policy")
        listener = self._get(req, "lb_listener", str(body.get("listener_id")))
        lb = self._get(req, _LB, listener["_lb"])
        action = self._choice(body, "action", L7_ACTIONS)
        if action == "REDIRECT_TO_POOL":
            self._get(req, "lb_pool", str(body.get("redirect_pool_id")))
        elif action in ("REDIRECT_TO_URL", "REDIRECT_PREFIX") and not (
            body.get("redirect_url") or body.get("redirect_prefix")
        ):
            raise fault(400, "Validation failure: redirect_url is required for this action.")
        siblings = self._children("lb_l7policy", "_parent", listener)
        fields = {
            "listener_id": listener["id"],
            "action": action,
            "position": int(body.get("position") or len(siblings) + 1),
            "redirect_pool_id": body.get("redirect_pool_id"),
            "redirect_url": body.get("redirect_url"),
            "redirect_prefix": body.get("redirect_prefix"),
            "redirect_http_code": body.get("redirect_http_code"),
            "_parent": listener["id"],
        }
        return self._child_create(req, "lb_l7policy", body, lb, "l7policy", fields)

    def update_l7policy(self, req: Request, params: dict[str, str]) -> Response:
        allowed = ("action", "position", "redirect_pool_id", "redirect_url", "redirect_prefix")
        return self._child_update(req, "lb_l7policy", params, allowed)

    def create_l7rule(self, req: Request, params: dict[str, str]) -> Response:
        policy = self._get(req, "lb_l7policy", params["parent"])
        body = req.json_object("rule")
        lb = self._get(req, _LB, policy["_lb"])
        fields = {
            "type": self._choice(body, "type", L7_RULE_TYPES),
            "compare_type": self._choice(body, "compare_type", L7_COMPARE),
            "value": str(body.get("value") or ""),
            "key": body.get("key"),
            "invert": bool(body.get("invert", False)),
            "_parent": policy["id"],
        }
        if not fields["value"]:
            raise fault(400, "Invalid input for field/attribute value.")
        return self._child_create(req, "lb_l7rule", body, lb, "l7rule", fields)

    def update_l7rule(self, req: Request, params: dict[str, str]) -> Response:
        allowed = ("type", "compare_type", "value", "key", "invert")
        return self._child_update(req, "lb_l7rule", params, allowed)

    # -- flavors and flavor profiles (admin) ------------------------------------------------

    def _catalog_creator(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req)
            body = req.json_object(self._key(kind))
            rec: Rec = {"id": new_id(), "name": str(body.get("name") or "")}
            if kind == "lb_flavor":
                profile = str(body.get("flavor_profile_id"))
                if self.store.get("lb_flavorprofile", profile) is None:
                    raise fault(400, f"Validation failure: Invalid flavor_profile_id {profile}.")
                rec.update(
                    description=str(body.get("description") or ""),
                    flavor_profile_id=profile,
                    enabled=bool(body.get("enabled", True)),
                )
            else:
                rec.update(
                    provider_name=str(body.get("provider_name") or "amphora"),
                    flavor_data=str(body.get("flavor_data") or "{}"),
                )
            self.store.put(kind, rec)
            return ok({self._key(kind): public(rec)}, 201)

        return handler

    def _catalog_updater(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req)
            rec = self._get(req, kind, params["id"])
            body = req.json_object(self._key(kind))
            allowed = ("name", "description", "enabled", "provider_name", "flavor_data")
            rec.update({k: v for k, v in body.items() if k in allowed and k in rec})
            self.store.changed()
            return ok({self._key(kind): public(rec)})

        return handler

    def _catalog_deleter(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req)
            rec = self._get(req, kind, params["id"])
            field = "flavor_profile_id" if kind == "lb_flavorprofile" else "flavor_id"
            users = "lb_flavor" if kind == "lb_flavorprofile" else _LB
            if any(u.get(field) == rec["id"] for u in self.store.table(users).values()):
                raise fault(409, f"{_WHAT[kind]} {rec['id']} is in use.")
            self.store.delete(kind, rec["id"])
            return empty(204)

        return handler

    @staticmethod
    def _admin(req: Request) -> None:
        if not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")

    def providers(self, req: Request, params: dict[str, str]) -> Response:
        return ok(
            {"providers": [{"name": "amphora", "description": "The Octavia Amphora driver."}]}
        )

    # -- quotas -----------------------------------------------------------------------------

    def _quota(self, project_id: str) -> dict[str, int]:
        return self.backend.quota(project_id, "load-balancer")

    def list_quotas(self, req: Request, params: dict[str, str]) -> Response:
        return ok(
            {"quotas": [{**self._quota(req.auth.project_id), "project_id": req.auth.project_id}]}
        )

    def quota_defaults(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"quota": self._quota("")})

    def show_quota(self, req: Request, params: dict[str, str]) -> Response:
        project = params["project"]
        if project != req.auth.project_id and not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")
        return ok({"quota": self._quota(project)})

    def update_quota(self, req: Request, params: dict[str, str]) -> Response:
        if not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")
        body = req.json_object("quota")
        overrides = self.store.quota_overrides(params["project"], "load-balancer")
        for key, value in body.items():
            name = _QUOTA_ALIASES.get(key, key)
            if name not in QUOTA_KEYS:
                raise fault(400, f"Invalid input for field/attribute {key}.")
            if value is None:
                overrides.pop(name, None)
            elif not isinstance(value, int) or value < -1:
                raise fault(400, f"Invalid input for field/attribute {key}. Value: '{value}'.")
            else:
                overrides[name] = value
        self.store.changed()
        return ok({"quota": self._quota(params["project"])}, 202)

    def reset_quota(self, req: Request, params: dict[str, str]) -> Response:
        if not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")
        self.store.quota_overrides(params["project"], "load-balancer").clear()
        self.store.changed()
        return empty(204)
