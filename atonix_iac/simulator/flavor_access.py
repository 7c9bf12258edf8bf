"""Nova's flavor access list and extra-spec deletion, installed on the compute router.

``POST /flavors/{id}/action`` with ``addTenantAccess`` / ``removeTenantAccess`` (200 and the
access list; 409 for a public flavor or a project already listed; 404 for one not listed),
``GET /flavors/{id}/os-flavor-access``, and ``DELETE /flavors/{id}/os-extra_specs/{key}``
(200, no body; 404 for a key the flavor lacks), as Nova answers them.
"""

from __future__ import annotations

from .backend import Backend
from .errors import ApiError
from .protocol import Rec, Request, Response, ok
from .routing import Router


class FlavorAccess:
    def __init__(self, backend: Backend) -> None:
        self.store = backend.store

    def install(self, r: Router) -> None:
        r.add("GET", "/flavors/{id}/os-flavor-access", self.list_access)
        r.add("POST", "/flavors/{id}/action", self.action)
        r.add("DELETE", "/flavors/{id}/os-extra_specs/{key}", self.delete_spec)

    def _flavor(self, req: Request, flavor_id: str, rule: str | None = None) -> Rec:
        if rule and not req.auth.is_admin:
            raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")
        flavor = self.store.get("flavor", flavor_id)
        if flavor is None:
            raise ApiError(404, f"Flavor {flavor_id} could not be found.")
        return flavor

    @staticmethod
    def _listing(flavor: Rec) -> Response:
        return ok(
            {
                "flavor_access": [
                    {"flavor_id": flavor["id"], "tenant_id": t} for t in flavor.get("_access", [])
                ]
            }
        )

    def list_access(self, req: Request, params: dict[str, str]) -> Response:
        flavor = self._flavor(req, params["id"], "os_compute_api:os-flavor-access")
        if flavor["os-flavor-access:is_public"]:
            raise ApiError(404, "Access list not available for public flavors.")
        return self._listing(flavor)

    def action(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        flavor = self._flavor(
            req, params["id"], "os_compute_api:os-flavor-access:add_tenant_access"
        )
        access: list[str] = flavor.setdefault("_access", [])
        if "addTenantAccess" in body:
            tenant = str((body["addTenantAccess"] or {}).get("tenant") or "")
            if flavor["os-flavor-access:is_public"]:
                raise ApiError(409, "Can not add access to a public flavor.")
            if tenant in access:
                raise ApiError(
                    409,
                    f"Flavor access already exists for flavor {flavor['id']} and project "
                    f"{tenant} combination.",
                )
            access.append(tenant)
        elif "removeTenantAccess" in body:
            tenant = str((body["removeTenantAccess"] or {}).get("tenant") or "")
            if tenant not in access:
                raise ApiError(
                    404, f"Flavor access not found for {flavor['id']} / {tenant} combination."
                )
            access.remove(tenant)
        else:
            raise ApiError(400, "Invalid flavor action")
        self.store.changed()
        return self._listing(flavor)

    def delete_spec(self, req: Request, params: dict[str, str]) -> Response:
        flavor = self._flavor(req, params["id"], "os_compute_api:os-flavor-extra-specs:delete")
        if params["key"] not in flavor["extra_specs"]:
            raise ApiError(
                404, f"Flavor {flavor['id']} has no extra specs with key {params['key']}."
            )
        del flavor["extra_specs"][params["key"]]
        self.store.changed()
        return Response(200, None)
