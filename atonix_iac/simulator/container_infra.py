"""Magnum v1: cluster templates and clusters (``/container-infra/v1``).

Bodies are unwrapped and ids are ``uuid``, as in Magnum. A cluster goes CREATE_IN_PROGRESS
-> CREATE_COMPLETE after the ``cluster`` delay; a node_count change (JSON-patch ``PATCH``)
goes UPDATE_IN_PROGRESS -> UPDATE_COMPLETE after ``cluster_action``; a delete stays
DELETE_IN_PROGRESS for ``cluster_delete``. A template used by a cluster cannot be deleted.
Errors use Magnum's ``{"errors": [...]}`` shape.
"""

from __future__ import annotations

from typing import Any

from . import lifecycle
from .backend import Backend
from .common import filter_records, iso, new_id, paginate, public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

MAX_VERSION = "1.11"
COES = ("kubernetes", "swarm", "swarm-mode", "mesos")
_TEMPLATE_FIELDS = (
    "coe",
    "dns_nameserver",
    "docker_storage_driver",
    "docker_volume_size",
    "fixed_network",
    "fixed_subnet",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "labels",
    "master_lb_enabled",
    "floating_ip_enabled",
    "network_driver",
    "volume_driver",
    "registry_enabled",
    "server_type",
    "tls_disabled",
    "public",
    "hidden",
    "cluster_distro",
    "insecure_registry",
)
_TEMPLATE_REFS = {
    "image_id": "image",
    "external_network_id": "network",
    "flavor_id": "flavor",
    "master_flavor_id": "flavor",
    "keypair_id": "keypair",
}
# What a running cluster's fields may be patched to (the rest are fixed once created).
_CLUSTER_PATCHABLE = (
    "node_count",
    "master_count",
    "create_timeout",
    "discovery_url",
    "health_status",
    "health_status_reason",
)


class ContainerInfra:
    """Magnum's handlers."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        lifecycle.register_finalizer(self.store, "coe_cluster", self._finish_delete)
        r = Router("The resource could not be found.")
        r.add("GET", "/clustertemplates", self.list_templates)
        r.add("GET", "/clustertemplates/detail", self.list_templates)
        r.add("POST", "/clustertemplates", self.create_template)
        r.add("GET", "/clustertemplates/{id}", self.show_template)
        r.add("PATCH", "/clustertemplates/{id}", self.update_template)
        r.add("DELETE", "/clustertemplates/{id}", self.delete_template)
        r.add("GET", "/clusters", self.list_clusters)
        r.add("GET", "/clusters/detail", self.list_clusters)
        r.add("POST", "/clusters", self.create_cluster)
        r.add("GET", "/clusters/{id}", self.show_cluster)
        r.add("PATCH", "/clusters/{id}", self.update_cluster)
        r.add("DELETE", "/clusters/{id}", self.delete_cluster)
        r.add("GET", "/quotas/{project}/{resource}", self.show_quota)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        link = [{"rel": "self", "href": f"{req.base_url}/container-infra/v1/"}]
        entry = {"id": "v1", "status": "CURRENT", "min_version": "1.1", "max_version": MAX_VERSION}
        return ok({"versions": [{**entry, "links": link}], "name": "OpenStack Magnum API"})

    # -- lookups ----------------------------------------------------------------------------

    def _find(self, req: Request, kind: str, ident: str, what: str) -> Rec:
        """By uuid, else by name (Magnum accepts either in the URL)."""
        rec = self.store.get(kind, ident)
        if rec is None:
            named = [
                r
                for r in self.store.table(kind).values()
                if r["name"] == ident and self._sees(req, r)
            ]
            if len(named) > 1:
                raise ApiError(
                    409,
                    f"Multiple {what}s exist with same name. Please use the {what} uuid instead.",
                )
            rec = named[0] if named else None
        if rec is None or not self._sees(req, rec):
            raise ApiError(404, f"{what.capitalize()} {ident} could not be found.")
        if kind == "coe_cluster":
            lifecycle.settle(rec)
        return rec

    @staticmethod
    def _sees(req: Request, rec: Rec) -> bool:
        return bool(
            rec.get("public") or req.auth.is_admin or rec["project_id"] == req.auth.project_id
        )

    def _ref(self, kind: str, value: Any, field: str) -> str | None:
        """A Nova/Glance/Neutron reference by id or name; 400 as Magnum says when missing."""
        if value in (None, ""):
            return None
        text = str(value)
        table = self.store.table(kind)
        if text in table or any(r.get("name") == text for r in table.values()):
            return text
        if kind == "keypair":
            raise ApiError(404, f"Keypair {text} could not be found.")
        noun = {"image": "Image", "network": "Network", "flavor": "Flavor"}[kind]
        raise ApiError(400, f"{noun} {text} could not be found for {field}.")

    @staticmethod
    def _patch(rec: Rec, body: Any, allowed: tuple[str, ...]) -> None:
        if not isinstance(body, list):
            raise ApiError(400, "Invalid input: the body must be a JSON patch (a list).")
        for op in body:
            if not isinstance(op, dict) or op.get("op") not in ("replace", "add", "remove"):
                raise ApiError(400, f"Invalid patch operation {op!r}")
            field = str(op.get("path", "")).lstrip("/")
            if field not in allowed:
                raise ApiError(400, f"'/{field}' is not an acceptable attribute to patch.")
            rec[field] = None if op["op"] == "remove" else op.get("value")

    # -- cluster templates ------------------------------------------------------------------

    def list_templates(self, req: Request, params: dict[str, str]) -> Response:
        items = [public(t) for t in self.store.table("coe_template").values() if self._sees(req, t)]
        page, _ = paginate(req, filter_records(req, items, skip=("detail",)), key="uuid")
        return ok({"clustertemplates": page, "next": None})

    def show_template(self, req: Request, params: dict[str, str]) -> Response:
        return ok(public(self._find(req, "coe_template", params["id"], "cluster template")))

    def create_template(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        if body.get("coe") not in COES:
            raise ApiError(
                400, f"Invalid input for field/attribute coe. Value: '{body.get('coe')}'."
            )
        for field in ("image_id", "external_network_id"):
            if not body.get(field):
                raise ApiError(
                    400, f"Invalid input for field/attribute {field}. Mandatory field missing."
                )
        uuid = new_id()
        rec: Rec = {
            "uuid": uuid,
            "id": uuid,
            "name": str(body.get("name") or f"template-{uuid[:8]}"),
        }
        for field in _TEMPLATE_FIELDS:
            rec[field] = body.get(field)
        rec["labels"] = {str(k): str(v) for k, v in (body.get("labels") or {}).items()}
        rec["public"] = bool(body.get("public", False))
        if rec["public"] and not req.auth.is_admin:
            raise ApiError(403, "Policy doesn't allow clustertemplate:publish to be performed.")
        for field, kind in _TEMPLATE_REFS.items():
            rec[field] = self._ref(kind, body.get(field), field)
        rec.update(
            project_id=req.auth.project_id,
            user_id=req.auth.user_id,
            created_at=iso(),
            updated_at=None,
            apiserver_port=None,
            links=[],
        )
        self.store.put("coe_template", rec)
        return ok(public(rec), 201)

    def update_template(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, "coe_template", params["id"], "cluster template")
        self._patch(rec, req.json(), ("public", "hidden", "name", *_TEMPLATE_FIELDS))
        rec["updated_at"] = iso()
        self.store.changed()
        return ok(public(rec))

    def delete_template(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, "coe_template", params["id"], "cluster template")
        if any(
            c["cluster_template_id"] == rec["uuid"]
            for c in self.store.table("coe_cluster").values()
        ):
            raise ApiError(
                400,
                f"ClusterTemplate {rec['uuid']} is referenced by one or multiple clusters.",
            )
        self.store.delete("coe_template", rec["id"])
        return empty(204)

    # -- clusters ---------------------------------------------------------------------------

    def list_clusters(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            self.render(c)
            for c in self.store.table("coe_cluster").values()
            if req.auth.is_admin or c["project_id"] == req.auth.project_id
        ]
        page, _ = paginate(req, filter_records(req, items), key="uuid")
        return ok({"clusters": page, "next": None})

    def render(self, rec: Rec) -> Rec:
        lifecycle.settle(rec)
        return public(rec)

    def show_cluster(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self.render(self._find(req, "coe_cluster", params["id"], "cluster")))

    def create_cluster(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        template = self._find(
            req, "coe_template", str(body.get("cluster_template_id")), "cluster template"
        )
        node_count = int(body.get("node_count", 1))
        master_count = int(body.get("master_count", 1))
        if node_count < 0 or master_count < 1:
            raise ApiError(400, "Invalid input for field/attribute node_count or master_count.")
        limit = self.backend.quota(req.auth.project_id, "container-infra")["clusters"]
        if 0 <= limit <= self.store.count("coe_cluster", req.auth.project_id):
            raise ApiError(
                403,
                f"Cluster quota exceeded for project {req.auth.project_id}: allowed {limit}.",
            )
        keypair = body.get("keypair") or template.get("keypair_id")
        self._ref("keypair", keypair, "keypair")
        uuid = new_id()
        labels = dict(template.get("labels") or {})
        labels.update({str(k): str(v) for k, v in (body.get("labels") or {}).items()})
        rec: Rec = {
            "uuid": uuid,
            "id": uuid,
            "name": str(body.get("name") or f"cluster-{uuid[:8]}"),
            "cluster_template_id": template["uuid"],
            "keypair": keypair,
            "node_count": node_count,
            "master_count": master_count,
            "create_timeout": int(body.get("create_timeout") or 60),
            "discovery_url": body.get("discovery_url"),
            "docker_volume_size": body.get(
                "docker_volume_size", template.get("docker_volume_size")
            ),
            "flavor_id": body.get("flavor_id") or template.get("flavor_id"),
            "master_flavor_id": body.get("master_flavor_id") or template.get("master_flavor_id"),
            "labels": labels,
            "stack_id": new_id(),
            "status_reason": None,
            "health_status": None,
            "health_status_reason": {},
            "coe_version": None,
            "container_version": None,
            "api_address": None,
            "master_addresses": [],
            "node_addresses": [],
            "project_id": req.auth.project_id,
            "user_id": req.auth.user_id,
            "created_at": iso(),
            "updated_at": None,
            "links": [],
        }
        outcome = self.backend.outcome("cluster", rec["name"])
        final = "CREATE_FAILED" if outcome == "error" else "CREATE_COMPLETE"
        done: Rec = {"updated_at": iso(), **self._built(rec, node_count)}
        if final == "CREATE_FAILED":
            done = {"status_reason": "Stack CREATE failed (simulated)"}
        lifecycle.begin(
            rec,
            "CREATE_IN_PROGRESS",
            final,
            self.backend.delay("cluster"),
            done,
            stuck=outcome == "stuck",
        )
        self.store.put("coe_cluster", rec)
        return ok({"uuid": uuid}, 202)

    @staticmethod
    def _built(rec: Rec, node_count: int) -> Rec:
        """What a finished stack reports: addresses, versions, reason."""
        seed = int(rec["uuid"][:2], 16)
        return {
            "api_address": f"https://172.24.4.{seed % 200 + 10}:6443",
            "master_addresses": [
                f"172.24.4.{seed % 200 + 10 + i}" for i in range(rec["master_count"])
            ],
            "node_addresses": [f"10.0.0.{10 + i}" for i in range(node_count)],
            "coe_version": "v1.27.3",
            "container_version": "1.12.6",
            "status_reason": "Stack CREATE completed successfully",
            "health_status": "HEALTHY",
        }

    def update_cluster(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, "coe_cluster", params["id"], "cluster")
        if rec["status"].endswith("_IN_PROGRESS"):
            raise ApiError(
                409, f'Updating a cluster when status is "{rec["status"]}" is not supported'
            )
        wanted = dict(rec)
        self._patch(wanted, req.json(), _CLUSTER_PATCHABLE)
        node_count = int(wanted["node_count"])
        if node_count < 0 or int(wanted["master_count"]) < 1:
            raise ApiError(400, "Invalid input for field/attribute node_count or master_count.")
        changed = {k: wanted[k] for k in _CLUSTER_PATCHABLE}
        done = {**changed, "updated_at": iso(), **self._built(wanted, node_count)}
        done["status_reason"] = "Stack UPDATE completed successfully"
        lifecycle.begin(
            rec, "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", self.backend.delay("cluster_action"), done
        )
        self.store.changed()
        return ok({"uuid": rec["uuid"]}, 202)

    def delete_cluster(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, "coe_cluster", params["id"], "cluster")
        if rec["status"] == "DELETE_IN_PROGRESS":
            return empty(204)
        rec.pop("_t", None)
        rec["status"] = "DELETE_IN_PROGRESS"
        lifecycle.schedule_delete(
            self.store, "coe_cluster", rec, self.backend.delay("cluster_delete")
        )
        return empty(204)

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        self.store.delete("coe_cluster", rec["id"])

    def show_quota(self, req: Request, params: dict[str, str]) -> Response:
        if params["resource"] != "Cluster":
            raise ApiError(404, f"Quota for {params['resource']} could not be found.")
        limit = self.backend.quota(params["project"], "container-infra")["clusters"]
        return ok(
            {"project_id": params["project"], "resource": "Cluster", "hard_limit": limit, "id": 1}
        )
