"""Neutron FWaaS v2: firewall rules, policies (ordered rule lists) and firewall groups.

A rule's ``protocol`` "any" is stored as null, as neutron-fwaas converts it; a rule listed by a
policy shows that policy in ``firewall_policy_id`` and cannot be deleted (409
``FirewallRuleInUse``), nor can a policy a group uses (409 ``FirewallPolicyInUse``). A group
with no ports is INACTIVE. None of these carry tags.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty
from .routing import Router

Handler = Callable[[Request, dict[str, str]], Response]
URLS = {
    "firewall_rule": "/fwaas/firewall_rules",
    "firewall_policy": "/fwaas/firewall_policies",
    "firewall_group": "/fwaas/firewall_groups",
}
DEFAULTS: dict[str, Rec] = {
    "firewall_rule": {
        "action": "deny",
        "enabled": True,
        "ip_version": 4,
        "protocol": None,
        "shared": False,
        "source_ip_address": None,
        "destination_ip_address": None,
        "source_port": None,
        "destination_port": None,
    },
    "firewall_policy": {"audited": False, "shared": False, "firewall_rules": []},
    "firewall_group": {
        "admin_state_up": True,
        "shared": False,
        "ingress_firewall_policy_id": None,
        "egress_firewall_policy_id": None,
        "ports": [],
    },
}
ACTIONS = ("allow", "deny", "reject")
PROTOCOLS = ("tcp", "udp", "icmp", "ipv6-icmp", None)


class FirewallAsAService(NeutronBase):
    def register(self, r: Router) -> None:
        for kind, url in URLS.items():
            r.add("GET", url, self._lister(kind))
            r.add("POST", url, self._creator(kind))
            r.add("GET", f"{url}/{{id}}", self._shower(kind))
            r.add("PUT", f"{url}/{{id}}", self._updater(kind))
            r.add("DELETE", f"{url}/{{id}}", self._deleter(kind))

    def _lister(self, kind: str) -> Handler:
        return lambda req, params: self.list_reply(req, kind, self.store.table(kind).values())

    def _shower(self, kind: str) -> Handler:
        return lambda req, params: self.item_reply(req, kind, self.get(req, kind, params["id"]))

    def visible(self, req: Request, kind: str, rec: Rec) -> bool:
        return bool(rec.get("shared")) or super().visible(req, kind, rec)

    def _apply(self, req: Request, kind: str, rec: Rec, body: Rec) -> None:
        for key in DEFAULTS[kind]:
            if key in body:
                rec[key] = body[key]
        for key in ("name", "description"):
            if key in body:
                rec[key] = str(body[key] or "")
        if kind == "firewall_rule":
            if rec["protocol"] == "any":
                rec["protocol"] = None
            if rec["protocol"] not in PROTOCOLS:
                raise ApiError(400, f"Firewall Rule protocol {rec['protocol']} is not supported.")
            if rec["action"] not in ACTIONS:
                raise ApiError(400, f"Invalid input for action: {rec['action']!r}.")
            rec["ip_version"] = int(rec["ip_version"])
        elif kind == "firewall_policy":
            rules = [str(r) for r in rec["firewall_rules"] or []]
            for rid in rules:
                self.get(req, "firewall_rule", rid)
            for other in self.store.table("firewall_rule").values():
                if other["id"] in rules:
                    other["firewall_policy_id"] = rec["id"]
                elif other.get("firewall_policy_id") == rec["id"]:
                    other["firewall_policy_id"] = None
            rec["firewall_rules"] = rules
        else:
            for key in ("ingress_firewall_policy_id", "egress_firewall_policy_id"):
                if rec[key]:
                    self.get(req, "firewall_policy", str(rec[key]))
            rec["status"] = "ACTIVE" if rec["ports"] else "INACTIVE"

    def _creator(self, kind: str) -> Handler:
        def handler(req: Request, params: dict[str, str]) -> Response:
            body = req.json_object(kind)
            rec = self.skeleton(req.auth.project_id, body)
            rec.update(
                {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULTS[kind].items()}
            )
            if kind == "firewall_rule":
                rec["firewall_policy_id"] = None
            self._apply(req, kind, rec, body)
            self.store.put(kind, rec)
            return self.item_reply(req, kind, rec, 201)

        return handler

    def _updater(self, kind: str) -> Handler:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self.owned(req, kind, params["id"])
            self._apply(req, kind, rec, req.json_object(kind))
            self.touch(rec)
            return self.item_reply(req, kind, rec)

        return handler

    def _deleter(self, kind: str) -> Handler:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self.owned(req, kind, params["id"])
            if kind == "firewall_rule" and rec.get("firewall_policy_id"):
                raise ApiError(
                    409, f"Firewall rule {rec['id']} is being used.", "FirewallRuleInUse"
                )
            if kind == "firewall_policy" and any(
                rec["id"] in (g["ingress_firewall_policy_id"], g["egress_firewall_policy_id"])
                for g in self.store.table("firewall_group").values()
            ):
                raise ApiError(
                    409, f"Firewall policy {rec['id']} is being used.", "FirewallPolicyInUse"
                )
            if kind == "firewall_policy":
                for rule in self.store.table("firewall_rule").values():
                    if rule.get("firewall_policy_id") == rec["id"]:
                        rule["firewall_policy_id"] = None
            self.store.delete(kind, rec["id"])
            return empty(204)

        return handler
