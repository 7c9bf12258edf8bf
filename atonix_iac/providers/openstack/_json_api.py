"""One JSON request through a service's openstacksdk proxy, for services the SDK has no
resource classes we use (Aodh, Zaqar, Mistral): the proxy still brings authentication,
endpoint discovery and error mapping; this adds the services' own error bodies to the
exception, so a 400 reads as what the service said."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as os_exceptions


def _detail(response: Any) -> str | None:
    """Aodh's ``error_message.faultstring``, Mistral's ``faultstring``, Zaqar's
    ``description``."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    inner = body.get("error_message")
    if isinstance(inner, dict):
        body = inner
    for key in ("faultstring", "description", "message"):
        if body.get(key):
            return str(body[key])
    return None


def call(
    proxy: Any,
    method: str,
    url: str,
    body: Any = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    """The decoded JSON answer (None if empty); SDK exceptions on errors."""
    kwargs: dict[str, Any] = {"raise_exc": False, "headers": dict(headers or {})}
    if text is not None:
        kwargs["data"] = text.encode()
        kwargs["headers"]["Content-Type"] = "text/plain"
    elif body is not None:
        kwargs["json"] = body
    if params:
        kwargs["params"] = params
    response = proxy.request(url, method, **kwargs)
    if response.status_code >= 400:
        try:
            os_exceptions.raise_from_response(response)
        except os_exceptions.HttpException as exc:
            exc.details = _detail(response) or exc.details
            raise
    if not response.content:
        return None
    return response.json()
