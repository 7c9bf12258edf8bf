"""``.../snapshots``: Heat's stack snapshots — take (a SNAPSHOT job), list, show, delete, and
restore (a RESTORE job converging the stack to the snapshot's documents).

See ``service/snapshots.py`` for what a snapshot holds and what a restore brings back.
"""

from __future__ import annotations

import uuid
from typing import Any

import falcon

from atonix_iac.state.records import StackRecord
from atonix_iac.state.schema import utcnow
from atonix_iac.state.stack_snapshots import SnapshotRecord

from .common import (
    HeatError,
    StackScoped,
    bad_request,
    binding,
    isotime,
    not_found,
    read_json,
    stack_href,
    start_stack_job,
)
from .documents import check_record

# Heat's ``max_snapshots_per_stack`` default.
MAX_SNAPSHOTS_PER_STACK = 32
HIDDEN = "******"


def snapshot_view(record: StackRecord, snapshot: SnapshotRecord) -> dict[str, Any]:
    """Heat's ``format_snapshot``; ``data`` is the stack as Heat's abandon data shows it,
    hidden parameter values masked."""
    body = snapshot.body
    template = body.get("template")
    declared = (template.get("parameters") or {}) if isinstance(template, dict) else {}
    hidden = {n for n, spec in declared.items() if isinstance(spec, dict) and spec.get("hidden")}
    environment = dict(body.get("environment") or {})
    parameters = {**(environment.get("parameters") or {}), **(body.get("parameters") or {})}
    environment["parameters"] = {k: HIDDEN if k in hidden else v for k, v in parameters.items()}
    data: dict[str, Any] | None = None
    if snapshot.status == "COMPLETE":
        data = {
            "id": record.id,
            "name": record.name,
            "action": "SNAPSHOT",
            "status": snapshot.status,
            "template": template,
            "environment": environment,
            "files": body.get("files") or {},
            "resources": body.get("resources") or {},
            "project_id": record.project_id,
            "stack_user_project_id": record.project_id,
            "tags": record.tags,
            "state_serial": body.get("state_serial"),
        }
    return {
        "id": snapshot.id,
        "name": snapshot.name,
        "action": snapshot.action,
        "status": snapshot.status,
        "status_reason": snapshot.status_reason,
        "data": data,
        "creation_time": isotime(snapshot.created_at),
    }


def _in_progress(record: StackRecord) -> HeatError:
    return HeatError(
        409,
        f"Stack {record.name} already has an action ({record.action}) in progress.",
        "ActionInProgress",
    )


class StackSnapshots(StackScoped):
    def _live(
        self, req: falcon.Request, tenant_id: str, stack_name: str, stack_id: str
    ) -> StackRecord:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        if record.deleted_at is not None:
            raise not_found(f"Stack ({stack_name}) ")
        return record

    def _snapshot(self, record: StackRecord, snapshot_id: str) -> SnapshotRecord:
        found = self.services.engine.store.stack_snapshots().get(record.id, snapshot_id)
        if found is None:
            raise HeatError(
                404, f"The Snapshot ({snapshot_id}) could not be found.", "EntityNotFound"
            )
        return found

    def on_post(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        """Take a snapshot: recorded IN_PROGRESS at once, completed by a SNAPSHOT job."""
        record = self._live(req, tenant_id, stack_name, stack_id)
        if record.status == "IN_PROGRESS":
            raise _in_progress(record)
        name = read_json(req).get("name")
        snapshots = self.services.engine.store.stack_snapshots()
        if snapshots.count(record.id) >= MAX_SNAPSHOTS_PER_STACK:
            raise bad_request(
                "Request limit exceeded: You have reached the maximum snapshots per stack,"
                f" {MAX_SNAPSHOTS_PER_STACK}. Please delete some snapshots.",
                "RequestLimitExceeded",
            )
        snapshot = SnapshotRecord(
            id=str(uuid.uuid4()),
            project_id=record.project_id,
            stack_id=record.id,
            name=str(name) if name is not None else None,
            action="CREATE",
            status="IN_PROGRESS",
            status_reason="",
            body={
                "template": record.template,
                "files": record.files,
                "environment": record.environment_doc,
                "parameters": record.parameters,
            },
            created_at=utcnow(),
        )
        snapshots.add(snapshot)
        start_stack_job(self.services, record, "SNAPSHOT", {"snapshot": snapshot.id})
        resp.media = snapshot_view(record, snapshot)

    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self._live(req, tenant_id, stack_name, stack_id)
        listed = self.services.engine.store.stack_snapshots().list(record.id)
        resp.media = {"snapshots": [snapshot_view(record, s) for s in listed]}

    def on_get_one(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        snapshot_id: str,
    ) -> None:
        record = self._live(req, tenant_id, stack_name, stack_id)
        resp.media = {"snapshot": snapshot_view(record, self._snapshot(record, snapshot_id))}

    def on_delete_one(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        snapshot_id: str,
    ) -> None:
        record = self._live(req, tenant_id, stack_name, stack_id)
        snapshot = self._snapshot(record, snapshot_id)
        if snapshot.status == "IN_PROGRESS":
            raise bad_request("Deleting in-progress snapshot is not supported.", "NotSupported")
        self.services.engine.store.stack_snapshots().remove(record.id, snapshot.id)
        resp.status = falcon.HTTP_204

    def on_post_restore(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        snapshot_id: str,
    ) -> None:
        """Give the stack the snapshot's template, environment, files and parameters again
        (checked as an update is) and queue a RESTORE job converging to them; a rollback puts
        back what the stack had."""
        record = self._live(req, tenant_id, stack_name, stack_id)
        snapshot = self._snapshot(record, snapshot_id)
        if snapshot.status != "COMPLETE":
            raise bad_request("Restoring incomplete snapshot is not supported.", "NotSupported")
        if record.status == "IN_PROGRESS":
            raise _in_progress(record)
        records = self.services.engine.records
        previous = records.seal_documents(record)
        body = snapshot.body
        record.template = body.get("template") or {}
        record.files = dict(body.get("files") or {})
        record.environment_doc = body.get("environment") or {}
        record.parameters = dict(body.get("parameters") or {})
        check_record(self.services.engine, record, binding(req))
        record.action, record.status = "RESTORE", "IN_PROGRESS"
        record.status_reason = "Stack RESTORE started"
        records.save_stack(record)
        records.add_event(
            record.id, record.name, "OS::Heat::Stack", record.id, "RESTORE", "IN_PROGRESS",
            "Stack RESTORE started",
        )  # fmt: skip
        job = records.add_job(record.id, "RESTORE", {"previous": previous, "snapshot": snapshot.id})
        self.services.jobs.submit(job)
        resp.status = falcon.HTTP_202
        resp.location = stack_href(req, record)
