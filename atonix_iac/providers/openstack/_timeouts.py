"""How long atonix waits on the cloud's API, and how a timed-out request is explained.

Two limits, each with its variable, so that a cloud that never answers cannot hang a run and
the error says which limit ran out and how to change it:

* connecting (TCP and TLS): ``ATONIX_CONNECT_TIMEOUT_S``, default 10 s;
* an answer once connected: ``ATONIX_API_TIMEOUT_S``, default 120 s (between bytes, as
  requests counts it, so a slow but moving answer is not cut).
"""

from __future__ import annotations

import os

import requests

from atonix_iac.errors import ProviderConfigError

CONNECT_TIMEOUT_ENV = "ATONIX_CONNECT_TIMEOUT_S"
API_TIMEOUT_ENV = "ATONIX_API_TIMEOUT_S"
DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_API_TIMEOUT_S = 120.0


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        raise ProviderConfigError(f"{name}={text!r} is not a number of seconds") from None
    return value if value > 0 else default


def api_timeout_s() -> float:
    """Seconds to wait for an answer once connected (``ATONIX_API_TIMEOUT_S``, default 120).
    A timed-out request is a transient fault: asked again (after a token look-up, for a
    create)."""
    return _seconds(API_TIMEOUT_ENV, DEFAULT_API_TIMEOUT_S)


def connect_timeout_s() -> float:
    """Seconds to wait for a connection (``ATONIX_CONNECT_TIMEOUT_S``, default 10)."""
    return _seconds(CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT_S)


def requests_timeout() -> tuple[float, float]:
    """(connect, read): what requests takes as ``timeout=``."""
    return connect_timeout_s(), api_timeout_s()


def _number(value: float) -> str:
    return f"{value:g}"


def explain_timeout(exc: BaseException) -> str | None:
    """Which limit a keystoneauth timeout hit, and its variable; None if ``exc`` is not one.

    keystoneauth turns both of requests' timeouts into one ``ConnectTimeout`` ("Request to
    URL timed out"), raised while handling requests' own, which stays as ``__context__``.
    """
    from keystoneauth1 import exceptions as ks_exceptions

    if not isinstance(exc, ks_exceptions.ConnectTimeout):
        return None
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, requests.exceptions.ConnectTimeout):
            return _connect_words()
        if isinstance(cause, requests.exceptions.ReadTimeout):
            return _read_words()
        cause = cause.__cause__ or cause.__context__
    return f"{_connect_words()}, or {_read_words()}"


def _connect_words() -> str:
    return (
        f"no connection within the connect timeout of {_number(connect_timeout_s())}s"
        f" ({CONNECT_TIMEOUT_ENV} sets it)"
    )


def _read_words() -> str:
    return (
        f"no answer within the API timeout of {_number(api_timeout_s())}s"
        f" ({API_TIMEOUT_ENV} sets it)"
    )
