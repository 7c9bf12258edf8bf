"""Nova v2.1: discovery, flavors, keypairs, server groups, limits, quota sets.

Servers live in :mod:`servers`; this module assembles the router and owns the
project-wide bookkeeping (usage counts) that quotas and limits share with servers.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

from . import quotas
from .backend import Backend
from .block_storage import BlockStorage
from .common import iso, new_id, parse_bool, public
from .errors import ApiError
from .network import Networking
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router
from .servers import Servers

MIN_VERSION, MAX_VERSION = "2.1", "2.96"
_KEYPAIR_NAME = re.compile(r"^[a-zA-Z0-9 _\-]{1,255}$")
_POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


def flavor_record(fid: str, name: str, vcpus: int, ram: int, disk: int) -> Rec:
    return {
        "id": fid,
        "name": name,
        "vcpus": vcpus,
        "ram": ram,
        "disk": disk,
        "swap": 0,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "os-flavor-access:is_public": True,
        "OS-FLV-DISABLED:disabled": False,
        "rxtx_factor": 1.0,
        "description": None,
        "extra_specs": {},
    }


class Compute:
    """Nova handlers other than servers; builds the compute router."""

    def __init__(self, backend: Backend, network: Networking, volumes: BlockStorage) -> None:
        self.backend = backend
        self.store = backend.store
        self.servers = Servers(backend, network, volumes, self)
        r = Router("The resource could not be found.")
        r.add("GET", "/flavors", self.list_flavors)
        r.add("GET", "/flavors/detail", self.list_flavors)
        r.add("POST", "/flavors", self.create_flavor)
        r.add("GET", "/flavors/{id}", self.show_flavor)
        r.add("DELETE", "/flavors/{id}", self.delete_flavor)
        r.add("GET", "/flavors/{id}/os-extra_specs", self.flavor_extra_specs)
        r.add("POST", "/flavors/{id}/os-extra_specs", self.add_flavor_extra_specs)
        r.add("GET", "/os-keypairs", self.list_keypairs)
        r.add("POST", "/os-keypairs", self.create_keypair)
        r.add("GET", "/os-keypairs/{name}", self.show_keypair)
        r.add("DELETE", "/os-keypairs/{name}", self.delete_keypair)
        r.add("GET", "/os-server-groups", self.list_groups)
        r.add("POST", "/os-server-groups", self.create_group)
        r.add("GET", "/os-server-groups/{id}", self.show_group)
        r.add("DELETE", "/os-server-groups/{id}", self.delete_group)
        r.add("GET", "/limits", self.limits)
        r.add("GET", "/os-quota-sets/{project}", self.show_quota)
        r.add("GET", "/os-quota-sets/{project}/detail", self.quota_detail)
        r.add("GET", "/os-quota-sets/{project}/defaults", self.quota_defaults)
        r.add("PUT", "/os-quota-sets/{project}", self.update_quota)
        r.add("DELETE", "/os-quota-sets/{project}", self.reset_quota)
        r.add("GET", "/os-availability-zone", self.zones)
        r.add("GET", "/os-availability-zone/detail", self.zones)
        self.servers.register(r)
        self.router = r

    # -- discovery --------------------------------------------------------------------------

    @staticmethod
    def version_entry(req: Request) -> Rec:
        return {
            "id": "v2.1",
            "status": "CURRENT",
            "version": MAX_VERSION,
            "min_version": MIN_VERSION,
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{req.base_url}/compute/v2.1/"}],
        }

    def discovery(self, req: Request, versioned: bool) -> Response:
        entry = self.version_entry(req)
        if versioned:
            return ok({"version": entry})
        legacy = {
            "id": "v2.0",
            "status": "SUPPORTED",
            "version": "",
            "min_version": "",
            "updated": "2011-01-21T11:33:21Z",
            "links": [{"rel": "self", "href": f"{req.base_url}/compute/v2/"}],
        }
        return ok({"versions": [legacy, entry]})

    # -- flavors ----------------------------------------------------------------------------

    def find_flavor(self, ref: Any) -> Rec:
        fid = str(ref).rstrip("/").rsplit("/", 1)[-1]
        flavor = self.store.get("flavor", fid)
        if flavor is None:
            raise ApiError(400, f"Flavor {ref} could not be found.")
        return flavor

    def render_flavor(self, req: Request, rec: Rec) -> Rec:
        view = public(rec)
        if not req.version_at_least(2, 75):
            view["swap"] = rec["swap"] or ""
        if not req.version_at_least(2, 61):
            view.pop("extra_specs", None)
        if not req.version_at_least(2, 55):
            view.pop("description", None)
        link = f"{req.service_url}/flavors/{rec['id']}"
        view["links"] = [{"rel": "self", "href": link}, {"rel": "bookmark", "href": link}]
        return view

    def list_flavors(self, req: Request, params: dict[str, str]) -> Response:
        items = list(self.store.table("flavor").values())
        public_arg = (req.arg("is_public") or "true").lower()
        if public_arg != "none":
            want = parse_bool(public_arg)
            items = [
                f
                for f in items
                if f["os-flavor-access:is_public"] == want or (not want and req.auth.is_admin)
            ]
        for arg, key in (("minRam", "ram"), ("minDisk", "disk")):
            if req.arg(arg):
                items = [f for f in items if f[key] >= int(req.arg(arg) or 0)]
        views = [self.render_flavor(req, f) for f in items]
        if req.segments[-1] != "detail":
            views = [{"id": v["id"], "name": v["name"], "links": v["links"]} for v in views]
        return ok({"flavors": views})

    def show_flavor(self, req: Request, params: dict[str, str]) -> Response:
        flavor = self.store.get("flavor", params["id"])
        if flavor is None:
            raise ApiError(404, f"Flavor {params['id']} could not be found.")
        return ok({"flavor": self.render_flavor(req, flavor)})

    def flavor_extra_specs(self, req: Request, params: dict[str, str]) -> Response:
        flavor = self.store.get("flavor", params["id"])
        if flavor is None:
            raise ApiError(404, f"Flavor {params['id']} could not be found.")
        return ok({"extra_specs": flavor["extra_specs"]})

    def add_flavor_extra_specs(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "os_compute_api:os-flavor-extra-specs:create")
        flavor = self.store.get("flavor", params["id"])
        if flavor is None:
            raise ApiError(404, f"Flavor {params['id']} could not be found.")
        specs = req.json_object("extra_specs")
        flavor["extra_specs"] = {**flavor["extra_specs"], **{k: str(v) for k, v in specs.items()}}
        self.store.changed()
        return ok({"extra_specs": flavor["extra_specs"]})

    def _admin(self, req: Request, rule: str) -> None:
        if not req.auth.is_admin:
            raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")

    def create_flavor(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "os_compute_api:os-flavor-manage:create")
        body = req.json_object("flavor")
        fid = str(body.get("id") or new_id())
        name = str(body.get("name") or "")
        if self.store.get("flavor", fid) or any(
            f["name"] == name for f in self.store.table("flavor").values()
        ):
            raise ApiError(409, f"Flavor with name {name} already exists.")
        try:
            rec = flavor_record(
                fid, name, int(body["vcpus"]), int(body["ram"]), int(body.get("disk", 0))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(400, f"Invalid input for field/attribute flavor: {exc}") from exc
        rec["os-flavor-access:is_public"] = bool(body.get("os-flavor-access:is_public", True))
        rec["OS-FLV-EXT-DATA:ephemeral"] = int(body.get("OS-FLV-EXT-DATA:ephemeral") or 0)
        rec["swap"] = int(body.get("swap") or 0)
        rec["description"] = body.get("description")
        self.store.put("flavor", rec)
        return ok({"flavor": self.render_flavor(req, rec)})

    def delete_flavor(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "os_compute_api:os-flavor-manage:delete")
        if self.store.delete("flavor", params["id"]) is None:
            raise ApiError(404, f"Flavor {params['id']} could not be found.")
        return empty(202)

    # -- keypairs ---------------------------------------------------------------------------

    def _kp_owner(self, req: Request) -> str:
        config = self.backend.engine.config
        return req.auth.project_id if config.keypairs_per_project else req.auth.user_id

    def _kp_key(self, req: Request, name: str) -> str:
        return f"{self._kp_owner(req)}/{name}"

    def keypair_exists(self, req: Request, name: str) -> bool:
        return self._kp_key(req, name) in self.store.table("keypair")

    def _render_kp(self, rec: Rec, full: bool = True) -> Rec:
        view = public(rec)
        if not full:
            return {k: view[k] for k in ("name", "public_key", "fingerprint", "type")}
        return view

    def list_keypairs(self, req: Request, params: dict[str, str]) -> Response:
        prefix = self._kp_owner(req) + "/"
        items = [
            {"keypair": self._render_kp(kp, full=False)}
            for key, kp in self.store.table("keypair").items()
            if key.startswith(prefix)
        ]
        return ok({"keypairs": items})

    def show_keypair(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.store.table("keypair").get(self._kp_key(req, params["name"]))
        if rec is None:
            raise ApiError(404, f"Keypair {params['name']} not found for user {req.auth.user_id}")
        return ok({"keypair": self._render_kp(rec)})

    def create_keypair(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("keypair")
        name = str(body.get("name") or "")
        if not _KEYPAIR_NAME.match(name):
            raise ApiError(400, "Keypair data is invalid: Keypair name contains unsafe characters")
        key = self._kp_key(req, name)
        table = self.store.table("keypair")
        if key in table:
            raise ApiError(409, f"Key pair '{name}' already exists.")
        prefix = self._kp_owner(req) + "/"
        used = sum(1 for k in table if k.startswith(prefix))
        limit = self.backend.quota(req.auth.project_id, "compute")["key_pairs"]
        if quotas.exceeds(limit, used, 1):
            raise ApiError(403, "Quota exceeded, too many key pairs.")
        private_key = None
        public_key = body.get("public_key")
        if not public_key:
            public_key, private_key = _generate_keypair(name)
        rec: Rec = {
            "name": name,
            "public_key": str(public_key),
            "fingerprint": _fingerprint(str(public_key)),
            "type": str(body.get("type") or "ssh"),
            "user_id": req.auth.user_id,
            "created_at": iso(),
            "deleted": False,
            "deleted_at": None,
            "updated_at": None,
            "id": len(table) + 1,
        }
        table[key] = rec
        self.store.changed()
        view = {k: rec[k] for k in ("name", "public_key", "fingerprint", "type", "user_id")}
        if private_key is not None:
            view["private_key"] = private_key
        return ok({"keypair": view}, 201 if req.version_at_least(2, 2) else 200)

    def delete_keypair(self, req: Request, params: dict[str, str]) -> Response:
        if self.store.table("keypair").pop(self._kp_key(req, params["name"]), None) is None:
            raise ApiError(404, f"Keypair {params['name']} not found for user {req.auth.user_id}")
        self.store.changed()
        return empty(202 if not req.version_at_least(2, 2) else 204)

    # -- server groups ----------------------------------------------------------------------

    def render_group(self, req: Request, rec: Rec) -> Rec:
        view = public(rec)
        if req.version_at_least(2, 64):
            view.pop("policies", None)
            view.pop("metadata", None)
        else:
            view.pop("policy", None)
            view.pop("rules", None)
        return view

    def group(self, req: Request, group_id: str) -> Rec:
        rec = self.store.get("server_group", group_id)
        if rec is None or rec["project_id"] != req.auth.project_id:
            raise ApiError(404, f"Instance group {group_id} could not be found.")
        return rec

    def list_groups(self, req: Request, params: dict[str, str]) -> Response:
        everyone = parse_bool(req.arg("all_projects")) and req.auth.is_admin
        items = [
            self.render_group(req, g)
            for g in self.store.table("server_group").values()
            if everyone or g["project_id"] == req.auth.project_id
        ]
        return ok({"server_groups": items})

    def show_group(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"server_group": self.render_group(req, self.group(req, params["id"]))})

    def create_group(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("server_group")
        policy = body.get("policy") or (body.get("policies") or [None])[0]
        if policy not in _POLICIES:
            raise ApiError(
                400,
                f"Invalid input for field/attribute policy. Value: {policy}. "
                f"{policy!r} is not one of {list(_POLICIES)}",
            )
        if not body.get("name"):
            raise ApiError(400, "Invalid input for field/attribute name.")
        project_id = req.auth.project_id
        used = sum(
            1 for g in self.store.table("server_group").values() if g["project_id"] == project_id
        )
        if quotas.exceeds(self.backend.quota(project_id, "compute")["server_groups"], used, 1):
            raise ApiError(403, "Quota exceeded, too many server groups.")
        rec = {
            "id": new_id(),
            "name": str(body["name"]),
            "policy": policy,
            "policies": [policy],
            "rules": dict(body.get("rules") or {}),
            "members": [],
            "metadata": {},
            "project_id": project_id,
            "user_id": req.auth.user_id,
        }
        self.store.put("server_group", rec)
        return ok({"server_group": self.render_group(req, rec)})

    def delete_group(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.group(req, params["id"])
        self.store.delete("server_group", rec["id"])
        return empty()

    # -- quotas and limits ------------------------------------------------------------------

    def usage(self, project_id: str, user_id: str | None = None) -> dict[str, int]:
        servers = self.store.owned("server", project_id)
        cores = ram = 0
        for server in servers:
            flavor = server["_flavor"]
            cores += int(flavor["vcpus"])
            ram += int(flavor["ram"])
        groups = self.store.count("server_group", project_id)
        prefix = f"{user_id}/" if user_id else None
        keypairs = sum(1 for k in self.store.table("keypair") if prefix and k.startswith(prefix))
        return {
            "instances": len(servers),
            "cores": cores,
            "ram": ram,
            "server_groups": groups,
            "key_pairs": keypairs,
        }

    def _quota_project(self, req: Request, project_id: str, action: str) -> str:
        if (action != "show" or project_id != req.auth.project_id) and not req.auth.is_admin:
            self._admin(req, f"os_compute_api:os-quota-sets:{action}")
        return project_id

    def _quota_view(self, req: Request, values: dict[str, Any], project_id: str | None) -> Rec:
        view: Rec = dict(values)
        if req.version_at_least(2, 57):
            for key in (
                "injected_files",
                "injected_file_content_bytes",
                "injected_file_path_bytes",
            ):
                view.pop(key, None)
        if project_id is not None:
            view["id"] = project_id
        return view

    def show_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], "show")
        return ok(
            {
                "quota_set": self._quota_view(
                    req, self.backend.quota(project_id, "compute"), project_id
                )
            }
        )

    def quota_detail(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], "show")
        used = self.usage(project_id, req.auth.user_id)
        values = {
            k: {"limit": v, "in_use": used.get(k, 0), "reserved": 0}
            for k, v in self.backend.quota(project_id, "compute").items()
        }
        return ok({"quota_set": self._quota_view(req, values, project_id)})

    def quota_defaults(self, req: Request, params: dict[str, str]) -> Response:
        values = quotas.defaults(self.backend.engine.config, "compute")
        return ok({"quota_set": self._quota_view(req, values, params["project"])})

    def update_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], "update")
        body = req.json_object("quota_set")
        body.pop("force", None)
        unknown = quotas.set_limits(self.store, project_id, "compute", body)
        if unknown:
            raise ApiError(
                400,
                f"Invalid input for field/attribute quota_set. Additional "
                f"properties are not allowed ({unknown[0]!r} was unexpected)",
            )
        return ok(
            {"quota_set": self._quota_view(req, self.backend.quota(project_id, "compute"), None)}
        )

    def reset_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], "delete")
        quotas.reset(self.store, project_id, "compute")
        return empty(202)

    def limits(self, req: Request, params: dict[str, str]) -> Response:
        project_id = req.auth.project_id
        q = self.backend.quota(project_id, "compute")
        used = self.usage(project_id, req.auth.user_id)
        net = self.backend.quota(project_id, "network")
        absolute = {
            "maxTotalCores": q["cores"],
            "maxTotalInstances": q["instances"],
            "maxTotalRAMSize": q["ram"],
            "maxTotalKeypairs": q["key_pairs"],
            "maxServerMeta": q["metadata_items"],
            "maxImageMeta": q["metadata_items"],
            "maxPersonality": q["injected_files"],
            "maxPersonalitySize": q["injected_file_content_bytes"],
            "maxSecurityGroups": net["security_group"],
            "maxSecurityGroupRules": net["security_group_rule"],
            "maxTotalFloatingIps": net["floatingip"],
            "maxServerGroups": q["server_groups"],
            "maxServerGroupMembers": q["server_group_members"],
            "totalCoresUsed": used["cores"],
            "totalInstancesUsed": used["instances"],
            "totalRAMUsed": used["ram"],
            "totalSecurityGroupsUsed": 0,
            "totalFloatingIpsUsed": 0,
            "totalServerGroupsUsed": used["server_groups"],
        }
        return ok({"limits": {"rate": [], "absolute": absolute}})

    def zones(self, req: Request, params: dict[str, str]) -> Response:
        return ok(
            {
                "availabilityZoneInfo": [
                    {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}
                ]
            }
        )


def _fingerprint(public_key: str) -> str:
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (IndexError, ValueError) as exc:
        raise ApiError(400, "Keypair data is invalid: failed to generate fingerprint") from exc
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _generate_keypair(name: str) -> tuple[str, str]:
    """A syntactically plausible (not cryptographically valid) ssh key pair."""
    blob = b"\x00\x00\x00\x07ssh-rsa" + secrets.token_bytes(270)
    public_key = f"ssh-rsa {base64.b64encode(blob).decode()} Generated-by-Nova"
    body = base64.encodebytes(secrets.token_bytes(1200)).decode()
    private_key = f"-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n"
    return public_key, private_key
