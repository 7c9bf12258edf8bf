"""The WSGI application: routes, Keystone auth, request ids, JSON logs, metrics, health."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import falcon
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from atonix_iac.errors import AtonixError

from . import metrics
from .api import catalog, plans, resources, snapshots, software, stacks
from .api.common import HeatError, Services
from .auth import InvalidToken, KeystoneUnavailable, NotProjectScoped, TokenValidator
from .bindings import UnboundProjectError
from .logs import REQUEST_ID
from .project_ids import ProjectIds

log = logging.getLogger("atonix.service.api")

STACK = "/v1/{tenant_id}/stacks/{stack_name}/{stack_id}"
RESOURCE = STACK + "/resources/{resource_name}"


class RequestContext:
    """Request id (``X-OpenStack-Request-ID``), one JSON log line and the metrics of each
    request. The token and bodies are never logged."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        request_id = f"req-{uuid.uuid4()}"
        req.context.request_id = request_id
        req.context.started = time.monotonic()
        REQUEST_ID.set(request_id)
        resp.set_header("X-OpenStack-Request-ID", request_id)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        route = req.uri_template or "unmatched"
        status = resp.status_code
        elapsed = time.monotonic() - getattr(req.context, "started", time.monotonic())
        metrics.REQUESTS.labels(req.method, route, str(status)).inc()
        metrics.REQUEST_SECONDS.labels(req.method, route).observe(elapsed)
        if route not in ("/health", "/metrics"):
            who = getattr(req.context, "identity", None)
            log.info(
                "request",
                extra={
                    "method": req.method,
                    "path": req.path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "project": who.project_id if who is not None else None,
                },
            )
        REQUEST_ID.set(None)


class KeystoneAuth:
    """Every ``/v1`` request carries a valid token; its project picks the binding."""

    def __init__(self, validator: TokenValidator | None, services: Services) -> None:
        self.validator = validator
        self.services = services
        self.project_ids = ProjectIds()

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not req.path.startswith("/v1/"):
            return
        token = req.get_header("X-Auth-Token")
        if not token or self.validator is None:
            raise HeatError(
                401, "The request you have made requires authentication.", "HTTPUnauthorized"
            )
        try:
            who = self.validator.validate(token)
        except InvalidToken:
            if req.method == "POST" and req.path.endswith("/signal"):
                # Perhaps a wait condition handle's token (its curl_cli): the signal route
                # checks it against the handle; no identity, no binding.
                req.context.handle_token = token
                return
            raise HeatError(
                401, "Authentication failed: the token is not valid", "HTTPUnauthorized"
            ) from None
        except NotProjectScoped:
            raise HeatError(
                403,
                "The token is scoped to no project (unscoped, domain or system scope):"
                " ask Keystone for a project-scoped token",
                "Forbidden",
            ) from None
        except KeystoneUnavailable:
            raise HeatError(
                503, "The identity service cannot be reached", "ServiceUnavailable"
            ) from None
        req.context.identity = who
        try:
            req.context.binding = self.services.engine.bindings.for_project(
                who.project_id, who.project_name, self.project_ids.of
            )
        except UnboundProjectError as err:
            raise HeatError(403, err.message, "Forbidden") from None
        except AtonixError as err:  # the binding's own cloud credentials do not authenticate
            log.warning(f"a binding's cloud does not authenticate: {err.message}")
            raise HeatError(
                503, "The project's cloud cannot be reached by the service", "ServiceUnavailable"
            ) from None


def _heat_error(req: falcon.Request, resp: falcon.Response, ex: HeatError, params: Any) -> None:
    resp.status = falcon.code_to_http_status(ex.status)
    resp.media = ex.body()
    if ex.status == 401:
        resp.set_header("WWW-Authenticate", "Keystone uri='identity'")


def _unexpected(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    if isinstance(ex, falcon.HTTPError):  # falcon's own (404 route, 302 redirects, 405 ...)
        if isinstance(ex, falcon.HTTPStatus | falcon.HTTPMovedPermanently):
            raise ex
        status = ex.status_code
        _heat_error(req, resp, HeatError(status, ex.title or "", type(ex).__name__), params)
        return
    log.exception("unhandled error")
    _heat_error(req, resp, HeatError(500, "internal error", "InternalServerError"), params)


class Versions:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Heat's version document (300 Multiple Choices, as Heat answers)."""
        resp.status = falcon.HTTP_300
        resp.media = {
            "versions": [
                {
                    "id": "v1.0",
                    "status": "CURRENT",
                    "links": [{"href": f"{req.prefix}/v1/", "rel": "self"}],
                }
            ]
        }


class Health:
    def __init__(self, services: Services, validator: TokenValidator | None) -> None:
        self.services = services
        self.validator = validator

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "ok"}

    def on_get_ready(self, req: falcon.Request, resp: falcon.Response) -> None:
        checks = {"state": True, "broker": True, "keystone": True}
        try:
            self.services.engine.records.pending_jobs()
        except Exception:  # any database failure means not ready
            checks["state"] = False
        checks["broker"] = self.services.jobs.reachable()
        checks["keystone"] = self.validator is not None and self.validator.reachable()
        ready = all(checks.values())
        resp.status = falcon.HTTP_200 if ready else falcon.HTTP_503
        resp.media = {"status": "ready" if ready else "not ready", "checks": checks}

    def on_get_metrics(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            metrics.QUEUE_DEPTH.set(self.services.engine.records.pending_jobs())
        except Exception:  # the gauge keeps its last value
            log.warning("queue depth unavailable")
        resp.content_type = CONTENT_TYPE_LATEST
        resp.data = generate_latest()


def make_app(services: Services, validator: TokenValidator | None) -> falcon.App[Any, Any]:
    middleware: list[Any] = [RequestContext(), KeystoneAuth(validator, services)]
    app: falcon.App[Any, Any] = falcon.App(middleware=middleware, cors_enable=False)
    app.req_options.strip_url_path_trailing_slash = True
    app.req_options.auto_parse_qs_csv = True
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(HeatError, _heat_error)
    health = Health(services, validator)
    app.add_route("/", Versions())
    app.add_route("/health", health)
    app.add_route("/ready", health, suffix="ready")
    app.add_route("/metrics", health, suffix="metrics")

    stack_collection = stacks.StackCollection(services)
    lookup = stacks.StackLookup(services)
    item = stacks.StackItem(services)
    app.add_route("/v1/{tenant_id}/stacks", stack_collection)
    app.add_route("/v1/{tenant_id}/stacks/preview", plans.Preview(services))
    app.add_route("/v1/{tenant_id}/stacks/{stack_name}", lookup)
    for path in (
        "resources",
        "events",
        "template",
        "environment",
        "files",
        "outputs",
        "actions",
        "abandon",
        "export",
        "plans",
        "snapshots",
    ):
        app.add_route(
            f"/v1/{{tenant_id}}/stacks/{{stack_name}}/{path}",
            _FixedPath(lookup, path),
        )
    app.add_route(STACK, item)
    app.add_route(STACK + "/actions", stacks.StackActions(services))
    for which in ("template", "environment", "files"):
        app.add_route(f"{STACK}/{which}", stacks.StackDocuments(services, which))
    outputs = stacks.StackOutputs(services)
    app.add_route(STACK + "/outputs", outputs)
    app.add_route(STACK + "/outputs/{output_key}", outputs, suffix="one")
    app.add_route(STACK + "/resources", resources.ResourceCollection(services))
    resource_item = resources.ResourceItem(services)
    app.add_route(RESOURCE, resource_item)
    app.add_route(RESOURCE + "/metadata", resource_item, suffix="metadata")
    app.add_route(RESOURCE + "/signal", resource_item, suffix="signal")
    app.add_route(
        "/v1/{tenant_id}/stacks/{stack_name}/resources/{resource_name}/signal",
        resources.ResourceSignalByName(services, resource_item),
    )
    events = resources.EventCollection(services)
    app.add_route(STACK + "/events", events)
    app.add_route(RESOURCE + "/events", events, suffix="resource")
    app.add_route(RESOURCE + "/events/{event_id}", events, suffix="one")
    plan_routes = plans.Plans(services)
    app.add_route(STACK + "/plans", plan_routes)
    app.add_route(STACK + "/plans/{plan_id}/apply", plan_routes, suffix="apply")
    stack_snapshots = snapshots.StackSnapshots(services)
    app.add_route(STACK + "/snapshots", stack_snapshots)
    app.add_route(STACK + "/snapshots/{snapshot_id}", stack_snapshots, suffix="one")
    app.add_route(STACK + "/snapshots/{snapshot_id}/restore", stack_snapshots, suffix="restore")
    app.add_route(STACK + "/abandon", plans.Abandon(services))
    app.add_route(STACK + "/export", plans.Abandon(services), suffix="export")

    app.add_route("/v1/{tenant_id}/validate", catalog.Validate(services))
    versions = catalog.TemplateVersions(services)
    app.add_route("/v1/{tenant_id}/template_versions", versions)
    app.add_route(
        "/v1/{tenant_id}/template_versions/{template_version}/functions",
        versions,
        suffix="functions",
    )
    types = catalog.ResourceTypes(services)
    app.add_route("/v1/{tenant_id}/resource_types", types)
    app.add_route("/v1/{tenant_id}/resource_types/{type_name}", types, suffix="schema")
    app.add_route("/v1/{tenant_id}/resource_types/{type_name}/template", types, suffix="template")
    configs = software.SoftwareConfigs(services)
    app.add_route("/v1/{tenant_id}/software_configs", configs)
    app.add_route("/v1/{tenant_id}/software_configs/{config_id}", configs, suffix="one")
    deployments = software.SoftwareDeployments(services)
    app.add_route("/v1/{tenant_id}/software_deployments", deployments)
    app.add_route(
        "/v1/{tenant_id}/software_deployments/metadata/{server_id}",
        deployments,
        suffix="metadata",
    )
    app.add_route("/v1/{tenant_id}/software_deployments/{deployment_id}", deployments, suffix="one")
    app.add_route("/v1/{tenant_id}/build_info", catalog.BuildInfo())
    app.add_route("/v1/{tenant_id}/services", catalog.ServiceList(services))
    return app


class _FixedPath:
    """``/stacks/{name}/resources`` and friends: the lookup redirect with that path."""

    def __init__(self, lookup: stacks.StackLookup, path: str) -> None:
        self.lookup = lookup
        self.path = path

    def _go(
        self, req: falcon.Request, resp: falcon.Response, tenant_id: str, stack_name: str
    ) -> None:
        self.lookup.on_get_path(req, resp, tenant_id, stack_name, self.path)

    on_get = on_post = on_put = on_delete = on_patch = _go
