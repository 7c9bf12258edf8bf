"""The stack service's records beside the state: Heat stacks, their events, queued jobs.

Heat names a stack by (project, name, id) and keeps a status and an event list; atonix's
state keys resources by (workspace, environment, stack). A ``StackRecord`` ties the two: the
service writes one per Heat stack, the worker that runs a job updates its status and adds its
events. Parameter values and the environment (which may hold secrets) are sealed with the
state's key, never stored in the clear.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from atonix_iac.errors import StateError
from atonix_iac.state.database import StateDatabase
from atonix_iac.state.model import StackKey
from atonix_iac.state.schema import ServiceEventRow, ServiceJobRow, ServiceStackRow, utcnow
from atonix_iac.state.secrets import SecretBox


class StackExistsError(StateError):
    """A live stack of that name already exists in the project."""


@dataclass(slots=True)
class StackRecord:
    id: str
    project_id: str
    name: str
    workspace: str
    environment: str
    action: str = "CREATE"
    status: str = "IN_PROGRESS"
    status_reason: str = ""
    # As the client sent them: a mapping, or template/environment text (YAML or JSON).
    template: Any = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    environment_doc: Any = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    timeout_mins: int | None = None
    disable_rollback: bool = True
    tags: list[str] = field(default_factory=list)
    owner: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def key(self) -> StackKey:
        return StackKey(self.workspace, self.environment, self.name)

    @property
    def stack_status(self) -> str:
        return f"{self.action}_{self.status}"


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: str
    seq: int
    stack_id: str
    resource_name: str
    resource_type: str
    physical_resource_id: str | None
    action: str
    status: str
    status_reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    stack_id: str
    action: str
    state: str
    attempts: int
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StackQuery:
    """A stack listing's filters, order and page (Heat's list parameters)."""

    filters: dict[str, list[str]] = field(default_factory=dict)
    sort_keys: tuple[str, ...] = ("created_at",)
    sort_dir: str = "desc"
    limit: int | None = None
    marker: str | None = None
    show_deleted: bool = False
    tags: tuple[str, ...] = ()


_SORTABLE = {"created_at", "updated_at", "name", "status"}
_FILTERABLE = {"id", "name", "action", "status", "owner"}


class ServiceRecords:
    """Reads and writes the service's tables, each call one short transaction."""

    def __init__(self, db: StateDatabase, box: SecretBox) -> None:
        self._db = db
        self._box = box

    # -- stacks ------------------------------------------------------------------------

    def add_stack(self, record: StackRecord) -> None:
        with self._db.writing() as session:
            live = session.scalar(
                select(func.count())
                .select_from(ServiceStackRow)
                .where(
                    ServiceStackRow.project_id == record.project_id,
                    ServiceStackRow.name == record.name,
                    ServiceStackRow.deleted_at.is_(None),
                )
            )
            if live:
                raise StackExistsError(f"The Stack ({record.name}) already exists.")
            session.add(ServiceStackRow(**self._row_values(record)))
            try:
                session.flush()
            except IntegrityError:
                # A concurrent create inserted the name after the check above: the live
                # name index refuses this one.
                raise StackExistsError(f"The Stack ({record.name}) already exists.") from None

    def save_stack(self, record: StackRecord) -> None:
        record.updated_at = utcnow()
        values = self._row_values(record)
        with self._db.writing() as session:
            session.execute(
                update(ServiceStackRow).where(ServiceStackRow.id == record.id).values(**values)
            )

    def set_status(
        self, stack_id: str, action: str, status: str, reason: str, *, deleted: bool = False
    ) -> None:
        values: dict[str, Any] = {
            "action": action,
            "status": status,
            "status_reason": reason,
            "updated_at": utcnow(),
        }
        if deleted:
            values["deleted_at"] = utcnow()
        with self._db.writing() as session:
            session.execute(
                update(ServiceStackRow).where(ServiceStackRow.id == stack_id).values(**values)
            )

    def get_stack(self, project_id: str | None, stack_id: str) -> StackRecord | None:
        """By id (deleted stacks too, as Heat shows them); ``project_id`` None: any project."""
        with self._db.reading() as session:
            query = select(ServiceStackRow).where(ServiceStackRow.id == stack_id)
            if project_id is not None:
                query = query.where(ServiceStackRow.project_id == project_id)
            row = session.scalar(query)
            return None if row is None else self._record(row)

    def find_stack(self, project_id: str, name_or_id: str) -> StackRecord | None:
        """The live stack of that name (else the stack of that id) in the project."""
        with self._db.reading() as session:
            row = session.scalar(
                select(ServiceStackRow).where(
                    ServiceStackRow.project_id == project_id,
                    ServiceStackRow.name == name_or_id,
                    ServiceStackRow.deleted_at.is_(None),
                )
            )
        if row is not None:
            return self._record(row)
        return self.get_stack(project_id, name_or_id)

    def list_stacks(self, project_id: str | None, query: StackQuery) -> list[StackRecord]:
        with self._db.reading() as session:
            # Rows of action PLAN hold a plan's proposal (see the service's plans), not a stack.
            stmt = select(ServiceStackRow).where(ServiceStackRow.action != "PLAN")
            if project_id is not None:
                stmt = stmt.where(ServiceStackRow.project_id == project_id)
            if not query.show_deleted:
                stmt = stmt.where(ServiceStackRow.deleted_at.is_(None))
            for name, values in query.filters.items():
                if name in _FILTERABLE:
                    stmt = stmt.where(getattr(ServiceStackRow, name).in_(values))
            order = []
            for key in query.sort_keys or ("created_at",):
                column = getattr(ServiceStackRow, key if key in _SORTABLE else "created_at")
                order.append(column.asc() if query.sort_dir == "asc" else column.desc())
            order.append(ServiceStackRow.id.asc())
            rows = list(session.scalars(stmt.order_by(*order)))
        # A listing shows no parameters: their seal is left closed (decrypting costs per row).
        records = [self._record(row, with_secrets=False) for row in rows]
        if query.tags:
            records = [r for r in records if set(query.tags) <= set(r.tags)]
        if query.marker is not None:
            ids = [r.id for r in records]
            if query.marker in ids:
                records = records[ids.index(query.marker) + 1 :]
        if query.limit is not None:
            records = records[: query.limit]
        return records

    # -- events ------------------------------------------------------------------------

    def add_event(
        self,
        stack_id: str,
        resource_name: str,
        resource_type: str,
        physical_resource_id: str | None,
        action: str,
        status: str,
        reason: str,
    ) -> None:
        with self._db.writing() as session:
            session.add(
                ServiceEventRow(
                    uuid=str(uuid.uuid4()),
                    stack_id=stack_id,
                    resource_name=resource_name,
                    resource_type=resource_type,
                    physical_resource_id=physical_resource_id,
                    action=action,
                    status=status,
                    status_reason=reason,
                    created_at=utcnow(),
                )
            )

    def events(self, stack_id: str, resource_name: str | None = None) -> list[EventRecord]:
        with self._db.reading() as session:
            stmt = select(ServiceEventRow).where(ServiceEventRow.stack_id == stack_id)
            if resource_name is not None:
                stmt = stmt.where(ServiceEventRow.resource_name == resource_name)
            rows = session.scalars(stmt.order_by(ServiceEventRow.id.asc()))
            return [
                EventRecord(
                    row.uuid,
                    row.id,
                    row.stack_id,
                    row.resource_name,
                    row.resource_type,
                    row.physical_resource_id,
                    row.action,
                    row.status,
                    row.status_reason,
                    row.created_at,
                )
                for row in rows
            ]

    # -- jobs --------------------------------------------------------------------------

    def add_job(self, stack_id: str, action: str, detail: dict[str, Any] | None = None) -> str:
        job_id = str(uuid.uuid4())
        with self._db.writing() as session:
            session.add(
                ServiceJobRow(
                    id=job_id,
                    stack_id=stack_id,
                    action=action,
                    state="queued",
                    attempts=0,
                    created_at=utcnow(),
                    started_at=None,
                    finished_at=None,
                    detail=detail or {},
                )
            )
        return job_id

    def claim_job(self, job_id: str, worker: str) -> JobRecord | None:
        """Mark the job running (one more attempt, by ``worker``); None if it already
        finished, so a message delivered again after its worker died is run only if the job
        is not done."""
        with self._db.writing() as session:
            row = session.scalar(
                select(ServiceJobRow).where(ServiceJobRow.id == job_id).with_for_update()
            )
            if row is None or row.state in ("done", "failed"):
                return None
            row.state = "running"
            row.attempts += 1
            row.detail = {**row.detail, "worker": worker}
            row.started_at = utcnow()
            return JobRecord(row.id, row.stack_id, row.action, row.state, row.attempts, row.detail)

    def finish_job(self, job_id: str, state: str) -> None:
        with self._db.writing() as session:
            session.execute(
                update(ServiceJobRow)
                .where(ServiceJobRow.id == job_id)
                .values(state=state, finished_at=utcnow())
            )

    def jobs(self, stack_id: str | None = None) -> list[JobRecord]:
        with self._db.reading() as session:
            stmt = select(ServiceJobRow)
            if stack_id is not None:
                stmt = stmt.where(ServiceJobRow.stack_id == stack_id)
            return [
                JobRecord(r.id, r.stack_id, r.action, r.state, r.attempts, r.detail)
                for r in session.scalars(stmt.order_by(ServiceJobRow.created_at))
            ]

    def request_cancel(self, stack_id: str, actions: tuple[str, ...], mode: str) -> bool:
        """Ask the stack's unfinished job of one of ``actions`` to stop at its next safe
        point (``mode``: ``rollback`` or ``stop``); False when there is none. The request
        lives in the job's row, so whichever process runs the job sees it."""
        with self._db.writing() as session:
            row = session.scalar(
                select(ServiceJobRow)
                .where(
                    ServiceJobRow.stack_id == stack_id,
                    ServiceJobRow.action.in_(actions),
                    ServiceJobRow.state.in_(("queued", "running")),
                )
                .order_by(ServiceJobRow.created_at.desc())
                .limit(1)
                .with_for_update()
            )
            if row is None:
                return False
            row.detail = {**row.detail, "cancel": mode}
            return True

    def cancel_requested(self, job_id: str) -> str | None:
        """The cancel mode asked of the job, if any."""
        with self._db.reading() as session:
            detail = session.scalar(select(ServiceJobRow.detail).where(ServiceJobRow.id == job_id))
        mode = (detail or {}).get("cancel")
        return str(mode) if mode else None

    def seal_documents(self, record: StackRecord) -> str:
        """The record's template, files, environment and parameters, sealed: what a job
        keeps to put back if its update is rolled back or cancelled."""
        return self._box.seal(
            {
                "template": record.template,
                "files": record.files,
                "environment": record.environment_doc,
                "parameters": record.parameters,
            }
        )

    def restore_documents(self, stack_id: str, sealed: str) -> None:
        """Put back the documents ``seal_documents`` kept (status left as it is)."""
        record = self.get_stack(None, stack_id)
        if record is None:
            return
        documents = self._box.open(sealed, f"stack {record.name} documents")
        record.template = documents.get("template") or {}
        record.files = dict(documents.get("files") or {})
        record.environment_doc = documents.get("environment") or {}
        record.parameters = dict(documents.get("parameters") or {})
        self.save_stack(record)

    def pending_jobs(self) -> int:
        with self._db.reading() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(ServiceJobRow)
                    .where(ServiceJobRow.state.in_(("queued", "running")))
                )
                or 0
            )

    # -- rows <-> records --------------------------------------------------------------

    def _row_values(self, record: StackRecord) -> dict[str, Any]:
        secrets = {"parameters": record.parameters, "environment": record.environment_doc}
        return {
            "id": record.id,
            "project_id": record.project_id,
            "name": record.name,
            "workspace": record.workspace,
            "environment": record.environment,
            "action": record.action,
            "status": record.status,
            "status_reason": record.status_reason,
            "document": {"template": record.template, "files": record.files},
            "secrets": self._box.seal(secrets),
            "timeout_mins": record.timeout_mins,
            "disable_rollback": record.disable_rollback,
            "tags": list(record.tags),
            "owner": record.owner,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
            "deleted_at": record.deleted_at,
        }

    def _record(self, row: ServiceStackRow, *, with_secrets: bool = True) -> StackRecord:
        secrets: dict[str, Any] = (
            self._box.open(row.secrets, f"stack {row.name}") if row.secrets and with_secrets else {}
        )
        return StackRecord(
            id=row.id,
            project_id=row.project_id,
            name=row.name,
            workspace=row.workspace,
            environment=row.environment,
            action=row.action,
            status=row.status,
            status_reason=row.status_reason,
            template=row.document.get("template") or {},
            files=dict(row.document.get("files") or {}),
            environment_doc=secrets.get("environment") or {},
            parameters=dict(secrets.get("parameters") or {}),
            timeout_mins=row.timeout_mins,
            disable_rollback=row.disable_rollback,
            tags=list(row.tags or []),
            owner=row.owner,
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
        )


def page(items: Sequence[EventRecord], limit: int | None, marker: str | None) -> list[EventRecord]:
    """Heat's marker paging: the items after ``marker`` (an id), at most ``limit``."""
    result = list(items)
    if marker is not None:
        ids = [e.id for e in result]
        if marker in ids:
            result = result[ids.index(marker) + 1 :]
    return result[:limit] if limit is not None else result
