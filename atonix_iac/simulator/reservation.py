"""Blazar v1: reservable hosts and leases (``/reservation/v1``).

Request bodies are unwrapped and answers wrapped (``{"lease": ...}``), as Blazar's client
expects. A host is a Nova compute host made reservable (``sim-compute-1`` is the only one);
enrolling it twice is a 409, and a host a lease reserves cannot be removed. A lease's dates are
"YYYY-MM-DD HH:MM" (or "now" for the start); it is PENDING before its start and ACTIVE after,
computed when read, and its name is unique in the project (409). Leases are admin-free; host
writes need an admin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .aggregates import HOSTS
from .backend import Backend
from .common import iso, new_id
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

DATE_FORMAT = "%Y-%m-%d %H:%M"
_HOST_FIELDS = {
    "hypervisor_type": "QEMU",
    "hypervisor_version": 8002000,
    "vcpus": 8,
    "memory_mb": 16384,
    "local_gb": 200,
    "cpu_info": '{"arch": "x86_64"}',
    "service_name": "sim-compute-1",
}


def _date(value: Any, field: str) -> datetime:
    if value == "now":
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        return datetime.strptime(str(value), DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ApiError(
            400, f"Invalid {field} {value!r}: expected format 'YYYY-MM-DD HH:MM'."
        ) from exc


class Reservation:
    """Blazar's handlers."""

    def __init__(self, backend: Backend) -> None:
        self.store = backend.store
        r = Router("The resource could not be found.")
        r.add("GET", "/", self.versions)
        r.add("GET", "/os-hosts", self.list_hosts)
        r.add("POST", "/os-hosts", self.create_host)
        r.add("GET", "/os-hosts/{id}", self.show_host)
        r.add("PUT", "/os-hosts/{id}", self.update_host)
        r.add("DELETE", "/os-hosts/{id}", self.delete_host)
        r.add("GET", "/leases", self.list_leases)
        r.add("POST", "/leases", self.create_lease)
        r.add("GET", "/leases/{id}", self.show_lease)
        r.add("PUT", "/leases/{id}", self.update_lease)
        r.add("DELETE", "/leases/{id}", self.delete_lease)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        link = [{"rel": "self", "href": f"{req.base_url}/reservation/v1/"}]
        return ok({"versions": [{"id": "v1.0", "status": "CURRENT", "links": link}]})

    def versions(self, req: Request, params: dict[str, str]) -> Response:
        return self.discovery(req, True)

    # -- hosts ------------------------------------------------------------------------------

    def _host(self, rid: str) -> Rec:
        rec = self.store.get("blazar_host", rid)
        if rec is None:
            raise ApiError(404, f"Object with {{'host_id': '{rid}'}} not found", "NotFound")
        return rec

    @staticmethod
    def _admin(req: Request) -> None:
        if not req.auth.is_admin:
            raise ApiError(403, "Policy doesn't allow blazar:oshosts:post to be performed.")

    def list_hosts(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        return ok({"hosts": list(self.store.table("blazar_host").values())})

    def show_host(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        return ok({"host": self._host(params["id"])})

    def create_host(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        body = req.json_object()
        name = str(body.get("name") or "")
        if name not in HOSTS:
            raise ApiError(
                404, f"Invalid values for host {name}: it is not a compute host.", "NotFound"
            )
        if any(h["hypervisor_hostname"] == name for h in self.store.table("blazar_host").values()):
            raise ApiError(409, f"Host {name} is already enrolled.", "Conflict")
        extra = {k: str(v) for k, v in body.items() if k != "name"}
        stamp = iso()
        rid = str(max((int(k) for k in self.store.table("blazar_host")), default=0) + 1)
        rec: Rec = {
            "id": rid,
            "hypervisor_hostname": name,
            "reservable": True,
            "status": None,
            "trust_id": new_id(),
            "created_at": stamp,
            "updated_at": None,
            **_HOST_FIELDS,
            **extra,
        }
        self.store.put("blazar_host", rec)
        return ok({"host": rec}, 201)

    def update_host(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._host(params["id"])
        body = req.json_object()
        caps = body.get("values", body)
        rec.update({k: str(v) for k, v in caps.items()})
        rec["updated_at"] = iso()
        self.store.changed()
        return ok({"host": rec})

    def delete_host(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._host(params["id"])
        for lease in self.store.table("blazar_lease").values():
            if any(r["resource_type"] == "physical:host" for r in lease["reservations"]):
                raise ApiError(
                    409, f"Host {rec['id']} is reserved by lease {lease['id']}.", "CantDeleteHost"
                )
        self.store.delete("blazar_host", rec["id"])
        return empty(204)

    # -- leases -----------------------------------------------------------------------------

    def _lease(self, req: Request, rid: str) -> Rec:
        rec = self.store.get("blazar_lease", rid)
        if rec is None or rec["project_id"] != req.auth.project_id:
            raise ApiError(404, f"Object with {{'lease_id': '{rid}'}} not found", "NotFound")
        return self._settled(rec)

    @staticmethod
    def _settled(rec: Rec) -> Rec:
        started = datetime.now(UTC) >= datetime.strptime(
            rec["start_date"], "%Y-%m-%dT%H:%M:%S.%f"
        ).replace(tzinfo=UTC)
        rec["status"] = "ACTIVE" if started else "PENDING"
        for reservation in rec["reservations"]:
            reservation["status"] = "active" if started else "pending"
        return rec

    def _reservations(self, items: Any, lease_id: str) -> list[Rec]:
        if not isinstance(items, list) or not items:
            raise ApiError(400, "A lease needs at least one reservation.", "BadRequest")
        out = []
        for item in items:
            kind = item.get("resource_type") if isinstance(item, dict) else None
            if kind not in ("physical:host", "virtual:instance"):
                raise ApiError(400, f"Invalid resource_type {kind!r}.", "BadRequest")
            if kind == "physical:host":
                enrolled = len(self.store.table("blazar_host"))
                wanted = int(item.get("min") or 1)
                if wanted > enrolled:
                    raise ApiError(
                        400,
                        f"Not enough hosts available: {wanted} wanted, {enrolled} reservable.",
                        "NotEnoughHostsAvailable",
                    )
            out.append(
                {
                    **item,
                    "id": new_id(),
                    "lease_id": lease_id,
                    "resource_id": new_id(),
                    "status": "pending",
                }
            )
        return out

    def list_leases(self, req: Request, params: dict[str, str]) -> Response:
        mine = [
            self._settled(r)
            for r in self.store.table("blazar_lease").values()
            if r["project_id"] == req.auth.project_id
        ]
        name = req.arg("name")
        return ok({"leases": [r for r in mine if name is None or r["name"] == name]})

    def show_lease(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"lease": self._lease(req, params["id"])})

    def create_lease(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        name = str(body.get("name") or "")
        if not name:
            raise ApiError(400, "A lease needs a name.", "BadRequest")
        if any(
            r["name"] == name and r["project_id"] == req.auth.project_id
            for r in self.store.table("blazar_lease").values()
        ):
            raise ApiError(409, f"A lease named {name} already exists.", "LeaseNameAlreadyExists")
        start = _date(body.get("start_date"), "start_date")
        end = _date(body.get("end_date"), "end_date")
        if end <= start:
            raise ApiError(400, "End date must be later than the start date.", "InvalidDate")
        rid = new_id()
        rec: Rec = {
            "id": rid,
            "name": name,
            "start_date": start.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "end_date": end.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "before_end_date": body.get("before_end_date"),
            "reservations": self._reservations(body.get("reservations"), rid),
            "events": [
                {**e, "id": new_id(), "lease_id": rid, "status": "UNDONE"}
                for e in body.get("events") or []
            ],
            "degraded": False,
            "project_id": req.auth.project_id,
            "user_id": req.auth.user_id,
            "trust_id": new_id(),
            "created_at": iso(),
            "updated_at": None,
            "status": "PENDING",
        }
        self.store.put("blazar_lease", rec)
        return ok({"lease": self._settled(rec)}, 201)

    def update_lease(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._lease(req, params["id"])
        body = req.json_object()
        if "name" in body:
            rec["name"] = str(body["name"])
        if "end_date" in body:
            rec["end_date"] = _date(body["end_date"], "end_date").strftime("%Y-%m-%dT%H:%M:%S.%f")
        rec["updated_at"] = iso()
        self.store.changed()
        return ok({"lease": rec})

    def delete_lease(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._lease(req, params["id"])
        self.store.delete("blazar_lease", rec["id"])
        return empty(204)
