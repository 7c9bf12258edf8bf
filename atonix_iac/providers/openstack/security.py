"""Neutron security groups and their rules.

A group's ``rules`` property is reconciled in place: rules missing from the cloud are created,
extra ones deleted (Neutron rules themselves cannot be updated). As in Heat, the group's two
default egress rules are removed only when the template declares egress rules of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import (
    ReplacedOnChange,
    default_name,
    show,
)
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import created_since
from atonix_iac.providers.openstack._neutron import NeutronResource

RuleKey = tuple[str, str, str | None, int | None, int | None, str | None, str | None]


def _protocol(value: Any) -> str | None:
    return None if value in (None, "", "any") else str(value)


def _port(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def rule_key(rule: Mapping[str, Any], group_id: str) -> RuleKey:
    """A rule's identity whether it comes from a template or from Neutron."""
    remote_group = rule.get("remote_group_id")
    remote_prefix = rule.get("remote_ip_prefix")
    if rule.get("remote_mode") == "remote_group_id":
        remote_group = remote_group or group_id
        remote_prefix = None
    ethertype = rule.get("ethertype") or rule.get("ether_type") or "IPv4"
    return (
        str(rule.get("direction") or "ingress"),
        str(ethertype),
        _protocol(rule.get("protocol")),
        _port(rule.get("port_range_min")),
        _port(rule.get("port_range_max")),
        remote_prefix or None,
        remote_group or None,
    )


def live_rule_key(rule: Any, group_id: str) -> RuleKey:
    """The identity of a rule as Neutron's SDK object shows it."""
    raw = {
        "direction": rule.direction,
        "ethertype": rule.ether_type,
        "protocol": rule.protocol,
        "port_range_min": rule.port_range_min,
        "port_range_max": rule.port_range_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
        "remote_group_id": rule.remote_group_id,
    }
    return rule_key(raw, group_id)


def key_to_rule(key: RuleKey) -> dict[str, Any]:
    direction, ethertype, protocol, pmin, pmax, prefix, group = key
    rule: dict[str, Any] = {"direction": direction, "ethertype": ethertype}
    for name, value in (
        ("protocol", protocol),
        ("port_range_min", pmin),
        ("port_range_max", pmax),
        ("remote_ip_prefix", prefix),
        ("remote_group_id", group),
    ):
        if value is not None:
            rule[name] = value
    return rule


def _is_default_egress(key: RuleKey) -> bool:
    direction, _eth, protocol, pmin, pmax, prefix, group = key
    return direction == "egress" and (protocol, pmin, pmax, prefix, group) == (None,) * 5


class SecurityGroup(NeutronResource):
    type_name = "OS::Neutron::SecurityGroup"
    noun = "security_group"
    plural = "security_groups"
    what = "security group"
    passthrough = ("name", "description", "stateful")
    plain_attributes = ("name", "description")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        return body

    def after_create(
        self, identity: ResourceIdentity, obj: Any, properties: Mapping[str, Any]
    ) -> Any:
        self._reconcile(str(obj.id), properties.get("rules") or [])
        return self.conn.network.get_security_group(obj.id)

    def after_update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> None:
        if "rules" in changed:
            self._reconcile(physical_id, new.get("rules") or [])

    def _live_keys(self, group_id: str) -> dict[RuleKey, list[str]]:
        live: dict[RuleKey, list[str]] = {}
        for rule in self.conn.network.security_group_rules(security_group_id=group_id):
            live.setdefault(live_rule_key(rule, group_id), []).append(str(rule.id))
        return live

    def _reconcile(self, group_id: str, rules: Iterable[Mapping[str, Any]]) -> None:
        wanted = {rule_key(r, group_id) for r in rules}
        keep_default_egress = not any(k[0] == "egress" for k in wanted)
        with sdk_errors(f"setting the rules of security group {group_id}"):
            live = self._live_keys(group_id)
            for key, ids in live.items():
                if key in wanted or (keep_default_egress and _is_default_egress(key)):
                    continue
                for rule_id in ids:
                    self.conn.network.delete_security_group_rule(rule_id)
            for key in wanted - set(live):
                body = key_to_rule(key)
                body["ether_type"] = body.pop("ethertype")
                self.conn.network.create_security_group_rule(security_group_id=group_id, **body)

    def reported(self, obj: Any, properties: Mapping[str, Any]) -> dict[str, Any]:
        out = super().reported(obj, properties)
        given = properties.get("rules")
        if isinstance(given, list):
            group_id = str(obj.id)
            wanted = {rule_key(r, group_id) for r in given}
            have = set(self._live_keys(group_id))
            if not any(k[0] == "egress" for k in wanted):
                have = {k for k in have if not _is_default_egress(k)}
            out["rules"] = (
                given if wanted == have else [key_to_rule(k) for k in sorted(have, key=str)]
            )
        return out


class SecurityGroupRule(ReplacedOnChange):
    type_name = "OS::Neutron::SecurityGroupRule"

    def _body(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        group = properties.get("security_group")
        if not group:
            raise ProviderError("security group rule needs `security_group`")
        group_id = self.resolve("neutron.security_group", str(group))
        body: dict[str, Any] = {
            "security_group_id": group_id,
            "direction": properties.get("direction") or "ingress",
            "ether_type": properties.get("ethertype") or "IPv4",
        }
        protocol = _protocol(properties.get("protocol", "tcp"))
        if protocol is not None:
            body["protocol"] = protocol
        for name in ("port_range_min", "port_range_max", "remote_ip_prefix", "description"):
            if properties.get(name) is not None:
                body[name] = properties[name]
        if properties.get("remote_group"):
            body["remote_group_id"] = self.resolve(
                "neutron.security_group", str(properties["remote_group"])
            )
        return body

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = self._body(properties)
        with sdk_errors("creating security group rule"):
            rule = self.conn.network.create_security_group_rule(**body)
        return ResourceResult(str(rule.id), {"show": show(rule)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """Rules carry no tags; Neutron keeps one rule per tuple (group, direction,
        ethertype, protocol, ports, remote), so the tuple finds it."""
        body = self._body(properties)
        group_id = body["security_group_id"]
        wanted = rule_key({**body, "ethertype": body["ether_type"]}, group_id)
        with sdk_errors("looking for an interrupted security group rule create"):
            for rule in self.conn.network.security_group_rules(security_group_id=group_id):
                if (
                    live_rule_key(rule, group_id) == wanted
                    and str(rule.id) not in claimed
                    and created_since(getattr(rule, "created_at", None), since)
                ):
                    return str(rule.id)
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        rule = self.fetch(self.conn.network.get_security_group_rule, physical_id, "rule")
        if rule is None:
            return None
        return ResourceResult(physical_id, {"show": show(rule)}, {})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.conn.network.delete_security_group_rule(physical_id, ignore_missing=False),
            f"security group rule {physical_id}",
        )
