"""Zun v1: application containers (``/container/v1``).

Bodies are unwrapped and ids are ``uuid``, as in Zun. ``POST /containers?run=true`` answers
202 with the container Creating; it is Running after the ``container`` delay (Created when
not run). ``PATCH`` changes name, cpu and memory; ``network_attach`` and ``network_detach``
(``?network=``) add and remove an address. Deleting a Running container needs ``?stop=True``
(409 otherwise, as Zun answers); a deleted one is Deleting for ``container_delete``.
"""

from __future__ import annotations

from typing import Any

from . import lifecycle
from .backend import Backend
from .common import filter_records, iso, new_id, paginate
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

_PATCHABLE = ("name", "cpu", "memory")
_FIELDS = (
    "image",
    "command",
    "environment",
    "workdir",
    "labels",
    "image_pull_policy",
    "restart_policy",
    "interactive",
    "tty",
    "image_driver",
    "hints",
    "hostname",
    "security_groups",
    "mounts",
)


class Container:
    """Zun's handlers."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        lifecycle.register_finalizer(self.store, "zun_container", self._finish_delete)
        r = Router("The resource could not be found.")
        r.add("GET", "/", self.versions)
        r.add("GET", "/containers", self.list_containers)
        r.add("POST", "/containers", self.create_container)
        r.add("GET", "/containers/{id}", self.show_container)
        r.add("PATCH", "/containers/{id}", self.update_container)
        r.add("DELETE", "/containers/{id}", self.delete_container)
        r.add("POST", "/containers/{id}/network_attach", self.network_attach)
        r.add("POST", "/containers/{id}/network_detach", self.network_detach)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        link = [{"rel": "self", "href": f"{req.base_url}/container/v1/"}]
        return ok(
            {
                "versions": [
                    {
                        "id": "v1",
                        "status": "CURRENT",
                        "min_version": "1.1",
                        "max_version": "1.40",
                        "links": link,
                    }
                ]
            }
        )

    def versions(self, req: Request, params: dict[str, str]) -> Response:
        return self.discovery(req, True)

    # -- helpers ----------------------------------------------------------------------------

    def _get(self, req: Request, rid: str) -> Rec:
        rec = self.store.get("zun_container", rid)
        if rec is None:
            rec = next(
                (
                    r
                    for r in self.store.table("zun_container").values()
                    if r["name"] == rid and r["project_id"] == req.auth.project_id
                ),
                None,
            )
        if rec is None or rec["project_id"] != req.auth.project_id:
            raise ApiError(404, f"Container {rid} could not be found.", "NotFound")
        if lifecycle.settle(rec):
            self.store.changed()
        return rec

    @staticmethod
    def _view(rec: Rec) -> Rec:
        return {k: v for k, v in rec.items() if not k.startswith("_")}

    def _address(self, req: Request, network_id: str) -> Rec:
        network = self.store.get("network", network_id)
        if network is None:
            raise ApiError(404, f"Network {network_id} could not be found.", "NotFound")
        subnet = next(
            (s for s in self.store.table("subnet").values() if s["network_id"] == network["id"]),
            None,
        )
        if subnet is None:
            raise ApiError(400, f"Network {network_id} has no subnet.", "BadRequest")
        base = subnet["cidr"].split("/")[0].rsplit(".", 1)[0]
        taken = sum(1 for r in self.store.table("zun_container").values() for _ in r["addresses"])
        return {
            "addr": f"{base}.{100 + taken % 150}",
            "version": 4,
            "port": new_id(),
            "subnet_id": subnet["id"],
        }

    # -- containers -------------------------------------------------------------------------

    def list_containers(self, req: Request, params: dict[str, str]) -> Response:
        mine = [
            r
            for r in self.store.table("zun_container").values()
            if r["project_id"] == req.auth.project_id
        ]
        for rec in mine:
            lifecycle.settle(rec)
        page, _marker = paginate(req, filter_records(req, mine))
        return ok({"containers": [self._view(r) for r in page]})

    def show_container(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self._view(self._get(req, params["id"])))

    def create_container(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        if not body.get("image"):
            raise ApiError(400, "Invalid input for field 'image': it is required.", "BadRequest")
        uuid = new_id()
        rec: Rec = {
            "uuid": uuid,
            "id": uuid,
            "name": str(body.get("name") or f"zun-{uuid[:8]}"),
            "cpu": float(body.get("cpu") or 1.0),
            "memory": str(body.get("memory") or "512"),
            "status_reason": None,
            "task_state": None,
            "addresses": {},
            "project_id": req.auth.project_id,
            "user_id": req.auth.user_id,
            "created_at": iso(),
            "updated_at": None,
        }
        for field in _FIELDS:
            rec[field] = body.get(field)
        rec["labels"] = dict(body.get("labels") or {})
        rec["environment"] = dict(body.get("environment") or {})
        rec["interactive"] = bool(body.get("interactive", False))
        for nic in body.get("nets") or []:
            network = str(nic.get("network") or "")
            rec["addresses"][network] = [self._address(req, network)]
        run = (req.arg("run") or "").lower() == "true"
        lifecycle.begin(
            rec, "Creating", "Running" if run else "Created", self.backend.delay("container")
        )
        self.store.put("zun_container", rec)
        return ok(self._view(rec), 202)

    def update_container(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"])
        body = req.json_object()
        unknown = sorted(k for k in body if k not in _PATCHABLE)
        if unknown:
            raise ApiError(400, f"Cannot update container field {unknown[0]}.", "BadRequest")
        if "cpu" in body:
            rec["cpu"] = float(body["cpu"])
        if "memory" in body:
            rec["memory"] = str(body["memory"])
        if "name" in body:
            rec["name"] = str(body["name"])
        rec["updated_at"] = iso()
        self.store.changed()
        return ok(self._view(rec))

    def network_attach(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"])
        network = req.arg("network") or ""
        if network in rec["addresses"]:
            raise ApiError(
                409, f"Container {rec['uuid']} is already connected to {network}.", "Conflict"
            )
        rec["addresses"][network] = [self._address(req, network)]
        self.store.changed()
        return empty(202)

    def network_detach(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"])
        network = req.arg("network") or ""
        if network not in rec["addresses"]:
            raise ApiError(
                400, f"Container {rec['uuid']} is not connected to {network}.", "BadRequest"
            )
        del rec["addresses"][network]
        self.store.changed()
        return empty(202)

    def delete_container(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req, params["id"])
        if rec["status"] == "Deleting":
            return empty(204)
        stop = (req.arg("stop") or "").lower() == "true"
        if rec["status"] == "Running" and not stop:
            raise ApiError(
                409,
                f"Cannot delete container {rec['uuid']} in Running state. Stop it first or "
                "pass stop=True.",
                "Conflict",
            )
        rec.pop("_t", None)
        rec["status"] = "Deleting"
        lifecycle.schedule_delete(
            self.store, "zun_container", rec, self.backend.delay("container_delete")
        )
        return empty(204)

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        self.store.delete("zun_container", rec["id"])
