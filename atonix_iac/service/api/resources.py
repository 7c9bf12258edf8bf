"""``.../resources`` and ``.../events``: a stack's resources from its state, its events.

A resource's Heat status is that of its latest event (CREATE_COMPLETE, UPDATE_FAILED ...);
a resource in state without events (imported, adopted) shows as its state says.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

import falcon

from atonix_iac.apply.scaling import SCALING_POLICY_TYPES
from atonix_iac.apply.signals import deliver_signal, is_handle
from atonix_iac.apply.workflow_signal import WORKFLOW_TYPES
from atonix_iac.errors import AtonixError
from atonix_iac.state.model import ResourceState, ResourceStatus
from atonix_iac.state.records import EventRecord, StackRecord, page

from ..metadata import resource_metadata
from .common import (
    HeatError,
    Services,
    StackScoped,
    bad_request,
    check_tenant,
    identity,
    int_param,
    isotime,
    not_found,
    read_json,
    stack_href,
)

_STATE_STATUS = {
    ResourceStatus.READY: "CREATE_COMPLETE",
    ResourceStatus.TAINTED: "CREATE_FAILED",
    ResourceStatus.PENDING_CREATE: "CREATE_IN_PROGRESS",
    ResourceStatus.PENDING_DELETE: "DELETE_IN_PROGRESS",
}


def _latest_events(events: list[EventRecord]) -> dict[str, EventRecord]:
    latest: dict[str, EventRecord] = {}
    for event in events:
        latest[event.resource_name] = event
    return latest


def _resources(services: Services, record: StackRecord) -> list[ResourceState]:
    return [r for r in services.engine.store.iter_resources(record.key) if r.deposed is None]


def resource_view(
    req: falcon.Request,
    record: StackRecord,
    resource: ResourceState,
    latest: EventRecord | None,
    required_by: list[str],
) -> dict[str, Any]:
    href = stack_href(req, record)
    if latest is not None:
        status, reason = f"{latest.action}_{latest.status}", latest.status_reason
    else:
        status, reason = _STATE_STATUS.get(resource.status, "CREATE_COMPLETE"), "state changed"
    when = isotime(resource.updated_at)
    return {
        "resource_name": resource.address,
        "logical_resource_id": resource.address,
        "physical_resource_id": resource.physical_id or "",
        "resource_type": resource.type,
        "resource_status": status,
        "resource_status_reason": reason,
        "creation_time": when,
        "updated_time": when,
        "required_by": required_by,
        "links": [
            {"href": f"{href}/resources/{resource.address}", "rel": "self"},
            {"href": href, "rel": "stack"},
        ],
    }


def _failed_only(
    record: StackRecord, resources: list[ResourceState], latest: dict[str, EventRecord]
) -> list[ResourceState]:
    """Resources whose create failed before any object existed: not in state, but Heat lists
    them (CREATE_FAILED) until the stack is rolled back or deleted."""
    if record.action in ("ROLLBACK", "DELETE") and record.status == "COMPLETE":
        return []
    known = {r.address for r in resources}
    return [
        ResourceState(name, event.resource_type, None)
        for name, event in latest.items()
        if name not in known
        and event.resource_type != "OS::Heat::Stack"
        and event.status in ("FAILED", "IN_PROGRESS")
        and event.action != "DELETE"
    ]


class ResourceCollection(StackScoped):
    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        int_param(req, "nested_depth")  # checked; nested stacks are flattened into one state
        types = set(req.get_param_as_list("type") or ())
        names = set(req.get_param_as_list("name") or ())
        statuses = set(req.get_param_as_list("status") or ())
        resources = _resources(self.services, record)
        required_by: dict[str, list[str]] = {r.address: [] for r in resources}
        for resource in resources:
            for dependency in resource.dependencies:
                required_by.setdefault(dependency, []).append(resource.address)
        latest = _latest_events(self.services.engine.records.events(record.id))
        resources += _failed_only(record, resources, latest)
        views = []
        for resource in resources:
            if types and resource.type not in types:
                continue
            if names and resource.address not in names:
                continue
            view = resource_view(
                req,
                record,
                resource,
                latest.get(resource.address),
                required_by.get(resource.address, []),
            )
            if statuses and view["resource_status"].rsplit("_", 1)[-1] not in statuses:
                continue
            views.append(view)
        resp.media = {"resources": views}


class ResourceItem(StackScoped):
    def _find_by_handle_token(
        self, token: str, tenant_id: str, stack_name: str, stack_id: str, resource_name: str
    ) -> tuple[StackRecord, ResourceState]:
        """The handle a server signals with its token (no Keystone token): 401 for anything
        that does not match, so that nothing about other stacks is disclosed."""
        refused = HeatError(
            401, "Authentication failed: the token is not valid", "HTTPUnauthorized"
        )
        record = self.services.engine.records.get_stack(tenant_id, stack_id)
        if record is None or record.name != stack_name:
            raise refused
        for resource in _resources(self.services, record):
            if resource.address == resource_name and is_handle(resource.type):
                expected = resource.attributes.get("token")
                if isinstance(expected, str) and hmac.compare_digest(
                    expected.encode(), token.encode()
                ):
                    return record, resource
        raise refused

    def _find(
        self,
        req: falcon.Request,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str,
    ) -> tuple[StackRecord, ResourceState]:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        for resource in _resources(self.services, record):
            if resource.address == resource_name:
                return record, resource
        raise not_found(f"Resource ({resource_name}) ")

    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str,
    ) -> None:
        record, resource = self._find(req, tenant_id, stack_name, stack_id, resource_name)
        latest = _latest_events(self.services.engine.records.events(record.id, resource_name))
        required_by = [
            r.address
            for r in _resources(self.services, record)
            if resource.address in r.dependencies
        ]
        view = resource_view(req, record, resource, latest.get(resource_name), required_by)
        wanted = set(req.get_param_as_list("with_attr") or ())
        attributes = {
            name: ("******" if name in resource.sensitive_attributes else value)
            for name, value in resource.attributes.items()
        }
        for name in wanted - set(attributes):
            attributes[name] = None
        view["attributes"] = attributes
        view["description"] = ""
        view["metadata"] = resource_metadata(
            self.services.engine, record, resource, _resources(self.services, record)
        )
        resp.media = {"resource": view}

    def on_get_metadata(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str,
    ) -> None:
        """Heat's resource metadata: the template's ``metadata``, resolved, and for a server
        the stack's software deployments to it (see ``service/metadata.py``)."""
        record, resource = self._find(req, tenant_id, stack_name, stack_id, resource_name)
        resources = _resources(self.services, record)
        resp.media = {
            "metadata": resource_metadata(self.services.engine, record, resource, resources)
        }

    def on_patch(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str,
    ) -> None:
        """mark_unhealthy: recorded as a CHECK_FAILED event; the next update replaces it."""
        record, resource = self._find(req, tenant_id, stack_name, stack_id, resource_name)
        body = read_json(req)
        if "mark_unhealthy" not in body:
            raise bad_request("mark_unhealthy is required")
        if bool(body["mark_unhealthy"]):
            reason = str(body.get("resource_status_reason") or "")
            self.services.engine.records.add_event(
                record.id,
                resource.address,
                resource.type,
                resource.physical_id,
                "CHECK",
                "FAILED",
                reason,
            )
        resp.status = falcon.HTTP_200

    def on_post_signal(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str,
    ) -> None:
        """A signal to a wait condition handle or a software deployment: validated as Heat
        would and appended to the state's signal inbox, where the waiting run reads it; to a
        scaling policy: a SIGNAL job that resizes its group under the stack lock (to a Mistral
        workflow: one that starts an execution). A handle may
        be signalled with its own token (a server's curl_cli)."""
        handle_token = getattr(req.context, "handle_token", None)
        if handle_token is not None:
            record, resource = self._find_by_handle_token(
                handle_token, tenant_id, stack_name, stack_id, resource_name
            )
        else:
            record, resource = self._find(req, tenant_id, stack_name, stack_id, resource_name)
        raw = req.bounded_stream.read()
        try:
            details: Any = json.loads(raw) if raw else None
        except ValueError:
            raise bad_request("The request body could not be parsed as JSON") from None
        if resource.type in SCALING_POLICY_TYPES or resource.type in WORKFLOW_TYPES:
            records = self.services.engine.records
            job = records.add_job(
                record.id, "SIGNAL", {"resource": resource.address, "data": details}
            )
            self.services.jobs.submit(job)
            resp.status = falcon.HTTP_200
            return
        if not is_handle(resource.type):
            raise HeatError(
                400,
                f"Signal resource during {record.stack_status} is not supported:"
                f" {resource.type} takes no signals",
                "ResourceActionNotSupported",
            )
        try:
            deliver_signal(self.services.engine.store, record.key, resource, details, source="api")
        except AtonixError as err:
            raise bad_request(err.message) from None
        resp.status = falcon.HTTP_200


class ResourceSignalByName:
    """``/stacks/{name}/resources/{resource}/signal``: the form a scaling policy's
    ``signal_url`` takes (it knows its stack by name, not by id); a POST is not redirected,
    since clients would follow with a GET."""

    def __init__(self, services: Services, item: ResourceItem) -> None:
        self.services = services
        self.item = item

    def on_post(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        resource_name: str,
    ) -> None:
        check_tenant(req, tenant_id)
        record = self.services.engine.records.find_stack(identity(req).project_id, stack_name)
        if record is None:
            raise not_found(f"Stack ({stack_name}) ")
        self.item.on_post_signal(req, resp, tenant_id, stack_name, record.id, resource_name)


def event_view(req: falcon.Request, record: StackRecord, event: EventRecord) -> dict[str, Any]:
    href = stack_href(req, record)
    resource_href = f"{href}/resources/{event.resource_name}"
    return {
        "id": event.id,
        "event_time": isotime(event.created_at),
        "resource_name": event.resource_name,
        "logical_resource_id": event.resource_name,
        "physical_resource_id": event.physical_resource_id or "",
        "resource_status": f"{event.action}_{event.status}",
        "resource_status_reason": event.status_reason,
        "resource_type": event.resource_type,
        "links": [
            {"href": f"{resource_href}/events/{event.id}", "rel": "self"},
            {"href": resource_href, "rel": "resource"},
            {"href": href, "rel": "stack"},
        ],
    }


class EventCollection(StackScoped):
    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str | None = None,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        events = self.services.engine.records.events(record.id, resource_name)
        if resource_name is not None and not events:
            raise not_found(f"Resource ({resource_name}) ")
        for param, attr in (
            ("resource_action", "action"),
            ("resource_status", "status"),
            ("resource_type", "resource_type"),
            ("resource_name", "resource_name"),
        ):
            values = set(req.get_param_as_list(param) or ())
            if values:
                events = [e for e in events if getattr(e, attr) in values]
        if (req.get_param("sort_dir") or "asc").lower() == "desc":
            events = list(reversed(events))
        events = page(events, int_param(req, "limit"), req.get_param("marker"))
        resp.media = {"events": [event_view(req, record, e) for e in events]}

    def on_get_resource(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str,
    ) -> None:
        self.on_get(req, resp, tenant_id, stack_name, stack_id, resource_name)

    def on_get_one(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        resource_name: str,
        event_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        for event in self.services.engine.records.events(record.id, resource_name):
            if event.id == event_id:
                view = event_view(req, record, event)
                view["resource_properties"] = {}
                resp.media = {"event": view}
                return
        raise not_found(f"Event ({event_id}) ")
