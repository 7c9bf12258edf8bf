"""The lean ``Session.request`` sends what requests' own would, and falls back to it for
anything it does not prepare itself."""

from __future__ import annotations

import http.server
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from _http_kit import serving
from hypothesis import given, settings
from hypothesis import strategies as st

from atonix_iac.providers.openstack import _http_env, _requests_lean


@dataclass
class _Seen:
    """What the capturing server received, request by request."""

    requests: list[tuple[str, str, list[tuple[str, str]], bytes]] = field(default_factory=list)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: _Seen

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.requests.append((self.command, self.path, list(self.headers.items()), body))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/moved/here")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        answer = b'{"ok": true}'
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        if self.path.startswith("/cookie"):
            self.send_header("Set-Cookie", "lb=node1; Path=/")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer


@pytest.fixture
def server() -> Iterator[tuple[str, _Seen]]:
    seen = _Seen()
    with serving(type("Handler", (_Handler,), {"seen": seen})) as base:
        yield base, seen


def _session(lean: bool) -> requests.Session:
    """A session as the provider sets one up (environment look-ups memoised, netrc once per
    host), with the lean ``request`` or without."""
    session = requests.Session()
    assert _http_env.install(session)
    if lean:
        assert _requests_lean.install(session)
    return session


# (method, path, keyword arguments) as keystoneauth sends them: a str body it encoded,
# headers with None for "not this one", redirects off.
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/compute/v2.1/servers", {"params": {"status": "BUILD"}}),
    (
        "GET",
        "/compute/v2.1/servers/detail?limit=5",
        {"params": {"changes-since": "2026-12-07T05:00:00Z", "name": "^(a\\.b|c d)$"}},
    ),
    ("GET", "/image/v2/images", {"params": {"tag": ["x", "y"], "skip": None, "name": "é"}}),
    ("GET", "/v2.0/ports?fields=id&fields=name", {"params": None}),
    (
        "POST",
        "/networking/v2.0/ports",
        {"data": '{"port": {"network_id": "n"}}', "headers": {"Content-Type": "application/json"}},
    ),
    ("POST", "/networking/v2.0/ports", {"data": b'{"port": {}}'}),
    ("PUT", "/networking/v2.0/ports/p1/tags", {"data": '{"tags": ["atonix:stack=s"]}'}),
    ("PUT", "/object/v1/AUTH_x/c", {"data": ""}),
    ("POST", "/compute/v2.1/servers/s/action", {"data": None}),
    ("DELETE", "/networking/v2.0/ports/p1", {}),
    ("PATCH", "/identity/v3/users/u", {"data": '{"user": {"name": "ü"}}'}),
    ("HEAD", "/object/v1/AUTH_x", {}),
    (
        "GET",
        "/compute/v2.1/flavors",
        {"headers": {"X-Auth-Token": "t", "Accept-Encoding": None, "OpenStack-API-Version": "1"}},
    ),
    ("GET", "/redirect/me", {}),
]


def _send(session: requests.Session, base: str, method: str, path: str, kw: dict[str, Any]) -> Any:
    headers = {"User-Agent": "atonix-test", "X-Auth-Token": "secret", **kw.get("headers", {})}
    return session.request(
        method,
        base + path,
        params=kw.get("params"),
        data=kw.get("data"),
        headers=headers,
        allow_redirects=False,
        timeout=(5, 30),
        verify=True,
    )


def _response_facts(response: requests.Response) -> tuple[Any, ...]:
    following = response.next
    return (
        response.status_code,
        response.reason,
        response.url,
        sorted((k, v) for k, v in response.headers.items() if k.lower() != "date"),
        response.content,
        response.encoding,
        response.is_redirect,
        [r.status_code for r in response.history],
        None if following is None else (following.method, following.url),
        response.request.method,
        response.request.url,
        sorted(response.request.headers.items()),
        response.request.body,
        type(response.elapsed).__name__,
        response.elapsed.total_seconds() >= 0,
        len(response.raw.headers) > 0,
    )


@pytest.mark.parametrize(("method", "path", "kw"), CALLS, ids=lambda v: str(v)[:40])
def test_sends_and_answers_as_requests_does(
    server: tuple[str, _Seen], method: str, path: str, kw: dict[str, Any]
) -> None:
    base, seen = server
    facts = []
    for lean in (False, True):
        seen.requests.clear()
        facts.append(_response_facts(_send(_session(lean), base, method, path, kw)))
        facts.append(seen.requests[:])
    shipped_answer, shipped_wire, lean_answer, lean_wire = facts
    assert lean_wire == shipped_wire
    assert lean_answer == shipped_answer


def test_a_followed_redirect_is_followed_as_requests_does(server: tuple[str, _Seen]) -> None:
    base, seen = server
    facts = []
    for lean in (False, True):
        seen.requests.clear()
        response = _session(lean).request("GET", base + "/redirect/me", allow_redirects=True)
        facts.append((_response_facts(response), seen.requests[:]))
    assert facts[0] == facts[1]
    assert [r.status_code for r in response.history] == [302]


def test_the_usual_requests_take_the_lean_path(
    server: tuple[str, _Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call of the list above is prepared by the lean path (so the comparison above
    compares something)."""
    base, _seen = server
    prepared: list[str] = []
    original = _requests_lean.lean_url

    def counting(url: Any, params: Any) -> str | None:
        got = original(url, params)
        if got is not None:
            prepared.append(got)
        return got

    monkeypatch.setattr(_requests_lean, "lean_url", counting)
    session = _session(lean=True)
    for method, path, kw in CALLS:
        _send(session, base, method, path, kw)
    assert len(prepared) == len(CALLS)


def test_a_cookie_the_cloud_sets_is_kept_and_sent_back(server: tuple[str, _Seen]) -> None:
    """A load balancer's cookie lands in the session's jar (requests' own ``send``), and the
    next request, now on requests' own path, carries it."""
    base, seen = server
    wires = []
    for lean in (False, True):
        seen.requests.clear()
        session = _session(lean)
        _send(session, base, "GET", "/cookie/set", {})
        assert session.cookies.get("lb") == "node1"
        _send(session, base, "GET", "/after", {})
        wires.append(seen.requests[:])
    assert wires[0] == wires[1]
    assert ("Cookie", "lb=node1") in wires[1][1][2]


@pytest.mark.parametrize(
    "change",
    ["cookies", "params", "proxies", "hooks", "no-auth"],
)
def test_a_session_with_settings_of_its_own_uses_requests(
    server: tuple[str, _Seen], change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, seen = server
    monkeypatch.setattr(
        _requests_lean, "lean_url", lambda url, params: pytest.fail("took the lean path")
    )
    called: list[int] = []
    session = _session(lean=True)
    if change == "cookies":
        session.cookies.set("c", "1")
    elif change == "params":
        session.params = {"p": "1"}
    elif change == "proxies":
        session.proxies = {"no_proxy": "127.0.0.1"}
    elif change == "hooks":
        session.hooks["response"].append(lambda r, *a, **k: called.append(1))
    else:
        session.auth = None  # requests then looks netrc up itself, on every request
    response = _send(session, base, "GET", "/x", {"params": {"a": "1"}})
    assert response.status_code == 200
    assert seen.requests[-1][1].startswith("/x?")
    assert called == ([1] if change == "hooks" else [])


@pytest.mark.parametrize(
    "kw",
    [{"json": {"a": 1}}, {"data": {"form": "1"}}, {"cookies": {"c": "1"}}, {"stream": True}],
    ids=lambda kw: next(iter(kw)),
)
def test_other_kinds_of_request_use_requests(
    server: tuple[str, _Seen], kw: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, seen = server
    monkeypatch.setattr(
        _requests_lean, "lean_url", lambda url, params: pytest.fail("took the lean path")
    )
    wires = []
    for lean in (False, True):
        seen.requests.clear()
        response = _session(lean).request("POST", base + "/y", **kw)
        assert response.status_code == 201
        wires.append(seen.requests[:])
    assert wires[0] == wires[1]


def test_install_leaves_other_sessions_alone() -> None:
    class Custom(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            return super().request(*args, **kwargs)

    assert not _requests_lean.install(Custom())
    assert not _requests_lean.install(object())
    session = requests.Session()
    assert _requests_lean.install(session)
    first = vars(session)["request"]
    assert _requests_lean.install(session)
    assert vars(session)["request"] is first


def _shipped_url(url: str, params: Any) -> str:
    return str(requests.Session().prepare_request(requests.Request("GET", url, params=params)).url)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("http://127.0.0.1:8774/compute/v2.1/servers", {"status": "BUILD"}),
        ("https://cloud.example.com:13000/v3/auth/tokens", None),
        ("http://h/v2.0/ports?fields=id", {"tags": "atonix:stack=a b"}),
        ("http://h/servers/detail?changes-since=2026-12-07T05%3A00%3A00Z", {}),
        ("http://h/a/b", {"n": ["1", "2"], "none": None, "u": "ü", "b": b"raw"}),
    ],
)
def test_lean_url_is_requests_url(url: str, params: Any) -> None:
    got = _requests_lean.lean_url(url, params)
    assert got is not None
    assert got == _shipped_url(url, params)


@pytest.mark.parametrize(
    "url",
    [
        "http://Host/a",  # requests lower-cases the host
        "HTTP://h/a",
        "http://h:080/a",
        "http://h",  # requests adds the path
        "http://h/a/../b",  # and removes dot segments
        "http://h/a b",  # and quotes
        "http://h/a%41",
        "http://h/a?x=%41",  # an escape requests undoes
        "http://h/a?x=%3a",  # and one it upper-cases
        "http://h/a?x=%zz",
        "http://u:p@h/a",
        "http://h/a#frag",
        "http://ü.example/a",
        "ftp://h/a",
    ],
)
def test_lean_url_leaves_rewritten_urls_to_requests(url: str) -> None:
    assert _requests_lean.lean_url(url, None) is None


_URL_CHARS = st.sampled_from(list("aZ09-._~!$&'()*+,;=:@/%?# éA")) | st.sampled_from(
    ["%3A", "%41", "%2f", "%", "/./", "/../", "//"]
)


@settings(max_examples=400, deadline=None)
@given(
    host=st.sampled_from(["h", "127.0.0.1", "cloud.example.com", "H", "-h"]),
    port=st.sampled_from(["", ":5000", ":0", ":080", ":65535"]),
    scheme=st.sampled_from(["http", "https", "HTTPS"]),
    tail=st.lists(_URL_CHARS, max_size=12).map("".join),
    params=st.none()
    | st.dictionaries(
        st.text(max_size=4),
        st.none() | st.text(max_size=6) | st.lists(st.text(max_size=3), max_size=2),
        max_size=3,
    ),
)
def test_lean_url_matches_requests_wherever_it_answers(
    host: str, port: str, scheme: str, tail: str, params: Any
) -> None:
    url = f"{scheme}://{host}{port}/{tail}"
    got = _requests_lean.lean_url(url, params)
    if got is None:
        return
    assert got == _shipped_url(url, params)
