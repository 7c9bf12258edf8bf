"""Trove v1.0: database instances with their schemas and users (``/database/v1.0/{project}``).

An instance goes BUILD -> ACTIVE after the ``database_instance`` delay; a resize (``POST
/instances/{id}/action`` with ``resize``: a flavor or a volume size) goes RESIZE -> ACTIVE after
``database_action``; a deleted instance is SHUTDOWN for ``database_delete`` and then gone.
Actions on an instance that is not ACTIVE are refused (409 UnprocessableEntity is Trove's 422;
it answers 422 here too). Flavors are Nova's; datastores are mysql 8.0 and postgresql 14.
Instances carry no tags or metadata: Trove has none.
"""

from __future__ import annotations

from typing import Any

from . import lifecycle
from .backend import Backend
from .common import filter_records, iso, new_id, paginate
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

DATASTORES = {
    "mysql": ("8.0",),
    "postgresql": ("14",),
    "mariadb": ("10.6",),
    "mongodb": ("4.4",),
    "redis": ("6.2",),
}
#: Datastores whose Trove strategy builds clusters (Galera for MariaDB).
CLUSTERED = ("mariadb", "mongodb", "redis")
DEFAULT_DATASTORE = "mysql"


def _not_found(rid: str) -> ApiError:
    return ApiError(404, f"The resource could not be found. Instance {rid}", "itemNotFound")


class Database:
    """Trove's handlers."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        lifecycle.register_finalizer(self.store, "trove_instance", self._finish_delete)
        lifecycle.register_finalizer(self.store, "trove_cluster", self._finish_cluster_delete)
        r = Router("The resource could not be found.")
        r.add("GET", "/", self.versions)
        r.add("GET", "/instances", self.list_instances)
        r.add("GET", "/instances/detail", self.list_instances)
        r.add("POST", "/instances", self.create_instance)
        r.add("GET", "/instances/{id}", self.show_instance)
        r.add("PATCH", "/instances/{id}", self.update_instance)
        r.add("PUT", "/instances/{id}", self.update_instance)
        r.add("DELETE", "/instances/{id}", self.delete_instance)
        r.add("POST", "/instances/{id}/action", self.action)
        r.add("GET", "/instances/{id}/databases", self.list_databases)
        r.add("POST", "/instances/{id}/databases", self.add_databases)
        r.add("DELETE", "/instances/{id}/databases/{name}", self.delete_database)
        r.add("GET", "/instances/{id}/users", self.list_users)
        r.add("POST", "/instances/{id}/users", self.add_users)
        r.add("DELETE", "/instances/{id}/users/{name}", self.delete_user)
        r.add("GET", "/datastores", self.list_datastores)
        r.add("GET", "/limits", self.limits)
        r.add("GET", "/clusters", self.list_clusters)
        r.add("POST", "/clusters", self.create_cluster)
        r.add("GET", "/clusters/{id}", self.show_cluster)
        r.add("DELETE", "/clusters/{id}", self.delete_cluster)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        link = [{"rel": "self", "href": f"{req.base_url}/database/v1.0/"}]
        return ok({"versions": [{"id": "v1.0", "status": "CURRENT", "links": link}]})

    def versions(self, req: Request, params: dict[str, str]) -> Response:
        return self.discovery(req, True)

    # -- helpers ----------------------------------------------------------------------------

    def _get(self, req: Request, rid: str) -> Rec:
        rec = self.store.get("trove_instance", rid)
        if rec is None or rec["_project"] != req.auth.project_id:
            raise _not_found(rid)
        if lifecycle.settle(rec):
            self.store.changed()
        return rec

    def _active(self, req: Request, rid: str) -> Rec:
        rec = self._get(req, rid)
        if rec["status"] != "ACTIVE":
            raise ApiError(
                422,
                f"Instance {rid} is not ACTIVE, status is {rec['status']}.",
                "unprocessableEntity",
            )
        return rec

    @staticmethod
    def _view(rec: Rec) -> Rec:
        return {k: v for k, v in rec.items() if not k.startswith("_")}

    def _flavor(self, flavor_ref: Any) -> Rec:
        flavor = self.store.get("flavor", str(flavor_ref))
        if flavor is None:
            raise ApiError(404, f"Flavor {flavor_ref} could not be found.", "itemNotFound")
        return flavor

    @staticmethod
    def _databases(items: Any) -> list[Rec]:
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and i.get("name") for i in items
        ):
            raise ApiError(400, "Validation error: each database needs a name.", "badRequest")
        return [
            {
                "name": str(i["name"]),
                "character_set": i.get("character_set") or "utf8",
                "collate": i.get("collate") or "utf8_general_ci",
            }
            for i in items
        ]

    @staticmethod
    def _users(items: Any, known: set[str]) -> list[Rec]:
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and i.get("name") and i.get("password") for i in items
        ):
            raise ApiError(
                400, "Validation error: each user needs a name and a password.", "badRequest"
            )
        users = []
        for item in items:
            names = [str(d.get("name")) for d in item.get("databases") or []]
            missing = [n for n in names if n not in known]
            if missing:
                raise ApiError(404, f"Database {missing[0]} could not be found.", "itemNotFound")
            users.append(
                {
                    "name": str(item["name"]),
                    "host": item.get("host") or "%",
                    "databases": [{"name": n} for n in names],
                    "_password": str(item["password"]),
                }
            )
        return users

    # -- instances --------------------------------------------------------------------------

    def list_instances(self, req: Request, params: dict[str, str]) -> Response:
        mine = [
            r
            for r in self.store.table("trove_instance").values()
            if r["_project"] == req.auth.project_id
        ]
        for rec in mine:
            lifecycle.settle(rec)
        page, _marker = paginate(req, filter_records(req, mine))
        return ok({"instances": [self._view(r) for r in page]})

    def show_instance(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"instance": self._view(self._get(req, params["id"]))})

    def create_instance(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("instance")
        flavor = self._flavor(body.get("flavorRef"))
        volume = body.get("volume") or {}
        size = volume.get("size") if isinstance(volume, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ApiError(400, "Validation error: volume size must be a positive integer.")
        store = body.get("datastore") or {}
        kind = str(store.get("type") or DEFAULT_DATASTORE)
        if kind not in DATASTORES:
            raise ApiError(404, f"Datastore '{kind}' cannot be found.", "itemNotFound")
        version = str(store.get("version") or DATASTORES[kind][0])
        if version not in DATASTORES[kind]:
            raise ApiError(404, f"Datastore version '{version}' cannot be found.", "itemNotFound")
        for nic in body.get("nics") or []:
            net = nic.get("net-id") or nic.get("network_id")
            if net and self.store.get("network", str(net)) is None:
                raise ApiError(400, f"Network {net} could not be found.", "badRequest")
        self._check_quota(req.auth.project_id, size)
        databases = self._databases(body.get("databases") or [])
        users = self._users(body.get("users") or [], {d["name"] for d in databases})
        rid = new_id()
        stamp = iso()
        rec: Rec = {
            "id": rid,
            "name": str(body.get("name") or ""),
            "status": "BUILD",
            "flavor": {"id": flavor["id"], "links": []},
            "volume": {"size": size, "used": 0.1},
            "datastore": {"type": kind, "version": version},
            "region": "RegionOne",
            "availability_zone": body.get("availability_zone"),
            "created": stamp,
            "updated": stamp,
            "links": [{"rel": "self", "href": f"{req.service_url}/instances/{rid}"}],
            "_project": req.auth.project_id,
            "_databases": databases,
            "_users": users,
        }
        octet = int(rid[:2], 16) % 200 + 10
        lifecycle.begin(
            rec,
            "BUILD",
            "ACTIVE",
            self.backend.delay("database_instance"),
            {"ip": [f"10.0.0.{octet}"], "hostname": f"db-{rid[:8]}.trove.local"},
        )
        self.store.put("trove_instance", rec)
        return ok({"instance": self._view(rec)})

    def update_instance(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"])
        body = req.json_object("instance")
        if "name" in body:
            rec["name"] = str(body["name"])
        rec["updated"] = iso()
        self.store.changed()
        return empty(202)

    def action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._active(req, params["id"])
        body = req.json_object()
        resize = body.get("resize")
        if not isinstance(resize, dict):
            raise ApiError(400, "Invalid action: only resize is supported here.", "badRequest")
        changes: Rec = {"updated": iso()}
        if "flavorRef" in resize:
            changes["flavor"] = {"id": self._flavor(resize["flavorRef"])["id"], "links": []}
        elif isinstance(resize.get("volume"), dict):
            size = resize["volume"].get("size")
            if not isinstance(size, int) or size <= rec["volume"]["size"]:
                raise ApiError(
                    400,
                    f"The new volume size {size} must be larger than the current volume "
                    f"size of {rec['volume']['size']}.",
                    "badRequest",
                )
            changes["volume"] = {**rec["volume"], "size": size}
        else:
            raise ApiError(400, "Resize needs a flavorRef or a volume size.", "badRequest")
        lifecycle.begin(rec, "RESIZE", "ACTIVE", self.backend.delay("database_action"), changes)
        self.store.changed()
        return empty(202)

    def delete_instance(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"])
        if rec.get("_deleting"):
            return empty(202)
        rec.pop("_t", None)
        rec["status"] = "SHUTDOWN"
        lifecycle.schedule_delete(
            self.store, "trove_instance", rec, self.backend.delay("database_delete")
        )
        return empty(202)

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        self.store.delete("trove_instance", rec["id"])

    # -- schemas and users ------------------------------------------------------------------

    def list_databases(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"databases": list(self._get(req, params["id"])["_databases"])})

    def add_databases(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._active(req, params["id"])
        added = self._databases(req.json_object().get("databases"))
        known = {d["name"] for d in rec["_databases"]}
        rec["_databases"] += [d for d in added if d["name"] not in known]
        self.store.changed()
        return empty(202)

    def delete_database(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._active(req, params["id"])
        if not any(d["name"] == params["name"] for d in rec["_databases"]):
            raise ApiError(404, f"Database {params['name']} could not be found.", "itemNotFound")
        rec["_databases"] = [d for d in rec["_databases"] if d["name"] != params["name"]]
        for user in rec["_users"]:
            user["databases"] = [d for d in user["databases"] if d["name"] != params["name"]]
        self.store.changed()
        return empty(202)

    def list_users(self, req: Request, params: dict[str, str]) -> Response:
        users = self._get(req, params["id"])["_users"]
        return ok({"users": [self._view(u) for u in users]})

    def add_users(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._active(req, params["id"])
        added = self._users(req.json_object().get("users"), {d["name"] for d in rec["_databases"]})
        taken = {u["name"] for u in rec["_users"]} & {u["name"] for u in added}
        if taken:
            raise ApiError(
                400, f"A user with the name {sorted(taken)[0]} already exists.", "badRequest"
            )
        rec["_users"] += added
        self.store.changed()
        return empty(202)

    def delete_user(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._active(req, params["id"])
        if not any(u["name"] == params["name"] for u in rec["_users"]):
            raise ApiError(404, f"User {params['name']} could not be found.", "itemNotFound")
        rec["_users"] = [u for u in rec["_users"] if u["name"] != params["name"]]
        self.store.changed()
        return empty(202)

    # -- clusters ---------------------------------------------------------------------------

    def _cluster(self, req: Request, rid: str) -> Rec:
        rec = self.store.get("trove_cluster", rid)
        if rec is None or rec["_project"] != req.auth.project_id:
            raise ApiError(404, f"Cluster {rid} could not be found.", "itemNotFound")
        if lifecycle.settle(rec):
            self.store.changed()
        return rec

    @staticmethod
    def _cluster_view(rec: Rec) -> Rec:
        view = {k: v for k, v in rec.items() if not k.startswith("_") and k != "status"}
        task = rec["status"]
        view["task"] = {"id": 0, "name": task, "description": task.title()}
        done = task == "NONE"
        view["instances"] = [
            {**i, "status": "ACTIVE" if done else "BUILD"} for i in rec["instances"]
        ]
        return view

    def list_clusters(self, req: Request, params: dict[str, str]) -> Response:
        mine = [
            r
            for r in self.store.table("trove_cluster").values()
            if r["_project"] == req.auth.project_id
        ]
        for rec in mine:
            lifecycle.settle(rec)
        return ok({"clusters": [self._cluster_view(r) for r in mine]})

    def show_cluster(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"cluster": self._cluster_view(self._cluster(req, params["id"]))})

    def create_cluster(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("cluster")
        store = body.get("datastore") or {}
        kind, version = str(store.get("type") or ""), str(store.get("version") or "")
        if kind not in DATASTORES or version not in DATASTORES[kind]:
            raise ApiError(
                404, f"Datastore version '{kind}-{version}' cannot be found.", "itemNotFound"
            )
        if kind not in CLUSTERED:
            raise ApiError(400, f"Clusters not supported for {kind}-{version}.", "badRequest")
        items = body.get("instances")
        if not isinstance(items, list) or len(items) < 2:
            raise ApiError(400, "A cluster needs at least two instances.", "badRequest")
        rid = new_id()
        members: list[Rec] = []
        for index, item in enumerate(items):
            flavor = self._flavor(item.get("flavorRef"))
            size = (item.get("volume") or {}).get("size")
            members.append(
                {
                    "id": new_id(),
                    "name": f"{body.get('name') or rid[:8]}-member-{index + 1}",
                    "type": "member",
                    "flavor": {"id": flavor["id"], "links": []},
                    "volume": {"size": size},
                    "ip": [f"10.0.1.{10 + index}"],
                }
            )
        stamp = iso()
        rec: Rec = {
            "id": rid,
            "name": str(body.get("name") or ""),
            "datastore": {"type": kind, "version": version},
            "instances": members,
            "ip": [m["ip"][0] for m in members],
            "created": stamp,
            "updated": stamp,
            "links": [{"rel": "self", "href": f"{req.service_url}/clusters/{rid}"}],
            "_project": req.auth.project_id,
        }
        lifecycle.begin(rec, "BUILDING", "NONE", self.backend.delay("database_instance"))
        self.store.put("trove_cluster", rec)
        return ok({"cluster": self._cluster_view(rec)})

    def delete_cluster(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._cluster(req, params["id"])
        if rec.get("_deleting"):
            return empty(202)
        rec.pop("_t", None)
        rec["status"] = "DELETING"
        lifecycle.schedule_delete(
            self.store, "trove_cluster", rec, self.backend.delay("database_delete")
        )
        return empty(202)

    def _finish_cluster_delete(self, store: Any, rec: Rec) -> None:
        self.store.delete("trove_cluster", rec["id"])

    # -- quotas -----------------------------------------------------------------------------

    def _usage(self, project_id: str) -> tuple[int, int]:
        mine = [
            r for r in self.store.table("trove_instance").values() if r["_project"] == project_id
        ]
        return len(mine), sum(int(r["volume"]["size"]) for r in mine)

    def _check_quota(self, project_id: str, size: int) -> None:
        limits = self.backend.quota(project_id, "database")
        instances, gigabytes = self._usage(project_id)
        for name, used, wanted in (("instances", instances, 1), ("volumes", gigabytes, size)):
            if 0 <= limits[name] < used + wanted:
                raise ApiError(
                    413,
                    f"Quota exceeded for resources: ['{name}'].",
                    "overLimit",
                )

    def limits(self, req: Request, params: dict[str, str]) -> Response:
        limits = self.backend.quota(req.auth.project_id, "database")
        instances, gigabytes = self._usage(req.auth.project_id)
        absolute = {
            "verb": "ABSOLUTE",
            "max_instances": limits["instances"],
            "max_volumes": limits["volumes"],
            "max_backups": limits["backups"],
            "instances_used": instances,
            "volumes_used": gigabytes,
        }
        return ok({"limits": [absolute]})

    def list_datastores(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            {
                "id": kind,
                "name": kind,
                "default_version": versions[0],
                "versions": [{"id": v, "name": v, "active": 1} for v in versions],
            }
            for kind, versions in DATASTORES.items()
        ]
        return ok({"datastores": items})
