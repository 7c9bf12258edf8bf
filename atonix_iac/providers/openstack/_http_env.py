"""The environment's proxy and CA settings read once per origin, not on every request.

requests looks up proxies for each request (``Session.merge_environment_settings`` ->
``get_environ_proxies``), which walks and decodes the whole of ``os.environ`` two or three
times: about a quarter of the client CPU of a request through keystoneauth, 0.3 ms. What it
finds depends only on the URL's scheme and host and on the environment, which an apply does
not change, so the answer is kept per (scheme, host, ``no_proxy``) on the one requests
session all of a provider's connections share. Everything else of the merge is requests' own
logic, restated here.

``install(requests_session)`` sets the memoised method on that one session object, only if
requests still has the signature read here; otherwise requests runs as shipped. A session
that does not trust the environment is left alone.
"""

from __future__ import annotations

import inspect
import os
import threading
import types
from typing import Any
from urllib.parse import urlsplit

import requests
from requests import sessions as requests_sessions
from requests import utils as requests_utils

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


def install(session: Any) -> bool:
    """Memoise ``session``'s environment look-ups; False if requests' shape is not the known
    one or ``session`` is not a requests session."""
    method = getattr(requests.Session, "merge_environment_settings", None)
    if not isinstance(session, requests.Session) or not inspect.isfunction(method):
        return False
    if list(inspect.signature(method).parameters) != _PARAMETERS:
        return False
    with _lock:
        if "merge_environment_settings" not in vars(session):
            session.merge_environment_settings = _memoised(session)  # type: ignore[method-assign]
    return True
