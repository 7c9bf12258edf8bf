"""Neutron VPNaaS (VPN services, IKE and IPsec policies, IPsec site connections) and metering
(labels and their rules), as neutron-vpnaas and the metering plugin answer.

A VPN service needs a router with an external gateway and, when given, a subnet attached to
that router (400 otherwise). It stays PENDING_CREATE until a site connection uses it, as the
reference driver reports. A service or policy used by a connection cannot be deleted (409
``...InUse``). Deleting a metering label deletes its rules; two rules of one label and
direction with the same prefix overlap (409). None of these objects carry tags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty
from .routing import Router

ROUTER_INTERFACE = "network:router_interface"
_LIFETIME = {"units": "seconds", "value": 3600}

#: table kind -> (URL, create defaults, updatable fields); NotFound replies are in KINDS
VPN_KINDS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    "vpnservice": (
        "/vpn/vpnservices",
        {"admin_state_up": True},
        ("name", "description", "admin_state_up"),
    ),
    "ikepolicy": (
        "/vpn/ikepolicies",
        {
            "auth_algorithm": "sha1",
            "encryption_algorithm": "aes-128",
            "phase1_negotiation_mode": "main",
            "ike_version": "v1",
            "pfs": "group5",
            "lifetime": _LIFETIME,
        },
        (
            "name",
            "description",
            "auth_algorithm",
            "encryption_algorithm",
            "phase1_negotiation_mode",
            "ike_version",
            "pfs",
            "lifetime",
        ),
    ),
    "ipsecpolicy": (
        "/vpn/ipsecpolicies",
        {
            "transform_protocol": "esp",
            "encapsulation_mode": "tunnel",
            "auth_algorithm": "sha1",
            "encryption_algorithm": "aes-128",
            "pfs": "group5",
            "lifetime": _LIFETIME,
        },
        (
            "name",
            "description",
            "transform_protocol",
            "encapsulation_mode",
            "auth_algorithm",
            "encryption_algorithm",
            "pfs",
            "lifetime",
        ),
    ),
    "ipsec_site_connection": (
        "/vpn/ipsec-site-connections",
        {
            "admin_state_up": True,
            "mtu": 1500,
            "initiator": "bi-directional",
            "dpd": {"action": "hold", "interval": 30, "timeout": 120},
            "auth_mode": "psk",
            "route_mode": "static",
            "peer_cidrs": [],
        },
        (
            "name",
            "description",
            "admin_state_up",
            "peer_address",
            "peer_id",
            "peer_cidrs",
            "psk",
            "mtu",
            "initiator",
            "dpd",
        ),
    ),
    "metering_label": (
        "/metering/metering-labels",
        {"shared": False},
        (),
    ),
    "metering_label_rule": (
        "/metering/metering-label-rules",
        {"direction": "ingress", "excluded": False},
        (),
    ),
}

#: what a connection names -> (body key, InUse type)
_USED_BY_CONNECTIONS = {
    "vpnservice": ("vpnservice_id", "VPNServiceInUse"),
    "ikepolicy": ("ikepolicy_id", "IKEPolicyInUse"),
    "ipsecpolicy": ("ipsecpolicy_id", "IPsecPolicyInUse"),
}
_IN_USE = {
    "vpnservice": "VPNService {} is still in use.",
    "ikepolicy": "IKEPolicy {} is in use by existing IPsecSiteConnection and can't be updated "
    "or deleted.",
    "ipsecpolicy": "IPsecPolicy {} is in use by existing IPsecSiteConnection and can't be "
    "updated or deleted.",
}
_DIRECTIONS = ("ingress", "egress")


class VpnAndMetering(NeutronBase):
    def register(self, r: Router) -> None:
        for kind, (url, *_rest) in VPN_KINDS.items():
            r.add("GET", url, self._lister(kind))
            r.add("POST", url, self._creator(kind))
            r.add("GET", f"{url}/{{id}}", self._shower(kind))
            r.add("PUT", f"{url}/{{id}}", self._updater(kind))
            r.add("DELETE", f"{url}/{{id}}", self._deleter(kind))

    def visible(self, req: Request, kind: str, rec: Rec) -> bool:
        if kind == "metering_label" and rec.get("shared"):
            return True
        return super().visible(req, kind, rec)

    def list_reply_for(self, req: Request, kind: str) -> Response:
        return self.list_reply(req, kind, self.store.table(kind).values())

    # -- generic handlers -------------------------------------------------------------------

    def _lister(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        return lambda req, params: self.list_reply_for(req, kind)

    def _shower(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        return lambda req, params: self.item_reply(req, kind, self.get(req, kind, params["id"]))

    def _creator(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            body = req.json_object(kind)
            rec = self.skeleton(req.auth.project_id, body)
            defaults = VPN_KINDS[kind][1]
            for key, default in defaults.items():
                given = body.get(key)
                if isinstance(default, dict) and isinstance(given, dict):
                    given = {**default, **given}  # lifetime, dpd: the missing keys defaulted
                rec[key] = given if given is not None else default
            getattr(self, f"_create_{kind}")(req, body, rec)
            self.store.put(kind, rec)
            return self.item_reply(req, kind, rec, 201)

        return handler

    def _updater(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        fields = VPN_KINDS[kind][2]

        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self.owned(req, kind, params["id"])
            body = req.json_object(kind)
            refused = sorted(k for k in body if k not in fields)
            if refused:
                raise ApiError(400, f"Cannot update read-only attribute {refused[0]}")
            in_use = kind in ("ikepolicy", "ipsecpolicy") and self._users(kind, rec["id"])
            if in_use and set(body) - {"name", "description"}:
                raise ApiError(409, _IN_USE[kind].format(rec["id"]), _USED_BY_CONNECTIONS[kind][1])
            for key in fields:
                if isinstance(rec.get(key), dict) and isinstance(body.get(key), dict):
                    rec[key] = {**rec[key], **body[key]}
                elif key in body:
                    rec[key] = body[key]
            self.touch(rec)
            return self.item_reply(req, kind, rec)

        return handler

    def _deleter(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self.owned(req, kind, params["id"])
            if kind in _USED_BY_CONNECTIONS and self._users(kind, rec["id"]):
                raise ApiError(409, _IN_USE[kind].format(rec["id"]), _USED_BY_CONNECTIONS[kind][1])
            if kind == "metering_label":
                for rule in list(self.store.table("metering_label_rule").values()):
                    if rule["metering_label_id"] == rec["id"]:
                        self.store.delete("metering_label_rule", rule["id"])
            self.store.delete(kind, rec["id"])
            if kind == "ipsec_site_connection":
                self._refresh_service(rec["vpnservice_id"])
            return empty(204)

        return handler

    def _users(self, kind: str, rid: str) -> list[Rec]:
        key = _USED_BY_CONNECTIONS[kind][0]
        return [c for c in self.store.table("ipsec_site_connection").values() if c[key] == rid]

    def _refresh_service(self, service_id: str) -> None:
        service = self.store.get("vpnservice", service_id)
        if service is not None:
            used = bool(self._users("vpnservice", service_id))
            service["status"] = "ACTIVE" if used else "PENDING_CREATE"
            self.touch(service)

    # -- per-kind create checks -------------------------------------------------------------

    def _create_vpnservice(self, req: Request, body: Rec, rec: Rec) -> None:
        router = self.get(req, "router", str(body.get("router_id")))
        gateway = router.get("external_gateway_info")
        if not gateway:
            raise ApiError(
                400, f"Router {router['id']} has no external network gateway set.", "BadRequest"
            )
        subnet_id = body.get("subnet_id")
        if subnet_id is not None:
            subnet = self.get(req, "subnet", str(subnet_id))
            attached = any(
                p["device_id"] == router["id"]
                and p["device_owner"] == ROUTER_INTERFACE
                and any(ip.get("subnet_id") == subnet["id"] for ip in p.get("fixed_ips", []))
                for p in self.store.table("port").values()
            )
            if not attached:
                raise ApiError(
                    400,
                    f"Subnet {subnet['id']} is not connected to Router {router['id']}",
                    "SubnetIsNotConnectedToRouter",
                )
        external = [f["ip_address"] for f in gateway.get("external_fixed_ips") or []]
        rec.update(
            router_id=router["id"],
            subnet_id=subnet_id,
            status="PENDING_CREATE",
            external_v4_ip=next((ip for ip in external if ":" not in ip), None),
            external_v6_ip=next((ip for ip in external if ":" in ip), None),
        )

    def _create_ikepolicy(self, req: Request, body: Rec, rec: Rec) -> None:
        return None

    def _create_ipsecpolicy(self, req: Request, body: Rec, rec: Rec) -> None:
        return None

    def _create_ipsec_site_connection(self, req: Request, body: Rec, rec: Rec) -> None:
        for key in ("peer_address", "peer_id", "psk"):
            if not body.get(key):
                raise ApiError(400, f"Invalid input: '{key}' is a required property")
        service = self.get(req, "vpnservice", str(body.get("vpnservice_id")))
        ike = self.get(req, "ikepolicy", str(body.get("ikepolicy_id")))
        ipsec = self.get(req, "ipsecpolicy", str(body.get("ipsecpolicy_id")))
        rec.update(
            vpnservice_id=service["id"],
            ikepolicy_id=ike["id"],
            ipsecpolicy_id=ipsec["id"],
            peer_address=body["peer_address"],
            peer_id=body["peer_id"],
            psk=body["psk"],
            status="ACTIVE",
        )
        service["status"] = "ACTIVE"
        self.touch(service)

    def _create_metering_label(self, req: Request, body: Rec, rec: Rec) -> None:
        return None

    def _create_metering_label_rule(self, req: Request, body: Rec, rec: Rec) -> None:
        label = self.owned(req, "metering_label", str(body.get("metering_label_id")))
        if rec["direction"] not in _DIRECTIONS:
            raise ApiError(400, f"Invalid input for direction: {rec['direction']!r}.")
        prefix = body.get("remote_ip_prefix")
        for other in self.store.table("metering_label_rule").values():
            if (
                other["metering_label_id"] == label["id"]
                and other["direction"] == rec["direction"]
                and other["remote_ip_prefix"] == prefix
            ):
                raise ApiError(
                    409,
                    f"Metering label rule with remote_ip_prefix {prefix} overlaps another.",
                    "MeteringLabelRuleOverlaps",
                )
        for key in ("name", "description", "tags", "revision_number"):
            rec.pop(key, None)
        rec.update(metering_label_id=label["id"], remote_ip_prefix=prefix)
