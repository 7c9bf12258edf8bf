"""What Octavia's handlers share: names, the shared provisioning state, generic list/show.

A load balancer and everything under it share one provisioning state, as in Octavia: a write
to any of them puts the load balancer in ``PENDING_UPDATE`` (``PENDING_CREATE`` when it is
new) for the ``loadbalancer_action`` delay (``loadbalancer`` for a new one), and any write
meanwhile is answered 409 "Load Balancer ... is immutable and cannot be updated."
"""

from __future__ import annotations

from collections.abc import Callable

from .backend import Backend
from .common import filter_records, iso, new_id, now, paginate, public
from .errors import ApiError
from .network import Networking
from .protocol import Rec, Request, Response, ok

# kind -> (url collection, body key, plural key, field naming the load balancer)
LB_KIND = "lb"
CHILD_KINDS = ("lb_listener", "lb_pool", "lb_member", "lb_hm", "lb_l7policy", "lb_l7rule")
_KEYS = {
    "lb_listener": ("listeners", "listener", "listeners"),
    "lb_pool": ("pools", "pool", "pools"),
    "lb_hm": ("healthmonitors", "healthmonitor", "healthmonitors"),
    "lb_l7policy": ("l7policies", "l7policy", "l7policies"),
}
WHAT = {
    "lb": "Load Balancer",
    "lb_listener": "Listener",
    "lb_pool": "Pool",
    "lb_member": "Member",
    "lb_hm": "Health Monitor",
    "lb_l7policy": "L7 Policy",
    "lb_l7rule": "L7 Rule",
    "lb_flavor": "Flavor",
    "lb_flavorprofile": "Flavor profile",
}
# Quota names (and their deprecated spellings, which Heat still sends).
QUOTA_KEYS = ("load_balancer", "listener", "pool", "health_monitor", "member", "l7policy", "l7rule")
QUOTA_ALIASES = {"loadbalancer": "load_balancer", "healthmonitor": "health_monitor"}
QUOTA_KIND = {
    "load_balancer": "lb",
    "listener": "lb_listener",
    "pool": "lb_pool",
    "health_monitor": "lb_hm",
    "member": "lb_member",
    "l7policy": "lb_l7policy",
    "l7rule": "lb_l7rule",
}
# Kept on the records (the handlers walk them) but not in Octavia's responses.
_CREATE_ONLY = {
    "lb_listener": ("loadbalancer_id",),
    "lb_pool": ("loadbalancer_id", "listener_id"),
    "lb_hm": ("pool_id",),
}


def _in_loadbalancers(view: Rec, wanted: list[str]) -> bool:
    return any(lb["id"] in wanted for lb in view.get("loadbalancers") or [])


# Octavia still filters listeners and pools on the load balancer they belong to.
_PARENT_FILTERS: dict[str, dict[str, Callable[[Rec, list[str]], bool]]] = {
    "lb_listener": {"loadbalancer_id": _in_loadbalancers},
    "lb_pool": {"loadbalancer_id": _in_loadbalancers},
}
PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "TERMINATED_HTTPS", "PROXY", "SCTP", "PROXYV2")
ALGORITHMS = ("ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT")
MONITOR_TYPES = ("HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP")
L7_ACTIONS = ("REDIRECT_TO_POOL", "REDIRECT_TO_URL", "REJECT", "REDIRECT_PREFIX")
L7_RULE_TYPES = ("HOST_NAME", "PATH", "FILE_TYPE", "HEADER", "COOKIE", "SSL_CONN_HAS_CERT")
L7_COMPARE = ("REGEX", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUAL_TO")


def fault(status: int, message: str) -> ApiError:
    return ApiError(status, message)


class OctaviaBase:
    """Records, the provisioning state every write goes through, and generic handlers."""

    def __init__(self, backend: Backend, network: Networking) -> None:
        self.backend = backend
        self.store = backend.store
        self.network = network

    # -- discovery --------------------------------------------------------------------------

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        link = [{"rel": "self", "href": f"{req.base_url}/load-balancer/v2/"}]
        entry = {"id": "v2.27", "status": "CURRENT", "updated": "2023-05-31T00:00:00Z"}
        return ok({"versions": [{**entry, "links": link}]})

    @staticmethod
    def _kind(collection: str) -> str:
        return {
            "loadbalancers": LB_KIND,
            "listeners": "lb_listener",
            "pools": "lb_pool",
            "healthmonitors": "lb_hm",
            "l7policies": "lb_l7policy",
        }[collection]

    # -- records and the shared provisioning state ------------------------------------------

    def _settle(self, lb: Rec) -> Rec:
        """Finish a load balancer's due transition, and with it its children's."""
        due = lb.get("_due")
        if due is None or now() < due or lb["provisioning_status"] == "PENDING_DELETE":
            return lb
        del lb["_due"]
        lb["provisioning_status"] = lb.pop("_final", "ACTIVE")
        lb["operating_status"] = "ONLINE" if lb["provisioning_status"] == "ACTIVE" else "ERROR"
        for kind in CHILD_KINDS:
            for child in list(self.store.table(kind).values()):
                if child.get("_lb") != lb["id"]:
                    continue
                if child["provisioning_status"] == "PENDING_DELETE":
                    self.store.delete(kind, child["id"])
                elif child["provisioning_status"].startswith("PENDING_"):
                    child["provisioning_status"] = "ACTIVE"
                    child["operating_status"] = "ONLINE"
        self.store.changed()
        return lb

    def _get(self, req: Request, kind: str, rid: str, parent: str | None = None) -> Rec:
        rec = self.store.get(kind, rid)
        visible = rec is not None and (
            kind in ("lb_flavor", "lb_flavorprofile")
            or req.auth.is_admin
            or rec.get("project_id") == req.auth.project_id
        )
        if rec is None or not visible or (parent is not None and rec.get("_parent") != parent):
            raise fault(404, f"{WHAT[kind]} {rid} could not be found.")
        if kind == LB_KIND:
            self._settle(rec)
        elif rec.get("_lb"):
            lb = self.store.get(LB_KIND, rec["_lb"])
            if lb is not None:
                self._settle(lb)
            if self.store.get(kind, rid) is None:
                raise fault(404, f"{WHAT[kind]} {rid} could not be found.")
        return rec

    def _writable(self, lb: Rec) -> None:
        self._settle(lb)
        if lb["provisioning_status"].startswith("PENDING_"):
            raise fault(409, f"Load Balancer {lb['id']} is immutable and cannot be updated.")

    def _pend(self, lb: Rec, child: Rec | None, child_status: str) -> None:
        """Start a change: the load balancer PENDING_UPDATE, the child ``child_status``."""
        lb["provisioning_status"] = "PENDING_UPDATE"
        lb["_due"] = now() + self.backend.delay("loadbalancer_action")
        lb["updated_at"] = iso()
        if child is not None:
            child["provisioning_status"] = child_status
            child["updated_at"] = iso()
        self.store.changed()

    def _check_quota(self, project_id: str, key: str, adding: int = 1) -> None:
        limit = self._quota(project_id)[key]
        if limit >= 0 and self.store.count(QUOTA_KIND[key], project_id) + adding > limit:
            name = key.replace("_", " ").title().replace("L7Policy", "L7 Policy")
            raise fault(403, f"Quota has been met for resources: {name}")

    def _base(self, req: Request, kind: str, body: Rec, lb: Rec | None) -> Rec:
        stamp = iso()
        rec: Rec = {
            "id": new_id(),
            "name": str(body.get("name") or ""),
            "description": str(body.get("description") or ""),
            "admin_state_up": bool(body.get("admin_state_up", True)),
            "project_id": req.auth.project_id,
            "provisioning_status": "PENDING_CREATE",
            "operating_status": "OFFLINE",
            "created_at": stamp,
            "updated_at": None,
            "tags": [str(t) for t in body.get("tags") or []],
        }
        if lb is not None:
            rec["_lb"] = lb["id"]
        return rec

    def render(self, kind: str, rec: Rec) -> Rec:
        """Octavia's view of a record: a child names its parents by lists of ids
        (``loadbalancers``, ``listeners``, ``pools``) or by its URL, never by the
        ``loadbalancer_id``/``listener_id``/``pool_id`` it was created with."""
        view = public(rec)
        for field in _CREATE_ONLY.get(kind, ()):
            view.pop(field, None)
        if kind == LB_KIND:
            view["listeners"] = [{"id": i} for i in self._children("lb_listener", "_lb", rec)]
            view["pools"] = [{"id": i} for i in self._children("lb_pool", "_lb", rec)]
        elif kind == "lb_listener":
            view["loadbalancers"] = [{"id": rec["_lb"]}]
            view["l7policies"] = [{"id": i} for i in self._children("lb_l7policy", "_parent", rec)]
        elif kind == "lb_pool":
            view["loadbalancers"] = [{"id": rec["_lb"]}]
            view["listeners"] = [
                {"id": lid}
                for lid, ln in self.store.table("lb_listener").items()
                if ln.get("default_pool_id") == rec["id"]
            ]
            view["members"] = [{"id": i} for i in self._children("lb_member", "_parent", rec)]
            hms = self._children("lb_hm", "pool_id", rec)
            view["healthmonitor_id"] = hms[0] if hms else None
        elif kind == "lb_hm":
            view["pools"] = [{"id": rec["pool_id"]}]
        elif kind == "lb_l7policy":
            view["rules"] = [{"id": i} for i in self._children("lb_l7rule", "_parent", rec)]
        return view

    def _children(self, kind: str, field: str, parent: Rec) -> list[str]:
        return [
            c["id"]
            for c in self.store.table(kind).values()
            if c.get(field) == parent["id"] and c["provisioning_status"] != "DELETED"
        ]

    def _quota(self, project_id: str) -> dict[str, int]:
        return self.backend.quota(project_id, "load-balancer")

    # -- generic list / show / delete -------------------------------------------------------

    def _lister(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            if "parent" in params:
                parent_kind = "lb_pool" if kind == "lb_member" else "lb_l7policy"
                self._get(req, parent_kind, params["parent"])
            items = [
                self.render(kind, self._get(req, kind, rec["id"]))
                for rec in list(self.store.table(kind).values())
                if self._listed(req, kind, rec, params.get("parent"))
            ]
            tags = [t for v in req.args("tags") for t in v.split(",") if t]
            items = [i for i in items if set(tags) <= set(i.get("tags") or [])]
            items = filter_records(req, items, skip=("tags",), special=_PARENT_FILTERS.get(kind))
            page, marker = paginate(req, items)
            plural = self._plural(kind)
            body: Rec = {plural: page, f"{plural}_links": []}
            if marker:
                body[f"{plural}_links"] = [{"rel": "next", "href": req.url_with(marker=marker)}]
            return ok(body)

        return handler

    def _listed(self, req: Request, kind: str, rec: Rec, parent: str | None) -> bool:
        if parent is not None and rec.get("_parent") != parent:
            return False
        if kind in ("lb_flavor", "lb_flavorprofile") or req.auth.is_admin:
            return True
        return bool(rec.get("project_id") == req.auth.project_id)

    @staticmethod
    def _plural(kind: str) -> str:
        return {
            LB_KIND: "loadbalancers",
            "lb_member": "members",
            "lb_l7rule": "rules",
            "lb_flavor": "flavors",
            "lb_flavorprofile": "flavorprofiles",
        }.get(kind) or _KEYS[kind][2]

    @staticmethod
    def _key(kind: str) -> str:
        return {
            LB_KIND: "loadbalancer",
            "lb_member": "member",
            "lb_l7rule": "rule",
            "lb_flavor": "flavor",
            "lb_flavorprofile": "flavorprofile",
        }.get(kind) or _KEYS[kind][1]

    def _shower(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self._get(req, kind, params["id"], params.get("parent"))
            return ok({self._key(kind): self.render(kind, rec)})

        return handler
