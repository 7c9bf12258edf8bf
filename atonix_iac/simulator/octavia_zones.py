"""Octavia's availability zones and availability zone profiles (admin).

An availability zone is known by its name (Octavia gives it no id); it names a profile,
which cannot be deleted while a zone uses it (409). Only admins write either; everyone
reads zones.
"""

from __future__ import annotations

from .backend import Backend
from .common import new_id
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

PROFILES = "/lbaas/availabilityzoneprofiles"
ZONES = "/lbaas/availabilityzones"


def _forbidden() -> ApiError:
    return ApiError(403, "Policy does not allow this request to be performed.")


class OctaviaZones:
    def __init__(self, backend: Backend) -> None:
        self.store = backend.store

    def install(self, r: Router) -> None:
        r.add("GET", PROFILES, self.list_profiles)
        r.add("POST", PROFILES, self.create_profile)
        r.add("GET", f"{PROFILES}/{{id}}", self.show_profile)
        r.add("PUT", f"{PROFILES}/{{id}}", self.update_profile)
        r.add("DELETE", f"{PROFILES}/{{id}}", self.delete_profile)
        r.add("GET", ZONES, self.list_zones)
        r.add("POST", ZONES, self.create_zone)
        r.add("GET", f"{ZONES}/{{name}}", self.show_zone)
        r.add("PUT", f"{ZONES}/{{name}}", self.update_zone)
        r.add("DELETE", f"{ZONES}/{{name}}", self.delete_zone)

    @staticmethod
    def _admin(req: Request) -> None:
        if not req.auth.is_admin:
            raise _forbidden()

    def _profile(self, rid: str) -> Rec:
        rec = self.store.get("lb_az_profile", rid)
        if rec is None:
            raise ApiError(404, f"Availability Zone Profile {rid} not found.")
        return rec

    def _zone(self, name: str) -> Rec:
        rec = self.store.get("lb_az", name)
        if rec is None:
            raise ApiError(404, f"Availability Zone {name} not found.")
        return rec

    @staticmethod
    def _matches(req: Request, rec: Rec) -> bool:
        return all(str(rec.get(k)) in v for k, v in req.query.items() if k in rec)

    # -- profiles ---------------------------------------------------------------------------

    def list_profiles(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        items = [r for r in self.store.table("lb_az_profile").values() if self._matches(req, r)]
        return ok({"availability_zone_profiles": items})

    def show_profile(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        return ok({"availability_zone_profile": self._profile(params["id"])})

    def create_profile(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        body = req.json_object("availability_zone_profile")
        for key in ("name", "provider_name", "availability_zone_data"):
            if not body.get(key):
                raise ApiError(400, f"Invalid input for field/attribute {key}. Value: 'None'.")
        rec = {
            "id": new_id(),
            "name": str(body["name"]),
            "provider_name": str(body["provider_name"]),
            "availability_zone_data": str(body["availability_zone_data"]),
        }
        self.store.put("lb_az_profile", rec)
        return ok({"availability_zone_profile": rec}, 201)

    def update_profile(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._profile(params["id"])
        body = req.json_object("availability_zone_profile")
        for key in ("name", "provider_name", "availability_zone_data"):
            if key in body:
                rec[key] = str(body[key])
        self.store.changed()
        return ok({"availability_zone_profile": rec})

    def delete_profile(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._profile(params["id"])
        if any(z["availability_zone_profile_id"] == rec["id"] for z in self._zones()):
            raise ApiError(409, f"Availability Zone Profile {rec['id']} is in use.")
        self.store.delete("lb_az_profile", rec["id"])
        return empty(204)

    # -- zones ------------------------------------------------------------------------------

    def _zones(self) -> list[Rec]:
        return list(self.store.table("lb_az").values())

    def list_zones(self, req: Request, params: dict[str, str]) -> Response:
        items = [self._view(z) for z in self._zones() if self._matches(req, z)]
        return ok({"availability_zones": items})

    def show_zone(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"availability_zone": self._view(self._zone(params["name"]))})

    def create_zone(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        body = req.json_object("availability_zone")
        name = str(body.get("name") or "")
        if not name:
            raise ApiError(400, "Invalid input for field/attribute name. Value: 'None'.")
        if self.store.get("lb_az", name) is not None:
            raise ApiError(409, f"An availability zone named {name} already exists.")
        profile = self._profile(str(body.get("availability_zone_profile_id")))
        rec = {
            "id": name,  # the store's key; Octavia shows none
            "name": name,
            "description": str(body.get("description") or ""),
            "enabled": bool(body.get("enabled", True)),
            "availability_zone_profile_id": profile["id"],
        }
        self.store.put("lb_az", rec)
        return ok({"availability_zone": self._view(rec)}, 201)

    @staticmethod
    def _view(rec: Rec) -> Rec:
        return {k: v for k, v in rec.items() if k != "id"}

    def update_zone(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._zone(params["name"])
        body = req.json_object("availability_zone")
        for key in ("description", "enabled"):
            if key in body:
                rec[key] = body[key]
        self.store.changed()
        return ok({"availability_zone": self._view(rec)})

    def delete_zone(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req)
        rec = self._zone(params["name"])
        self.store.delete("lb_az", rec["id"])
        return empty(204)
