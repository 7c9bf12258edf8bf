"""Nova: servers, keypairs and server groups.

Servers carry the stack identity in their metadata (``atonix:*`` keys). Updates follow Heat:
name, metadata, tags and admin password change in place; a flavor change resizes, confirms and
checks the flavor took (unless ``flavor_update_policy: REPLACE``); an image change rebuilds
(unless ``image_update_policy: REPLACE``); a user_data change replaces by default
(``user_data_update_policy``: REPLACE, IGNORE, or REBUILD with the new user_data). The
user_data sent is built per ``user_data_format`` as Heat builds it (``_userdata.py``). A
change of ``networks`` replaces the server here, where Heat would attach and detach
interfaces: simpler and never half-applied.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from keystoneauth1 import discover
from openstack.compute.v2 import server as sdk_server

from atonix_iac.errors import Diagnostic, ProviderError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.collect_config import collect_config
from atonix_iac.providers.openstack._base import (
    OpenStackResource,
    ReplacedOnChange,
    default_name,
    report,
    show,
)
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import (
    TOKEN,
    created_since,
    identity_metadata,
    user_metadata,
)
from atonix_iac.providers.openstack._resize import resize_and_confirm
from atonix_iac.providers.openstack._sdk_json import create_id, get_object, object_of
from atonix_iac.providers.openstack._userdata import SOFTWARE_CONFIG, server_user_data
from atonix_iac.providers.openstack._wait import wait_for_status, wait_until_gone
from atonix_iac.providers.openstack._watch import (
    Listing,
    building_server_ids,
    changed_servers,
    present_servers,
)

# Properties whose change needs no cloud call (they steer how other changes are applied).
_POLICY_PROPERTIES = frozenset(
    {
        "flavor_update_policy",
        "image_update_policy",
        "user_data_update_policy",
        "software_config_transport",
        "deployment_swift_data",
    }
)


def encode_user_data(text: str | None) -> str | None:
    """Nova wants base64; the SDK passes user_data through as given."""
    if not text:
        return None
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _addresses(server: Any) -> dict[str, list[str]]:
    return {
        net: [a.get("addr") for a in addrs if a.get("addr")]
        for net, addrs in (server.addresses or {}).items()
    }


def _first_address(server: Any) -> str:
    for addrs in _addresses(server).values():
        if addrs:
            return str(addrs[0])
    return ""


# States a server being suspended or resumed must not reach (Heat: any status but ACTIVE,
# SUSPENDED and the transitional ones is a failure).
_NOT_SUSPENDING = (
    "error",
    "deleted",
    "soft_deleted",
    "shutoff",
    "paused",
    "shelved",
    "shelved_offloaded",
    "rescue",
    "unknown",
)


class Server(OpenStackResource):
    type_name = "OS::Nova::Server"
    list_constraints = {"security_groups": "neutron.security_group"}

    # Plan-time checks -------------------------------------------------------------------

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        """Heat's own refusal of a ``floating_ip`` on an entry that names only a network, and
        the entries that need a port Heat creates itself (``port_extra_properties``, or a
        ``floating_ip`` beside a ``subnet``), which atonix does not make: refused rather than
        applied without their port settings or floating IP."""
        found = super().check(properties)
        networks = properties.get("networks")
        for index, entry in enumerate(networks if isinstance(networks, list) else []):
            if isinstance(entry, Mapping):
                found += _network_entry_problems(index, entry)
        return found

    # Create -----------------------------------------------------------------------------

    def _networks(self, networks: Any) -> Any:
        if networks is None:
            return "auto"
        if isinstance(networks, str):
            return networks
        out: list[dict[str, Any]] = []
        for entry in networks:
            if entry.get("allocate_network"):
                return entry["allocate_network"]
            item: dict[str, Any] = {}
            if entry.get("port"):
                item["port"] = self.resolve("neutron.port", str(entry["port"]))
            else:
                network = entry.get("network") or entry.get("uuid")
                if not network and entry.get("subnet"):
                    subnet = self.conn.network.get_subnet(
                        self.resolve("neutron.subnet", str(entry["subnet"]))
                    )
                    network = subnet.network_id
                if not network:
                    raise ProviderError("each server network needs `network`, `port` or `subnet`")
                item["uuid"] = self.resolve("neutron.network", str(network))
                if entry.get("fixed_ip"):
                    item["fixed_ip"] = entry["fixed_ip"]
            if entry.get("tag"):
                item["tag"] = entry["tag"]
            out.append(item)
        return out

    @staticmethod
    def _name(identity: ResourceIdentity, props: Mapping[str, Any]) -> str:
        """The name the server is created with (and found again by)."""
        return str(props.get("name") or default_name(identity))

    def _create_body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self._name(identity, props),
            "flavor_id": self.flavor_id(str(props["flavor"])),
            "networks": self._networks(props.get("networks")),
            "metadata": {**user_metadata(props.get("metadata")), **identity_metadata(identity)},
        }
        if props.get("image"):
            body["image_id"] = self.image_id(str(props["image"]))
        if props.get("key_name"):
            body["key_name"] = props["key_name"]
        if props.get("security_groups"):
            body["security_groups"] = [{"name": str(sg)} for sg in props["security_groups"]]
        user_data = encode_user_data(server_user_data(identity, props))
        if user_data:
            body["user_data"] = user_data
        for name, sdk_name in (
            ("availability_zone", "availability_zone"),
            ("config_drive", "config_drive"),
            ("admin_pass", "admin_password"),
            ("scheduler_hints", "scheduler_hints"),
            ("block_device_mapping_v2", "block_device_mapping"),
            ("diskConfig", "disk_config"),
            ("tags", "tags"),
        ):
            if props.get(name) is not None:
                body[sdk_name] = props[name]
        return body

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = self._create_body(identity, properties)
        with sdk_errors("creating server"):
            proxy = self.conn.compute
            server_id = create_id(
                proxy, self.session.facts, sdk_server.Server, body, proxy.create_server
            )
        return ResourceResult(server_id)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        server_id = started.physical_id
        deadline = time.monotonic() + self.timeout_s
        # Wait with every other building server on one shared list; take this one from the
        # shared read of those that left, or read it on its own.
        builds = self.session.watch(
            "server:BUILD", self._building_server_ids, self._changed_servers
        )
        left = builds.wait(server_id, deadline, name=self._name(identity, properties))
        server = self._built(left.body, properties) if left is not None else None
        if server is None:
            server = self._wait_active(server_id, "server", deadline=deadline)
        self._associate_floating_ips(properties)
        return ResourceResult(str(server.id), self.attributes(server, identity, properties))

    def _associate_floating_ips(self, properties: Mapping[str, Any]) -> None:
        """A network entry's ``floating_ip`` goes to that entry's ``port``, as Heat sends it
        (``check`` refuses the entries whose port Heat would create itself). Idempotent: a
        retried finish sends the same association again."""
        networks = properties.get("networks")
        for entry in networks if isinstance(networks, list) else []:
            if not isinstance(entry, Mapping) or not (
                entry.get("floating_ip") and entry.get("port")
            ):
                continue
            port_id = self.resolve("neutron.port", str(entry["port"]))
            floating_ip = str(entry["floating_ip"])
            with sdk_errors(f"associating floating IP {floating_ip} with port {port_id}"):
                self.conn.network.update_ip(floating_ip, port_id=port_id)

    def _built(self, body: dict[str, Any] | None, properties: Mapping[str, Any]) -> Any:
        """The server from a list's body, if it is ACTIVE there (anything else is read and
        judged on its own). A list leaves out ``server_groups`` (2.71+); a server's only group
        is the one its ``group`` scheduler hint named at boot, as Nova answers it."""
        if body is None or str(body.get("status") or "").upper() != "ACTIVE":
            return None
        version = self.session.facts.microversion(self.conn.compute, sdk_server.Server)
        if "server_groups" not in body and _at_least(version, (2, 71)):
            hints = properties.get("scheduler_hints") or {}
            group = hints.get("group") if isinstance(hints, Mapping) else None
            body = {**body, "server_groups": [str(group)] if group else []}
        return object_of(body, sdk_server.Server, version)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """By the token in the server's metadata (Nova filters names by regex only)."""
        if not identity.token:
            return None
        name = self._name(identity, properties)
        with sdk_errors("looking for an interrupted server create"):
            for server in self.conn.compute.servers(details=True, name=f"^{re.escape(name)}$"):
                metadata = server.metadata or {}
                if metadata.get(TOKEN) == identity.token and str(server.id) not in claimed:
                    return str(server.id)
        return None

    def _wait_active(
        self,
        server_id: str,
        what: str,
        ready: tuple[str, ...] = ("ACTIVE",),
        deadline: float | None = None,
    ) -> Any:
        return wait_for_status(
            lambda: self.fetch(self._get_server, server_id, "server"),
            ready,
            what=f"{what} {server_id}",
            timeout_s=self.timeout_s,
            physical_id=server_id,
            deadline=deadline,
        )

    def _building_server_ids(self, wanted: Mapping[str, str | None]) -> Listing:
        conn = self.conn
        return building_server_ids(conn, self.session.facts.url(conn.compute, "/servers"))

    def _present_server_ids(self, wanted: Mapping[str, str | None]) -> Listing:
        conn = self.conn
        return present_servers(
            conn, self.session.facts.url(conn.compute, "/servers/detail"), wanted
        )

    def _changed_servers(
        self, wanted: Mapping[str, str | None], since: datetime
    ) -> dict[str, dict[str, Any]]:
        compute, facts = self.conn.compute, self.session.facts
        version = facts.microversion(compute, sdk_server.Server)
        url = facts.url(compute, "/servers/detail")
        return changed_servers(self.conn, url, version, wanted, since)

    def _get_server(self, server_id: str) -> Any:
        """The server as ``get_server`` gives it, for less client CPU (``_sdk_json``)."""
        return get_object(self.conn.compute, self.session.facts, sdk_server.Server, server_id)

    def attributes(
        self, server: Any, identity: ResourceIdentity, props: Mapping[str, Any]
    ) -> dict[str, Any]:
        occ: dict[str, Any] = {}
        if props.get("user_data_format") == SOFTWARE_CONFIG:
            occ = collect_config(
                identity.stack, identity.address, props.get("software_config_transport")
            )
        return {
            "name": server.name,
            "addresses": server.addresses or {},
            "networks": _addresses(server),
            "first_address": _first_address(server),
            "accessIPv4": server.access_ipv4 or "",
            "accessIPv6": server.access_ipv6 or "",
            "instance_name": getattr(server, "instance_name", None),
            "tags": list(server.tags or []),
            "console_urls": {},
            "os_collect_config": occ,
            "show": show(server),
        }

    # Read -------------------------------------------------------------------------------

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        server = self.fetch(self._get_server, physical_id, "server")
        if server is None or str(server.status).upper() in ("DELETED", "SOFT_DELETED"):
            return None
        flavor = server.flavor or {}
        image = server.image or {}
        live = {
            "name": server.name,
            "flavor": flavor.get("original_name") or flavor.get("name") or flavor.get("id"),
            "image": image.get("id") if isinstance(image, dict) else None,
            "metadata": user_metadata(server.metadata),
            "key_name": server.key_name,
            "tags": list(server.tags or []),
        }

        def same(name: str, given: Any, value: Any) -> bool:
            if name == "flavor":
                return bool(
                    given == value
                    or given in (flavor.get("id"), flavor.get("original_name"))
                    or self._flavor_id_or_none(str(given)) == flavor.get("id")
                )
            if name == "image":
                return bool(given == value or self._image_id_or_none(str(given)) == value)
            if name == "tags":
                return sorted(given or []) == sorted(value or [])
            return bool(given == value)

        return ResourceResult(
            physical_id,
            self.attributes(server, identity, properties),
            report(properties, live, same),
        )

    def _flavor_id_or_none(self, name_or_id: str) -> str | None:
        try:
            return self.flavor_id(name_or_id)
        except ProviderError:
            return None

    def _image_id_or_none(self, name_or_id: str) -> str | None:
        try:
            return self.image_id(name_or_id)
        except ProviderError:
            return None

    # Update -----------------------------------------------------------------------------

    def replace_reason(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> str | None:
        if "flavor" in changed and new.get("flavor_update_policy") == "REPLACE":
            return "flavor changed and flavor_update_policy is REPLACE"
        if "image" in changed and new.get("image_update_policy") == "REPLACE":
            return "image changed and image_update_policy is REPLACE"
        if "user_data" in changed and (new.get("user_data_update_policy") or "REPLACE") == (
            "REPLACE"
        ):
            return "user_data changed and user_data_update_policy is REPLACE"
        if "networks" in changed:
            return "networks changed (atonix replaces the server rather than re-plug it)"
        return None

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        unsupported = (
            changed
            - _POLICY_PROPERTIES
            - {
                "name",
                "metadata",
                "admin_pass",
                "tags",
                "image",
                "flavor",
                "user_data",
            }
        )
        if unsupported:
            raise ProviderError(
                f"server {physical_id}: cannot change {', '.join(sorted(unsupported))} in place"
            )
        compute = self.conn.compute
        with sdk_errors(f"updating server {physical_id}", physical_id):
            if "name" in changed:
                compute.update_server(physical_id, name=self._name(identity, new))
            if "metadata" in changed:
                self._set_metadata(identity, physical_id, new.get("metadata"))
            if "admin_pass" in changed and new.get("admin_pass"):
                compute.change_server_password(physical_id, new["admin_pass"])
            if "tags" in changed:
                server = compute.get_server(physical_id)
                server.set_tags(compute, list(new.get("tags") or []))
            rebuild_user_data = (
                "user_data" in changed and new.get("user_data_update_policy") == "REBUILD"
            )
            if ("image" in changed and new.get("image")) or rebuild_user_data:
                rebuild: dict[str, Any] = {}
                if rebuild_user_data:
                    rebuild["user_data"] = encode_user_data(server_user_data(identity, new))
                image = new.get("image") if "image" in changed else self._current_image(physical_id)
                compute.rebuild_server(physical_id, self.image_id(str(image)), **rebuild)
                self._wait_active(physical_id, "rebuilt server")
            if "flavor" in changed:
                flavor = str(new["flavor"])
                resize_and_confirm(
                    compute,
                    physical_id,
                    flavor,
                    self.flavor_id(flavor),
                    lambda ready: self._wait_active(physical_id, "resized server", ready),
                )
            server = compute.get_server(physical_id)
        return ResourceResult(physical_id, self.attributes(server, identity, new))

    def _current_image(self, server_id: str) -> str:
        image = self.conn.compute.get_server(server_id).image or {}
        if not isinstance(image, dict) or not image.get("id"):
            raise ProviderError(f"server {server_id}: no image to rebuild with (boot volume)")
        return str(image["id"])

    def _set_metadata(
        self, identity: ResourceIdentity, server_id: str, metadata: Mapping[str, Any] | None
    ) -> None:
        wanted = {str(k): str(v) for k, v in user_metadata(metadata).items()}
        wanted.update(identity_metadata(identity))
        compute = self.conn.compute
        current = compute.get_server_metadata(server_id).metadata or {}
        stale = [k for k in current if k not in wanted]
        if stale:
            compute.delete_server_metadata(server_id, stale)
        compute.set_server_metadata(server_id, **wanted)

    # Suspend / resume --------------------------------------------------------------------

    def suspend(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        """Nova's ``suspend`` action, then SUSPENDED awaited (Heat's handle_suspend): a
        server already suspended is left as it is; one that ends in another state than
        ACTIVE or SUSPENDED failed."""
        self._act(physical_id, "suspend", "SUSPENDED", self.conn.compute.suspend_server)

    def resume(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        """Nova's ``resume`` action, then ACTIVE awaited (Heat's handle_resume)."""
        self._act(physical_id, "resume", "ACTIVE", self.conn.compute.resume_server)

    def _act(self, server_id: str, verb: str, wanted: str, call: Callable[[str], Any]) -> None:
        server = self.fetch(self.conn.compute.get_server, server_id, "server")
        if server is None:
            raise ResourceFailedError(f"Failed to find server {server_id}")
        if str(server.status).upper() != wanted:
            with sdk_errors(f"{verb} of server {server_id}"):
                call(server_id)
        wait_for_status(
            lambda: self.fetch(self.conn.compute.get_server, server_id, "server"),
            (wanted,),
            what=f"{verb} of server {server_id}",
            timeout_s=self.timeout_s,
            physical_id=server_id,
            failed=_NOT_SUSPENDING,
        )

    # Delete -----------------------------------------------------------------------------

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        compute = self.conn.compute
        deadline = time.monotonic() + self.timeout_s
        if not self.gone_ok(
            lambda: compute.delete_server(physical_id, ignore_missing=False),
            f"server {physical_id}",
        ):
            return
        # Wait with every other server being deleted on one shared list (by name); then one
        # GET says whether it went or failed (or, renamed meanwhile, is polled on its own).
        deletions = self.session.watch("server:DELETE", self._present_server_ids)
        deletions.wait(physical_id, deadline, name=self._name(identity, properties))
        wait_until_gone(
            lambda: self.fetch(compute.get_server, physical_id, "server"),
            what=f"server {physical_id}",
            timeout_s=self.timeout_s,
            deadline=deadline,
            going=lambda server: getattr(server, "task_state", None) == "deleting",
        )


class KeyPair(ReplacedOnChange):
    """Physical id = the keypair's name (Nova's id). Nova keeps no metadata on keypairs."""

    type_name = "OS::Nova::KeyPair"

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body: dict[str, Any] = {"name": properties["name"]}
        if properties.get("public_key"):
            body["public_key"] = properties["public_key"]
        if properties.get("type"):
            body["type"] = properties["type"]
        with sdk_errors(f"creating keypair {properties['name']}"):
            keypair = self.conn.compute.create_keypair(**body)
        attrs = self._attributes(keypair)
        if properties.get("save_private_key") and keypair.private_key:
            attrs["private_key"] = keypair.private_key
        return ResourceResult(str(keypair.name), attrs)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        """Nothing to wait for; an adopted keypair whose generated private key was lost with
        the interrupted run fails, so that it is replaced and a new key saved."""
        if started.attributes:
            return started
        keypair = self.fetch(self.conn.compute.get_keypair, started.physical_id, "keypair")
        if keypair is None:
            raise ResourceFailedError(f"keypair {started.physical_id} disappeared")
        if properties.get("save_private_key") and not properties.get("public_key"):
            raise ResourceFailedError(
                f"keypair {started.physical_id} was created by an interrupted run and its"
                " generated private key was never saved; it will be replaced",
                physical_id=started.physical_id,
            )
        return ResourceResult(started.physical_id, self._attributes(keypair))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """Nova keys keypairs by name; one made after the intent with the wanted public key
        (or a generated one) is ours."""
        name = str(properties["name"])
        keypair = self.fetch(self.conn.compute.get_keypair, name, "keypair")
        if keypair is None or name in claimed:
            return None
        if not created_since(getattr(keypair, "created_at", None), since):
            return None
        wanted = properties.get("public_key")
        if wanted and str(wanted).split()[:2] != str(keypair.public_key or "").split()[:2]:
            return None
        return name

    @staticmethod
    def _attributes(keypair: Any) -> dict[str, Any]:
        return {"public_key": keypair.public_key, "private_key": "", "show": show(keypair)}

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        keypair = self.fetch(self.conn.compute.get_keypair, physical_id, "keypair")
        if keypair is None:
            return None
        attrs = self._attributes(keypair)
        attrs.pop("private_key")  # not re-readable: keep what create saved
        live = {"name": keypair.name, "public_key": keypair.public_key}
        props = report(properties, live, lambda _n, a, b: bool(a == b))
        return ResourceResult(physical_id, attrs, props)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.conn.compute.delete_keypair(physical_id, ignore_missing=False),
            f"keypair {physical_id}",
        )


class ServerGroup(ReplacedOnChange):
    type_name = "OS::Nova::ServerGroup"

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body: dict[str, Any] = {
            "name": properties.get("name") or default_name(identity),
            "policies": list(properties.get("policies") or ["anti-affinity"]),
        }
        if properties.get("rules"):
            body["rules"] = properties["rules"]
        with sdk_errors("creating server group"):
            group = self.conn.compute.create_server_group(**body)
        return ResourceResult(str(group.id), {"show": show(group)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """Server groups carry no metadata or creation time: the unclaimed one with the
        wanted name and policy."""
        name = properties.get("name") or default_name(identity)
        policies = list(properties.get("policies") or ["anti-affinity"])
        with sdk_errors("looking for an interrupted server group create"):
            for group in self.conn.compute.server_groups():
                policy = list(group.policies or []) or [getattr(group, "policy", None)]
                if group.name == name and policy == policies and str(group.id) not in claimed:
                    return str(group.id)
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        group = self.fetch(self.conn.compute.get_server_group, physical_id, "server group")
        if group is None:
            return None
        live = {"name": group.name}
        props = report(properties, live, lambda _n, a, b: bool(a == b))
        return ResourceResult(physical_id, {"show": show(group)}, props)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.conn.compute.delete_server_group(physical_id, ignore_missing=False),
            f"server group {physical_id}",
        )


def _at_least(version: str | None, wanted: tuple[int, int]) -> bool:
    """Whether microversion ``version`` ("2.71") is ``wanted`` or later (none sent: no)."""
    if version is None:
        return False
    try:
        return bool(discover.normalize_version_number(version) >= wanted)
    except TypeError:
        return False


def _network_entry_problems(index: int, entry: Mapping[str, Any]) -> list[Diagnostic]:
    where = f"networks[{index}]"
    has = {k for k, v in entry.items() if v is not None and v != {}}
    if "port_extra_properties" in has and "port" not in has:
        return [
            Diagnostic(
                f"`{where}.port_extra_properties` needs the port Heat creates for the server;"
                " atonix does not create one",
                hint="declare an OS::Neutron::Port with these properties and name it in"
                f" `{where}.port`",
            )
        ]
    if "floating_ip" not in has or "port" in has:
        return []
    if "subnet" in has:
        return [
            Diagnostic(
                f"`{where}.floating_ip` beside `subnet` needs the port Heat creates for the"
                " server; atonix does not create one",
                hint=f"declare an OS::Neutron::Port on the subnet and name it in `{where}.port`",
            )
        ]
    return [  # Heat's StackValidationFailed, in its words
        Diagnostic(
            f'Property "floating_ip" is not supported if only "network" is specified, because'
            f" the corresponding port can not be retrieved ({where})",
            hint=f"name the server's port in `{where}.port`, or associate the floating IP"
            " with an OS::Neutron::FloatingIPAssociation",
        )
    ]
