"""The memoised environment merge answers as requests' own, environment or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from atonix_iac.providers.openstack import _http_env

URLS = [
    "http://127.0.0.1:5000/identity/v3",
    "http://127.0.0.1:5000/compute/v2.1/servers",
    "https://cloud.example.org:13774/v2.1/servers?status=BUILD",
    "https://nova.internal/v2.1",
    "http://other.internal:8080/x",
]

ENVIRONMENTS: list[dict[str, str]] = [
    {},
    {"HTTP_PROXY": "http://proxy:3128", "HTTPS_PROXY": "http://sproxy:3128"},
    {"https_proxy": "http://sproxy:3128", "no_proxy": "127.0.0.1,.internal"},
    {"REQUESTS_CA_BUNDLE": "/etc/ca.pem"},
    {"CURL_CA_BUNDLE": "/etc/curl.pem", "ALL_PROXY": "socks5://s:1080"},
]

CALLS: list[tuple[dict[str, str] | None, Any, Any]] = [
    ({}, True, None),
    ({}, None, None),
    ({"no_proxy": "cloud.example.org"}, True, None),
    (None, "/my/ca.pem", ("c", "k")),
    ({"https": "http://given:1"}, False, "cert.pem"),
]

PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_same_answer_as_requests(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    plain, memoised = requests.Session(), requests.Session()
    assert _http_env.install(memoised)
    for _ in range(2):  # the second round reads what the first kept
        for url in URLS:
            for proxies, verify, cert in CALLS:
                expected_proxies = None if proxies is None else dict(proxies)
                got_proxies = None if proxies is None else dict(proxies)
                expected = plain.merge_environment_settings(
                    url, expected_proxies, None, verify, cert
                )
                got = memoised.merge_environment_settings(url, got_proxies, None, verify, cert)
                assert got == expected, (url, proxies)
                assert got_proxies == expected_proxies  # the given dict is filled in alike


def test_a_session_not_trusting_the_environment_ignores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy:3128")
    session = requests.Session()
    session.trust_env = False
    assert _http_env.install(session)
    got = session.merge_environment_settings(URLS[0], {}, None, True, None)
    assert got["proxies"] == {}


def test_only_requests_sessions_are_changed() -> None:
    assert not _http_env.install(object())
    session = requests.Session()
    assert _http_env.install(session)
    installed = vars(session)["merge_environment_settings"]
    assert _http_env.install(session)
    assert vars(session)["merge_environment_settings"] is installed
    assert "merge_environment_settings" not in vars(requests.Session())


NETRC_URLS = [
    "http://cloud.example.org:5000/identity/v3",
    "https://cloud.example.org/compute/v2.1/servers",
    "https://nova.internal/v2.1",
    "https://user:secret@nova.internal/v2.1",
    "https://user:secret@cloud.example.org/v2.1",
]


@pytest.mark.parametrize("trust_env", [True, False])
def test_netrc_credentials_apply_as_requests_applies_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, trust_env: bool
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine cloud.example.org login alice password wonder\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    plain, memoised = requests.Session(), requests.Session()
    plain.trust_env = memoised.trust_env = trust_env
    assert _http_env.install(memoised)
    for _ in range(2):  # the second round reads what the first kept
        for url in NETRC_URLS:
            expected = plain.prepare_request(requests.Request("GET", url))
            got = memoised.prepare_request(requests.Request("GET", url))
            assert got.headers.get("Authorization") == expected.headers.get("Authorization")
            assert got.url == expected.url
    assert plain.prepare_request(requests.Request("GET", NETRC_URLS[0])).headers.get(
        "Authorization"
    ) == ("Basic YWxpY2U6d29uZGVy" if trust_env else None)


def test_a_session_with_its_own_auth_keeps_it() -> None:
    session = requests.Session()
    session.auth = ("bob", "builder")
    assert _http_env.install(session)
    assert session.auth == ("bob", "builder")
