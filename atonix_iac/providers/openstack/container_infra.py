"""Magnum: cluster templates and clusters.

Magnum's bodies are unwrapped, its ids are ``uuid`` and its updates are JSON patches. A
cluster's node_count, master_count, create_timeout and discovery_url change in place (a
``PATCH`` that puts the cluster in UPDATE_IN_PROGRESS); creating one takes many minutes on a
real cloud, so the wait lasts the template's ``create_timeout`` (Heat's minutes) when that is
longer than the provider's timeout. The stack identity rides in ``labels``; a cluster's own
labels start from its template's, since Magnum uses a cluster's labels instead of the
template's rather than merging them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._rest import RestResource


class _Magnum(RestResource):
    service = "container_infrastructure_management"
    key = ""
    id_field = "uuid"
    carrier = "labels"
    update_method = "PATCH"

    def wrap(self, body: dict[str, Any]) -> Any:
        if self.update_method == "PATCH" and body.get("_patch"):
            return [
                {"op": "replace", "path": f"/{field}", "value": value}
                for field, value in sorted(body.items())
                if field != "_patch"
            ]
        return body

    def update_body(
        self,
        identity: ResourceIdentity,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> dict[str, Any]:
        body = super().update_body(identity, old, new, changed)
        return {**body, "_patch": True} if body else body


class ClusterTemplate(_Magnum):
    type_name = "OS::Magnum::ClusterTemplate"
    path = "/clustertemplates"
    plural, what = "clustertemplates", "cluster template"
    fields = {
        name: name
        for name in (
            "name",
            "coe",
            "dns_nameserver",
            "docker_storage_driver",
            "docker_volume_size",
            "http_proxy",
            "https_proxy",
            "no_proxy",
            "master_lb_enabled",
            "floating_ip_enabled",
            "network_driver",
            "volume_driver",
            "registry_enabled",
            "server_type",
            "tls_disabled",
            "public",
        )
    }
    references = {
        "image": ("image_id", "glance.image"),
        "external_network": ("external_network_id", "neutron.network"),
        "fixed_network": ("fixed_network", "neutron.network"),
        "fixed_subnet": ("fixed_subnet", "neutron.subnet"),
        "flavor": ("flavor_id", "nova.flavor"),
        "master_flavor": ("master_flavor_id", "nova.flavor"),
        "keypair": ("keypair_id", "nova.keypair"),
    }


class Cluster(_Magnum):
    type_name = "OS::Magnum::Cluster"
    path = "/clusters"
    plural, what = "clusters", "cluster"
    status_field = "status"
    ready = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    failed = ("CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED")
    deleting = ("DELETE_IN_PROGRESS", "DELETE_COMPLETE")
    fields = {
        name: name
        for name in ("name", "node_count", "master_count", "create_timeout", "discovery_url")
    }
    references = {
        "cluster_template": ("cluster_template_id", "magnum.cluster_template"),
        "keypair": ("keypair", "nova.keypair"),
    }
    attribute_fields = {
        name: name
        for name in (
            "api_address",
            "cluster_template_id",
            "coe_version",
            "container_version",
            "create_timeout",
            "discovery_url",
            "keypair",
            "master_addresses",
            "master_count",
            "name",
            "node_addresses",
            "node_count",
            "stack_id",
            "status",
            "status_reason",
        )
    }

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        template_id = body["cluster_template_id"]
        with sdk_errors(f"reading cluster template {template_id}"):
            template = self.call("GET", f"/clustertemplates/{template_id}") or {}
        body["labels"] = {**(template.get("labels") or {}), **body["labels"]}
        return body

    def wait_timeout(self, properties: Mapping[str, Any]) -> float:
        minutes = properties.get("create_timeout")
        if isinstance(minutes, int) and not isinstance(minutes, bool):
            return max(self.timeout_s, minutes * 60.0)
        return self.timeout_s

    def live(self, obj: Any) -> dict[str, Any]:
        found = super().live(obj)
        found.pop("labels", None)  # Heat's cluster has no labels: they are the template's
        return found


TYPES: tuple[type[RestResource], ...] = (ClusterTemplate, Cluster)
