"""Each binding learns its project id under its own lock: a binding whose cloud hangs does not
hold up the first request of another binding, and concurrent requests for one binding share
one authentication.

The slow cloud is the simulator's Keystone behind a gate (a forwarding HTTP server that holds
every request until the test opens it), so the order of events is fixed by events, not by
sleeps; the waits' timeouts only keep a regression from hanging the run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openstack
import pytest
import requests

from atonix_iac.service.project_ids import ProjectIds
from atonix_iac.simulator.server import SimulatorServer
from atonix_iac.workspace.binding import Binding

GUARD_S = 60.0  # a deadlock fails the test instead of hanging it; nothing is timed


class Gate:
    """Forwards HTTP to ``target`` once ``opened``; ``arrived`` is set by the first request."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.arrived = threading.Event()
        self.opened = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                gate.arrived.set()
                gate.opened.wait(GUARD_S)
                length = int(self.headers.get("Content-Length") or 0)
                skip = {"host", "content-length", "connection", "accept-encoding"}
                answer = requests.request(
                    self.command,
                    gate.target + self.path,
                    data=self.rfile.read(length) if length else None,
                    headers={k: v for k, v in self.headers.items() if k.lower() not in skip},
                    timeout=GUARD_S,
                )
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.opened.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gate(simulator: SimulatorServer) -> Iterator[Gate]:
    held = Gate(simulator.url)
    try:
        yield held
    finally:
        held.close()


def _clouds_yaml(path: Path, fast_auth_url: str, slow_auth_url: str) -> Path:
    lines = ["clouds:"]
    for name, auth_url, project in (
        ("fast", fast_auth_url, "alt"),
        ("slow", slow_auth_url, "demo"),
    ):
        lines += [
            f"  {name}:",
            "    auth:",
            f"      auth_url: {auth_url}",
            "      username: admin",
            "      password: admin",
            f"      project_name: {project}",
            "      user_domain_name: Default",
            "      project_domain_name: Default",
            "    region_name: RegionOne",
            "    identity_api_version: 3",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(results: dict[str, str], name: str, ids: ProjectIds, binding: Binding) -> threading.Thread:
    done = threading.Thread(target=lambda: results.__setitem__(name, ids.of(binding)))
    done.start()
    return done


def _token_posts(simulator: SimulatorServer) -> int:
    return sum(
        1
        for r in simulator.request_log("identity")
        if r.method == "POST" and r.path.rstrip("/").endswith("auth/tokens")
    )


def test_a_hung_binding_does_not_hold_up_another(
    simulator: SimulatorServer, gate: Gate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clouds = _clouds_yaml(tmp_path / "clouds.yaml", simulator.auth_url, gate.url + "/identity")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    slow = Binding("team", "slow", cloud="slow", project="demo")
    fast = Binding("team", "fast", cloud="fast", project="alt")
    expected = {
        p: str(openstack.connect(**simulator.connect_kwargs(p)).current_project_id)
        for p in ("demo", "alt")
    }
    simulator.clear_request_log()
    ids = ProjectIds()
    results: dict[str, str] = {}

    first_slow = _run(results, "slow", ids, slow)
    assert gate.arrived.wait(GUARD_S)  # the slow binding's lookup is in flight, held
    fast_thread = _run(results, "fast", ids, fast)
    fast_thread.join(GUARD_S)
    # The other binding learned its id while the slow one is still held at the gate.
    assert not fast_thread.is_alive(), "a binding's lookup waited for another binding's cloud"
    assert results["fast"] == expected["alt"]
    assert first_slow.is_alive() and "slow" not in results

    second_slow = _run(results, "slow again", ids, slow)
    gate.opened.set()
    first_slow.join(GUARD_S)
    second_slow.join(GUARD_S)
    assert results["slow"] == results["slow again"] == expected["demo"]
    # One authentication per binding: the second slow request reused the first one's answer.
    assert _token_posts(simulator) == 2
    assert ids.of(fast) == expected["alt"] and _token_posts(simulator) == 2
