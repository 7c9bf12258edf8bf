"""The threaded HTTP server and the :class:`SimulatorServer` Python API.

HTTP/1.1 with keep-alive (keystoneauth reuses connections), one daemon thread per
connection, and a deep listen backlog so bursts of 50 parallel clients are not refused.
On stop every open connection is shut down so no client keeps talking to a stopped
simulator's in-memory state.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from .app import SimApp
from .config import FaultRule, LifecycleRule, SimConfig
from .errors import REASONS
from .faults import RequestRecord
from .identity import ensure_project
from .store import Store

CLOUD_NAME = "atonix-sim"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    timeout = 300
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        body = self._read_body()
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        host = headers.get("host") or "{}:{}".format(*self.server.server_address[:2])
        reply = self.server.app.handle(self.command, path, query, headers, body, f"http://{host}")
        if reply.reset:
            self._reset()
            return
        lines = [
            f"{self.protocol_version} {reply.status} {REASONS.get(reply.status, 'Unknown')}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            *(f"{key}: {value}" for key, value in reply.headers),
        ]
        if self.server.closing or self.close_connection:
            lines.append("Connection: close")
            self.close_connection = True
        # One write for head and body: separate small writes meet the peer's delayed ACK.
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body)

    def _reset(self) -> None:
        """Close the connection with a TCP reset and no response (a ``reset`` fault)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request stderr lines; the request log has them."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: SimApp) -> None:
        self.app = app
        self.closing = False
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self._conns_lock:
            self._conns.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        self.closing = True
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class SimulatorServer:
    """An OpenStack simulator on ``host:port`` keeping its state in ``data_dir``.

    ``port=0`` picks a free port (read :attr:`port` after :meth:`start`).
    """

    def __init__(
        self,
        data_dir: Path | str,
        projects: Sequence[str] = ("demo",),
        host: str = "127.0.0.1",
        port: int = 0,
        config: SimConfig | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.projects = list(projects) or ["demo"]
        self.host = host
        self._requested_port = port
        self.config = config or SimConfig()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._app: SimApp | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> SimulatorServer:
        if self._httpd is not None:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(self.data_dir, self.config.persist_interval)
        app = SimApp(store, self.config, self.projects)
        store.flush()
        store.start()
        httpd = _HTTPServer((self.host, self._requested_port), app)
        self._store, self._app, self._httpd = store, app, httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"atonix-sim-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        assert self._store is not None
        self._store.close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def app(self) -> SimApp:
        if self._app is None:
            raise RuntimeError("simulator not started")
        return self._app

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("simulator not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity"

    # -- connecting -------------------------------------------------------------------------

    def connect_kwargs(
        self, project: str | None = None, username: str = "admin", password: str = "admin"
    ) -> dict[str, Any]:
        """Keyword arguments for ``openstack.connect(**kwargs)`` that ignore clouds.yaml."""
        return {
            "auth_url": self.auth_url,
            "username": username,
            "password": password,
            "project_name": project or self.projects[0],
            "user_domain_name": "Default",
            "project_domain_name": "Default",
            "region_name": "RegionOne",
            "load_yaml_config": False,
            "load_envvars": False,
        }

    def openrc(self, project: str | None = None) -> dict[str, str]:
        """The ``OS_*`` variables an openrc file sets for the admin user (no clouds.yaml)."""
        return {
            "OS_AUTH_URL": self.auth_url,
            "OS_USERNAME": "admin",
            "OS_PASSWORD": "admin",
            "OS_PROJECT_NAME": project or self.projects[0],
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_REGION_NAME": "RegionOne",
        }

    def write_clouds_yaml(self, path: Path | None = None) -> Path:
        """Write ``clouds.yaml`` with ``atonix-sim`` plus one ``atonix-sim-<project>`` each."""
        target = path or self.data_dir / "clouds.yaml"
        entries = [(CLOUD_NAME, self.projects[0])]
        entries += [(f"{CLOUD_NAME}-{p}", p) for p in self.projects]
        lines = ["clouds:"]
        for name, project in entries:
            lines += [
                f"  {name}:",
                "    auth:",
                f"      auth_url: {self.auth_url}",
                "      username: admin",
                "      password: admin",
                f"      project_name: {_quote(project)}",
                "      user_domain_name: Default",
                "      project_domain_name: Default",
                "    region_name: RegionOne",
                "    interface: public",
                "    identity_api_version: 3",
            ]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target

    # -- steering ---------------------------------------------------------------------------

    def request_log(
        self, service: str | None = None, writes_only: bool = False
    ) -> list[RequestRecord]:
        records = self.app.engine.requests()
        if service is not None:
            records = [r for r in records if r.service == service]
        if writes_only:
            records = [r for r in records if r.write]
        return records

    def clear_request_log(self) -> None:
        self.app.engine.clear_requests()

    def set_faults(self, faults: Iterable[FaultRule | Mapping[str, Any]]) -> None:
        self.app.engine.update({"faults": list(faults)})

    def add_fault(self, **rule: Any) -> FaultRule:
        fault = FaultRule(**rule)
        self.app.engine.update({"faults": [*self.app.engine.config.faults, fault]})
        return fault

    def clear_faults(self) -> None:
        self.set_faults([])

    def set_lifecycle(self, rules: Iterable[LifecycleRule | Mapping[str, Any]]) -> None:
        self.app.engine.update({"lifecycle": list(rules)})

    def release_stuck(self, kind: str = "server") -> int:
        """Let the ``kind`` records a ``"stuck"`` lifecycle rule holds finish (a test's gate:
        hold them in BUILD until it has seen what it waits for, then let them go)."""
        return self.app.admin.release_stuck(kind)

    def set_delay(self, seconds: float, kind: str | None = None) -> None:
        """Set the default delay (``kind=None``) or one kind from ``DELAY_KINDS``."""
        self.app.admin.set_delays({kind or "default": seconds})

    def set_latency(self, seconds: float) -> None:
        self.app.engine.update({"latency": seconds})

    def configure(self, **changes: Any) -> None:
        """Partial :class:`SimConfig` update, e.g. ``configure(seed=1, latency=0.01)``."""
        self.app.engine.update(changes)

    def project_id(self, name: str) -> str:
        return self.app.admin.project_id(name)

    def add_project(self, name: str) -> str:
        with self.app.store.lock:
            return str(ensure_project(self.app.backend, name)["id"])

    def set_quota(self, project: str, service: str, **limits: int) -> None:
        """Override quotas, e.g. ``set_quota("demo", "compute", instances=1000)``."""
        self.app.admin.app_set_quota(project, service, limits)

    def flush(self) -> None:
        self.app.store.flush()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
