"""Octavia: load balancers, listeners, pools, members, health monitors, L7 policies and rules,
flavors, flavor profiles and quotas.

Every object under a load balancer waits for ``provisioning_status`` ACTIVE, and for its load
balancer to settle (``_octavia``). Octavia refuses writes (409 "... is immutable and cannot be
updated.") while the load balancer is PENDING_*: ``_errors.is_transient`` classes that 409 as
busy, so apply retries it rather than failing; a delete waits for the load balancer itself.
Objects carry the stack identity as Octavia tags; flavors, flavor profiles and quotas carry
none (an admin's catalogue, found again by name; a quota is its project).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._octavia import OctaviaObject as _Octavia
from atonix_iac.providers.openstack._octavia import first_id as _first_id
from atonix_iac.providers.openstack._rest import Body, RestResource

_ADMIN_STATE = {"admin_state_up": "admin_state_up"}


_DESCRIBED = {"name": "name", "description": "description", **_ADMIN_STATE}


class LoadBalancer(_Octavia):
    type_name = "OS::Octavia::LoadBalancer"
    path = "/lbaas/loadbalancers"
    key, plural, what = "loadbalancer", "loadbalancers", "load balancer"
    fields = {
        **_DESCRIBED,
        "vip_address": "vip_address",
        "provider": "provider",
        "availability_zone": "availability_zone",
    }
    references = {
        "vip_subnet": ("vip_subnet_id", "neutron.subnet"),
        "flavor": ("flavor_id", "octavia.flavor"),
    }
    attribute_fields = {
        "vip_address": "vip_address",
        "vip_port_id": "vip_port_id",
        "vip_subnet_id": "vip_subnet_id",
        "flavor_id": "flavor_id",
    }

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["pools"] = [p["id"] for p in obj.get("pools") or []]
        return attrs

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        found.pop("vip_address")  # chosen by the cloud when not given: not drift
        return found

    def delete_url(self, physical_id: str, properties: Mapping[str, Any]) -> str:
        # The walk deletes the declared children first; a cascade also takes any added
        # behind the stack's back, which would otherwise block the delete forever.
        return self.item(physical_id, properties) + "?cascade=true"


class Listener(_Octavia):
    type_name = "OS::Octavia::Listener"
    path = "/lbaas/listeners"
    key, plural, what = "listener", "listeners", "listener"
    fields = {
        **_DESCRIBED,
        "protocol": "protocol",
        "protocol_port": "protocol_port",
        "connection_limit": "connection_limit",
        "default_tls_container_ref": "default_tls_container_ref",
        "sni_container_refs": "sni_container_refs",
        "allowed_cidrs": "allowed_cidrs",
    }
    references = {
        "loadbalancer": ("loadbalancer_id", "octavia.loadbalancer"),
        "default_pool": ("default_pool_id", "octavia.pool"),
    }
    attribute_fields = {"default_pool_id": "default_pool_id"}

    def load_balancer_of(self, obj: Body, properties: Mapping[str, Any]) -> str | None:
        return _first_id(obj, "loadbalancers")

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["loadbalancers"] = [lb["id"] for lb in obj.get("loadbalancers") or []]
        return attrs

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        found["loadbalancer"] = _first_id(obj, "loadbalancers")
        if found.get("connection_limit") == -1:
            found["connection_limit"] = None
        return found


class Pool(_Octavia):
    type_name = "OS::Octavia::Pool"
    path = "/lbaas/pools"
    key, plural, what = "pool", "pools", "pool"
    fields = {
        **_DESCRIBED,
        "lb_algorithm": "lb_algorithm",
        "protocol": "protocol",
        "session_persistence": "session_persistence",
        "tls_enabled": "tls_enabled",
    }
    references = {
        "listener": ("listener_id", "octavia.listener"),
        "loadbalancer": ("loadbalancer_id", "octavia.loadbalancer"),
    }
    attribute_fields = {"healthmonitor_id": "healthmonitor_id"}

    def load_balancer_of(self, obj: Body, properties: Mapping[str, Any]) -> str | None:
        return _first_id(obj, "loadbalancers")

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["listeners"] = [x["id"] for x in obj.get("listeners") or []]
        attrs["members"] = [x["id"] for x in obj.get("members") or []]
        return attrs

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        found["listener"] = _first_id(obj, "listeners")
        found["loadbalancer"] = _first_id(obj, "loadbalancers")
        return found


class PoolMember(_Octavia):
    type_name = "OS::Octavia::PoolMember"
    path = "/lbaas/pools/{pool}/members"
    key, plural, what = "member", "members", "pool member"
    fields = {
        **_ADMIN_STATE,
        "address": "address",
        "protocol_port": "protocol_port",
        "weight": "weight",
        "monitor_address": "monitor_address",
        "monitor_port": "monitor_port",
    }
    references = {
        "pool": ("pool_id", "octavia.pool"),
        "subnet": ("subnet_id", "neutron.subnet"),
    }

    def load_balancer_of(self, obj: Body, properties: Mapping[str, Any]) -> str | None:
        pool = self.fetch_parent("pools", "pool", self.reference_id("pool", properties["pool"]))
        return _first_id(pool, "loadbalancers")


class HealthMonitor(_Octavia):
    type_name = "OS::Octavia::HealthMonitor"
    path = "/lbaas/healthmonitors"
    key, plural, what = "healthmonitor", "healthmonitors", "health monitor"
    named = False
    fields = {
        **_ADMIN_STATE,
        "delay": "delay",
        "timeout": "timeout",
        "max_retries": "max_retries",
        "type": "type",
        "http_method": "http_method",
        "url_path": "url_path",
        "expected_codes": "expected_codes",
    }
    references = {"pool": ("pool_id", "octavia.pool")}

    def load_balancer_of(self, obj: Body, properties: Mapping[str, Any]) -> str | None:
        pool_id = _first_id(obj, "pools")
        if pool_id is None:
            return None
        return _first_id(self.fetch_parent("pools", "pool", pool_id), "loadbalancers")

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["pools"] = [x["id"] for x in obj.get("pools") or []]
        return attrs

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        found["pool"] = _first_id(obj, "pools")
        return found


class L7Policy(_Octavia):
    type_name = "OS::Octavia::L7Policy"
    path = "/lbaas/l7policies"
    key, plural, what = "l7policy", "l7policies", "L7 policy"
    fields = {
        **_DESCRIBED,
        "action": "action",
        "position": "position",
        "redirect_url": "redirect_url",
    }
    references = {
        "listener": ("listener_id", "octavia.listener"),
        "redirect_pool": ("redirect_pool_id", "octavia.pool"),
    }

    def load_balancer_of(self, obj: Body, properties: Mapping[str, Any]) -> str | None:
        listener = self.fetch_parent("listeners", "listener", str(obj["listener_id"]))
        return _first_id(listener, "loadbalancers")

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["rules"] = [x["id"] for x in obj.get("rules") or []]
        return attrs


class L7Rule(_Octavia):
    type_name = "OS::Octavia::L7Rule"
    path = "/lbaas/l7policies/{l7policy}/rules"
    key, plural, what = "rule", "rules", "L7 rule"
    named = False
    fields = {
        **_ADMIN_STATE,
        "type": "type",
        "compare_type": "compare_type",
        "value": "value",
        "key": "key",
        "invert": "invert",
    }
    references = {"l7policy": ("l7policy_id", "octavia.l7policy")}

    def load_balancer_of(self, obj: Body, properties: Mapping[str, Any]) -> str | None:
        policy_id = self.reference_id("l7policy", properties["l7policy"])
        policy = self.fetch_parent("l7policies", "l7policy", policy_id)
        listener = self.fetch_parent("listeners", "listener", str(policy["listener_id"]))
        return _first_id(listener, "loadbalancers")


class Flavor(RestResource):
    type_name = "OS::Octavia::Flavor"
    service = "load_balancer"
    path = "/lbaas/flavors"
    key, plural, what = "flavor", "flavors", "load balancer flavor"
    fields = {"name": "name", "description": "description", "enabled": "enabled"}
    references = {"flavor_profile": ("flavor_profile_id", "octavia.flavorprofile")}
    attribute_fields = {"flavor_profile_id": "flavor_profile_id"}


class FlavorProfile(RestResource):
    type_name = "OS::Octavia::FlavorProfile"
    service = "load_balancer"
    path = "/lbaas/flavorprofiles"
    key, plural, what = "flavorprofile", "flavorprofiles", "load balancer flavor profile"
    fields = {"name": "name", "provider_name": "provider_name", "flavor_data": "flavor_data"}


class Quota(RestResource):
    """A project's Octavia quota; physical id = the project's id; delete resets it."""

    type_name = "OS::Octavia::Quota"
    service = "load_balancer"
    path = "/lbaas/quotas"
    key, plural, what = "quota", "quotas", "load balancer quota"
    named = False
    # Heat's names; Octavia still accepts these older spellings.
    fields = {
        name: name for name in ("loadbalancer", "listener", "pool", "healthmonitor", "member")
    }
    _CURRENT: ClassVar[Mapping[str, str]] = {
        "loadbalancer": "load_balancer",
        "healthmonitor": "health_monitor",
    }

    def _project(self, properties: Mapping[str, Any]) -> str:
        project = str(properties["project"])
        with sdk_errors(f"looking up project `{project}`"):
            found = self.conn.identity.find_project(project, ignore_missing=True)
        return str(found.id) if found is not None else project

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        project = self._project(properties)
        body = {k: properties[k] for k in self.fields if properties.get(k) is not None}
        with sdk_errors(f"setting the load balancer quota of {project}"):
            self.call("PUT", f"{self.path}/{project}", {self.key: body})
        return ResourceResult(project)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        return None  # setting a quota again is harmless

    def live(self, obj: Body) -> dict[str, Any]:
        return {heat: obj.get(api) for heat, api in self._CURRENT.items()} | {
            k: obj.get(k) for k in ("listener", "pool", "member")
        }

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        body = {k: new.get(k) for k in changed if k in self.fields}
        with sdk_errors(f"updating the load balancer quota of {physical_id}", physical_id):
            self.call("PUT", f"{self.path}/{physical_id}", {self.key: body})
        return self.finish_create(identity, ResourceResult(physical_id), new)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.call("DELETE", f"{self.path}/{physical_id}"),
            f"load balancer quota of {physical_id}",
        )


TYPES: tuple[type[RestResource], ...] = (
    LoadBalancer,
    Listener,
    Pool,
    PoolMember,
    HealthMonitor,
    L7Policy,
    L7Rule,
    Flavor,
    FlavorProfile,
    Quota,
)
