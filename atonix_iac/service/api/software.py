"""``/software_configs`` and ``/software_deployments``: Heat's stack-less config store.

Configs are immutable (create, show, list, delete); deployments bind a config to a server and
carry its status and outputs (``PUT`` is how an agent reports); ``metadata/{server_id}`` is
what a server's agent polls: its deployments' configs with their input values.
"""

from __future__ import annotations

import uuid
from typing import Any

import falcon

from atonix_iac.state.documents import Document

from .common import (
    Services,
    bad_request,
    check_tenant,
    identity,
    int_param,
    isotime,
    not_found,
    read_json,
)

CONFIG = "software_config"
DEPLOYMENT = "software_deployment"
_CONFIG_KEYS = ("name", "group", "config", "inputs", "outputs", "options")
_DEPLOYMENT_KEYS = (
    "config_id",
    "server_id",
    "input_values",
    "output_values",
    "action",
    "status",
    "status_reason",
    "stack_user_project_id",
)


def _config_view(doc: Document) -> dict[str, Any]:
    view = {key: doc.body.get(key) for key in _CONFIG_KEYS}
    view.update({"id": doc.id, "creation_time": isotime(doc.created_at)})
    return view


def _deployment_view(doc: Document) -> dict[str, Any]:
    view = {key: doc.body.get(key) for key in _DEPLOYMENT_KEYS}
    view.update(
        {
            "id": doc.id,
            "creation_time": isotime(doc.created_at),
            "updated_time": isotime(doc.updated_at),
        }
    )
    return view


class SoftwareConfigs:
    def __init__(self, services: Services) -> None:
        self.documents = services.engine.store.service_documents()

    def on_post(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        body = read_json(req)
        if not body.get("name"):
            raise bad_request("name is required for a software config")
        config = {
            "name": body["name"],
            "group": body.get("group") or "Heat::Ungrouped",
            "config": body.get("config") or "",
            "inputs": body.get("inputs") or [],
            "outputs": body.get("outputs") or [],
            "options": body.get("options") or {},
        }
        doc = self.documents.add(identity(req).project_id, CONFIG, str(uuid.uuid4()), config, None)
        resp.media = {"software_config": _config_view(doc)}

    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        docs = self.documents.list(identity(req).project_id, CONFIG)
        marker = req.get_param("marker")
        if marker is not None and marker in [d.id for d in docs]:
            docs = docs[[d.id for d in docs].index(marker) + 1 :]
        limit = int_param(req, "limit")
        docs = docs[:limit] if limit is not None else docs
        resp.media = {
            "software_configs": [
                {
                    "id": d.id,
                    "name": d.body.get("name"),
                    "group": d.body.get("group"),
                    "creation_time": isotime(d.created_at),
                }
                for d in docs
            ]
        }

    def _get(self, req: falcon.Request, config_id: str) -> Document:
        doc = self.documents.get(identity(req).project_id, CONFIG, config_id)
        if doc is None:
            raise not_found(f"Software Config ({config_id}) ")
        return doc

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, tenant_id: str,
                   config_id: str) -> None:  # fmt: skip
        check_tenant(req, tenant_id)
        resp.media = {"software_config": _config_view(self._get(req, config_id))}

    def on_delete_one(self, req: falcon.Request, resp: falcon.Response, tenant_id: str,
                      config_id: str) -> None:  # fmt: skip
        check_tenant(req, tenant_id)
        if not self.documents.remove(identity(req).project_id, CONFIG, config_id):
            raise not_found(f"Software Config ({config_id}) ")
        resp.status = falcon.HTTP_204


class SoftwareDeployments:
    def __init__(self, services: Services) -> None:
        self.documents = services.engine.store.service_documents()

    def on_post(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        body = read_json(req)
        project = identity(req).project_id
        for key in ("config_id", "server_id"):
            if not body.get(key):
                raise bad_request(f"{key} is required for a software deployment")
        if self.documents.get(project, CONFIG, str(body["config_id"])) is None:
            raise not_found(f"Software Config ({body['config_id']}) ")
        deployment: dict[str, Any] = {
            "config_id": str(body["config_id"]),
            "server_id": str(body["server_id"]),
            "input_values": body.get("input_values") or {},
            "output_values": body.get("output_values") or {},
            "action": body.get("action") or "INIT",
            "status": body.get("status") or "COMPLETE",
            "status_reason": body.get("status_reason") or "",
            "stack_user_project_id": body.get("stack_user_project_id") or project,
        }
        doc = self.documents.add(
            project, DEPLOYMENT, str(uuid.uuid4()), deployment, str(body["server_id"])
        )
        resp.media = {"software_deployment": _deployment_view(doc)}

    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        docs = self.documents.list(identity(req).project_id, DEPLOYMENT, req.get_param("server_id"))
        resp.media = {"software_deployments": [_deployment_view(d) for d in docs]}

    def _get(self, req: falcon.Request, deployment_id: str) -> Document:
        doc = self.documents.get(identity(req).project_id, DEPLOYMENT, deployment_id)
        if doc is None:
            raise not_found(f"Software Deployment ({deployment_id}) ")
        return doc

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, tenant_id: str,
                   deployment_id: str) -> None:  # fmt: skip
        check_tenant(req, tenant_id)
        resp.media = {"software_deployment": _deployment_view(self._get(req, deployment_id))}

    def on_put_one(self, req: falcon.Request, resp: falcon.Response, tenant_id: str,
                   deployment_id: str) -> None:  # fmt: skip
        check_tenant(req, tenant_id)
        doc = self._get(req, deployment_id)
        body = read_json(req)
        updated = dict(doc.body)
        for key in ("config_id", "input_values", "output_values", "action", "status",
                    "status_reason"):  # fmt: skip
            if key in body and body[key] is not None:
                updated[key] = body[key]
        project = identity(req).project_id
        self.documents.replace(project, DEPLOYMENT, deployment_id, updated)
        resp.media = {"software_deployment": _deployment_view(self._get(req, deployment_id))}

    def on_delete_one(self, req: falcon.Request, resp: falcon.Response, tenant_id: str,
                      deployment_id: str) -> None:  # fmt: skip
        check_tenant(req, tenant_id)
        if not self.documents.remove(identity(req).project_id, DEPLOYMENT, deployment_id):
            raise not_found(f"Software Deployment ({deployment_id}) ")
        resp.status = falcon.HTTP_204

    def on_get_metadata(self, req: falcon.Request, resp: falcon.Response, tenant_id: str,
                        server_id: str) -> None:  # fmt: skip
        """What the server's agent reads: each deployment's config, inputs filled in."""
        check_tenant(req, tenant_id)
        project = identity(req).project_id
        metadata = []
        for deployment in self.documents.list(project, DEPLOYMENT, server_id):
            config = self.documents.get(project, CONFIG, str(deployment.body["config_id"]))
            if config is None:
                continue
            values = deployment.body.get("input_values") or {}
            inputs = [
                {**i, "value": values.get(i.get("name"), i.get("default"))}
                for i in config.body.get("inputs") or []
                if isinstance(i, dict)
            ]
            metadata.append(
                {
                    **_config_view(config),
                    "inputs": inputs,
                    "deployment_id": deployment.id,
                }
            )
        resp.media = {"metadata": metadata}
