"""Manila v2: shares (creating -> available, metadata, access rules, export locations), share
networks (with security services), share types and security services (``/share/v2``).

Access rules are granted and revoked through the share's ``action`` (``allow_access``,
``deny_access``) and listed by ``GET /share-access-rules?share_id=`` (2.45). Share types and
their extra specs are an admin's. A share network or a share type still used by a share cannot
be deleted. Errors use the Nova/Cinder fault shape Manila shares.
"""

from __future__ import annotations

from typing import Any

from . import lifecycle, quotas
from .backend import Backend
from .common import filter_records, iso, new_id, paginate, public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

MAX_VERSION = "2.82"
PROTOCOLS = ("NFS", "CIFS", "GLUSTERFS", "HDFS", "CEPHFS", "MAPRFS")
ACCESS_TYPES = ("ip", "user", "cert", "cephx")
SECURITY_TYPES = ("ldap", "kerberos", "active_directory")
DEFAULT_TYPE = "default"


class SharedFileSystem:
    """Manila's handlers."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        lifecycle.register_finalizer(self.store, "share", self._finish_delete)
        r = Router("The resource could not be found.")
        r.add("GET", "/shares", self.list_shares)
        r.add("GET", "/shares/detail", self.list_shares)
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
            r.add("GET", f"/{coll}", self._lister(kind, f"{key}s"))
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

    # -- helpers ----------------------------------------------------------------------------

    def _get(self, req: Request, kind: str, rid: str, what: str) -> Rec:
        rec = self.store.get(kind, rid)
        if rec is None or (
            rec.get("project_id") not in (None, req.auth.project_id) and not req.auth.is_admin
        ):
            raise ApiError(404, f"{what} {rid} could not be found.")
        if kind == "share":
            lifecycle.settle(rec)
        return rec

    def _visible(self, req: Request, rec: Rec) -> bool:
        return req.auth.is_admin or rec.get("project_id") in (None, req.auth.project_id)

    def _lister(self, kind: str, plural: str) -> Any:
        def handler(req: Request, params: dict[str, str]) -> Response:
            items = [public(r) for r in self.store.table(kind).values() if self._visible(req, r)]
            if kind == "security_service" and req.arg("share_network_id"):
                network = self._get(
                    req, "share_network", str(req.arg("share_network_id")), "Share network"
                )
                items = [i for i in items if i["id"] in network["_security_services"]]
            page, _ = paginate(req, filter_records(req, items, skip=("share_network_id",)))
            return ok({plural: page})

        return handler

    def _shower(self, kind: str, key: str) -> Any:
        what = key.replace("_", " ").capitalize()

        def handler(req: Request, params: dict[str, str]) -> Response:
            return ok({key: self._render(kind, self._get(req, kind, params["id"], what))})

        return handler

    def _render(self, kind: str, rec: Rec) -> Rec:
        view = public(rec)
        if kind == "share_network":
            view["security_service_ids"] = list(rec["_security_services"])
        return view

    def _updater(self, kind: str, key: str) -> Any:
        what = key.replace("_", " ").capitalize()
        allowed = {
            "share_network": ("name", "description", "neutron_net_id", "neutron_subnet_id"),
            "security_service": (
                "name",
                "description",
                "dns_ip",
                "server",
                "domain",
                "user",
                "password",
                "ou",
            ),
        }[kind]

        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self._get(req, kind, params["id"], what)
            body = req.json_object(key)
            bad = [k for k in body if k not in allowed]
            if bad:
                raise ApiError(400, f"Invalid key(s) {bad} for {what.lower()} update.")
            rec.update(body)
            rec["updated_at"] = iso(micro=True)
            self.store.changed()
            return ok({key: self._render(kind, rec)})

        return handler

    def _deleter(self, kind: str) -> Any:
        def handler(req: Request, params: dict[str, str]) -> Response:
            what = kind.replace("_", " ").capitalize()
            rec = self._get(req, kind, params["id"], what)
            if kind == "share_network":
                users = [
                    s
                    for s in self.store.table("share").values()
                    if s["share_network_id"] == rec["id"]
                ]
                if users:
                    raise ApiError(
                        409,
                        f"Cannot delete share network {rec['id']}. There are shares present on "
                        "this network.",
                    )
            else:
                networks = self.store.table("share_network").values()
                if any(rec["id"] in n["_security_services"] for n in networks):
                    raise ApiError(403, f"Security service {rec['id']} is used by a share network.")
            self.store.delete(kind, rec["id"])
            return empty(202)

        return handler

    # -- shares -----------------------------------------------------------------------------

    def render_share(self, rec: Rec) -> Rec:
        lifecycle.settle(rec)
        view = public(rec)
        view["name"] = rec["display_name"]
        view["description"] = rec["display_description"]
        return view

    def list_shares(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            self.render_share(s)
            for s in self.store.table("share").values()
            if self._visible(req, s)
        ]
        page, _ = paginate(req, filter_records(req, items, skip=("metadata", "is_public")))
        return ok({"shares": page})

    def show_share(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"share": self.render_share(self._get(req, "share", params["id"], "Share"))})

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
        if network_id:
            self._get(req, "share_network", str(network_id), "Share network")
        elif share_type["extra_specs"].get("driver_handles_share_servers") == "True":
            raise ApiError(
                400,
                "Share network must be set when the driver_handles_share_servers "
                "extra spec is True.",
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
            "share_server_id": new_id() if network_id else None,
            "access_rules_status": "active",
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
        final = "error" if outcome == "error" else "available"
        lifecycle.begin(
            rec, "creating", final, self.backend.delay("share"), stuck=outcome == "stuck"
        )
        self.store.put("share", rec)
        return ok({"share": self.render_share(rec)}, 200)

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
        return ok({"share": self.render_share(rec)})

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
            if not any(a["id"] == access_id for a in rec["_access"]):
                raise ApiError(404, f"Access rule {access_id} could not be found.")
            rec["_access"] = [a for a in rec["_access"] if a["id"] != access_id]
            self.store.changed()
            return empty(202)
        if name == "access_list":
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
        for other in rec["_access"]:
            if (other["access_type"], other["access_to"]) == (access_type, access_to):
                raise ApiError(400, f"Share access {access_type}:{access_to} exists.")
        stamp = iso(micro=True)
        rule = {
            "id": new_id(),
            "share_id": rec["id"],
            "access_type": access_type,
            "access_to": access_to,
            "access_level": level,
            "access_key": None,
            "state": "active",
            "metadata": dict(arg.get("metadata") or {}),
            "created_at": stamp,
            "updated_at": None,
        }
        rec["_access"].append(rule)
        self.store.changed()
        return public(rule)

    def list_access_rules(self, req: Request, params: dict[str, str]) -> Response:
        share_id = req.arg("share_id")
        if not share_id:
            raise ApiError(400, "The share_id parameter is required.")
        rec = self._get(req, "share", share_id, "Share")
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

    # -- share networks and security services -----------------------------------------------

    def create_share_network(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("share_network")
        subnet = None
        if body.get("neutron_subnet_id"):
            subnet = self.store.get("subnet", str(body["neutron_subnet_id"]))
            if subnet is None:
                raise ApiError(400, f"Subnet {body['neutron_subnet_id']} could not be found.")
        rec: Rec = {
            "id": new_id(),
            "name": body.get("name"),
            "description": body.get("description"),
            "neutron_net_id": body.get("neutron_net_id"),
            "neutron_subnet_id": body.get("neutron_subnet_id"),
            "network_type": "vxlan" if subnet else None,
            "segmentation_id": 1001 if subnet else None,
            "cidr": subnet["cidr"] if subnet else None,
            "ip_version": subnet["ip_version"] if subnet else None,
            "gateway": subnet.get("gateway_ip") if subnet else None,
            "mtu": 1450 if subnet else None,
            "created_at": iso(micro=True),
            "updated_at": None,
            "project_id": req.auth.project_id,
            "_security_services": [],
        }
        self.store.put("share_network", rec)
        return ok({"share_network": self._render("share_network", rec)})

    def share_network_action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share_network", params["id"], "Share network")
        body = req.json_object()
        name, arg = next(iter(body.items()))
        service_id = str((arg or {}).get("security_service_id"))
        self._get(req, "security_service", service_id, "Security service")
        if name == "add_security_service":
            if service_id in rec["_security_services"]:
                raise ApiError(400, f"Security service {service_id} is already associated.")
            rec["_security_services"].append(service_id)
        elif name == "remove_security_service":
            if service_id not in rec["_security_services"]:
                raise ApiError(400, f"Security service {service_id} is not associated.")
            rec["_security_services"].remove(service_id)
        else:
            raise ApiError(400, f"There is no such action: {name}")
        self.store.changed()
        return ok({"share_network": self._render("share_network", rec)})

    def create_security_service(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("security_service")
        if body.get("type") not in SECURITY_TYPES:
            raise ApiError(
                400, f"Invalid type {body.get('type')}: must be one of {SECURITY_TYPES}."
            )
        rec: Rec = {
            "id": new_id(),
            "status": "new",
            "project_id": req.auth.project_id,
            "created_at": iso(micro=True),
            "updated_at": None,
        }
        for key in (
            "type",
            "name",
            "description",
            "dns_ip",
            "server",
            "domain",
            "user",
            "password",
            "ou",
        ):
            rec[key] = body.get(key)
        self.store.put("security_service", rec)
        return ok({"security_service": public(rec)})

    # -- share types ------------------------------------------------------------------------

    def _ensure_default(self) -> Rec:
        types = self.store.table("share_type")
        for rec in types.values():
            if rec["name"] == DEFAULT_TYPE:
                return rec
        rec = {
            "id": new_id(),
            "name": DEFAULT_TYPE,
            "description": None,
            "share_type_access:is_public": True,
            "extra_specs": {"driver_handles_share_servers": "False", "snapshot_support": "True"},
            "required_extra_specs": {"driver_handles_share_servers": "False"},
            "is_default": True,
        }
        return self.store.put("share_type", rec)

    def _type(self, req: Request, name_or_id: str) -> Rec:
        self._ensure_default()
        for rec in self.store.table("share_type").values():
            if name_or_id in (rec["id"], rec["name"]):
                return rec
        raise ApiError(404, f"Share type {name_or_id} could not be found.")

    def list_types(self, req: Request, params: dict[str, str]) -> Response:
        self._ensure_default()
        return ok({"share_types": [public(t) for t in self.store.table("share_type").values()]})

    def default_type(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"share_type": public(self._ensure_default())})

    def show_type(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"share_type": public(self._type(req, params["id"]))})

    def _admin(self, req: Request) -> None:
        if not req.auth.is_admin:
            raise ApiError(403, "Policy doesn't allow share_type:create to be performed.")

    def create_type(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        body = req.json_object("share_type")
        name = str(body.get("name") or "")
        specs = {str(k): str(v) for k, v in (body.get("extra_specs") or {}).items()}
        dhss = specs.get("driver_handles_share_servers")
        if not name or dhss is None:
            raise ApiError(
                400, "Share type name and the driver_handles_share_servers extra spec are required."
            )
        self._ensure_default()
        if any(t["name"] == name for t in self.store.table("share_type").values()):
            raise ApiError(409, f"Share Type {name} already exists.")
        specs["driver_handles_share_servers"] = dhss.capitalize()
        public_flag = body.get(
            "share_type_access:is_public", body.get("os-share-type-access:is_public", True)
        )
        rec: Rec = {
            "id": new_id(),
            "name": name,
            "description": body.get("description"),
            "share_type_access:is_public": bool(public_flag),
            "extra_specs": specs,
            "required_extra_specs": {
                "driver_handles_share_servers": specs["driver_handles_share_servers"]
            },
            "is_default": False,
        }
        self.store.put("share_type", rec)
        return ok({"share_type": public(rec)})

    def delete_type(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._type(req, params["id"])
        if any(s["share_type"] == rec["id"] for s in self.store.table("share").values()):
            raise ApiError(
                400,
                f"Share Type {rec['id']} deletion is not allowed with shares present with "
                "the type.",
            )
        self.store.delete("share_type", rec["id"])
        return empty(202)

    def get_extra_specs(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"extra_specs": self._type(req, params["id"])["extra_specs"]})

    def set_extra_specs(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._type(req, params["id"])
        specs = {str(k): str(v) for k, v in req.json_object("extra_specs").items()}
        if "driver_handles_share_servers" in specs:
            raise ApiError(403, "driver_handles_share_servers cannot be changed.")
        rec["extra_specs"].update(specs)
        self.store.changed()
        return ok({"extra_specs": specs})

    def delete_extra_spec(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._type(req, params["id"])
        if params["key"] == "driver_handles_share_servers":
            raise ApiError(403, "Required extra specs cannot be deleted.")
        if rec["extra_specs"].pop(params["key"], None) is None:
            raise ApiError(404, f"Share type extra spec {params['key']} could not be found.")
        self.store.changed()
        return empty(202)

    # -- quotas and zones -------------------------------------------------------------------

    def show_quota(self, req: Request, params: dict[str, str]) -> Response:
        project = params["project"]
        limits = self.backend.quota(project, "shared-file-system")
        mine = self.store.owned("share", project)
        usage = {"shares": len(mine), "gigabytes": sum(int(s["size"]) for s in mine)}
        if req.arg("usage") in ("True", "true", "1") or req.path.endswith("/detail"):
            body: dict[str, Any] = {
                k: {"limit": v, "in_use": usage.get(k, 0), "reserved": 0} for k, v in limits.items()
            }
        else:
            body = {**limits}
        return ok({"quota_set": {**body, "id": project}})

    def zones(self, req: Request, params: dict[str, str]) -> Response:
        zone = {"id": "nova", "name": "nova", "created_at": iso(micro=True), "updated_at": None}
        return ok({"availability_zones": [zone]})
