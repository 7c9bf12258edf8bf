"""requests' ``Session.request`` without the general-purpose preparation keystoneauth's
requests never need.

Every API call goes through ``requests.Session.request``, which builds a ``Request``, merges
the session's cookies, params, auth and hooks into it (new cookie jars each time), and parses,
IDNA-checks, re-quotes and re-assembles the URL (urllib3's ``parse_url`` and requests'
``requote_uri``): about a quarter of requests' own client CPU per call, and with ~3.5 calls per
server the largest single share left of an apply's client CPU on OpenStack. keystoneauth's
requests are always of one simple kind: a str or bytes body it encoded itself, headers,
maybe query parameters, no cookies, files, hooks or proxies, redirects off (it follows them
itself).

For a request of that kind on a session with nothing of its own to merge (no cookies,
params, proxies or hooks) and a URL already in the form requests would give it, ``request``
builds the same ``PreparedRequest`` with requests' own methods (``prepare_headers``,
``prepare_body``, ``prepare_auth``, the params encoder) and sends it through the session's
adapter as ``Session.send`` does, less the cookie parsing of an answer that sets no cookie
and the redirect look-up of one that is no redirect: the response is requests' own. Anything
else, a URL included that requests would rewrite, goes through requests' own ``request``.
``tests/providers_openstack/test_requests_lean.py`` compares both, also over generated URLs
and parameters.
"""

from __future__ import annotations

import re
import threading
import types
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import requests
from requests import sessions as requests_sessions
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.models import RequestEncodingMixin
from requests.structures import CaseInsensitiveDict

from atonix_iac.providers.openstack._method_patch import shipped_session_method

_PARAMETERS = [
    "self",
    "method",
    "url",
    "params",
    "data",
    "headers",
    "cookies",
    "files",
    "auth",
    "timeout",
    "allow_redirects",
    "proxies",
    "hooks",
    "stream",
    "verify",
    "cert",
    "json",
]
_lock = threading.Lock()

# A URL requests leaves as it is: scheme and host in lower case (a host requests neither
# IDNA-encodes nor refuses), a port without leading zeros, a path of characters that need no
# quoting, and a query whose escapes are upper-case and of characters requote_uri keeps
# escaped. No user info, no fragment.
_URL = re.compile(
    r"(?P<base>https?://[a-z0-9][a-z0-9.\-]*(?::[1-9][0-9]{0,4})?)"
    r"(?P<path>/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)"
    r"(?:\?(?P<query>[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*))?\Z"
)
_ESCAPE = re.compile(r"%(.?.?)")
_HEX = frozenset("0123456789ABCDEF")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _kept_escapes(query: str) -> bool:
    """Whether every ``%XX`` of ``query`` is one requests keeps as it is."""
    for code in _ESCAPE.findall(query):
        if len(code) != 2 or not set(code) <= _HEX or chr(int(code, 16)) in _UNRESERVED:
            return False
    return True


def lean_url(url: Any, params: Any) -> str | None:
    """The URL requests would send for ``url`` and ``params`` (a dict, or None), when it is
    ``url`` plus the encoded parameters; None where requests would rewrite something."""
    if not isinstance(url, str) or (params is not None and type(params) is not dict):
        return None
    match = _URL.match(url)
    if match is None:
        return None
    path = match["path"]
    if "/./" in path or "/../" in path or path.endswith(("/.", "/..")):
        return None
    query = match["query"]
    if query and not _kept_escapes(query):
        return None
    encoded = RequestEncodingMixin._encode_params(params or {})
    if not isinstance(encoded, str):
        return None
    if query and encoded:
        query = f"{query}&{encoded}"
    elif not query:
        query = encoded
    return f"{match['base']}{path}?{query}" if query else f"{match['base']}{path}"


def _plain_session(session: requests.Session) -> bool:
    """Whether the session has nothing of its own to merge into a request (no cookies,
    params, proxies or response hooks), and netrc is not looked up per request."""
    if len(session.cookies) or session.params or session.proxies:
        return False
    if any(session.hooks.values()):
        return False
    return session.auth is not None or not session.trust_env


def _send_unredirected(
    session: requests.Session,
    prepared: requests.PreparedRequest,
    timeout: Any,
    settings: dict[str, Any],
) -> requests.Response:
    """``Session.send`` of a request without hooks, redirects off (keystoneauth follows
    them itself): requests' own steps, less the cookie parsing of an answer that sets none
    and the redirect look-up of one that is no redirect."""
    adapter = session.get_adapter(url=str(prepared.url))
    start = requests_sessions.preferred_clock()
    response = adapter.send(prepared, timeout=timeout, **settings)
    response.elapsed = timedelta(seconds=requests_sessions.preferred_clock() - start)
    if "set-cookie" in response.headers or "set-cookie2" in response.headers:
        extract_cookies_to_jar(session.cookies, prepared, response.raw)
    if response.is_redirect:
        following = session.resolve_redirects(
            response, prepared, yield_requests=True, timeout=timeout, **settings
        )
        response._next = next(following, None)  # type: ignore[assignment]
    if not settings["stream"]:
        response.content  # noqa: B018 (read now, as requests does)
    return response


def _lean(session: requests.Session) -> Any:
    shipped: Any = type(session).request

    def request(
        self: requests.Session,
        method: str | bytes,
        url: Any,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = True,
        proxies: Any = None,
        hooks: Any = None,
        stream: Any = None,
        verify: Any = None,
        cert: Any = None,
        json: Any = None,
    ) -> requests.Response:
        verb = method if isinstance(method, str) else None
        prepared_url = None
        if (
            verb is not None
            and not (cookies or files or auth or hooks or proxies or stream)
            and json is None
            and (data is None or isinstance(data, str | bytes))
            and (headers is None or isinstance(headers, Mapping))
            and _plain_session(self)
        ):
            prepared_url = lean_url(url, params)
        if verb is None or prepared_url is None:
            return shipped(  # type: ignore[no-any-return]
                self,
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                cookies=cookies,
                files=files,
                auth=auth,
                timeout=timeout,
                allow_redirects=allow_redirects,
                proxies=proxies,
                hooks=hooks,
                stream=stream,
                verify=verify,
                cert=cert,
                json=json,
            )
        prepared = requests.PreparedRequest()
        prepared.method = verb.upper()
        prepared.url = prepared_url
        prepared.prepare_headers(
            requests_sessions.merge_setting(headers, self.headers, dict_class=CaseInsensitiveDict)
        )
        prepared._cookies = RequestsCookieJar()  # empty: it adds no Cookie header
        prepared.prepare_body(data or {}, None, None)
        prepared.prepare_auth(self.auth, prepared_url)
        prepared.hooks = {"response": []}
        settings = self.merge_environment_settings(prepared_url, {}, stream, verify, cert)
        if allow_redirects:
            return self.send(prepared, timeout=timeout, allow_redirects=True, **settings)
        return _send_unredirected(self, prepared, timeout, settings)

    return types.MethodType(request, session)


def install(session: Any) -> bool:
    """Give ``session`` the lean ``request``; False if it is not a requests session or
    requests' ``request`` is not the known one (then requests runs as shipped)."""
    if not shipped_session_method(session, "request", _PARAMETERS):
        return False
    with _lock:
        if "request" not in vars(session):
            session.request = _lean(session)
    return True
