"""Octavia's admin catalogue (flavors, flavor profiles, providers) and quotas."""

from __future__ import annotations

from collections.abc import Callable

from .common import new_id, public
from .octavia_base import LB_KIND, QUOTA_ALIASES, QUOTA_KEYS, WHAT, OctaviaBase, fault
from .protocol import Rec, Request, Response, empty, ok


class OctaviaAdmin(OctaviaBase):
    # -- flavors and flavor profiles (admin) ------------------------------------------------

    def _catalog_creator(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req)
            body = req.json_object(self._key(kind))
            rec: Rec = {"id": new_id(), "name": str(body.get("name") or "")}
            if kind == "lb_flavor":
                profile = str(body.get("flavor_profile_id"))
                if self.store.get("lb_flavorprofile", profile) is None:
                    raise fault(400, f"Validation failure: Invalid flavor_profile_id {profile}.")
                rec.update(
                    description=str(body.get("description") or ""),
                    flavor_profile_id=profile,
                    enabled=bool(body.get("enabled", True)),
                )
            else:
                rec.update(
                    provider_name=str(body.get("provider_name") or "amphora"),
                    flavor_data=str(body.get("flavor_data") or "{}"),
                )
            self.store.put(kind, rec)
            return ok({self._key(kind): public(rec)}, 201)

        return handler

    def _catalog_updater(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req)
            rec = self._get(req, kind, params["id"])
            body = req.json_object(self._key(kind))
            allowed = ("name", "description", "enabled", "provider_name", "flavor_data")
            rec.update({k: v for k, v in body.items() if k in allowed and k in rec})
            self.store.changed()
            return ok({self._key(kind): public(rec)})

        return handler

    def _catalog_deleter(self, kind: str) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req)
            rec = self._get(req, kind, params["id"])
            field = "flavor_profile_id" if kind == "lb_flavorprofile" else "flavor_id"
            users = "lb_flavor" if kind == "lb_flavorprofile" else LB_KIND
            if any(u.get(field) == rec["id"] for u in self.store.table(users).values()):
                raise fault(409, f"{WHAT[kind]} {rec['id']} is in use.")
            self.store.delete(kind, rec["id"])
            return empty(204)

        return handler

    @staticmethod
    def _admin(req: Request) -> None:
        if not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")

    def providers(self, req: Request, params: dict[str, str]) -> Response:
        return ok(
            {"providers": [{"name": "amphora", "description": "The Octavia Amphora driver."}]}
        )

    # -- quotas -----------------------------------------------------------------------------

    def list_quotas(self, req: Request, params: dict[str, str]) -> Response:
        return ok(
            {"quotas": [{**self._quota(req.auth.project_id), "project_id": req.auth.project_id}]}
        )

    def quota_defaults(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"quota": self._quota("")})

    def show_quota(self, req: Request, params: dict[str, str]) -> Response:
        project = params["project"]
        if project != req.auth.project_id and not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")
        return ok({"quota": self._quota(project)})

    def update_quota(self, req: Request, params: dict[str, str]) -> Response:
        if not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")
        body = req.json_object("quota")
        overrides = self.store.quota_overrides(params["project"], "load-balancer")
        for key, value in body.items():
            name = QUOTA_ALIASES.get(key, key)
            if name not in QUOTA_KEYS:
                raise fault(400, f"Invalid input for field/attribute {key}.")
            if value is None:
                overrides.pop(name, None)
            elif not isinstance(value, int) or value < -1:
                raise fault(400, f"Invalid input for field/attribute {key}. Value: '{value}'.")
            else:
                overrides[name] = value
        self.store.changed()
        return ok({"quota": self._quota(params["project"])}, 202)

    def reset_quota(self, req: Request, params: dict[str, str]) -> Response:
        if not req.auth.is_admin:
            raise fault(403, "Policy does not allow this request to be performed.")
        self.store.quota_overrides(params["project"], "load-balancer").clear()
        self.store.changed()
        return empty(204)
