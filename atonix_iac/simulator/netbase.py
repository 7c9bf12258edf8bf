"""Shared Neutron plumbing: record skeletons, visibility, lookups, quotas and list replies."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import quotas
from .backend import Backend
from .common import filter_records, iso, new_id, next_links, paginate, public, select_fields
from .errors import ApiError, bad_request
from .protocol import Rec, Request, Response, ok

#: table kind -> (plural body key, NotFound type, message template)
KINDS: dict[str, tuple[str, str, str]] = {
    "network": ("networks", "NetworkNotFound", "Network {} could not be found."),
    "subnet": ("subnets", "SubnetNotFound", "Subnet {} could not be found."),
    "port": ("ports", "PortNotFound", "Port {} could not be found."),
    "router": ("routers", "RouterNotFound", "Router {} could not be found."),
    "subnetpool": ("subnetpools", "SubnetPoolNotFound", "Subnet pool {} could not be found."),
    "floatingip": ("floatingips", "FloatingIPNotFound", "Floating IP {} could not be found"),
    "security_group": (
        "security_groups",
        "SecurityGroupNotFound",
        "Security group {} does not exist",
    ),
    "security_group_rule": (
        "security_group_rules",
        "SecurityGroupRuleNotFound",
        "Security group rule {} does not exist",
    ),
    "address_scope": (
        "address_scopes",
        "AddressScopeNotFound",
        "Address scope {} could not be found",
    ),
    "policy": ("policies", "QosPolicyNotFound", "QoS policy {} could not be found."),
    "rbac_policy": ("rbac_policies", "RbacPolicyNotFound", "RBAC policy {} could not be found."),
    "trunk": ("trunks", "TrunkNotFound", "Trunk {} could not be found."),
    "segment": ("segments", "SegmentNotFound", "Segment {} could not be found."),
    "vpnservice": ("vpnservices", "VPNServiceNotFound", "VPNService {} could not be found."),
    "ikepolicy": ("ikepolicies", "IKEPolicyNotFound", "IKEPolicy {} could not be found."),
    "ipsecpolicy": ("ipsecpolicies", "IPsecPolicyNotFound", "IPsecPolicy {} could not be found."),
    "ipsec_site_connection": (
        "ipsec_site_connections",
        "IPsecSiteConnectionNotFound",
        "ipsec_site_connection {} not found.",
    ),
    "metering_label": (
        "metering_labels",
        "MeteringLabelNotFound",
        "Metering label {} does not exist.",
    ),
    "metering_label_rule": (
        "metering_label_rules",
        "MeteringLabelRuleNotFound",
        "Metering label rule {} does not exist.",
    ),
    "tap_service": ("tap_services", "TapServiceNotFound", "Tap Service {} not found."),
    "tap_flow": ("tap_flows", "TapFlowNotFound", "Tap Flow {} not found."),
    "firewall_rule": ("firewall_rules", "FirewallRuleNotFound", "Firewall Rule {} not found."),
    "firewall_policy": (
        "firewall_policies",
        "FirewallPolicyNotFound",
        "Firewall Policy {} not found.",
    ),
    "firewall_group": (
        "firewall_groups",
        "FirewallGroupNotFound",
        "Firewall Group {} not found.",
    ),
}

#: URL collection name -> table kind
COLLECTIONS = {
    "networks": "network",
    "subnets": "subnet",
    "ports": "port",
    "routers": "router",
    "subnetpools": "subnetpool",
    "floatingips": "floatingip",
    "security-groups": "security_group",
    "security-group-rules": "security_group_rule",
    "trunks": "trunk",
    "segments": "segment",
}

TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")


def _tag_set(values: list[str]) -> set[str]:
    return {t for v in values for t in v.split(",") if t}


def _tag_filters() -> dict[str, Callable[[Rec, list[str]], bool]]:
    def has_all(rec: Rec, values: list[str]) -> bool:
        return _tag_set(values) <= set(rec.get("tags", []))

    def has_any(rec: Rec, values: list[str]) -> bool:
        return bool(_tag_set(values) & set(rec.get("tags", [])))

    return {
        "tags": has_all,
        "tags-any": has_any,
        "not-tags": lambda rec, values: not has_all(rec, values),
        "not-tags-any": lambda rec, values: not has_any(rec, values),
    }


class NeutronBase:
    """Helpers every Neutron resource handler shares."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store

    # -- records ----------------------------------------------------------------------------

    @staticmethod
    def skeleton(project_id: str, body: Rec, *, post_tags_dropped: bool = False) -> Rec:
        """The common fields of a new record. Real Neutron (29) refuses `tags` in a POST
        body, except for ports, where it accepts and drops them (tagging a port on create
        needs the optional ML2 extension driver tag_ports_during_bulk_creation); objects
        are tagged afterwards through /tags."""
        if "tags" in body and not post_tags_dropped:
            raise bad_request("Attribute 'tags' not allowed in POST", "HTTPBadRequest")
        stamp = iso()
        return {
            "id": new_id(),
            "name": str(body.get("name") or ""),
            "description": str(body.get("description") or ""),
            "project_id": project_id,
            "tenant_id": project_id,
            "tags": [],
            "created_at": stamp,
            "updated_at": stamp,
            "revision_number": 0,
        }

    def touch(self, rec: Rec) -> None:
        rec["updated_at"] = iso()
        rec["revision_number"] = int(rec.get("revision_number", 0)) + 1
        self.store.changed()

    # -- visibility -------------------------------------------------------------------------

    def visible(self, req: Request, kind: str, rec: Rec) -> bool:
        if rec.get("project_id") == req.auth.project_id:
            return True
        if kind == "network":
            return bool(rec.get("shared") or rec.get("router:external"))
        if kind == "subnet":
            net = self.store.get("network", rec["network_id"])
            return net is not None and self.visible(req, "network", net)
        return False

    def not_found(self, kind: str, rid: str) -> ApiError:
        _, kind_type, template = KINDS[kind]
        return ApiError(404, template.format(rid), kind_type)

    def get(self, req: Request, kind: str, rid: str) -> Rec:
        rec = self.store.get(kind, rid)
        if rec is None or not self.visible(req, kind, rec):
            raise self.not_found(kind, rid)
        return rec

    def owned(self, req: Request, kind: str, rid: str) -> Rec:
        """Like :meth:`get` but only the caller's own records (for writes)."""
        rec = self.get(req, kind, rid)
        if rec.get("project_id") != req.auth.project_id and not req.auth.is_admin:
            raise ApiError(
                403,
                f"The request you have made requires authentication for {kind} {rid}.",
                "HTTPForbidden",
            )
        return rec

    # -- quotas -----------------------------------------------------------------------------

    def count(self, kind: str, project_id: str) -> int:
        return self.store.count(kind, project_id)

    def check_quota(self, project_id: str, resource: str, kind: str, wanted: int = 1) -> None:
        limit = self.backend.quota(project_id, "network")[resource]
        if quotas.exceeds(limit, self.count(kind, project_id), wanted):
            raise ApiError(409, f"Quota exceeded for resources: ['{resource}'].", "OverQuota")

    # -- replies ----------------------------------------------------------------------------

    def render(self, rec: Rec) -> Rec:
        return public(rec)

    def list_reply(
        self,
        req: Request,
        kind: str,
        items: Iterable[Rec],
        render: Callable[[Rec], Rec] | None = None,
        special: dict[str, Callable[[Rec, list[str]], bool]] | None = None,
    ) -> Response:
        plural = KINDS[kind][0]
        render = render or self.render
        visible = [r for r in items if self.visible(req, kind, r)]
        filters = _tag_filters()
        filters.update(special or {})
        # Filter the stored records (hidden keys start with "_", no query key does) and
        # render only the page: listing ports of one device must not render every port.
        chosen = filter_records(req, visible, special=filters)
        page, marker = paginate(req, chosen)
        body: Rec = {plural: [select_fields(req, render(r)) for r in page]}
        links = next_links(req, marker)
        if links:
            body[f"{plural}_links"] = links
        return ok(body)

    def item_reply(self, req: Request, kind: str, rec: Rec, status: int = 200) -> Response:
        return ok({kind: select_fields(req, self.render(rec))}, status)
