"""Manila's share networks (with security services), share types (an admin's, with extra
specs), security services, quota sets and availability zones, plus the record helpers the
share handlers in ``shared_file_system`` use too."""

from __future__ import annotations

from typing import Any

from . import lifecycle
from .backend import Backend
from .common import filter_records, iso, new_id, paginate, public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok

SECURITY_TYPES = ("ldap", "kerberos", "active_directory")
DEFAULT_TYPE = "default"


class ShareCatalog:
    """Share networks, security services, share types, quotas, zones."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store

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

    def _lister(self, kind: str, plural: str, detail: bool = True) -> Any:
        summary = ("id", "name", "type", "status") if kind == "security_service" else ("id", "name")

        def handler(req: Request, params: dict[str, str]) -> Response:
            items = [
                self._render(kind, r, req)
                for r in self.store.table(kind).values()
                if self._visible(req, r)
            ]
            if kind == "security_service" and req.arg("share_network_id"):
                network = self._get(
                    req, "share_network", str(req.arg("share_network_id")), "Share network"
                )
                items = [i for i in items if i["id"] in network["_security_services"]]
            page, _ = paginate(req, filter_records(req, items, skip=("share_network_id",)))
            if not detail:  # Manila's plain list is a summary
                page = [{k: item.get(k) for k in summary} for item in page]
            return ok({plural: page})

        return handler

    def _shower(self, kind: str, key: str) -> Any:
        what = key.replace("_", " ").capitalize()

        def handler(req: Request, params: dict[str, str]) -> Response:
            return ok({key: self._render(kind, self._get(req, kind, params["id"], what), req)})

        return handler

    def _render(self, kind: str, rec: Rec, req: Request) -> Rec:
        view = public(rec)
        if kind == "share_network":
            view["security_service_ids"] = list(rec["_security_services"])
            if not req.auth.is_admin:
                # policy share_network:show_network_details is an admin's
                view.update(network_type=None, segmentation_id=None)
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
            return ok({key: self._render(kind, rec, req)})

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
                        f"Can not delete share network {rec['id']}, it has {len(users)} share(s).",
                    )
            else:
                networks = self.store.table("share_network").values()
                if any(rec["id"] in n["_security_services"] for n in networks):
                    raise ApiError(403, f"Security service {rec['id']} is used by a share network.")
            self.store.delete(kind, rec["id"])
            return empty(202)

        return handler

    # -- share networks and security services -----------------------------------------------

    def create_share_network(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("share_network")
        # Manila neither checks the Neutron network and subnet nor reads them here: the segment
        # and CIDR are filled in when the first share server is set up (shared_file_system).
        if ("neutron_net_id" in body) != ("neutron_subnet_id" in body):
            raise ApiError(
                400,
                "When creating a new share network subnet you need to specify "
                "both neutron_net_id and neutron_subnet_id or none of them.",
            )
        rec: Rec = {
            "id": new_id(),
            "name": body.get("name"),
            "description": body.get("description"),
            "neutron_net_id": body.get("neutron_net_id"),
            "neutron_subnet_id": body.get("neutron_subnet_id"),
            "network_type": None,
            "segmentation_id": None,
            "cidr": None,
            "ip_version": None,
            "gateway": None,
            "mtu": None,
            "created_at": iso(micro=True),
            "updated_at": None,
            "project_id": req.auth.project_id,
            "_security_services": [],
            "_share_servers": [],
        }
        self.store.put("share_network", rec)
        return ok({"share_network": self._render("share_network", rec, req)})

    def share_network_action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, "share_network", params["id"], "Share network")
        body = req.json_object()
        name, arg = next(iter(body.items()))
        service_id = str((arg or {}).get("security_service_id"))
        self._get(req, "security_service", service_id, "Security service")
        if name in ("add_security_service", "remove_security_service") and rec.get(
            "_share_servers"
        ):
            # Below microversion 2.63, Manila changes no security service of a network in use.
            verb = name.split("_", 1)[0]
            raise ApiError(403, f"Cannot {verb} security services. Share network is used.")
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
        return ok({"share_network": self._render("share_network", rec, req)})

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
        # Manila gives usage only on .../detail (microversion 2.25); it ignores Cinder's
        # ``?usage=True`` and answers plain limits there, as the real service does.
        if req.path.endswith("/detail"):
            body: dict[str, Any] = {
                k: {"limit": v, "in_use": usage.get(k, 0), "reserved": 0} for k, v in limits.items()
            }
        else:
            body = {**limits}
        return ok({"quota_set": {**body, "id": project}})

    def zones(self, req: Request, params: dict[str, str]) -> Response:
        zone = {"id": "nova", "name": "nova", "created_at": iso(micro=True), "updated_at": None}
        return ok({"availability_zones": [zone]})
