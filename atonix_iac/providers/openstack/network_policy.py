"""Neutron address scopes, QoS policies and their rules, RBAC policies.

Heat gives each a handle_update for its update_allowed properties. A QoS rule lives under its
policy, so every call names both; rules carry no name or tags, so an interrupted create is
found as the policy's rule of that type (a policy holds one rule per type and direction).
RBAC policies carry nothing either and are found by their natural key (object, action,
target project).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, report, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._neutron import NeutronResource


class AddressScope(NeutronResource):
    type_name = "OS::Neutron::AddressScope"
    noun = "address_scope"
    plural = "address_scopes"
    what = "address scope"
    tagged = False
    passthrough = ("name", "ip_version", "shared")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        body.setdefault("ip_version", 4)
        return body

    def live_properties(self, obj: Any) -> dict[str, Any]:
        return {"name": obj.name, "ip_version": obj.ip_version, "shared": obj.is_shared}


class QoSPolicy(NeutronResource):
    type_name = "OS::Neutron::QoSPolicy"
    noun = "qos_policy"
    plural = "qos_policies"
    what = "QoS policy"
    tagged = False
    passthrough = ("name", "description", "shared")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["rules"] = list(obj.rules or [])
        return attrs

    def live_properties(self, obj: Any) -> dict[str, Any]:
        return {"name": obj.name, "description": obj.description, "shared": obj.is_shared}


class _QoSRule(OpenStackResource):
    """A rule under ``policy``; ``kind`` names the SDK's methods (``bandwidth_limit``)."""

    kind: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]

    def _sdk(self, verb: str) -> Any:
        suffix = "rules" if verb == "list" else "rule"
        name = f"qos_{self.kind}_{suffix}" if verb == "list" else f"{verb}_qos_{self.kind}_rule"
        return getattr(self.conn.network, name)

    def _policy(self, properties: Mapping[str, Any]) -> str:
        found = self._find_policy(properties)
        if found is None:
            raise ProviderError(f"QoS policy `{properties['policy']}` not found")
        return found

    def _find_policy(self, properties: Mapping[str, Any]) -> str | None:
        policy = str(properties["policy"])
        with sdk_errors(f"looking up QoS policy `{policy}`"):
            found = self.conn.network.find_qos_policy(policy, ignore_missing=True)
        return None if found is None else str(found.id)

    def _body(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {k: properties[k] for k in self.fields if properties.get(k) is not None}

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        policy = self._policy(properties)
        with sdk_errors(f"creating QoS {self.kind} rule"):
            rule = self._sdk("create")(policy, **self._body(properties))
        return ResourceResult(str(rule.id), self._attrs(rule))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        policy = self._policy(properties)
        wanted = self._body(properties)
        with sdk_errors(f"looking for an interrupted QoS {self.kind} rule create"):
            for rule in self._sdk("list")(policy):
                same = all(getattr(rule, k, None) == v for k, v in wanted.items())
                if same and str(rule.id) not in claimed:
                    return str(rule.id)
        return None

    @staticmethod
    def _attrs(rule: Any) -> dict[str, Any]:
        return {"show": show(rule)}

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        policy = self._policy(properties)
        rule = self.fetch(lambda r: self._sdk("get")(r, policy), physical_id, "QoS rule")
        if rule is None:
            return None
        live = {k: getattr(rule, k, None) for k in self.fields}
        drift = report(properties, live, lambda _n, given, value: bool(given == value))
        if properties.get("policy") is not None:
            drift["policy"] = properties["policy"]
        return ResourceResult(physical_id, self._attrs(rule), drift)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        policy = self._policy(new)
        body = {k: new.get(k) for k in self.fields if k in changed}
        with sdk_errors(f"updating QoS rule {physical_id}", physical_id):
            rule = self._sdk("update")(physical_id, policy, **body)
        return ResourceResult(physical_id, self._attrs(rule))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        policy = self._find_policy(properties)
        if policy is None:
            return  # the policy is gone, and its rules with it
        self.gone_ok(
            lambda: self._sdk("delete")(physical_id, policy, ignore_missing=False),
            f"QoS rule {physical_id}",
        )


class QoSBandwidthLimitRule(_QoSRule):
    type_name = "OS::Neutron::QoSBandwidthLimitRule"
    kind = "bandwidth_limit"
    fields = ("max_kbps", "max_burst_kbps", "direction")


class QoSDscpMarkingRule(_QoSRule):
    type_name = "OS::Neutron::QoSDscpMarkingRule"
    kind = "dscp_marking"
    fields = ("dscp_mark",)


class QoSMinimumBandwidthRule(_QoSRule):
    type_name = "OS::Neutron::QoSMinimumBandwidthRule"
    kind = "minimum_bandwidth"
    fields = ("min_kbps", "direction")


class QoSMinimumPacketRateRule(_QoSRule):
    type_name = "OS::Neutron::QoSMinimumPacketRateRule"
    kind = "minimum_packet_rate"
    fields = ("min_kpps", "direction")


class RBACPolicy(NeutronResource):
    type_name = "OS::Neutron::RBACPolicy"
    noun = "rbac_policy"
    plural = "rbac_policies"
    what = "RBAC policy"
    tagged = False
    natural_keys = ("object_id", "action")
    passthrough = ("action", "object_type", "object_id", "target_tenant")

    def live_properties(self, obj: Any) -> dict[str, Any]:
        return {
            "action": obj.action,
            "object_type": obj.object_type,
            "object_id": obj.object_id,
            "target_tenant": obj.target_project_id,
        }


TYPES: tuple[type[OpenStackResource], ...] = (
    AddressScope,
    QoSPolicy,
    QoSBandwidthLimitRule,
    QoSDscpMarkingRule,
    QoSMinimumBandwidthRule,
    QoSMinimumPacketRateRule,
    RBACPolicy,
)
