"""A Keystone that accepts connections and never answers: token checks give up after
``ATONIX_KEYSTONE_TIMEOUT`` and the request is a 503 saying so, instead of an HTTP thread
held for as long as the connection stays open."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import falcon.testing
import pytest
from _service_kit import RunningService

from atonix_iac.service.app import make_app
from atonix_iac.service.auth import KeystoneUnavailable, TokenValidator
from atonix_iac.service.settings import Settings


class SilentServer:
    """Accepts every TCP connection, reads nothing, writes nothing, closes nothing."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/identity"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


def test_token_check_gives_up_on_a_keystone_that_never_answers(silent: SilentServer) -> None:
    validator = TokenValidator(silent.auth_url, timeout_s=0.3)
    with pytest.raises(KeystoneUnavailable) as info:
        validator.validate("a-token")
    assert str(info.value) == (
        "The identity service (Keystone) did not answer within 0.3 s; try again later"
    )
    assert silent.accepted  # it did connect: the wait for the answer is what was bounded
    assert validator.reachable() is False


def test_api_answers_503_when_keystone_does_not_answer_in_time(
    service: RunningService, silent: SilentServer
) -> None:
    app = make_app(service.services, TokenValidator(silent.auth_url, timeout_s=0.3))
    client = falcon.testing.TestClient(app)
    _, project = service.token()
    answer = client.simulate_get(
        f"/v1/{project}/stacks", headers={"X-Auth-Token": "some-token-value"}
    )
    assert answer.status_code == 503
    assert answer.json["error"]["type"] == "ServiceUnavailable"
    assert answer.json["error"]["message"] == (
        "The identity service (Keystone) did not answer within 0.3 s; try again later"
    )
    assert "some-token-value" not in answer.text
    ready = client.simulate_get("/ready")
    assert ready.status_code == 503
    assert ready.json["checks"]["keystone"] is False


def test_keystone_timeout_setting() -> None:
    assert Settings.from_env({}).keystone_timeout_s == 10.0
    assert Settings.from_env({"ATONIX_KEYSTONE_TIMEOUT": "2.5"}).keystone_timeout_s == 2.5
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ValueError, match="ATONIX_KEYSTONE_TIMEOUT must be a positive"):
            Settings.from_env({"ATONIX_KEYSTONE_TIMEOUT": bad})


def test_serve_refuses_a_bad_timeout_with_one_message() -> None:
    env = {**os.environ, "ATONIX_KEYSTONE_TIMEOUT": "soon"}
    done = subprocess.run(
        [sys.executable, "-m", "atonix_iac.service", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "Error: ATONIX_KEYSTONE_TIMEOUT must be a positive number of seconds, not 'soon'"
    )
