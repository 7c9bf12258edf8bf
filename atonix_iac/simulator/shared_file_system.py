"""Manila v2: shares (creating -> available, metadata, access rules, export locations), share
networks (with security services), share types and security services (``/share/v2``).

Access rules are granted and revoked through the share's ``action`` (``allow_access``,
``deny_access``) and listed by ``GET /share-access-rules?share_id=`` (2.45). Share types and
their extra specs are an admin's. A share network or a share type still used by a share cannot
be deleted. Errors use the Nova/Cinder fault shape Manila shares. Share networks, types,
security services and quotas are served by ``share_catalog.ShareCatalog``, which this extends.

As in Manila: a share on a share network needs a share type whose driver handles share servers
(one with ``driver_handles_share_servers`` False puts it in ``error``); the share network's
first such share sets up its share server, which fills in the network's ``cidr`` and segment
and stays until the share network is deleted; ``share_server_id`` and ``host`` are shown to
admins only.
"""

from __future__ import annotations

from typing import Any

from . import lifecycle, quotas, share_access
from .backend import Backend
from .common import filter_records, iso, new_id, paginate, public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router
from .share_catalog import DEFAULT_TYPE, ShareCatalog

MAX_VERSION = "2.82"
PROTOCOLS = ("NFS", "CIFS", "GLUSTERFS", "HDFS", "CEPHFS", "MAPRFS")
ACCESS_TYPES = ("ip", "user", "cert", "cephx")


class SharedFileSystem(ShareCatalog):
    """Manila's handlers."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        lifecycle.register_finalizer(self.store, "share", self._finish_delete)
        r = Router("The resource could not be found.")
        r.add("GET", "/shares", self.list_shares)
        r.add("GET", "/shares/detail", self.list_shares_detail)
        r.add("POST", "/shares", self.create_share)
        r.add("GET", "/shares/{id}", self.show_share)
        r.add("PUT", "/shares/{id}", self.update_share)
        r.add("DELETE", "/shares/{id}", self.delete_share)
        r.add("POST", "/shares/{id}/action", self.share_action)
        r.add("GET", "/shares/{id}/metadata", self.get_metadata)
        r.add("PUT", "/shares/{id}/metadata", self.set_metadata)
        r.add("POST", "/shares/{id}/metadata", self.merge_metadata)
        r.add("DELETE", "/shares/{id}/metadata/{key}", self.delete_metadata_key)
        r.add("GET", "/shares/{id}/export_locations", self.export_locations)
        r.add("GET", "/share-access-rules", self.list_access_rules)
        r.add("GET", "/share-access-rules/{id}", self.show_access_rule)
        for coll, kind, key in (
            ("share-networks", "share_network", "share_network"),
            ("security-services", "security_service", "security_service"),
        ):
            r.add("GET", f"/{coll}", self._lister(kind, f"{key}s", detail=False))
            r.add("GET", f"/{coll}/detail", self._lister(kind, f"{key}s"))
            r.add("GET", f"/{coll}/{{id}}", self._shower(kind, key))
            r.add("PUT", f"/{coll}/{{id}}", self._updater(kind, key))
            r.add("DELETE", f"/{coll}/{{id}}", self._deleter(kind))
        r.add("POST", "/share-networks", self.create_share_network)
        r.add("POST", "/share-networks/{id}/action", self.share_network_action)
        r.add("POST", "/security-services", self.create_security_service)
        r.add("GET", "/types", self.list_types)
        r.add("POST", "/types", self.create_type)
        r.add("GET", "/types/default", self.default_type)
        r.add("GET", "/types/{id}", self.show_type)
        r.add("DELETE", "/types/{id}", self.delete_type)
        r.add("GET", "/types/{id}/extra_specs", self.get_extra_specs)
        r.add("POST", "/types/{id}/extra_specs", self.set_extra_specs)
        r.add("DELETE", "/types/{id}/extra_specs/{key}", self.delete_extra_spec)
        r.add("GET", "/quota-sets/{project}", self.show_quota)
        r.add("GET", "/quota-sets/{project}/detail", self.show_quota)
        r.add("GET", "/availability-zones", self.zones)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entry = {
            "id": "v2.0",
            "status": "CURRENT",
            "version": MAX_VERSION,
            "min_version": "2.0",
            "updated": "2015-08-27T11:33:21Z",
            "links": [{"rel": "self", "href": f"{req.base_url}/share/v2/"}],
            "media-types": [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.share+json;version=1",
                }
            ],
        }
        return ok({"versions": [entry]}, 200 if versioned else 300)

    # -- shares -----------------------------------------------------------------------------

    def render_share(self, req: Request, rec: Rec) -> Rec:
        if lifecycle.settle(rec) | share_access.settle(rec):
            self.store.changed()
        view = public(rec)
        view["access_rules_status"] = share_access.status(rec)
        view["name"] = rec["display_name"]
        view["description"] = rec["display_description"]
        if not req.auth.is_admin:
            # Manila's share view: policy check_is_host_admin
            view.pop("share_server_id", None)
            view.pop("host", None)
        return view

    def list_shares_detail(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            self.render_share(req, s)
            for s in self.store.table("share").values()
            if self._visible(req, s)
        ]
        page, _ = paginate(req, filter_records(req, items, skip=("metadata", "is_public")))
        return ok({"shares": page})

    def list_shares(self, req: Request, params: dict[str, str]) -> Response:
        """Manila's plain list is a summary: id, name and links only."""
        answer = self.list_shares_detail(req, params)
        answer.body["shares"] = [
            {"id": s["id"], "name": s["name"], "links": []} for s in answer.body["shares"]
        ]
        return answer

    def show_share(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"share": self.render_share(req, self._get(req, "share", params["id"], "Share"))})

    def _check_quota(self, project_id: str, size: int) -> None:
        limits = self.backend.quota(project_id, "shared-file-system")
        mine = self.store.owned("share", project_id)
        used = sum(int(s["size"]) for s in mine)
        if quotas.exceeds(limits["gigabytes"], used, size):
            raise ApiError(
                413,
                "Requested share exceeds allowed project/user or share type gigabytes quota.",
            )
        if quotas.exceeds(limits["shares"], len(mine), 1):
            raise ApiError(413, f"Maximum number of shares allowed ({limits['shares']}) exceeded.")

    def create_share(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("share")
        project_id = req.auth.project_id
        protocol = str(body.get("share_proto") or "").upper()
        if protocol not in PROTOCOLS:
            raise ApiError(400, f"Invalid share protocol provided: {body.get('share_proto')}.")
        size = body.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ApiError(400, f"Share size '{size}' must be an integer and greater than 0.")
        share_type = self._type(req, str(body.get("share_type") or DEFAULT_TYPE))
        network_id = body.get("share_network_id")
        dhss = share_type["extra_specs"].get("driver_handles_share_servers") == "True"
        network = None
        if network_id:
            network = self._get(req, "share_network", str(network_id), "Share network")
        elif dhss:
            raise ApiError(
                400,
                "Share network must be set when the driver_handles_share_servers is true.",
            )
        self._check_quota(project_id, size)
        share_id = new_id()
        rec: Rec = {
            "id": share_id,
            "display_name": body.get("name") or body.get("display_name"),
            "display_description": body.get("description") or body.get("display_description"),
            "share_proto": protocol,
            "size": size,
            "status": "creating",
            "share_type": share_type["id"],
            "share_type_name": share_type["name"],
            "share_network_id": network_id,
            "snapshot_id": body.get("snapshot_id"),
            "is_public": bool(body.get("is_public", False)),
            "metadata": {str(k): str(v) for k, v in (body.get("metadata") or {}).items()},
            "availability_zone": str(body.get("availability_zone") or "nova"),
            "host": "sim@generic#pool",
            "share_server_id": self._share_server(network) if network and dhss else None,
            "snapshot_support": True,
            "task_state": None,
            "has_replicas": False,
            "replication_type": None,
            "share_group_id": None,
            "created_at": iso(micro=True),
            "project_id": project_id,
            "user_id": req.auth.user_id,
            "_access": [],
        }
        outcome = self.backend.outcome("share", rec["display_name"])
        # A backend without share servers refuses a share network ("Driver does not expect
        # share-network to be provided with current configuration."): the share fails.
        failed = outcome == "error" or (network is not None and not dhss)
        final = "error" if failed else "available"
        lifecycle.begin(
            rec, "creating", final, self.backend.delay("share"), stuck=outcome == "stuck"
        )
        self.store.put("share", rec)
        return ok({"share": self.render_share(req, rec)}, 200)

    def _share_server(self, network: Rec) -> str:
        """The share network's share server, set up by its first share: Manila then records
        the Neutron subnet's CIDR and segment on the network."""
        servers: list[str] = network.setdefault("_share_servers", [])
        if not servers:
            servers.append(new_id())
            subnet = self.store.get("subnet", str(network.get("neutron_subnet_id")))
            if subnet is not None:
                network.update(
                    network_type="vxlan",
                    segmentation_id=1001,
                    cidr=subnet["cidr"],
                    ip_version=subnet["ip_version"],
                    gateway=subnet.get("gateway_ip"),
                    mtu=1450,
                )
            self.store.changed()
        return servers[0]

    def update_share(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share", params["id"], "Share")
        body = req.json_object("share")
        for key, field in (
            ("display_name", "display_name"),
            ("name", "display_name"),
            ("display_description", "display_description"),
            ("description", "display_description"),
            ("is_public", "is_public"),
        ):
            if key in body:
                rec[field] = body[key]
        self.store.changed()
        return ok({"share": self.render_share(req, rec)})

    def delete_share(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share", params["id"], "Share")
        if rec["status"] not in ("available", "error", "inactive"):
            raise ApiError(
                403,
                "Invalid share: Share status must be one of ('available', 'error', 'inactive').",
            )
        rec.pop("_t", None)
        rec["status"] = "deleting"
        lifecycle.schedule_delete(self.store, "share", rec, self.backend.delay("share_delete"))
        return empty(202)

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        self.store.delete("share", rec["id"])

    def share_action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share", params["id"], "Share")
        body = req.json_object()
        if len(body) != 1:
            raise ApiError(400, "Invalid request body: exactly one action is required.")
        name, arg = next(iter(body.items()))
        name = name.removeprefix("os-")
        if name == "allow_access":
            return ok({"access": self._allow(req, rec, arg or {})})
        if name == "deny_access":
            access_id = str((arg or {}).get("access_id"))
            share_access.settle(rec)
            if not share_access.deny(rec, access_id, self.backend.delay("share_access")):
                raise ApiError(404, f"Access rule {access_id} could not be found.")
            self.store.changed()
            return empty(202)
        if name == "access_list":
            if share_access.settle(rec):
                self.store.changed()
            return ok({"access_list": [public(a) for a in rec["_access"]]})
        if name in ("extend", "shrink"):
            new_size = int((arg or {}).get("new_size") or 0)
            if (name == "extend") != (new_size > rec["size"]) or new_size < 1:
                raise ApiError(400, f"Invalid new_size {new_size} to {name} the share.")
            if name == "extend":
                self._check_quota(rec["project_id"], new_size - rec["size"])
            lifecycle.begin(
                rec, f"{name}ing", "available", self.backend.delay("share"), {"size": new_size}
            )
            self.store.changed()
            return empty(202)
        raise ApiError(400, f"There is no such action: {name}")

    def _allow(self, req: Request, rec: Rec, arg: Rec) -> Rec:
        if rec["status"] != "available":
            raise ApiError(
                400, f"Invalid share: Share status must be available, not {rec['status']}."
            )
        access_type = str(arg.get("access_type") or "")
        if access_type not in ACCESS_TYPES:
            raise ApiError(400, "Only 'ip', 'user', 'cert' or 'cephx' access types are supported.")
        access_to = str(arg.get("access_to") or "")
        level = str(arg.get("access_level") or "rw")
        if level not in ("rw", "ro"):
            raise ApiError(400, f"Invalid access level: {level}.")
        share_access.settle(rec)
        for other in rec["_access"]:
            # A rule still being denied counts: Manila's check for an existing access.
            if (other["access_type"], other["access_to"]) == (access_type, access_to):
                raise ApiError(400, f"Share access {access_type}:{access_to} exists.")
        rule = share_access.grant(
            rec,
            {**arg, "access_type": access_type, "access_to": access_to, "access_level": level},
            self.backend.delay("share_access"),
            self.backend.outcome("share_access", access_to),
        )
        self.store.changed()
        return public(rule)

    def list_access_rules(self, req: Request, params: dict[str, str]) -> Response:
        share_id = req.arg("share_id")
        if not share_id:
            raise ApiError(400, "The share_id parameter is required.")
        rec = self._get(req, "share", share_id, "Share")
        if share_access.settle(rec):
            self.store.changed()
        return ok({"access_list": [public(a) for a in rec["_access"]]})

    def show_access_rule(self, req: Request, params: dict[str, str]) -> Response:
        for share in self.store.table("share").values():
            for rule in share["_access"]:
                if rule["id"] == params["id"] and self._visible(req, share):
                    return ok({"access": public(rule)})
        raise ApiError(404, f"Access rule {params['id']} could not be found.")

    def export_locations(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share", params["id"], "Share")
        path = f"10.254.0.10:/shares/share-{rec['id']}"
        items = [{"id": rec["id"], "path": path, "preferred": True, "is_admin_only": False}]
        return ok({"export_locations": items if rec["status"] == "available" else []})

    # -- metadata ---------------------------------------------------------------------------

    def get_metadata(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"metadata": self._get(req, "share", params["id"], "Share")["metadata"]})

    def set_metadata(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share", params["id"], "Share")
        rec["metadata"] = {str(k): str(v) for k, v in req.json_object("metadata").items()}
        self.store.changed()
        return ok({"metadata": rec["metadata"]})

    def merge_metadata(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share", params["id"], "Share")
        rec["metadata"].update({str(k): str(v) for k, v in req.json_object("metadata").items()})
        self.store.changed()
        return ok({"metadata": rec["metadata"]})

    def delete_metadata_key(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share", params["id"], "Share")
        if rec["metadata"].pop(params["key"], None) is None:
            raise ApiError(404, f"Metadata item {params['key']} could not be found.")
        self.store.changed()
        return empty(200)
