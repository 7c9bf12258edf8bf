"""Manila: shares (with their access rules), share networks, share types, security services.

A share carries the stack identity in its metadata and waits for ``available``. Its
``access_rules`` are reconciled in place, as Heat does: rules missing from the share are
granted (``allow_access``), extra ones revoked (``deny_access``); a rule is its
(access_type, access_to, access_level). Manila applies both asynchronously (a revoked rule is
listed, ``queued_to_deny``, until the backend drops it), so a reconcile waits for the share's
``access_rules_status`` to return to ``active``. A share network's ``security_services`` are
reconciled the same way. Share networks, share types and security services carry nothing
Manila would keep for us, so an interrupted create is found again by its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.errors import ProviderTimeoutError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import identity_metadata, user_metadata
from atonix_iac.providers.openstack._rest import Body, RestResource
from atonix_iac.providers.openstack._wait import wait_for_status

# Access rules listed by GET /share-access-rules; Heat's own client pins no version.
MICROVERSION = "2.45"

RuleKey = tuple[str, str, str]

# Access rule states of a rule on its way out: no longer part of what the share grants.
_LEAVING = ("queued_to_deny", "denying", "deleting")


def rule_key(rule: Mapping[str, Any]) -> RuleKey:
    return (
        str(rule.get("access_type")),
        str(rule.get("access_to")),
        str(rule.get("access_level") or "rw"),
    )


class _Manila(RestResource):
    service = "shared_file_system"
    microversion = MICROVERSION
    list_suffix = "/detail"


class Share(_Manila):
    type_name = "OS::Manila::Share"
    path = "/shares"
    key, plural, what = "share", "shares", "share"
    carrier = "metadata"
    ready = ("available",)
    failed = ("error",)
    deleting = ("deleting",)
    fields = {
        "name": "name",
        "description": "description",
        "share_protocol": "share_proto",
        "size": "size",
        "is_public": "is_public",
        "share_type": "share_type",
        "snapshot": "snapshot_id",
    }
    references = {"share_network": ("share_network_id", "manila.share_network")}
    attribute_fields = {
        name: name
        for name in (
            "availability_zone",
            "created_at",
            "host",
            "project_id",
            "share_server_id",
            "status",
        )
    }

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        with sdk_errors(f"creating share {started.physical_id}", started.physical_id):
            self.wait_ready(started.physical_id, properties)
            self._reconcile(started.physical_id, properties.get("access_rules") or [])
        return ResourceResult(
            started.physical_id, self._attributes(started.physical_id, properties)
        )

    def _attributes(self, share_id: str, properties: Mapping[str, Any]) -> dict[str, Any]:
        obj = self.wait_ready(share_id, properties)
        return self.attributes(obj)

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        with sdk_errors(f"reading the export locations of share {obj['id']}"):
            found = self.call("GET", f"/shares/{obj['id']}/export_locations") or {}
        attrs["export_locations"] = [e["path"] for e in found.get("export_locations") or []]
        attrs["metadata"] = user_metadata(obj.get("metadata"))
        return attrs

    def _rules(self, share_id: str) -> dict[RuleKey, str]:
        return {
            rule_key(r): str(r["id"])
            for r in self._access_list(share_id)
            if str(r.get("state") or "") not in _LEAVING
        }

    def _access_list(self, share_id: str) -> list[Mapping[str, Any]]:
        answer = self.call("GET", "/share-access-rules", share_id=share_id) or {}
        return list(answer.get("access_list") or [])

    def _reconcile(self, share_id: str, wanted_rules: list[Mapping[str, Any]]) -> None:
        """Revoke, wait, then grant, wait.

        Manila still counts a rule being revoked as existing, so granting the same
        ``access_to`` with another level in the same breath is refused ("Share access ...
        exists"); and one change at a time keeps the share manager from reconciling two
        updates of one share at once.
        """
        wanted = {rule_key(r) for r in wanted_rules}
        live = self._rules(share_id)
        extra = [rule_id for key, rule_id in live.items() if key not in wanted]
        for rule_id in extra:
            self.call("POST", f"/shares/{share_id}/action", {"deny_access": {"access_id": rule_id}})
        if extra:
            self._wait_rules(share_id)
        missing = sorted(wanted - set(live))
        for access_type, access_to, level in missing:
            grant = {"access_type": access_type, "access_to": access_to, "access_level": level}
            self.call("POST", f"/shares/{share_id}/action", {"allow_access": grant})
        if missing:
            self._wait_rules(share_id)

    def _wait_rules(self, share_id: str) -> None:
        """Wait for the share's ``access_rules_status`` to return to ``active``.

        A failure or a timeout names the rules that are not settled, with their states (one
        more list): which grant the backend refused, or which change it never picked up.
        """
        try:
            wait_for_status(
                lambda: self.get_obj(share_id, {}),
                ("active",),
                what=f"the access rules of share {share_id}",
                timeout_s=self.timeout_s,
                failed=("error",),
                physical_id=share_id,
                attribute="access_rules_status",
            )
        except (ResourceFailedError, ProviderTimeoutError) as exc:
            unsettled = [
                f"{r.get('access_type')}:{r.get('access_to')} ({r.get('access_level')}) "
                f"{r.get('state')}"
                for r in self._access_list(share_id)
                if str(r.get("state") or "") != "active"
            ]
            detail = f"rules not settled: {', '.join(unsettled)}" if unsettled else "no rule moving"
            raise type(exc)(f"{exc.message}; {detail}", physical_id=share_id) from exc

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        found["share_type"] = obj.get("share_type_name") or obj.get("share_type")
        with sdk_errors(f"reading the access rules of share {obj['id']}"):
            found["access_rules"] = [
                {"access_type": t, "access_to": to, "access_level": level}
                for t, to, level in sorted(self._rules(str(obj["id"])))
            ]
        return found

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if prop == "access_rules" and isinstance(given, list):
            return {rule_key(r) for r in given} == {rule_key(r) for r in value}
        if prop == "share_protocol":
            return str(given).upper() == str(value).upper()
        if prop == "share_type" and given != value:
            found = self.session.cached(
                "manila.share_type", str(given), lambda: self._share_type(str(given))
            )
            return found is not None and value in (found.get("id"), found.get("name"))
        return super().same(prop, given, value)

    def _share_type(self, name_or_id: str) -> Body | None:
        answer = self.call("GET", "/types") or {}
        for item in answer.get("share_types") or []:
            if name_or_id in (item.get("id"), item.get("name")):
                return Body(item)
        return None

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        with sdk_errors(f"updating share {physical_id}", physical_id):
            fields: dict[str, Any] = {}
            if "name" in changed:
                fields["display_name"] = new.get("name") or None
            if "description" in changed:
                fields["display_description"] = new.get("description")
            if "is_public" in changed:
                fields["is_public"] = bool(new.get("is_public"))
            if fields:
                self.call("PUT", f"/shares/{physical_id}", {"share": fields})
            if "metadata" in changed:
                metadata = {
                    **{str(k): str(v) for k, v in user_metadata(new.get("metadata")).items()},
                    **identity_metadata(identity),
                }
                self.call("PUT", f"/shares/{physical_id}/metadata", {"metadata": metadata})
            if "access_rules" in changed:
                self._reconcile(physical_id, new.get("access_rules") or [])
        return ResourceResult(physical_id, self._attributes(physical_id, new))


class ShareNetwork(_Manila):
    type_name = "OS::Manila::ShareNetwork"
    path = "/share-networks"
    key, plural, what = "share_network", "share_networks", "share network"
    fields = {"name": "name", "description": "description"}
    references = {
        "neutron_network": ("neutron_net_id", "neutron.network"),
        "neutron_subnet": ("neutron_subnet_id", "neutron.subnet"),
    }
    list_constraints = {"security_services": "manila.security_service"}
    attribute_fields = {
        name: name for name in ("cidr", "ip_version", "network_type", "segmentation_id")
    }

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        with sdk_errors(f"creating share network {started.physical_id}", started.physical_id):
            self._reconcile(started.physical_id, properties.get("security_services") or [])
        return super().finish_create(identity, ResourceResult(started.physical_id), properties)

    def _services(self, network_id: str) -> set[str]:
        answer = self.call("GET", "/security-services", share_network_id=network_id) or {}
        return {str(s["id"]) for s in answer.get("security_services") or []}

    def _reconcile(self, network_id: str, wanted_names: list[Any]) -> None:
        wanted = {self.resolve("manila.security_service", str(s)) for s in wanted_names}
        live = self._services(network_id)
        url = f"/share-networks/{network_id}/action"
        for service_id in sorted(live - wanted):
            self.call("POST", url, {"remove_security_service": {"security_service_id": service_id}})
        for service_id in sorted(wanted - live):
            self.call("POST", url, {"add_security_service": {"security_service_id": service_id}})

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        with sdk_errors(f"reading the security services of share network {obj['id']}"):
            found["security_services"] = sorted(self._services(str(obj["id"])))
        return found

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if prop == "security_services" and isinstance(given, list):
            ids = {self.resolve("manila.security_service", str(s)) for s in given}
            return ids == set(value)
        return super().same(prop, given, value)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        if "security_services" in changed:
            with sdk_errors(f"updating share network {physical_id}", physical_id):
                self._reconcile(physical_id, new.get("security_services") or [])
        return super().update(identity, physical_id, old, new, changed - {"security_services"})


class ShareType(_Manila):
    """An admin's share type; ``driver_handles_share_servers`` and ``snapshot_support`` are
    extra specs Manila requires, the rest of ``extra_specs`` changes in place."""

    type_name = "OS::Manila::ShareType"
    path = "/types"
    key, plural, what = "share_type", "share_types", "share type"
    fields = {"name": "name", "is_public": "share_type_access:is_public"}
    _FIXED = ("driver_handles_share_servers", "snapshot_support")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        specs = {str(k): str(v) for k, v in (props.get("extra_specs") or {}).items()}
        specs["driver_handles_share_servers"] = str(bool(props["driver_handles_share_servers"]))
        if props.get("snapshot_support") is not None:
            specs["snapshot_support"] = str(bool(props["snapshot_support"]))
        body["extra_specs"] = specs
        return body

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        specs = dict(obj.get("extra_specs") or {})
        for name in self._FIXED:
            value = specs.pop(name, None)
            found[name] = None if value is None else str(value).lower() == "true"
        found["extra_specs"] = specs
        return found

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        wanted = {str(k): str(v) for k, v in (new.get("extra_specs") or {}).items()}
        before = {str(k): str(v) for k, v in (old.get("extra_specs") or {}).items()}
        url = f"/types/{physical_id}/extra_specs"
        with sdk_errors(f"updating share type {physical_id}", physical_id):
            for key in sorted(set(before) - set(wanted) - set(self._FIXED)):
                self.call("DELETE", f"{url}/{key}")
            if wanted:
                self.call("POST", url, {"extra_specs": wanted})
        return super().finish_create(identity, ResourceResult(physical_id), new)


class SecurityService(_Manila):
    type_name = "OS::Manila::SecurityService"
    path = "/security-services"
    key, plural, what = "security_service", "security_services", "security service"
    fields = {
        name: name
        for name in (
            "type",
            "name",
            "description",
            "dns_ip",
            "server",
            "domain",
            "user",
            "password",
        )
    }

    def attributes(self, obj: Body) -> dict[str, Any]:
        # Manila echoes the password back: it must not reach the state's attributes.
        return super().attributes(Body({k: v for k, v in obj.items() if k != "password"}))

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        found.pop("password")  # never compared: a secret is not read back into a plan
        return found


TYPES: tuple[type[RestResource], ...] = (Share, ShareNetwork, ShareType, SecurityService)
