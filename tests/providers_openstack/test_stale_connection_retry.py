"""A request whose connection the server resets is sent once more if it is idempotent, never
if it is a POST (a create may have been received: its token look-up decides)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session

from atonix_iac.providers.openstack.connect import widen_http_pool

pytestmark = pytest.mark.timeout(30)


class ResetOnce:
    """A TCP server that reads the first request and resets its connection; it answers
    every later one with 200."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            line = conn.recv(65536).decode(errors="replace").split("\r\n", 1)[0]
            self.requests.append(line)
            if len(self.requests) == 1:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server() -> Iterator[ResetOnce]:
    found = ResetOnce()
    yield found
    found.close()


def _session() -> ks_session.Session:
    session = ks_session.Session()
    widen_http_pool(session)
    return session


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
def test_an_idempotent_request_is_sent_again_after_a_reset(server: ResetOnce, method: str) -> None:
    response = _session().request(
        f"http://127.0.0.1:{server.port}/v2.0/subnets/x", method, authenticated=False
    )
    assert response.status_code == 200
    assert [line.split()[0] for line in server.requests] == [method, method]


def test_a_post_met_by_a_reset_is_not_sent_again(server: ResetOnce) -> None:
    with pytest.raises(ks_exceptions.ConnectFailure):
        _session().request(
            f"http://127.0.0.1:{server.port}/v2.0/ports", "POST", json={}, authenticated=False
        )
    assert [line.split()[0] for line in server.requests] == ["POST"]
