"""SDK exceptions -> atonix ProviderError subclasses, keeping the service's own message.

The SDK exception stays reachable as ``__cause__`` (for debugging); the text users read is the
service's message (``exc.details``) plus the HTTP status, never request headers or bodies, so a
secret sent in a request cannot leak through an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as os_exceptions

from atonix_iac.errors import (
    ProviderConfigError,
    ProviderError,
    ProviderTimeoutError,
    ResourceFailedError,
    TransientProviderError,
)
from atonix_iac.providers.openstack._timeouts import explain_timeout

# Statuses a cloud answers when asking again may succeed (409 only when the message says the
# object is busy or in use: a 409 for a duplicate or an overlap stays an error).
_TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_PERMANENT_CONFLICT_WORDS = (
    "already",  # exists, attached, has a port on the subnet, allocated: asking again won't help
    "duplicate",
    "overlap",
    "quota",
    "exceeded",
    "not unique",
)


def service_message(exc: BaseException) -> str:
    """The service's explanation: ``details`` when the SDK extracted one, else the text."""
    if isinstance(exc, ks_exceptions.ConnectFailure):
        return _connect_failure(exc)
    details = getattr(exc, "details", None)
    status = getattr(exc, "status_code", None)
    text = _schema_errors(exc) or (str(details).strip() if details else "")
    if not text:
        text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{text} (HTTP {status})" if status else text


def _schema_errors(exc: BaseException) -> str:
    """Designate answers a JSON-schema failure with ``{"errors": {"errors": [{"message": ...}]}}``
    and no message of its own (the SDK then reports only "Bad Request"): its messages, joined."""
    response = getattr(exc, "response", None)
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    listed = errors.get("errors") if isinstance(errors, dict) else None
    if not isinstance(listed, list):
        return ""
    return "; ".join(str(e["message"]) for e in listed if isinstance(e, dict) and e.get("message"))


def _connect_failure(exc: BaseException) -> str:
    """keystoneauth's "Unable to establish connection to URL: <urllib3's retry report>" as
    "Unable to establish connection to URL: connection refused" (the socket's own reason)."""
    text = str(exc)
    head = text.split(": ", 1)[0]
    reason = _socket_reason(exc)
    return f"{head}: {reason}" if reason and head != text else text


def _socket_reason(exc: BaseException) -> str | None:
    """The operating system's words (``Connection refused``) found down the chain of causes,
    through requests' and urllib3's wrappers (``args[0]``, ``reason``)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        strerror = getattr(current, "strerror", None)
        if isinstance(current, OSError) and isinstance(strerror, str) and strerror:
            return strerror[0].lower() + strerror[1:]
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += list(current.args[:1])
        todo.extend(n for n in nested if isinstance(n, BaseException))
    return None


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, os_exceptions.NotFoundException) or (
        getattr(exc, "status_code", None) == 404
    )


def is_transient(exc: BaseException) -> bool:
    """Whether asking again may succeed: throttling, a server-side 5xx, a 409 that says the
    object is busy or in use (Nova's task states, Neutron's "still in use", Cinder's
    attaching), or a connection that dropped or timed out."""
    if isinstance(exc, ks_exceptions.ConnectionError | ks_exceptions.RetriableConnectionFailure):
        return True
    status = getattr(exc, "status_code", None)
    if status in _TRANSIENT_STATUSES:
        return True
    if status == 409:
        text = service_message(exc).lower()
        return not any(word in text for word in _PERMANENT_CONFLICT_WORDS)
    return False


def raise_mapped(exc: BaseException, action: str, physical_id: str | None = None) -> NoReturn:
    message = f"{action}: {service_message(exc)}"
    timeout = explain_timeout(exc)
    if timeout:
        message += f": {timeout}"
    if is_transient(exc):
        raise TransientProviderError(message, physical_id=physical_id) from exc
    if isinstance(exc, os_exceptions.ResourceTimeout):
        raise ProviderTimeoutError(message, physical_id=physical_id) from exc
    if isinstance(exc, os_exceptions.ResourceFailure):
        raise ResourceFailedError(message, physical_id=physical_id) from exc
    if isinstance(
        exc,
        os_exceptions.ConfigException
        | os_exceptions.ServiceDisabledException
        | os_exceptions.NotSupported
        | ks_exceptions.auth_plugins.AuthPluginException
        | ks_exceptions.DiscoveryFailure
        | ks_exceptions.EndpointNotFound
        | ks_exceptions.Unauthorized
        | ks_exceptions.ConnectFailure,
    ):
        raise ProviderConfigError(message, physical_id=physical_id) from exc
    if isinstance(exc, os_exceptions.HttpException) and exc.status_code == 401:
        raise ProviderConfigError(message, physical_id=physical_id) from exc
    raise ProviderError(message, physical_id=physical_id) from exc


@contextmanager
def sdk_errors(action: str, physical_id: str | None = None) -> Iterator[None]:
    """Translate SDK and keystoneauth failures raised inside the block."""
    try:
        yield
    except (os_exceptions.SDKException, ks_exceptions.ClientException) as exc:
        raise_mapped(exc, action, physical_id)
