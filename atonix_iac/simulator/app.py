"""The WSGI application: mounts, discovery, auth, faults, latency, dispatch, request log.

Every API request takes the store lock for its whole handling (services never see
concurrent mutation); added latency is slept outside the lock so it does not serialise
clients.
"""

from __future__ import annotations

import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from . import lifecycle
from .admin import Admin
from .aggregates import Aggregates
from .backend import Backend
from .block_storage import MAX_VERSION as VOLUME_MAX
from .block_storage import BlockStorage
from .compute import MAX_VERSION as COMPUTE_MAX
from .compute import Compute
from .config import FaultRule, SimConfig
from .container import Container
from .container_infra import MAX_VERSION as MAGNUM_MAX
from .container_infra import ContainerInfra
from .database import Database
from .dns import Dns
from .errors import REASONS, ApiError, error_body
from .faults import WRITE_METHODS, FaultEngine, RequestRecord
from .flavor_access import FlavorAccess
from .identity import Identity
from .identity_admin import IdentityAdmin
from .identity_roles import RoleAssignments
from .image import Image
from .key_manager import KeyManager
from .network import Networking
from .object_store import ObjectStore
from .octavia import LoadBalancing
from .octavia_zones import OctaviaZones
from .protocol import AuthContext, Request, Response
from .reservation import Reservation
from .routing import Router
from .seed import seed
from .shared_file_system import MAX_VERSION as MANILA_MAX
from .shared_file_system import SharedFileSystem
from .store import Store
from .volume_qos import VolumeQos
from .volume_type_admin import VolumeTypeAdmin

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class Mount:
    """A service under ``/<prefix>/<version>``; ``header`` names its microversion service."""

    service: str
    version: str
    header: str | None = None
    min_version: tuple[int, int] = (0, 0)
    max_version: tuple[int, int] = (0, 0)
    #: Other spellings of the version segment the service also answers (Octavia: v2, v2.0).
    aliases: tuple[str, ...] = ()


def _parse_version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


MOUNTS = {
    "identity": Mount("identity", "v3"),
    "compute": Mount("compute", "v2.1", "compute", (2, 1), _parse_version(COMPUTE_MAX)),
    "networking": Mount("network", "v2.0"),
    "volume": Mount("block-storage", "v3", "volume", (3, 0), _parse_version(VOLUME_MAX)),
    "image": Mount("image", "v2"),
    "swift": Mount("object-store", "v1"),
    "key-manager": Mount("key-manager", "v1"),
    "dns": Mount("dns", "v2"),
    "load-balancer": Mount("load-balancer", "v2", aliases=("v2.0",)),
    "container-infra": Mount(
        "container-infra", "v1", "container-infra", (1, 1), _parse_version(MAGNUM_MAX)
    ),
    "share": Mount(
        "shared-file-system", "v2", "shared-file-system", (2, 0), _parse_version(MANILA_MAX)
    ),
    "database": Mount("database", "v1.0"),
    "container": Mount("container", "v1"),
    "reservation": Mount("reservation", "v1"),
}


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    #: Send nothing: the transport closes the connection with a reset (a fault rule's
    #: ``action="reset"``); status, headers and body are then only what the log records.
    reset: bool = False


class SimApp:
    """Callable as WSGI; :meth:`handle` is the transport-neutral entry point."""

    def __init__(
        self, store: Store, config: SimConfig | None = None, projects: Iterable[str] = ("demo",)
    ) -> None:
        self.store = store
        self.engine = FaultEngine(config or SimConfig())
        self.backend = Backend(store, self.engine)
        self.identity = Identity(self.backend)
        identity_admin = IdentityAdmin(self.identity, self.backend)
        identity_admin.install(self.identity.router)
        RoleAssignments(identity_admin, self.backend).install(self.identity.router)
        self.network = Networking(self.backend)
        self.volumes = BlockStorage(self.backend)
        self.compute = Compute(self.backend, self.network, self.volumes)
        FlavorAccess(self.backend).install(self.compute.router)
        Aggregates(self.backend).install(self.compute.router)
        VolumeTypeAdmin(self.backend).install(self.volumes.router)
        VolumeQos(self.backend).install(self.volumes.router)
        self.image = Image(self.backend)
        self.object_store = ObjectStore(self.backend)
        self.key_manager = KeyManager(self.backend)
        self.dns = Dns(self.backend)
        self.load_balancing = LoadBalancing(self.backend, self.network)
        OctaviaZones(self.backend).install(self.load_balancing.router)
        self.container_infra = ContainerInfra(self.backend)
        self.shares = SharedFileSystem(self.backend)
        self.database = Database(self.backend)
        self.containers = Container(self.backend)
        self.reservation = Reservation(self.backend)
        self.admin = Admin(self)
        self._routers: dict[str, Router] = {
            "identity": self.identity.router,
            "compute": self.compute.router,
            "network": self.network.router,
            "block-storage": self.volumes.router,
            "image": self.image.router,
            "object-store": self.object_store,
            "key-manager": self.key_manager.router,
            "dns": self.dns.router,
            "load-balancer": self.load_balancing.router,
            "container-infra": self.container_infra.router,
            "shared-file-system": self.shares.router,
            "database": self.database.router,
            "container": self.containers.router,
            "reservation": self.reservation.router,
        }
        with store.lock:
            seed(self.backend, self.network, list(projects))

    # -- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            k[5:].replace("_", "-").lower(): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        path = str(raw).split("?", 1)[0] if raw else str(environ.get("PATH_INFO") or "/")
        host = headers.get("host") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        reply = self.handle(
            str(environ["REQUEST_METHOD"]),
            path,
            str(environ.get("QUERY_STRING") or ""),
            headers,
            body,
            f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        )
        if reply.reset:
            # WSGI cannot drop a connection: raising makes the server abort the response.
            raise ConnectionResetError("simulated fault: connection reset")
        start_response(f"{reply.status} {REASONS.get(reply.status, 'Unknown')}", reply.headers)
        return [reply.body]

    # -- core -------------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        base_url: str,
    ) -> Reply:
        started = time.monotonic()
        segments = [unquote(s) for s in path.split("/") if s]
        if segments and segments[0] == "_sim":
            return self._reply(
                self.admin.handle(method, segments[1:], query, body), "admin", method
            )
        mount = MOUNTS.get(segments[0]) if segments else None
        if mount is None:
            return self._reply(
                Response(404, {"error": {"code": 404, "message": f"No service at {path}"}}),
                "",
                method,
            )
        req = Request(
            method=method,
            service=mount.service,
            path="/",
            segments=[],
            query=parse_qs(query, keep_blank_values=True),
            headers=headers,
            body=body,
            base_url=base_url,
        )
        ctx: AuthContext | None = None
        fault: FaultRule | None = None
        try:
            rest = self._locate(req, mount, segments[1:])
            if rest is None:
                resp = self._discovery(req, mount, versioned=len(segments) > 1)
            else:
                resp, ctx, fault = self._api(req, mount, rest)
        except ApiError as err:
            content_type, payload = error_body(mount.service, err)
            resp = Response(err.status, payload, content_type=content_type)
            if err.status == 401:
                resp.headers["WWW-Authenticate"] = f"Keystone uri='{base_url}/identity'"
        except Exception as exc:  # noqa: BLE001 - a simulator bug must still answer
            traceback.print_exc(file=sys.stderr)
            content_type, payload = error_body(mount.service, ApiError(500, f"{exc!r}"))
            resp = Response(500, payload, content_type=content_type)
        if mount.header and req.microversion != (0, 0):
            version = f"{req.microversion[0]}.{req.microversion[1]}"
            resp.headers["OpenStack-API-Version"] = f"{mount.header} {version}"
            if mount.service == "compute":
                resp.headers["X-OpenStack-Nova-API-Version"] = version
            resp.headers["Vary"] = "OpenStack-API-Version"
        if method in WRITE_METHODS and self.store.persist_interval <= 0:
            self.store.flush()
        self.engine.log(
            RequestRecord(
                time=time.time(),
                method=method,
                path=path,
                query=query,
                service=mount.service,
                project=ctx.project_name if ctx else None,
                project_id=ctx.project_id if ctx else None,
                status=-1 if fault is not None and fault.action == "reset" else resp.status,
                duration_ms=round((time.monotonic() - started) * 1000, 3),
                fault=fault is not None,
            )
        )
        reply = self._reply(resp, mount.service, method)
        reply.reset = fault is not None and fault.action == "reset"
        return reply

    def _locate(self, req: Request, mount: Mount, rest: list[str]) -> list[str] | None:
        """Strip the version (and Cinder's project id); None means a discovery document."""
        if not rest:
            return None
        if rest[0] != mount.version and rest[0] not in mount.aliases:
            raise ApiError(404, "The resource could not be found.")
        version, rest = rest[0], rest[1:]
        service_root = next(k for k, m in MOUNTS.items() if m is mount)
        req.service_url = f"{req.base_url}/{service_root}/{version}"
        if mount.service in _PROJECT_IN_URL and rest and _looks_like_project(rest[0]):
            req.service_url += f"/{rest[0]}"
            req.url_project = rest[0]
            rest = rest[1:]
        if not rest and mount.service in _VERSIONED_ROOTS:
            return None if req.method == "GET" else rest
        req.segments = rest
        req.path = "/" + "/".join(rest)
        return rest

    def _discovery(self, req: Request, mount: Mount, versioned: bool) -> Response:
        if mount.service == "identity":
            return self.identity.discovery(req, versioned)
        if mount.service == "compute":
            return self.compute.discovery(req, versioned)
        if mount.service == "block-storage":
            return self.volumes.discovery(req, versioned)
        if mount.service == "image":
            return self.image.discovery(req, versioned)
        if mount.service == "key-manager":
            return self.key_manager.discovery(req, versioned)
        if mount.service == "dns":
            return self.dns.discovery(req, versioned)
        if mount.service == "object-store":  # Swift has no version document: /info instead
            raise ApiError(404, "The resource could not be found.")
        if mount.service == "load-balancer":
            return self.load_balancing.discovery(req, versioned)
        if mount.service == "container-infra":
            return self.container_infra.discovery(req, versioned)
        if mount.service == "shared-file-system":
            return self.shares.discovery(req, versioned)
        if mount.service == "database":
            return self.database.discovery(req, versioned)
        if mount.service == "container":
            return self.containers.discovery(req, versioned)
        if mount.service == "reservation":
            return self.reservation.discovery(req, versioned)
        return self.network.discovery(req, versioned)

    def _api(
        self, req: Request, mount: Mount, rest: list[str]
    ) -> tuple[Response, AuthContext | None, FaultRule | None]:
        self._negotiate(req, mount)
        with self.store.lock:
            lifecycle.process_due(self.store)
            ctx = self._authenticate(req, mount)
        if req.url_project and ctx and req.url_project != ctx.project_id:
            raise ApiError(400, "Malformed request url")
        req.ctx = ctx
        rule, latency = self.engine.pick_fault(
            mount.service, req.method, req.path, ctx.project_name if ctx else None
        )
        if latency > 0:
            time.sleep(latency)
        if rule is not None and rule.when == "before":
            return self._fault_response(req, mount, rule), ctx, rule
        with self.store.lock:
            resp = self._routers[mount.service].dispatch(req)
            if req.method in WRITE_METHODS:
                self.store.changed()
        if rule is not None:  # when == "after": the work is done and kept, the answer lost
            return self._fault_response(req, mount, rule), ctx, rule
        return resp, ctx, None

    @staticmethod
    def _fault_response(req: Request, mount: Mount, rule: FaultRule) -> Response:
        if rule.action == "reset":
            return Response(502, {"error": "connection reset by a simulated fault"})
        where = " after processing" if rule.when == "after" else ""
        message = rule.message or f"Simulated fault{where}: {req.method} {req.path}"
        content_type, payload = error_body(mount.service, ApiError(rule.status, message))
        return Response(rule.status, payload, content_type=content_type)

    def _authenticate(self, req: Request, mount: Mount) -> AuthContext | None:
        if mount.service == "identity" and req.path == "/auth/tokens" and req.method == "POST":
            return None
        ctx = self.identity.authenticate(req.headers.get("x-auth-token"))
        if ctx is None or (mount.service != "identity" and not ctx.project_id):
            raise ApiError(401, "The request you have made requires authentication.")
        return ctx

    def _negotiate(self, req: Request, mount: Mount) -> None:
        if mount.header is None:
            return
        wanted: str | None = None
        header = req.headers.get("openstack-api-version", "")
        for item in header.split(","):
            parts = item.strip().split()
            if len(parts) == 2 and parts[0].lower() == mount.header:
                wanted = parts[1]
        if wanted is None and mount.service == "compute":
            wanted = req.headers.get("x-openstack-nova-api-version")
        if not wanted:
            req.microversion = mount.min_version
            return
        if wanted.lower() == "latest":
            req.microversion = mount.max_version
            return
        try:
            version = _parse_version(wanted)
        except ValueError as exc:
            raise ApiError(400, f"Invalid API version request string {wanted}") from exc
        if not mount.min_version <= version <= mount.max_version:
            low, high = mount.min_version, mount.max_version
            raise ApiError(
                406,
                f"Version {wanted} is not supported by the API. Minimum is "
                f"{low[0]}.{low[1]} and maximum is {high[0]}.{high[1]}.",
            )
        req.microversion = version

    @staticmethod
    def _reply(resp: Response, service: str, method: str) -> Reply:
        body = resp.encode()
        headers = [(k, v) for k, v in resp.headers.items()]
        if body or resp.status not in (204,):
            headers.append(("Content-Type", resp.content_type))
        headers.append(("Content-Length", str(0 if method == "HEAD" else len(body))))
        headers.append(("X-Openstack-Request-Id", f"req-{uuid.uuid4()}"))
        return Reply(resp.status, headers, b"" if method == "HEAD" else body)


#: Services whose endpoint ends with the project id (Cinder's, Trove's).
_PROJECT_IN_URL = ("block-storage", "database")
#: Services whose versioned root (``GET /compute/v2.1``) is a discovery document.
_VERSIONED_ROOTS = (
    "compute",
    "block-storage",
    "image",
    "identity",
    "key-manager",
    "load-balancer",
    "container-infra",
    "shared-file-system",
    "key-manager",
    "dns",
    "database",
    "container",
    "reservation",
)


def _looks_like_project(segment: str) -> bool:
    return len(segment) == 32 and all(c in "0123456789abcdef" for c in segment)
