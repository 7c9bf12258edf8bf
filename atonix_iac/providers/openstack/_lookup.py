"""Name-or-id lookups for the things templates may name either way.

Each returns the SDK object or None; ``require_*`` variants raise a ProviderError that says what
was not found and suggests a close name. Flavor and image lookups are cached per connection
(they are read-only catalogues and a large plan asks for the same few many times).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as os_exceptions

from atonix_iac.errors import ProviderError, suggest
from atonix_iac.providers.openstack import _barbican
from atonix_iac.providers.openstack._errors import sdk_errors

Finder = Callable[[Any, str], Any]


def _find(proxy_method: Callable[..., Any], name_or_id: str, what: str) -> Any:
    with sdk_errors(f"looking up {what} `{name_or_id}`"):
        try:
            return proxy_method(name_or_id, ignore_missing=True)
        except os_exceptions.DuplicateResource as exc:
            raise ProviderError(
                f"{what} `{name_or_id}` is ambiguous: several share that name; use its id"
            ) from exc


def flavor(conn: Any, name_or_id: str) -> Any:
    return _find(conn.compute.find_flavor, name_or_id, "flavor")


def image(conn: Any, name_or_id: str) -> Any:
    return _find(conn.image.find_image, name_or_id, "image")


def keypair(conn: Any, name_or_id: str) -> Any:
    return _find(conn.compute.find_keypair, name_or_id, "keypair")


def network(conn: Any, name_or_id: str) -> Any:
    return _find(conn.network.find_network, name_or_id, "network")


def subnet(conn: Any, name_or_id: str) -> Any:
    return _find(conn.network.find_subnet, name_or_id, "subnet")


def port(conn: Any, name_or_id: str) -> Any:
    return _find(conn.network.find_port, name_or_id, "port")


def router(conn: Any, name_or_id: str) -> Any:
    return _find(conn.network.find_router, name_or_id, "router")


def security_group(conn: Any, name_or_id: str) -> Any:
    return _find(conn.network.find_security_group, name_or_id, "security group")


def volume(conn: Any, name_or_id: str) -> Any:
    """By id, else by name matched here: Cinder refuses ``?name=`` from non-admin members."""
    with sdk_errors(f"looking up volume `{name_or_id}`"):
        try:
            return conn.block_storage.get_volume(name_or_id)
        except os_exceptions.NotFoundException:
            pass
        matches = [v for v in conn.block_storage.volumes() if v.name == name_or_id]
    if len(matches) > 1:
        raise ProviderError(
            f"volume `{name_or_id}` is ambiguous: several share that name; use its id"
        )
    return matches[0] if matches else None


def volume_type(conn: Any, name_or_id: str) -> Any:
    return _find(conn.block_storage.find_type, name_or_id, "volume type")


def server(conn: Any, name_or_id: str) -> Any:
    return _find(conn.compute.find_server, name_or_id, "server")


def dns_zone(conn: Any, name_or_id: str) -> Any:
    """By id or name; ``example.com`` finds ``example.com.`` (templates often drop the dot)."""
    found = _find(conn.dns.find_zone, name_or_id, "zone")
    if found is None and name_or_id and not name_or_id.endswith("."):
        found = _find(conn.dns.find_zone, name_or_id + ".", "zone")
    return found


def keystone(kind: str) -> Finder:
    """A Keystone finder by name or id (domains, projects, roles, users, groups, services)."""

    def finder(conn: Any, name_or_id: str) -> Any:
        return _find(getattr(conn.identity, f"find_{kind}"), name_or_id, kind)

    return finder


def region(conn: Any, region_id: str) -> Any:
    with sdk_errors(f"looking up region `{region_id}`"):
        try:
            return conn.identity.get_region(region_id)
        except os_exceptions.NotFoundException:
            return None


def lb_object(kind: str) -> Finder:
    """A finder for an Octavia object (``load_balancer``, ``listener``, ``pool`` ...)."""

    def find(conn: Any, name_or_id: str) -> Any:
        what = kind.replace("_", " ")
        return _find(getattr(conn.load_balancer, f"find_{kind}"), name_or_id, what)

    return find


def _lb_names(kind: str) -> Callable[[Any], list[str]]:
    return lambda c: _names(getattr(c.load_balancer, kind)())


def _manila_objects(conn: Any, collection: str, key: str) -> list[Any]:
    """A Manila collection read through the proxy (the SDK has no class for some)."""
    with sdk_errors(f"listing {collection}"):
        response = conn.shared_file_system.get(
            f"/{collection}/detail", microversion="2.45", raise_exc=False
        )
        os_exceptions.raise_from_response(response)
    return [_Named(item) for item in response.json().get(key) or []]


class _Named(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        return self.get(name)


def _manila_finder(collection: str, key: str, what: str) -> Finder:
    def find(conn: Any, name_or_id: str) -> Any:
        items = _manila_objects(conn, collection, key)
        by_id = [i for i in items if i.id == name_or_id]
        named = [i for i in items if i.name == name_or_id]
        if not by_id and len(named) > 1:
            raise ProviderError(
                f"{what} `{name_or_id}` is ambiguous: several share that name; use its id"
            )
        return (by_id or named or [None])[0]

    return find


# constraint name -> (finder, human name, lister of candidate names for "did you mean")
def _names(items: Iterable[Any]) -> list[str]:
    return [str(i.name) for i in items if getattr(i, "name", None)]


CONSTRAINTS: dict[str, tuple[Finder, str, Callable[[Any], list[str]]]] = {
    "nova.flavor": (flavor, "flavor", lambda c: _names(c.compute.flavors())),
    "glance.image": (image, "image", lambda c: _names(c.image.images())),
    "nova.keypair": (keypair, "keypair", lambda c: _names(c.compute.keypairs())),
    "neutron.network": (network, "network", lambda c: _names(c.network.networks())),
    "neutron.subnet": (subnet, "subnet", lambda c: _names(c.network.subnets())),
    "neutron.port": (port, "port", lambda c: _names(c.network.ports())),
    "neutron.router": (router, "router", lambda c: _names(c.network.routers())),
    "neutron.security_group": (
        security_group,
        "security group",
        lambda c: _names(c.network.security_groups()),
    ),
    "cinder.vtype": (volume_type, "volume type", lambda c: _names(c.block_storage.types())),
    "cinder.volume": (volume, "volume", lambda c: _names(c.block_storage.volumes())),
    "keystone.domain": (keystone("domain"), "domain", lambda c: _names(c.identity.domains())),
    "keystone.project": (keystone("project"), "project", lambda c: _names(c.identity.projects())),
    "keystone.role": (keystone("role"), "role", lambda c: _names(c.identity.roles())),
    "keystone.user": (keystone("user"), "user", lambda c: _names(c.identity.users())),
    "keystone.group": (keystone("group"), "group", lambda c: _names(c.identity.groups())),
    "keystone.service": (keystone("service"), "service", lambda c: _names(c.identity.services())),
    "keystone.region": (
        region,
        "region",
        lambda c: [str(r.id) for r in c.identity.regions()],
    ),
    "designate.zone": (dns_zone, "zone", lambda c: _names(c.dns.zones())),
    "barbican.secret": (
        lambda c, ref: _barbican.find(c, "secrets", ref),
        "secret",
        lambda c: _barbican.names(c, "secrets"),
    ),
    "barbican.container": (
        lambda c, ref: _barbican.find(c, "containers", ref),
        "container",
        lambda c: _barbican.names(c, "containers"),
    ),
    "octavia.loadbalancer": (
        lb_object("load_balancer"),
        "load balancer",
        _lb_names("load_balancers"),
    ),
    "octavia.listener": (lb_object("listener"), "listener", _lb_names("listeners")),
    "octavia.pool": (lb_object("pool"), "pool", _lb_names("pools")),
    "octavia.l7policy": (lb_object("l7_policy"), "L7 policy", _lb_names("l7_policies")),
    "octavia.flavor": (lb_object("flavor"), "load balancer flavor", _lb_names("flavors")),
    "magnum.cluster_template": (
        lambda c, v: _find(
            c.container_infrastructure_management.find_cluster_template, v, "cluster template"
        ),
        "cluster template",
        lambda c: _names(c.container_infrastructure_management.cluster_templates()),
    ),
    "manila.share_network": (
        _manila_finder("share-networks", "share_networks", "share network"),
        "share network",
        lambda c: _names(_manila_objects(c, "share-networks", "share_networks")),
    ),
    "manila.security_service": (
        _manila_finder("security-services", "security_services", "security service"),
        "security service",
        lambda c: _names(_manila_objects(c, "security-services", "security_services")),
    ),
    "octavia.flavorprofile": (
        lb_object("flavor_profile"),
        "load balancer flavor profile",
        _lb_names("flavor_profiles"),
    ),
    "octavia.availabilityzoneprofile": (
        lb_object("availability_zone_profile"),
        "availability zone profile",
        _lb_names("availability_zone_profiles"),
    ),
}


def require(conn: Any, constraint: str, name_or_id: str) -> Any:
    """The object, or ProviderError "flavor `m1.huge` not found (did you mean `m1.large`?)"."""
    finder, what, lister = CONSTRAINTS[constraint]
    found = finder(conn, name_or_id)
    if found is None:
        raise ProviderError(not_found_message(conn, constraint, name_or_id))
    return found


def not_found_message(conn: Any, constraint: str, name_or_id: str) -> str:
    text, hint = not_found(conn, constraint, name_or_id)
    return f"{text} ({hint})" if hint else text


def not_found(conn: Any, constraint: str, name_or_id: str) -> tuple[str, str | None]:
    """("flavor `m1.huge` not found", "did you mean `m1.large`?" or None)."""
    _, what, lister = CONSTRAINTS[constraint]
    try:
        hint = suggest(name_or_id, lister(conn))
    except (os_exceptions.SDKException, ks_exceptions.ClientException):
        hint = None  # the hint is a nicety: never let it hide the real problem
    return f"{what} `{name_or_id}` not found", hint
