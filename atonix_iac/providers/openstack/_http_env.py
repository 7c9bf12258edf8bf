"""The environment's proxy, CA and netrc settings read once per origin, not on every request.

requests looks up proxies for each request (``Session.merge_environment_settings`` ->
``get_environ_proxies``), which walks and decodes the whole of ``os.environ`` two or three
times: about a quarter of the client CPU of a request through keystoneauth, 0.3 ms. What it
finds depends only on the URL's scheme and host and on the environment, which an apply does
not change, so the answer is kept per (scheme, host, ``no_proxy``) on the one requests
session all of a provider's connections share. Everything else of the merge is requests' own
logic, restated here.

The same holds for ``~/.netrc``: requests looks for it on every request that carries no
auth of its own (``get_netrc_auth``: two file probes and a home-directory expansion, ~2% of
an apply's client CPU), and keystoneauth's requests never carry one (the token is a header).
The session gets an ``auth`` that applies what that look-up found, once per host, and else
any credentials in the URL, which is what requests would have applied.

``install(requests_session)`` sets the memoised method and auth on that one session object,
only if requests still has the signature read here and the session has no auth of its own;
otherwise requests runs as shipped. A session that does not trust the environment is left
alone.
"""

from __future__ import annotations

import os
import threading
import types
from typing import Any
from urllib.parse import urlsplit

import requests
from requests import auth as requests_auth
from requests import sessions as requests_sessions
from requests import utils as requests_utils

from atonix_iac.providers.openstack._method_patch import shipped_session_method

_PARAMETERS = ["self", "url", "proxies", "stream", "verify", "cert"]
_lock = threading.Lock()


def _ca_bundle() -> str | None:
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")


def _memoised(session: requests.Session) -> Any:
    found: dict[tuple[str, str, Any], tuple[dict[str, str], str | None]] = {}

    def merge_environment_settings(
        self: requests.Session,
        url: str,
        proxies: dict[str, str] | None,
        stream: bool | None,
        verify: Any,
        cert: Any,
    ) -> dict[str, Any]:
        if self.trust_env:
            no_proxy = proxies.get("no_proxy") if proxies is not None else None
            parts = urlsplit(url)
            key = (parts.scheme, parts.netloc, no_proxy)
            environment = found.get(key)
            if environment is None:
                proxies_found = requests_utils.get_environ_proxies(url, no_proxy=no_proxy)
                environment = found[key] = (dict(proxies_found), _ca_bundle())
            env_proxies, ca_bundle = environment
            if proxies is not None:
                for k, v in env_proxies.items():
                    proxies.setdefault(k, v)
            if verify is True or verify is None:
                verify = ca_bundle or verify
        merge = requests_sessions.merge_setting
        return {
            "proxies": merge(proxies, self.proxies),
            "stream": merge(stream, self.stream),
            "verify": merge(verify, self.verify),
            "cert": merge(cert, self.cert),
        }

    return types.MethodType(merge_environment_settings, session)


class NetrcByHost(requests_auth.AuthBase):
    """requests' netrc look-up for a session, once per host: set as the session's ``auth``,
    so that requests skips its own look-up, it applies what that look-up finds, and failing
    that, like requests, the URL's own credentials."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session
        self._found: dict[str, tuple[str, str] | None] = {}

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = str(request.url)
        credentials: tuple[str, str] | None = None
        if self._session.trust_env:
            host = urlsplit(url).netloc
            if host not in self._found:
                found = requests_utils.get_netrc_auth(url)
                self._found[host] = (str(found[0]), str(found[1])) if found else None
            credentials = self._found[host]
        if credentials is None:
            in_url = requests_utils.get_auth_from_url(url)
            credentials = in_url if any(in_url) else None
        if credentials is None:
            return request
        return requests_auth.HTTPBasicAuth(*credentials)(request)


def install(session: Any) -> bool:
    """Memoise ``session``'s environment look-ups; False if requests' shape is not the known
    one or ``session`` is not a requests session."""
    if not shipped_session_method(session, "merge_environment_settings", _PARAMETERS):
        return False
    with _lock:
        if "merge_environment_settings" not in vars(session):
            session.merge_environment_settings = _memoised(session)
        if session.auth is None:
            session.auth = NetrcByHost(session)
    return True
