"""Swift TempURLs: a request carrying ``temp_url_sig`` and ``temp_url_expires`` instead of a
token, as Swift's tempurl middleware checks it.

The signature is an HMAC of ``<METHOD>\\n<expires>\\n<path>`` (path as the proxy sees it,
``/v1/AUTH_<project>/<container>/<object>``) keyed by the account's ``Temp-URL-Key`` or
``Temp-URL-Key-2`` metadata: hex SHA-1 or SHA-256, or ``sha1:``/``sha256:``/``sha512:``
followed by base64. A HEAD is allowed by a GET, PUT or POST signature. Only object paths
are reachable; anything else, an expired or a wrong signature, is 401.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable

from .common import now
from .errors import ApiError
from .protocol import AuthContext, Request

_DIGESTS = frozenset({"sha1", "sha256", "sha512"})
_HEX_LENGTHS = {40: "sha1", 64: "sha256", 128: "sha512"}
_UNAUTHORIZED = "Unauthorized: temporary URL invalid or expired."


def is_temp_url(req: Request) -> bool:
    return req.arg("temp_url_sig") is not None


def _signature(sig: str) -> tuple[str, bytes]:
    algorithm, _, encoded = sig.partition(":")
    if encoded and algorithm in _DIGESTS:
        try:
            return algorithm, base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ApiError(401, _UNAUTHORIZED) from exc
    name = _HEX_LENGTHS.get(len(sig))
    if name is None:
        raise ApiError(401, _UNAUTHORIZED)
    try:
        return name, bytes.fromhex(sig)
    except ValueError as exc:
        raise ApiError(401, _UNAUTHORIZED) from exc


def temp_url_context(req: Request, account_keys: Callable[[str], list[str]]) -> AuthContext:
    """The caller a valid TempURL request acts as (the account's project), else 401.
    ``account_keys(project_id)``: that account's temp URL keys."""
    segments = req.segments
    if len(segments) < 3 or not segments[0].startswith("AUTH_"):
        raise ApiError(401, _UNAUTHORIZED)
    project_id = segments[0][len("AUTH_") :]
    try:
        expires = int(req.arg("temp_url_expires") or "")
    except ValueError as exc:
        raise ApiError(401, _UNAUTHORIZED) from exc
    if expires < now():
        raise ApiError(401, _UNAUTHORIZED)
    algorithm, given = _signature(str(req.arg("temp_url_sig")))
    methods = ("GET", "PUT", "POST") if req.method == "HEAD" else (req.method,)
    path = "/v1/" + "/".join(segments)
    for key in account_keys(project_id):
        for method in methods:
            body = f"{method}\n{expires}\n{path}".encode()
            wanted = hmac.new(key.encode(), body, algorithm).digest()
            if hmac.compare_digest(wanted, given):
                return AuthContext("", "", project_id, "", ())
    raise ApiError(401, _UNAUTHORIZED)
