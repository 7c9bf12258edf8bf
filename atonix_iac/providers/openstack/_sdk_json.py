"""Creates and reads through a service's SDK proxy whose answer becomes one SDK object.

openstacksdk's ``create_<thing>`` and ``get_<thing>`` negotiate the microversion, build an
object, send the request, then convert the answer into the object and its dict view (twice
``to_dict``) and work out its ``location``: 1-1.8 ms of client CPU beside the request itself,
more than the request. On the hot path of an apply (ports and servers created, a server read
once it is built) the same request is sent through the same proxy at the same microversion
(negotiated once per session, as the SDK would): the body is the one the SDK's own
``_prepare_request`` builds, and the object is built from the answer with ``existing``, so
its fields and dict view are the ones the SDK gives (``tests/providers_openstack/
test_sdk_json.py`` compares them). A class whose create is not the plain POST read here
goes through the SDK's own call.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Mapping
from typing import Any

from openstack import exceptions as os_exceptions
from openstack import resource as os_resource
from openstack import types as os_types


class ProxyFacts:
    """What the SDK works out per request but does not change while a provider runs, kept
    per service: the microversion it sends for a resource class (from the proxy's config and
    the service's version document) and the proxy's endpoint (from the token's catalogue),
    which keystoneauth otherwise looks up in the catalogue on every request."""

    def __init__(self) -> None:
        self._versions: dict[tuple[str, type], str | None] = {}
        self._endpoints: dict[str, str] = {}
        self._lock = threading.Lock()

    def microversion(self, proxy: Any, resource_class: Any) -> str | None:
        key = (str(proxy.service_type), resource_class)
        with self._lock:
            if key in self._versions:
                return self._versions[key]
        version: str | None = resource_class._get_microversion(proxy)
        with self._lock:
            self._versions[key] = version
        return version

    def url(self, proxy: Any, path: str) -> str:
        """``path`` under the proxy's endpoint, joined as keystoneauth joins them."""
        service = str(proxy.service_type)
        endpoint = self._endpoints.get(service)
        if endpoint is None:
            endpoint = str(proxy.get_endpoint())
            with self._lock:
                self._endpoints[service] = endpoint
        return f"{endpoint.rstrip('/')}/{path.lstrip('/')}"


def get_object(proxy: Any, facts: ProxyFacts, resource_class: Any, object_id: str) -> Any:
    """``resource_class``'s object ``object_id`` (the SDK's exceptions on errors, 404 as
    ``NotFoundException``)."""
    path = f"{resource_class.base_path}/{object_id}"
    version = facts.microversion(proxy, resource_class)
    response = proxy.get(facts.url(proxy, path), microversion=version, raise_exc=False)
    os_exceptions.raise_from_response(response)
    return object_of(_body_of(response, resource_class, f"GET {path}"), resource_class, version)


def object_of(body: Mapping[str, Any], resource_class: Any, version: str | None) -> Any:
    """The SDK object for ``body``, an answer read at ``version``, as ``get_object`` builds it."""
    obj = resource_class.existing(**body)
    obj.microversion = version
    return obj


def _plain_post(resource_class: Any) -> bool:
    """Whether the class creates with the SDK's default POST and answer (no override)."""
    opts = getattr(resource_class, "create_opts", None)
    if not isinstance(opts, os_resource.CreateOpts):
        return False
    overridden = any(
        inspect.getattr_static(resource_class, name)
        is not inspect.getattr_static(os_resource.Resource, name)
        for name in ("create", "_translate_response", "_transform_create_request")
    )
    return (
        not overridden
        and opts.method == "POST"
        and isinstance(opts.requires_id, os_types.Unset)
        and isinstance(opts.request_key, os_types.Unset)
        and isinstance(opts.response_key, os_types.Unset)
        and opts.response_has_body is True
        and not resource_class._store_unknown_attrs_as_properties
    )


def _body_of(response: Any, resource_class: Any, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise os_exceptions.SDKException(f"unexpected answer from {what}: {exc}") from exc
    key = resource_class.resource_key
    if isinstance(body, dict) and key and key in body:
        body = body[key]
    if not isinstance(body, dict):
        raise os_exceptions.SDKException(f"unexpected answer from {what}")
    return body


def create_object(
    proxy: Any,
    facts: ProxyFacts,
    resource_class: Any,
    attrs: Mapping[str, Any],
    sdk_create: Callable[..., Any],
) -> Any:
    """The object created from ``attrs`` (by ``sdk_create(**attrs)`` where the class's create
    is not the plain POST)."""
    if not _plain_post(resource_class):
        return sdk_create(**attrs)
    version = facts.microversion(proxy, resource_class)
    body = _post(proxy, facts, resource_class, attrs, version)
    obj = resource_class.existing(**body)
    obj.microversion = version
    return obj


def create_id(
    proxy: Any,
    facts: ProxyFacts,
    resource_class: Any,
    attrs: Mapping[str, Any],
    sdk_create: Callable[..., Any],
) -> str:
    """The id of the object created from ``attrs``, where nothing else of the answer is
    needed (a server's create answers with little more)."""
    if not _plain_post(resource_class):
        return str(sdk_create(**attrs).id)
    version = facts.microversion(proxy, resource_class)
    body = _post(proxy, facts, resource_class, attrs, version)
    if not body.get("id"):
        raise os_exceptions.SDKException(f"no id in the answer to creating {attrs}")
    return str(body["id"])


def _no_dict_view(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    return {}


@functools.cache
def _request_class(resource_class: type) -> Any:
    """``resource_class`` less the dict view its constructor fills (``to_dict`` over every
    field, ~100 for a server), which a create request never reads."""
    return type(resource_class.__name__, (resource_class,), {"to_dict": _no_dict_view})


def request_of(resource_class: Any, attrs: Mapping[str, Any]) -> Any:
    """The SDK's own create request (url, body, headers) for an object of ``attrs``."""
    return (
        _request_class(resource_class)
        .new(**attrs)
        ._prepare_request(requires_id=False, prepend_key=True, base_path=None)
    )


def _post(
    proxy: Any,
    facts: ProxyFacts,
    resource_class: Any,
    attrs: Mapping[str, Any],
    version: str | None,
) -> dict[str, Any]:
    """The SDK's own create request for ``attrs``, sent; the answer's object body."""
    request = request_of(resource_class, attrs)
    response = proxy.post(
        facts.url(proxy, request.url),
        json=request.body,
        headers=request.headers,
        microversion=version,
        raise_exc=False,
    )
    os_exceptions.raise_from_response(response)
    return _body_of(response, resource_class, f"POST {request.url}")
