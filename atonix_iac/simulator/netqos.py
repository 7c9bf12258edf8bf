"""Neutron address scopes, QoS policies with their three rule types, and RBAC policies.

QoS rules live under their policy (``/qos/policies/{id}/bandwidth_limit_rules/{rule}`` ...)
and a policy shows them in its ``rules``. An address scope used by a subnet pool, and a QoS
policy attached to a port or network, cannot be deleted (409, as Neutron answers). RBAC
policies are stored and listed; they do not change what other projects see here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty
from .routing import Router

# URL segment -> (body key, table kind, fields with defaults)
RULE_TYPES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bandwidth_limit_rules": (
        "bandwidth_limit_rule",
        "qos_bandwidth_limit_rule",
        {"max_kbps": None, "max_burst_kbps": 0, "direction": "egress"},
    ),
    "dscp_marking_rules": ("dscp_marking_rule", "qos_dscp_marking_rule", {"dscp_mark": None}),
    "minimum_bandwidth_rules": (
        "minimum_bandwidth_rule",
        "qos_minimum_bandwidth_rule",
        {"min_kbps": None, "direction": "egress"},
    ),
    "minimum_packet_rate_rules": (
        "minimum_packet_rate_rule",
        "qos_minimum_packet_rate_rule",
        {"min_kpps": None, "direction": "egress"},
    ),
}
_RULE_NAMES = {
    "qos_bandwidth_limit_rule": "bandwidth_limit",
    "qos_dscp_marking_rule": "dscp_marking",
    "qos_minimum_bandwidth_rule": "minimum_bandwidth",
    "qos_minimum_packet_rate_rule": "minimum_packet_rate",
}
RBAC_ACTIONS = ("access_as_shared", "access_as_external")
RBAC_OBJECTS = ("network", "qos_policy", "security_group", "address_scope", "subnetpool")


class NetworkPolicies(NeutronBase):
    def register(self, r: Router) -> None:
        r.add("GET", "/address-scopes", self._lister("address_scope"))
        r.add("POST", "/address-scopes", self.create_scope)
        r.add("GET", "/address-scopes/{id}", self._shower("address_scope"))
        r.add("PUT", "/address-scopes/{id}", self._updater("address_scope", ("name", "shared")))
        r.add("DELETE", "/address-scopes/{id}", self.delete_scope)
        r.add("GET", "/qos/policies", self._lister("policy"))
        r.add("POST", "/qos/policies", self.create_policy)
        r.add("GET", "/qos/policies/{id}", self._shower("policy"))
        fields = ("name", "description", "shared", "is_default")
        r.add("PUT", "/qos/policies/{id}", self._updater("policy", fields))
        r.add("DELETE", "/qos/policies/{id}", self.delete_policy)
        for segment in RULE_TYPES:
            r.add("GET", f"/qos/policies/{{policy}}/{segment}", self._rules(segment))
            r.add("POST", f"/qos/policies/{{policy}}/{segment}", self._create_rule(segment))
            r.add("GET", f"/qos/policies/{{policy}}/{segment}/{{id}}", self._rule(segment))
            r.add("PUT", f"/qos/policies/{{policy}}/{segment}/{{id}}", self._update_rule(segment))
            r.add(
                "DELETE", f"/qos/policies/{{policy}}/{segment}/{{id}}", self._delete_rule(segment)
            )
        r.add("GET", "/rbac-policies", self._lister("rbac_policy"))
        r.add("POST", "/rbac-policies", self.create_rbac)
        r.add("GET", "/rbac-policies/{id}", self._shower("rbac_policy"))
        r.add("PUT", "/rbac-policies/{id}", self._updater("rbac_policy", ("target_tenant",)))
        r.add("DELETE", "/rbac-policies/{id}", self._deleter("rbac_policy"))

    def visible(self, req: Request, kind: str, rec: Rec) -> bool:
        if kind in ("address_scope", "policy") and rec.get("shared"):
            return True
        return super().visible(req, kind, rec)

    def render(self, rec: Rec) -> Rec:
        view = super().render(rec)
        if "_rules" in rec:
            view["rules"] = [
                self._rule_view(kind, self.store.get(kind, rid)) for kind, rid in rec["_rules"]
            ]
        return view

    @staticmethod
    def _rule_view(kind: str, rule: Rec | None) -> Rec:
        view = {k: v for k, v in (rule or {}).items() if not k.startswith("_")}
        view["type"] = _RULE_NAMES[kind]
        return view

    # -- generic ----------------------------------------------------------------------------

    def _lister(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        return lambda req, params: self.list_reply(req, kind, self.store.table(kind).values())

    def _shower(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        return lambda req, params: self.item_reply(req, kind, self.get(req, kind, params["id"]))

    def _updater(
        self, kind: str, fields: tuple[str, ...]
    ) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self.owned(req, kind, params["id"])
            body = req.json_object(kind)
            for key in fields:
                if key in body:
                    rec[key] = body[key]
            self.touch(rec)
            return self.item_reply(req, kind, rec)

        return handler

    def _deleter(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self.owned(req, kind, params["id"])
            self.store.delete(kind, rec["id"])
            return empty(204)

        return handler

    # -- address scopes ---------------------------------------------------------------------

    def create_scope(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("address_scope")
        if body.get("ip_version") not in (4, 6):
            raise ApiError(400, "Invalid input for ip_version. Reason: must be 4 or 6.")
        rec = self.skeleton(req.auth.project_id, body)
        rec.update(ip_version=body["ip_version"], shared=bool(body.get("shared", False)))
        self.store.put("address_scope", rec)
        return self.item_reply(req, "address_scope", rec, 201)

    def delete_scope(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.owned(req, "address_scope", params["id"])
        if any(
            p.get("address_scope_id") == rec["id"] for p in self.store.table("subnetpool").values()
        ):
            raise ApiError(
                409,
                f"Unable to complete operation on address scope {rec['id']}. There are one or "
                "more subnet pools in use on the address scope.",
                "AddressScopeInUse",
            )
        self.store.delete("address_scope", rec["id"])
        return empty(204)

    # -- QoS --------------------------------------------------------------------------------

    def create_policy(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("policy")
        rec = self.skeleton(req.auth.project_id, body)
        rec.update(
            shared=bool(body.get("shared", False)),
            is_default=bool(body.get("is_default", False)),
            _rules=[],
        )
        self.store.put("policy", rec)
        return self.item_reply(req, "policy", rec, 201)

    def delete_policy(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.owned(req, "policy", params["id"])
        for kind in ("port", "network"):
            if any(o.get("qos_policy_id") == rec["id"] for o in self.store.table(kind).values()):
                raise ApiError(
                    409,
                    f"QoS Policy {rec['id']} is used by {kind} (still in use).",
                    "QosPolicyInUse",
                )
        for kind, rid in rec["_rules"]:
            self.store.delete(kind, rid)
        self.store.delete("policy", rec["id"])
        return empty(204)

    def _policy_rule(self, req: Request, segment: str, params: dict[str, str]) -> tuple[Rec, Rec]:
        policy = self.get(req, "policy", params["policy"])
        kind = RULE_TYPES[segment][1]
        rule = self.store.get(kind, params["id"])
        if rule is None or rule["_policy"] != policy["id"]:
            raise ApiError(
                404,
                f"QoS rule {params['id']} for policy {policy['id']} could not be found.",
                "QosRuleNotFound",
            )
        return policy, rule

    def _rules(self, segment: str) -> Callable[[Request, dict[str, str]], Response]:
        key, kind, _ = RULE_TYPES[segment]

        def handler(req: Request, params: dict[str, str]) -> Response:
            policy = self.get(req, "policy", params["policy"])
            rules = [
                self._rule_view(kind, self.store.get(k, r))
                for k, r in policy["_rules"]
                if k == kind
            ]
            return self.ok_body({f"{key}s": rules})

        return handler

    @staticmethod
    def ok_body(body: Rec, status: int = 200) -> Response:
        return Response(status, body)

    def _create_rule(self, segment: str) -> Callable[[Request, dict[str, str]], Response]:
        key, kind, defaults = RULE_TYPES[segment]

        def handler(req: Request, params: dict[str, str]) -> Response:
            policy = self.owned(req, "policy", params["policy"])
            body = req.json_object(key)
            rule: Rec = {
                "id": self.skeleton(req.auth.project_id, {})["id"],
                "_policy": policy["id"],
            }
            for field, default in defaults.items():
                value = body.get(field, default)
                if value is None:
                    raise ApiError(400, f"Invalid input for {field}. Reason: it is required.")
                rule[field] = value
            for other_kind, rid in policy["_rules"]:
                other = self.store.get(other_kind, rid) or {}
                if other_kind == kind and other.get("direction") == rule.get("direction"):
                    raise ApiError(
                        409,
                        f"A rule of type {_RULE_NAMES[kind]} already exists for QoS policy "
                        f"{policy['id']} with direction {rule.get('direction')}.",
                        "QoSRulesConflict",
                    )
            self.store.put(kind, rule)
            policy["_rules"].append([kind, rule["id"]])
            self.touch(policy)
            return self.ok_body({key: self._rule_view(kind, rule)}, 201)

        return handler

    def _rule(self, segment: str) -> Callable[[Request, dict[str, str]], Response]:
        key, kind, _ = RULE_TYPES[segment]

        def handler(req: Request, params: dict[str, str]) -> Response:
            _, rule = self._policy_rule(req, segment, params)
            return self.ok_body({key: self._rule_view(kind, rule)})

        return handler

    def _update_rule(self, segment: str) -> Callable[[Request, dict[str, str]], Response]:
        key, kind, defaults = RULE_TYPES[segment]

        def handler(req: Request, params: dict[str, str]) -> Response:
            policy, rule = self._policy_rule(req, segment, params)
            body = req.json_object(key)
            rule.update({k: v for k, v in body.items() if k in defaults})
            self.touch(policy)
            return self.ok_body({key: self._rule_view(kind, rule)})

        return handler

    def _delete_rule(self, segment: str) -> Callable[[Request, dict[str, str]], Response]:
        _, kind, _ = RULE_TYPES[segment]

        def handler(req: Request, params: dict[str, str]) -> Response:
            policy, rule = self._policy_rule(req, segment, params)
            policy["_rules"] = [p for p in policy["_rules"] if p[1] != rule["id"]]
            self.store.delete(kind, rule["id"])
            self.touch(policy)
            return empty(204)

        return handler

    # -- RBAC -------------------------------------------------------------------------------

    def create_rbac(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("rbac_policy")
        if body.get("action") not in RBAC_ACTIONS or body.get("object_type") not in RBAC_OBJECTS:
            raise ApiError(400, "Invalid input for action or object_type.")
        kind = {"qos_policy": "policy"}.get(str(body["object_type"]), str(body["object_type"]))
        self.owned(req, kind, str(body.get("object_id")))
        if not body.get("target_tenant"):
            raise ApiError(400, "Invalid input for target_tenant.")
        rec = self.skeleton(req.auth.project_id, {})
        for field in ("action", "object_type", "object_id", "target_tenant"):
            rec[field] = body[field]
        del rec["name"], rec["description"], rec["tags"]
        self.store.put("rbac_policy", rec)
        return self.item_reply(req, "rbac_policy", rec, 201)
