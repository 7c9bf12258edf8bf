"""Neutron security groups and rules, including the per-project ``default`` group."""

from __future__ import annotations

import ipaddress
from typing import Any

from .common import public
from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty
from .routing import Router

_PROTOCOLS_WITH_PORTS = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"}
_ICMP = {"icmp", "icmpv6", "ipv6-icmp", "1", "58"}


class SecurityGroups(NeutronBase):
    """``/security-groups`` and ``/security-group-rules``."""

    def register(self, r: Router) -> None:
        r.add("GET", "/security-groups", self.list_groups)
        r.add("POST", "/security-groups", self.create_group)
        r.add("GET", "/security-groups/{id}", self.show_group)
        r.add("PUT", "/security-groups/{id}", self.update_group)
        r.add("DELETE", "/security-groups/{id}", self.delete_group)
        r.add("GET", "/security-group-rules", self.list_rules)
        r.add("POST", "/security-group-rules", self.create_rule)
        r.add("GET", "/security-group-rules/{id}", self.show_rule)
        r.add("DELETE", "/security-group-rules/{id}", self.delete_rule)

    # -- default group ----------------------------------------------------------------------

    def ensure_default(self, project_id: str) -> str:
        """Create the project's ``default`` group on first use, as Neutron does."""
        defaults: dict[str, str] = self.store.meta.setdefault("default_sg", {})
        sg_id = defaults.get(project_id)
        if sg_id and self.store.get("security_group", sg_id) is not None:
            return str(sg_id)
        group = self._new_group(
            project_id, {"name": "default", "description": "Default security group"}
        )
        defaults[project_id] = group["id"]
        for ethertype in ("IPv4", "IPv6"):
            self._new_rule(project_id, group, {"direction": "egress", "ethertype": ethertype})
            self._new_rule(
                project_id,
                group,
                {"direction": "ingress", "ethertype": ethertype, "remote_group_id": group["id"]},
            )
        return str(group["id"])

    def is_default(self, group: Rec) -> bool:
        defaults: dict[str, str] = self.store.meta.get("default_sg", {})
        return bool(defaults.get(group["project_id"]) == group["id"])

    def resolve(self, req: Request, project_id: str, name_or_id: str) -> Rec:
        """Find a group of the project by id or name (Nova's ``security_groups`` input)."""
        self.ensure_default(project_id)
        group = self.store.get("security_group", name_or_id)
        if group is not None and group["project_id"] == project_id:
            return group
        matches = [
            g
            for g in self.store.table("security_group").values()
            if g["project_id"] == project_id and g["name"] == name_or_id
        ]
        if len(matches) != 1:
            raise ApiError(
                400 if not matches else 409,
                f"Security group {name_or_id} not found for project {project_id}."
                if not matches
                else f"Multiple security groups found matching '{name_or_id}'. "
                "Use an ID to be more specific.",
            )
        return matches[0]

    # -- groups -----------------------------------------------------------------------------

    def _new_group(self, project_id: str, body: Rec) -> Rec:
        group = self.skeleton(project_id, body)
        group.update(stateful=bool(body.get("stateful", True)), shared=False, _rules=[])
        return self.store.put("security_group", group)

    def render(self, rec: Rec) -> Rec:
        view = public(rec)
        if "_rules" in rec:
            rules = self.store.table("security_group_rule")
            view["security_group_rules"] = [public(rules[i]) for i in rec["_rules"] if i in rules]
        return view

    def list_groups(self, req: Request, params: dict[str, str]) -> Response:
        self.ensure_default(req.auth.project_id)
        return self.list_reply(req, "security_group", self.store.table("security_group").values())

    def show_group(self, req: Request, params: dict[str, str]) -> Response:
        self.ensure_default(req.auth.project_id)
        return self.item_reply(req, "security_group", self.get(req, "security_group", params["id"]))

    def create_group(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("security_group")
        project_id = req.auth.project_id
        self.ensure_default(project_id)
        if body.get("name") == "default":
            raise ApiError(
                409, "Default security group already exists.", "SecurityGroupDefaultAlreadyExists"
            )
        self.check_quota(project_id, "security_group", "security_group")
        group = self._new_group(project_id, body)
        for ethertype in ("IPv4", "IPv6"):
            self._new_rule(project_id, group, {"direction": "egress", "ethertype": ethertype})
        return self.item_reply(req, "security_group", group, 201)

    def update_group(self, req: Request, params: dict[str, str]) -> Response:
        group = self.owned(req, "security_group", params["id"])
        body = req.json_object("security_group")
        if self.is_default(group) and "name" in body and body["name"] != "default":
            raise ApiError(409, "Updating default security group not allowed.", "HTTPConflict")
        for key in ("name", "description", "stateful"):
            if key in body:
                group[key] = body[key]
        self.touch(group)
        return self.item_reply(req, "security_group", group)

    def delete_group(self, req: Request, params: dict[str, str]) -> Response:
        group = self.owned(req, "security_group", params["id"])
        if self.is_default(group) and not req.auth.is_admin:
            raise ApiError(
                409,
                "Insufficient rights for removing default security group.",
                "SecurityGroupCannotRemoveDefault",
            )
        for port in self.store.table("port").values():
            if group["id"] in port.get("security_groups", []):
                raise ApiError(409, f"Security Group {group['id']} in use.", "SecurityGroupInUse")
        rules = self.store.table("security_group_rule")
        for rule_id in group["_rules"]:
            self.store.delete("security_group_rule", rule_id)
        for other in self.store.table("security_group").values():
            keep = [i for i in other["_rules"] if i in rules]
            keep = [i for i in keep if rules[i].get("remote_group_id") != group["id"]]
            for gone in set(other["_rules"]) - set(keep):
                self.store.delete("security_group_rule", gone)
            other["_rules"] = keep
        self.store.delete("security_group", group["id"])
        return empty()

    # -- rules ------------------------------------------------------------------------------

    def _new_rule(self, project_id: str, group: Rec, body: Rec) -> Rec:
        rule = self.skeleton(project_id, body)
        del rule["name"]
        rule.update(
            security_group_id=group["id"],
            direction=body["direction"],
            ethertype=body.get("ethertype") or "IPv4",
            protocol=body.get("protocol"),
            port_range_min=body.get("port_range_min"),
            port_range_max=body.get("port_range_max"),
            remote_ip_prefix=body.get("remote_ip_prefix"),
            normalized_cidr=body.get("remote_ip_prefix"),
            remote_group_id=body.get("remote_group_id"),
            remote_address_group_id=None,
            belongs_to_default_sg=self.is_default(group),
        )
        self.store.put("security_group_rule", rule)
        group["_rules"].append(rule["id"])
        return rule

    def _validate_rule(self, req: Request, body: Rec) -> Rec:
        clean: Rec = dict(body)
        direction = body.get("direction")
        if direction not in ("ingress", "egress"):
            raise ApiError(
                400,
                f"Invalid input for direction. Reason: {direction} is not in "
                "['ingress', 'egress'].",
            )
        ethertype = body.get("ethertype") or "IPv4"
        if ethertype not in ("IPv4", "IPv6"):
            raise ApiError(
                400, f"Invalid input for ethertype. Reason: {ethertype} is not in ['IPv4', 'IPv6']."
            )
        clean["ethertype"] = ethertype
        protocol = body.get("protocol")
        protocol = None if protocol in (None, "", "any") else str(protocol).lower()
        clean["protocol"] = protocol
        pmin, pmax = body.get("port_range_min"), body.get("port_range_max")
        if (pmin is not None or pmax is not None) and protocol is None:
            raise ApiError(400, "Must also specify protocol if port range is given.")
        if protocol in _PROTOCOLS_WITH_PORTS and pmin is not None:
            pmax = pmin if pmax is None else pmax
            if not 0 <= int(pmin) <= int(pmax) <= 65535:
                raise ApiError(
                    400, "For TCP/UDP protocols, port_range_min must be <= port_range_max"
                )
        elif protocol not in _ICMP and protocol is not None and pmin is not None:
            raise ApiError(400, f"Invalid protocol {protocol} for port range.")
        clean["port_range_min"] = None if pmin is None else int(pmin)
        clean["port_range_max"] = None if pmax is None else int(pmax)
        prefix, remote = body.get("remote_ip_prefix"), body.get("remote_group_id")
        if prefix and remote:
            raise ApiError(400, "Only remote_ip_prefix or remote_group_id may be provided.")
        if prefix:
            clean["remote_ip_prefix"] = self._prefix(prefix, ethertype)
        if remote:
            self.get(req, "security_group", str(remote))
        return clean

    @staticmethod
    def _prefix(prefix: Any, ethertype: str) -> str:
        try:
            net = ipaddress.ip_network(str(prefix), strict=False)
        except ValueError as exc:
            raise ApiError(
                400, f"Invalid input for remote_ip_prefix. Reason: '{prefix}' is not a valid CIDR."
            ) from exc
        if f"IPv{net.version}" != ethertype:
            raise ApiError(
                400,
                f"Conflicting value ethertype {ethertype} for CIDR {prefix}",
                "SecurityGroupRuleParameterConflict",
            )
        return str(net)

    _RULE_KEYS = (
        "direction",
        "ethertype",
        "protocol",
        "port_range_min",
        "port_range_max",
        "remote_ip_prefix",
        "remote_group_id",
    )

    def list_rules(self, req: Request, params: dict[str, str]) -> Response:
        self.ensure_default(req.auth.project_id)
        return self.list_reply(
            req, "security_group_rule", self.store.table("security_group_rule").values()
        )

    def show_rule(self, req: Request, params: dict[str, str]) -> Response:
        rule = self.get(req, "security_group_rule", params["id"])
        return self.item_reply(req, "security_group_rule", rule)

    def create_rule(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("security_group_rule")
        project_id = req.auth.project_id
        self.ensure_default(project_id)
        group = self.owned(req, "security_group", str(body.get("security_group_id")))
        clean = self._validate_rule(req, body)
        rules = self.store.table("security_group_rule")
        for rule_id in group["_rules"]:
            existing = rules.get(rule_id)
            if existing and all(existing.get(k) == clean.get(k) for k in self._RULE_KEYS):
                raise ApiError(
                    409,
                    f"Security group rule already exists. Rule id is {rule_id}.",
                    "SecurityGroupRuleExists",
                )
        self.check_quota(group["project_id"], "security_group_rule", "security_group_rule")
        rule = self._new_rule(group["project_id"], group, clean)
        return self.item_reply(req, "security_group_rule", rule, 201)

    def delete_rule(self, req: Request, params: dict[str, str]) -> Response:
        rule = self.owned(req, "security_group_rule", params["id"])
        group = self.store.get("security_group", rule["security_group_id"])
        if group is not None:
            group["_rules"] = [i for i in group["_rules"] if i != rule["id"]]
        self.store.delete("security_group_rule", rule["id"])
        return empty()
