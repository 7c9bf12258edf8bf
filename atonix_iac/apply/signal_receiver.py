"""The run's signal receiver: Heat's resource-signal route, served while an apply that
creates wait condition handles runs, so that booting servers can signal them over HTTP.

``POST /v1/{project}/stacks/{stack}/{stack_id}/resources/{address}/signal`` with the handle's
token in ``X-Auth-Token`` (an OS::Heat handle) or the handle's own URL with its ``Signature``
(an AWS-style handle). The body goes to the state's inbox through ``deliver_signal``, exactly
as ``atonix signal`` sends it. The token is never logged: the server logs nothing.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from atonix_iac.apply.signals import SignalInbox, deliver_signal, is_handle, resources_path
from atonix_iac.errors import AtonixError
from atonix_iac.providers.heat.deployment_signals import SIGNATURE
from atonix_iac.state.model import ResourceState, StackKey

MAX_BODY: Final = 1 << 20
DEFAULT_HOST: Final = "127.0.0.1"

Lookup = Callable[[str], ResourceState | None]


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignalReceiver:
    """A threaded HTTP server for one stack's signals; ``close`` stops it."""

    def __init__(
        self,
        inbox: SignalInbox,
        key: StackKey,
        lookup: Lookup,
        *,
        project: str,
        stack_id: str,
        host: str = DEFAULT_HOST,
        port: int = 0,
    ) -> None:
        self.inbox = inbox
        self.key = key
        self.lookup = lookup
        self.prefix = resources_path(project, key, stack_id)
        receiver = self

        class Handler(_SignalRequest):
            owner = receiver

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="atonix-signal-receiver", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        address, port = self._server.server_address[:2]
        host = address.decode() if isinstance(address, bytes) else address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def receive(self, target: str, headers: Any, body: bytes) -> str:
        """Deliver one request's signal; ``_Refused`` says why not."""
        parts = urlsplit(target)
        path = parts.path
        if not (path.startswith(self.prefix) and path.endswith("/signal")):
            raise _Refused(HTTPStatus.NOT_FOUND, "no such signal endpoint")
        address = unquote(path[len(self.prefix) : -len("/signal")])
        handle = self.lookup(address)
        if handle is None or not is_handle(handle.type):
            raise _Refused(HTTPStatus.NOT_FOUND, f"no wait condition handle {address}")
        if not _authorised(handle, parts.query, headers.get("X-Auth-Token")):
            raise _Refused(HTTPStatus.UNAUTHORIZED, "authentication required")
        try:
            details = json.loads(body) if body.strip() else None
        except ValueError as err:
            raise _Refused(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {err}") from None
        try:
            deliver_signal(self.inbox, self.key, handle, details, source="http")
        except AtonixError as err:
            raise _Refused(HTTPStatus.BAD_REQUEST, err.message) from None
        return address


def _authorised(handle: ResourceState, query: str, token: str | None) -> bool:
    signed = handle.attributes.get(SIGNATURE)  # a signalled software deployment
    if isinstance(signed, str) and signed:
        return hmac.compare_digest(query.encode(), f"Signature={signed}".encode())
    expected = handle.attributes.get("token")
    if isinstance(expected, str) and expected:
        return token is not None and hmac.compare_digest(token.encode(), expected.encode())
    # An AWS-style handle: its physical id is its URL, the Signature in it the credential.
    signature = urlsplit(handle.physical_id or "").query
    return bool(signature) and hmac.compare_digest(query.encode(), signature.encode())


class _SignalRequest(BaseHTTPRequestHandler):
    owner: SignalReceiver
    server_version = "atonix-signal"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
            return
        body = self.rfile.read(length) if length else b""
        try:
            self.owner.receive(self.path, self.headers, body)
        except _Refused as refused:
            self._answer(refused.status, {"error": refused.message})
            return
        self._answer(HTTPStatus.OK, None)

    do_PUT = do_POST  # cfn-style senders PUT to an AWS handle's URL

    def _answer(self, status: HTTPStatus, document: Any) -> None:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: a request line can carry a handle's Signature."""
