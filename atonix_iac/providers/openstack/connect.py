"""A workspace binding -> an openstacksdk Connection scoped to its project and region.

Credentials come only from clouds.yaml or ``OS_*`` variables; atonix never reads, stores or
prints them. We pass ``cloud=NAME`` and override just the project and region: passing a
username alongside would lose to the clouds.yaml entry anyway (see real_openstack.md), and the
project name passed in does win. After the first authentication we check that the token really
is scoped to the binding's project, so that a clouds.yaml ``project_id`` cannot silently send
resources to another project.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import openstack
import openstack.connection
from keystoneauth1 import session as ks_session
from openstack import exceptions as os_exceptions
from urllib3.util.retry import Retry

from atonix_iac.errors import ProviderConfigError
from atonix_iac.providers.openstack import (
    _http_env,
    _ks_catalog,
    _ks_expiry,
    _requests_kv,
    _requests_lean,
    _sdk_consume,
    _sdk_dict,
    _sdk_fields,
)
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._timeouts import (
    DEFAULT_API_TIMEOUT_S,
    api_timeout_s,
    requests_timeout,
)

__all__ = [
    "DEFAULT_API_TIMEOUT_S",
    "BindingLike",
    "CloudTarget",
    "ConnectionPool",
    "api_timeout_s",
    "connect",
    "widen_http_pool",
]

# Idle HTTP connections kept per host: above any sensible apply parallelism, so no worker's
# connection is dropped after each request (sockets are only opened when needed).
HTTP_POOL_SIZE = 256
# keystoneauth and openstacksdk log warnings (a failed version discovery, a retry) that
# Python would print on stderr when nothing is configured; what matters reaches the user as
# the error atonix reports. A handler configured by an embedding program still gets them.
for _name in ("keystoneauth", "openstack"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


class BindingLike(Protocol):
    """What the provider needs of a workspace binding (``workspace.config.Binding`` fits)."""

    @property
    def workspace(self) -> str: ...

    @property
    def environment(self) -> str: ...

    @property
    def cloud(self) -> str | None: ...

    @property
    def project(self) -> str | None: ...

    @property
    def region(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class CloudTarget:
    cloud: str
    project: str | None = None
    region: str | None = None

    @classmethod
    def from_binding(cls, binding: BindingLike) -> CloudTarget:
        if not binding.cloud:
            raise ProviderConfigError(
                f"workspace {binding.workspace}/{binding.environment} is bound to no cloud; "
                "set `cloud:` for it in atonix.yaml to use OpenStack resource types"
            )
        return cls(binding.cloud, binding.project, binding.region)

    def describe(self) -> str:
        parts = [f"cloud `{self.cloud}`"]
        if self.project:
            parts.append(f"project `{self.project}`")
        if self.region:
            parts.append(f"region `{self.region}`")
        return ", ".join(parts)


def connect(target: CloudTarget) -> Any:
    """An authenticated Connection for ``target`` (raises ProviderConfigError)."""
    _sdk_fields.install()
    _sdk_consume.install()
    _sdk_dict.install()
    _ks_catalog.install()
    _ks_expiry.install()
    _requests_kv.install()
    kwargs: dict[str, Any] = {"cloud": target.cloud, "api_timeout": api_timeout_s()}
    if target.project:
        kwargs["project_name"] = target.project
    if target.region:
        kwargs["region_name"] = target.region
    try:
        conn: Any = openstack.connect(**kwargs)
    except os_exceptions.ConfigException as exc:
        raise ProviderConfigError(
            f"cannot use {target.describe()}: {exc}{_known_clouds()}",
        ) from exc
    # openstacksdk passes one number (api_timeout) for both; requests takes (connect, read).
    conn.session.timeout = requests_timeout()
    with sdk_errors(f"authenticating to {target.describe()}"):
        scoped_id = conn.current_project_id
        access = conn.session.auth.get_access(conn.session)
    if target.project and target.project not in (access.project_name, scoped_id):
        conn.close()
        raise ProviderConfigError(
            f"{target.describe()}: the token is scoped to project "
            f"`{access.project_name}`, not `{target.project}` "
            "(check project_id/project_name in clouds.yaml)"
        )
    return conn


def _known_clouds() -> str:
    """`` (clouds.yaml has: a, b)``: the entries a misspelt cloud name could have meant."""
    try:
        names = sorted(openstack.config.OpenStackConfig().get_cloud_names())
    except os_exceptions.ConfigException:
        return ""
    return f" (clouds.yaml has: {', '.join(names) or 'no entries'})"


class ConnectionPool:
    """One Connection per thread, all on one authenticated keystoneauth Session.

    openstacksdk does not promise that a Connection is safe to share between threads (proxies
    cache discovery and microversion data lazily, the cloud layer keeps unlocked caches), so
    each worker thread gets its own. They are built on the first one's CloudRegion and so share
    its keystoneauth Session, which is made for this: one token (its auth plugin re-authenticates
    under a lock), one version-discovery cache, one urllib3 pool (widened here to
    ``HTTP_POOL_SIZE`` connections per host, as requests keeps only 10). Authenticating once
    instead of once per thread saves a token request, a discovery round trip and their client
    CPU per worker.

    The service proxies (``conn.compute``, ``conn.network`` ...) are shared too: a proxy is a
    keystoneauth Adapter plus resource classes, with no per-call state, and building one costs
    ~40 ``CloudRegion`` config look-ups that deep-copy the service-types table (~15 ms of CPU).
    Per thread, that was about a fifth of the client CPU of 100 servers at parallelism 50.
    The shared requests session reads the proxy environment once per host (``_http_env``)
    and prepares keystoneauth's plain requests itself (``_requests_lean``).
    """

    def __init__(self, target: CloudTarget) -> None:
        self.target = target
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Any] = []

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                if self._all:
                    first = self._all[0]
                    conn = openstack.connection.Connection(config=first.config)
                    conn._proxies = first._proxies
                else:
                    conn = connect(self.target)
                    widen_http_pool(conn.session)
                    _http_env.install(conn.session.session)
                    _requests_lean.install(conn.session.session)
                self._all.append(conn)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


def _stale_connection_retry() -> Retry:
    """One more try when a pooled keep-alive connection turns out closed by the server (reset
    on reuse), for idempotent methods only: a POST that met a reset may have been received,
    and is left to the create's own look-up by token. Connection failures before anything
    was sent are retried for every method; statuses and redirects are not urllib3's here."""
    return Retry(
        total=1,
        connect=1,
        read=1,
        status=0,
        redirect=0,
        other=0,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
        raise_on_status=False,
    )


class _OriginKeyedAdapter(ks_session.TCPKeepAliveAdapter):
    """keystoneauth's adapter, with a request's connection-pool key worked out once per
    origin and TLS setting. requests parses the URL again and, when ``verify`` names a CA
    bundle, asks the file system whether it is a directory, on every request (~3% of an
    apply's client CPU, and a system call that lets another thread take the GIL midway)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool_keys: dict[tuple[str, Any, Any], tuple[dict[str, Any], dict[str, Any]]] = {}

    def build_connection_pool_key_attributes(
        self, request: Any, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        key = (_origin(str(request.url or "")), verify, cert)
        try:
            found = self._pool_keys.get(key)
        except TypeError:  # an unhashable setting: not kept
            return super().build_connection_pool_key_attributes(request, verify, cert)
        if found is None:
            found = super().build_connection_pool_key_attributes(request, verify, cert)
            self._pool_keys[key] = found
        host_params, pool_kwargs = found
        return dict(host_params), dict(pool_kwargs)


def _origin(url: str) -> str:
    """``scheme://authority`` of ``url`` (all of it if it has no path, query or fragment)."""
    start = url.find("://")
    if start < 0:
        return url
    ends = [i for i in (url.find(c, start + 3) for c in "/?#") if i >= 0]
    return url[: min(ends)] if ends else url


def widen_http_pool(session: Any, size: int = HTTP_POOL_SIZE) -> None:
    """Keep up to ``size`` idle connections per host in ``session`` (a keystoneauth Session),
    and retry an idempotent request once when its pooled connection was closed by the server.

    Only keystoneauth's own adapters are replaced (same TLS settings); a requests session the
    user supplied with other adapters is left alone.
    """
    requests_session = session.session
    wider: dict[int, Any] = {}
    for prefix, adapter in list(requests_session.adapters.items()):
        if type(adapter) is not ks_session.TCPKeepAliveAdapter:
            continue
        if id(adapter) not in wider:
            wider[id(adapter)] = _OriginKeyedAdapter(
                pool_maxsize=size,
                max_retries=_stale_connection_retry(),
                tls_ciphers=adapter.tls_ciphers,
                tls_min_version=adapter.tls_min_version,
            )
            adapter.close()
        requests_session.mount(prefix, wider[id(adapter)])
