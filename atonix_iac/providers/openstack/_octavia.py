"""What every Octavia object under a load balancer shares: its provisioning status, and the
load balancer's lock over the whole tree.

Octavia refuses any write under a load balancer (409 "... is immutable and cannot be
updated.", or "Invalid state PENDING_..." for the load balancer itself) while its worker is
busy with that tree. The worker marks the object it changed ACTIVE a moment before the load
balancer, so an object being ACTIVE does not mean the next write is accepted: ``wait_ready``
also waits for the load balancer to leave PENDING_*. A delete that still meets a busy load
balancer (someone else changed the tree) waits for it and asks again until the timeout; a
create or update meeting one is left to apply's retry of the transient 409.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from atonix_iac.errors import TransientProviderError
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._errors import sdk_errors, service_message
from atonix_iac.providers.openstack._rest import Body, RestResource
from atonix_iac.providers.openstack._wait import pauses, wait_for_status

_BUSY = ("is immutable and cannot be updated", "invalid state pending_")
_SETTLED = ("ACTIVE", "ERROR")


def first_id(obj: Mapping[str, Any], field: str) -> str | None:
    """Octavia names a child's parents by lists of ids (``loadbalancers``, ``listeners``,
    ``pools``); the ``loadbalancer_id``/``listener_id``/``pool_id`` it was created with are
    not in its responses."""
    found = obj.get(field) or []
    return str(found[0]["id"]) if found else None


def _busy(exc: TransientProviderError) -> bool:
    cause = exc.__cause__
    if cause is None or getattr(cause, "status_code", None) != 409:
        return False
    text = service_message(cause).lower()
    return any(phrase in text for phrase in _BUSY)


class OctaviaObject(RestResource):
    service = "load_balancer"
    carrier = "tags"
    status_field = "provisioning_status"
    ready = ("ACTIVE",)
    failed = ("ERROR",)
    deleting = ("PENDING_DELETE", "DELETED")

    def load_balancer_of(self, obj: Body, properties: Mapping[str, Any]) -> str | None:
        """The id of the load balancer whose tree holds ``obj`` (None for a load balancer)."""
        return None

    def fetch_parent(self, collection: str, key: str, physical_id: str) -> Body:
        """A parent object, to walk up to the load balancer."""
        with sdk_errors(f"reading {key} {physical_id}", physical_id):
            answer = self.call("GET", f"/lbaas/{collection}/{physical_id}") or {}
        return Body(answer.get(key) or {})

    def wait_ready(self, physical_id: str, properties: Mapping[str, Any]) -> Body:
        obj = super().wait_ready(physical_id, properties)
        lb_id = self.load_balancer_of(obj, properties)
        if lb_id is not None:
            wait_for_status(
                lambda: self.fetch_parent("loadbalancers", "loadbalancer", lb_id) or None,
                _SETTLED,
                what=f"load balancer {lb_id}",
                timeout_s=self.wait_timeout(properties),
                failed=(),
                attribute=self.status_field,
            )
        return obj

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        deadline = time.monotonic() + self.timeout_s
        pause = pauses()
        while True:
            try:
                super().delete(identity, physical_id, properties)
                return
            except TransientProviderError as err:
                if not _busy(err) or time.monotonic() + 1.0 > deadline:
                    raise
            time.sleep(pause())
