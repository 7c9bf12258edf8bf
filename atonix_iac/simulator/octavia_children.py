"""Octavia's listeners, pools, members, health monitors, L7 policies and rules: each write
goes through the load balancer's provisioning state (``OctaviaBase._writable``, ``_pend``)."""

from __future__ import annotations

from .octavia_base import (
    ALGORITHMS,
    L7_ACTIONS,
    L7_COMPARE,
    L7_RULE_TYPES,
    LB_KIND,
    MONITOR_TYPES,
    PROTOCOLS,
    OctaviaBase,
    fault,
)
from .protocol import Rec, Request, Response, ok


class OctaviaChildren(OctaviaBase):
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
        lb = self._get(req, LB_KIND, rec["_lb"])
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
        lb = self._get(req, LB_KIND, str(body.get("loadbalancer_id")))
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
            lb = self._get(req, LB_KIND, listener["_lb"])
            if listener.get("default_pool_id"):
                raise fault(409, f"Listener {listener['id']} is already using default pool.")
        elif body.get("loadbalancer_id"):
            lb = self._get(req, LB_KIND, str(body["loadbalancer_id"]))
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
        lb = self._get(req, LB_KIND, pool["_lb"])
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
        lb = self._get(req, LB_KIND, pool["_lb"])
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
        lb = self._get(req, LB_KIND, listener["_lb"])
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
        lb = self._get(req, LB_KIND, policy["_lb"])
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
