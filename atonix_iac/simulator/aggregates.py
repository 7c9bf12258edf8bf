"""Nova host aggregates (``/os-aggregates``), installed on the compute router: create, show,
list, update (name, availability zone), the ``add_host`` / ``remove_host`` / ``set_metadata``
actions and delete, answered as Nova does; admin only. The cloud's one compute host is
``sim-compute-1`` (the host every server lands on); an unknown host is a 404, a host already
in the aggregate a 409, and an aggregate that still holds hosts cannot be deleted (400).
"""

from __future__ import annotations

from .backend import Backend
from .common import iso
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

HOSTS = ("sim-compute-1",)


class Aggregates:
    def __init__(self, backend: Backend) -> None:
        self.store = backend.store

    def install(self, r: Router) -> None:
        r.add("GET", "/os-aggregates", self.list_aggregates)
        r.add("POST", "/os-aggregates", self.create)
        r.add("GET", "/os-aggregates/{id}", self.show)
        r.add("PUT", "/os-aggregates/{id}", self.update)
        r.add("DELETE", "/os-aggregates/{id}", self.delete)
        r.add("POST", "/os-aggregates/{id}/action", self.action)

    @staticmethod
    def _admin(req: Request, rule: str) -> None:
        if not req.auth.is_admin:
            raise ApiError(
                403, f"Policy doesn't allow os_compute_api:os-aggregates:{rule} to be performed."
            )

    def _get(self, req: Request, agg_id: str, rule: str) -> Rec:
        self._admin(req, rule)
        rec = self.store.get("aggregate", agg_id)
        if rec is None:
            raise ApiError(404, f"Aggregate {agg_id} could not be found.")
        return rec

    @staticmethod
    def _view(rec: Rec) -> Rec:
        view = {k: v for k, v in rec.items() if not k.startswith("_")}
        view["id"] = int(rec["id"])
        return view

    def _check_name(self, name: str, own: str | None = None) -> None:
        if not name or len(name) > 255:
            raise ApiError(400, "Invalid input for field/attribute name.")
        if any(
            a["name"] == name and a["id"] != own for a in self.store.table("aggregate").values()
        ):
            raise ApiError(409, f"Aggregate {name} already exists.")

    def list_aggregates(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "index")
        return ok({"aggregates": [self._view(a) for a in self.store.table("aggregate").values()]})

    def create(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "create")
        body = req.json_object("aggregate")
        name = str(body.get("name") or "")
        self._check_name(name)
        counter = int(self.store.meta.get("aggregate_seq", 0)) + 1
        self.store.meta["aggregate_seq"] = counter
        rec: Rec = {
            "id": str(counter),
            "uuid": f"00000000-0000-4000-8000-{counter:012d}",
            "name": name,
            "availability_zone": body.get("availability_zone"),
            "hosts": [],
            "metadata": {},
            "created_at": iso(micro=True),
            "updated_at": None,
            "deleted": False,
            "deleted_at": None,
        }
        if rec["availability_zone"]:
            rec["metadata"]["availability_zone"] = rec["availability_zone"]
        self.store.put("aggregate", rec)
        return ok({"aggregate": self._view(rec)})

    def show(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"aggregate": self._view(self._get(req, params["id"], "show"))})

    def update(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"], "update")
        body = req.json_object("aggregate")
        if "name" in body:
            self._check_name(str(body["name"] or ""), rec["id"])
            rec["name"] = str(body["name"])
        if "availability_zone" in body:
            rec["availability_zone"] = body["availability_zone"]
            if body["availability_zone"]:
                rec["metadata"]["availability_zone"] = body["availability_zone"]
            else:
                rec["metadata"].pop("availability_zone", None)
        rec["updated_at"] = iso(micro=True)
        self.store.changed()
        return ok({"aggregate": self._view(rec)})

    def delete(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"], "delete")
        if rec["hosts"]:
            raise ApiError(400, f"Cannot remove aggregate {rec['id']}: it still has hosts.")
        self.store.delete("aggregate", rec["id"])
        return empty(200)

    def action(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        if "add_host" in body:
            rec = self._get(req, params["id"], "add_host")
            host = str((body["add_host"] or {}).get("host") or "")
            if host not in HOSTS:
                raise ApiError(404, f"Compute host {host} could not be found.")
            if host in rec["hosts"]:
                raise ApiError(409, f"Aggregate {rec['id']} already has host {host}.")
            rec["hosts"].append(host)
        elif "remove_host" in body:
            rec = self._get(req, params["id"], "remove_host")
            host = str((body["remove_host"] or {}).get("host") or "")
            if host not in rec["hosts"]:
                raise ApiError(404, f"Cannot remove host {host} in aggregate {rec['id']}")
            rec["hosts"].remove(host)
        elif "set_metadata" in body:
            rec = self._get(req, params["id"], "set_metadata")
            for key, value in ((body["set_metadata"] or {}).get("metadata") or {}).items():
                if value is None:
                    rec["metadata"].pop(key, None)
                else:
                    rec["metadata"][str(key)] = str(value)
        else:
            raise ApiError(400, "Invalid aggregate action")
        rec["updated_at"] = iso(micro=True)
        self.store.changed()
        return ok({"aggregate": self._view(rec)})
