"""What every Heat API handler shares: errors in Heat's shape, links, times, the context."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import falcon

from atonix_iac.state.records import StackRecord
from atonix_iac.workspace.binding import Binding

from ..auth import Identity
from ..engine import Engine
from ..jobs import Dispatcher
from ..nested import ROOT, NestedStackNode, StackTree, build_tree, find_nested

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class HeatError(Exception):
    """An error answered in Heat's fault format (heatclient reads ``error.message``)."""

    def __init__(self, status: int, message: str, kind: str = "HTTPException") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind

    def body(self) -> dict[str, Any]:
        return {
            "code": self.status,
            "title": _TITLES.get(self.status, "Error"),
            "explanation": self.message,
            "error": {"message": self.message, "type": self.kind, "traceback": None},
        }


def not_found(what: str) -> HeatError:
    return HeatError(404, f"The {what} could not be found.", "EntityNotFound")


def bad_request(message: str, kind: str = "HTTPBadRequest") -> HeatError:
    return HeatError(400, message, kind)


@dataclass
class Services:
    """What the handlers reach: the engine (records, store, plans) and the job queue."""

    engine: Engine
    jobs: Dispatcher


def start_stack_job(
    services: Services,
    record: StackRecord,
    action: str,
    detail: dict[str, Any] | None = None,
    *,
    event: bool = True,
) -> None:
    """Mark the stack ``<action>_IN_PROGRESS`` (with Heat's stack event unless ``event`` is
    off), then queue the job: the status a client polls is written before any worker runs."""
    records = services.engine.records
    reason = f"Stack {action} started"
    records.set_status(record.id, action, "IN_PROGRESS", reason)
    if event:
        records.add_event(
            record.id, record.name, "OS::Heat::Stack", record.id, action, "IN_PROGRESS", reason
        )
    services.jobs.submit(records.add_job(record.id, action, detail))


def identity(req: falcon.Request) -> Identity:
    found: Identity = req.context.identity
    return found


def binding(req: falcon.Request) -> Binding:
    found: Binding = req.context.binding
    return found


def check_tenant(req: falcon.Request, tenant_id: str) -> str:
    """Heat's ``tenant_local``: a path naming another project than the token's is refused."""
    if identity(req).project_id != tenant_id:
        raise HeatError(403, "You are not authorized to complete this action.", "Forbidden")
    return tenant_id


def read_json(req: falcon.Request) -> dict[str, Any]:
    raw = req.bounded_stream.read()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("The request body could not be parsed as JSON") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    return body


def base_url(req: falcon.Request) -> str:
    return f"{req.scheme}://{req.netloc}"


def stack_href(req: falcon.Request, record: StackRecord) -> str:
    return f"{base_url(req)}/v1/{record.project_id}/stacks/{record.name}/{record.id}"


def nested_href(req: falcon.Request, tree: StackTree, node: NestedStackNode) -> str:
    return f"{base_url(req)}/v1/{tree.record.project_id}/stacks/{node.name}/{node.id}"


def stack_link(req: falcon.Request, record: StackRecord) -> dict[str, str]:
    return {"href": stack_href(req, record), "rel": "self"}


def isotime(moment: datetime | None) -> str | None:
    """Heat's time format: ``2026-12-06T15:04:05Z``."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def bool_param(req: falcon.Request, name: str, default: bool = False) -> bool:
    value = req.get_param(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise bad_request(
        f"Unrecognized value '{value}' for '{name}', acceptable values are: true, false"
    )


def int_param(req: falcon.Request, name: str) -> int | None:
    value = req.get_param(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"Only integer is acceptable by '{name}'.") from None
    if number < 0:
        raise bad_request(f"Value must be greater than or equal to 0 for '{name}'.")
    return number


def find_record(
    services: Services, req: falcon.Request, stack_name: str, stack_id: str
) -> StackRecord:
    """The stack named by (name, id) in the token's project; 404 otherwise (including a
    stack of another project: its existence is not disclosed)."""
    record = services.engine.records.get_stack(identity(req).project_id, stack_id)
    if record is None or record.name != stack_name:
        raise not_found(f"Stack ({stack_name}) ")
    return record


class StackScoped:
    """Base of the API's resources: the services they answer from, and the stack a URL names
    (the tenant checked first, then the stack in the token's project)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def stack(
        self, req: falcon.Request, tenant_id: str, stack_name: str, stack_id: str
    ) -> StackRecord:
        check_tenant(req, tenant_id)
        try:
            return find_record(self.services, req, stack_name, stack_id)
        except HeatError:
            found = find_nested(self.services.engine, identity(req).project_id, stack_id)
            if found is None or found[1].name != stack_name:
                raise
            raise HeatError(
                400,
                f"Actions on nested stack {stack_name} are not supported: it is part of"
                f" stack {found[0].record.name}, act on that stack",
                "NotSupported",
            ) from None

    def root_or_nested(
        self, req: falcon.Request, tenant_id: str, stack_name: str, stack_id: str
    ) -> StackRecord | tuple[StackTree, NestedStackNode]:
        """The root stack a URL names (no tree built: the common, cheap case), or the nested
        stack it names."""
        check_tenant(req, tenant_id)
        record = self.services.engine.records.get_stack(identity(req).project_id, stack_id)
        if record is not None and record.name == stack_name:
            return record
        return self.view(req, tenant_id, stack_name, stack_id)

    def view(
        self, req: falcon.Request, tenant_id: str, stack_name: str, stack_id: str
    ) -> tuple[StackTree, NestedStackNode]:
        """The stack a URL names, the root or one of its nested stacks (read-only views)."""
        check_tenant(req, tenant_id)
        engine = self.services.engine
        record = engine.records.get_stack(identity(req).project_id, stack_id)
        if record is not None and record.name == stack_name:
            tree = build_tree(engine, record)
            return tree, tree.nodes[ROOT]
        found = find_nested(engine, identity(req).project_id, stack_id)
        if found is None or found[1].name != stack_name:
            raise not_found(f"Stack ({stack_name}) ")
        return found
