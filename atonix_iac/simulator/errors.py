"""API errors and their per-service wire shapes.

openstacksdk only surfaces a message when the body is ``application/json`` and has the shape
its service uses (see the surface doc, "Error mapping"), so every error leaves through
:func:`error_body`, which picks the real shape for the service that raised it.
"""

from __future__ import annotations

import html
from typing import Any

# Nova and Cinder share the same fault wrapper names (nova/api/openstack/wsgi.py).
_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

_NEUTRON_TYPES = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    409: "HTTPConflict",
    500: "HTTPInternalServerError",
    503: "HTTPServiceUnavailable",
}

REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    300: "Multiple Choices",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """Raised by handlers; ``error_type`` is Neutron's exception name (``NetworkNotFound``)."""

    def __init__(self, status: int, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type


def not_found(message: str, error_type: str | None = None) -> ApiError:
    return ApiError(404, message, error_type)


def bad_request(message: str, error_type: str | None = None) -> ApiError:
    return ApiError(400, message, error_type or "HTTPBadRequest")


def conflict(message: str, error_type: str | None = None) -> ApiError:
    return ApiError(409, message, error_type or "HTTPConflict")


def forbidden(message: str, error_type: str | None = None) -> ApiError:
    return ApiError(403, message, error_type or "HTTPForbidden")


def error_body(service: str, err: ApiError) -> tuple[str, bytes | dict[str, Any]]:
    """Return ``(content_type, body)`` for ``err`` in ``service``'s real error shape."""
    status, message = err.status, err.message
    if service == "identity" or status == 401:
        title = REASONS.get(status, "Error")
        return "application/json", {"error": {"code": status, "title": title, "message": message}}
    if service == "network":
        kind = err.error_type or _NEUTRON_TYPES.get(status, "NeutronError")
        return "application/json", {
            "NeutronError": {"type": kind, "message": message, "detail": ""}
        }
    if service == "image":
        title = f"{status} {REASONS.get(status, 'Error')}"
        text = (
            f"<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n"
            f"  <h1>{title}</h1>\n  {html.escape(message)}<br /><br />\n\n\n </body>\n</html>"
        )
        return "text/html; charset=UTF-8", text.encode()
    if service == "dns":  # Designate (designate/api/middleware.py FaultWrapperMiddleware)
        kind = err.error_type or REASONS.get(status, "error").lower().replace(" ", "_")
        schema_errors = getattr(err, "schema_errors", None)
        if schema_errors:  # a JSON-schema failure: the list, and no message
            return "application/json", {
                "code": status,
                "type": kind,
                "errors": {"errors": schema_errors},
            }
        return "application/json", {"code": status, "type": kind, "message": message}
    if service == "key-manager":  # Barbican (barbican/api/__init__.py)
        title = REASONS.get(status, "Error")
        return "application/json", {"code": status, "title": title, "description": message}
    if service == "object-store":  # Swift answers errors as a short HTML page
        title = REASONS.get(status, "Error")
        text = f"<html><h1>{title}</h1><p>{html.escape(message)}</p></html>"
        return "text/html; charset=UTF-8", text.encode()
    if service in ("compute", "block-storage", "shared-file-system"):
        name = _FAULT_NAMES.get(status, "computeFault")
        fault: dict[str, Any] = {"code": status, "message": message}
        if status == 413:
            fault["retryAfter"] = "0"
        return "application/json", {name: fault}
    if service == "load-balancer":  # WSME, as Octavia answers
        code = "Client" if status < 500 else "Server"
        return "application/json", {"faultcode": code, "faultstring": message, "debuginfo": None}
    if service == "container-infra":  # Magnum's errors list
        title = REASONS.get(status, "Error")
        item = {"request_id": "", "code": str(status), "status": status, "title": title}
        return "application/json", {"errors": [{**item, "detail": message}]}
    if service == "alarming":  # Aodh: WSME under pecan
        code = "Client" if status < 500 else "Server"
        fault = {"faultcode": code, "faultstring": message, "debuginfo": None}
        return "application/json", {"error_message": fault}
    if service == "workflow":  # Mistral: WSME
        code = "Client" if status < 500 else "Server"
        return "application/json", {"faultcode": code, "faultstring": message, "debuginfo": None}
    if service == "messaging":  # Zaqar: falcon
        return "application/json", {"title": REASONS.get(status, "Error"), "description": message}
    return "application/json", {"error": {"code": status, "message": message}}
