"""The state database's tables as typed ORM classes.

Alembic migrations (``migrations/versions``) create these tables; a test checks that the
migrated schema and these classes agree. Intents are not a table of their own: an intent is a
resource row with status ``pending_create``, so a run killed mid-create leaves a row that the
next plan sees and resolves.

Secret values never reach a JSON column: their names keep a ``null`` placeholder there (so key
order survives) and the values travel Fernet-encrypted in the ``secrets`` text column.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every backend; always read back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(row: type[Base]) -> Table:
    """The Core table behind an ORM class, for prebuilt statements on hot paths."""
    table = row.__table__
    assert isinstance(table, Table)
    return table


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class StackRow(Base):
    __tablename__ = "stacks"
    __table_args__ = (UniqueConstraint("workspace", "environment", "name", name="uq_stacks_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(255))
    environment: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    lineage: Mapped[str] = mapped_column(String(36))
    serial: Mapped[int] = mapped_column(Integer)
    outputs: Mapped[dict[str, Any]]
    sensitive_outputs: Mapped[list[str]]
    parameters: Mapped[dict[str, Any]]
    sensitive_parameters: Mapped[list[str]]
    # Fernet token of {"outputs": {...}, "parameters": {...}} holding only the secret values.
    secrets: Mapped[str | None] = mapped_column(Text)
    template_digest: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ResourceRow(Base):
    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("stack_id", "address", "deposed", name="uq_resources_address"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stack_id: Mapped[int] = mapped_column(ForeignKey("stacks.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(1024))
    # "" for the current object; NULL would defeat the unique constraint.
    deposed: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    properties: Mapped[dict[str, Any]]
    attributes: Mapped[dict[str, Any]]
    sensitive_properties: Mapped[list[str]]
    sensitive_attributes: Mapped[list[str]]
    # Fernet token of {"properties": {...}, "attributes": {...}} holding only the secrets.
    secrets: Mapped[str | None] = mapped_column(Text)
    dependencies: Mapped[list[str]]
    deletion_policy: Mapped[str] = mapped_column(String(16))
    create_before_destroy: Mapped[bool] = mapped_column(Boolean)
    prevent_destroy: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]
    # The intent's create token, sent with the create so the object can be found again.
    create_token: Mapped[str | None] = mapped_column(String(36))
    # Adopted through external_id: never updated or deleted, only forgotten.
    external: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class VersionRow(Base):
    """One row per committed change: cheap, no snapshot of the whole state."""

    __tablename__ = "state_versions"
    __table_args__ = (UniqueConstraint("stack_id", "serial", name="uq_state_versions_serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stack_id: Mapped[int] = mapped_column(ForeignKey("stacks.id", ondelete="CASCADE"))
    serial: Mapped[int] = mapped_column(Integer)
    lineage: Mapped[str] = mapped_column(String(36))
    operation: Mapped[str] = mapped_column(String(255))
    who: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class SnapshotRow(Base):
    """A whole-state copy taken at the end of every run and state command that commits
    (see ``SqlStateStore.snapshot``): the serials ``state show -serial`` can show."""

    __tablename__ = "state_snapshots"
    __table_args__ = (Index("ix_state_snapshots_stack_serial", "stack_id", "serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stack_id: Mapped[int] = mapped_column(ForeignKey("stacks.id", ondelete="CASCADE"))
    serial: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(255))
    who: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    # The export document, zlib-compressed ("z1:" + base64; older rows: plain JSON),
    # Fernet-sealed as a whole when the state holds any secret.
    body: Mapped[str] = mapped_column(Text)
    sealed: Mapped[bool] = mapped_column(Boolean)
    # What the document holds, for the history listing (NULL in rows from before 0003).
    lineage: Mapped[str | None] = mapped_column(String(36))
    resources: Mapped[int | None] = mapped_column(Integer)


class LockRow(Base):
    """At most one row per stack: the primary key is the mutual exclusion, on any backend.

    ``lease_expires`` is pushed forward by the holder's heartbeat; NULL marks a row written
    before leases existed, which is never taken over automatically. ``pid_scope`` and
    ``pid_started`` say where the pid means something and which process it was (see
    ``liveness.py``)."""

    __tablename__ = "locks"

    workspace: Mapped[str] = mapped_column(String(255), primary_key=True)
    environment: Mapped[str] = mapped_column(String(255), primary_key=True)
    stack: Mapped[str] = mapped_column(String(255), primary_key=True)
    lock_id: Mapped[str] = mapped_column(String(36))
    who: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime]
    lease_expires: Mapped[datetime | None]
    pid_scope: Mapped[str | None] = mapped_column(String(128))
    pid_started: Mapped[int | None] = mapped_column(BigInteger)


class AuditRow(Base):
    """Kept by stack key, not by foreign key, so a stack's audit outlives the stack."""

    __tablename__ = "audit"
    __table_args__ = (
        Index("ix_audit_stack_started", "workspace", "environment", "stack", "started_at"),
        Index("ix_audit_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(255))
    environment: Mapped[str] = mapped_column(String(255))
    stack: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(1024))
    type: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    who: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    duration_s: Mapped[float] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    project: Mapped[str | None] = mapped_column(String(255))


class SignalRow(Base):
    """One signal a wait condition handle received: append-only, written without the stack
    lock (a signal arrives while an apply holds it). Kept by stack key like the audit, so
    a signal for a stack whose first apply is still running has somewhere to go.

    ``payload`` is Fernet-sealed ``{"reason": ..., "data": ...}``: what a server sends may
    be a secret (a generated password, a key)."""

    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_handle", "workspace", "environment", "stack", "handle_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(255))
    environment: Mapped[str] = mapped_column(String(255))
    stack: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(1024))
    # The handle's physical id: a replaced handle (a new id) starts with no signals.
    handle_id: Mapped[str] = mapped_column(String(255))
    # The sender's id; NULL = Heat's default (the signal's position among the handle's).
    signal_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]


class ServiceStackRow(Base):
    """A stack as the stack service (Heat's API) knows it: its Heat id, owner project,
    status and the template, environment and files it was last given. Its resources live in
    the ``stacks``/``resources`` rows of its (workspace, environment, name) key."""

    __tablename__ = "service_stacks"
    __table_args__ = (
        Index("ix_service_stacks_project_name", "project_id", "name"),
        # One live stack per name and project, enforced by the database: two creates racing
        # past the service's name check cannot both insert (the loser gets Heat's 409).
        Index(
            "uq_service_stacks_live_name",
            "project_id",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    workspace: Mapped[str] = mapped_column(String(255))
    environment: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text)
    # {"template": ..., "environment": ..., "files": ..., "parameters": ...}; the parameter
    # values the template marks hidden are sealed (``secrets``), never stored in the clear.
    document: Mapped[dict[str, Any]]
    secrets: Mapped[str | None] = mapped_column(Text)
    timeout_mins: Mapped[int | None] = mapped_column(Integer)
    disable_rollback: Mapped[bool] = mapped_column(Boolean)
    tags: Mapped[list[str]]
    owner: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class ServiceEventRow(Base):
    """One Heat event: a stack's or a resource's action reaching a status."""

    __tablename__ = "service_events"
    __table_args__ = (Index("ix_service_events_stack", "stack_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    stack_id: Mapped[str] = mapped_column(String(36))
    resource_name: Mapped[str] = mapped_column(String(1024))
    resource_type: Mapped[str] = mapped_column(String(255))
    physical_resource_id: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ServiceJobRow(Base):
    """A queued stack action: what a worker runs, and what a redelivered message finds
    already done (so a job is never run twice to completion)."""

    __tablename__ = "service_jobs"
    __table_args__ = (Index("ix_service_jobs_stack", "stack_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stack_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The plan a plans-first apply must match (its JSON digest), if any.
    detail: Mapped[dict[str, Any]]


class ServiceDocumentRow(Base):
    """A project's Heat software config or software deployment (the service's
    ``/software_configs`` and ``/software_deployments``); its body sealed, as configs carry
    secrets."""

    __tablename__ = "service_documents"
    __table_args__ = (Index("ix_service_documents_project_kind", "project_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    server_id: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class ServiceSnapshotRow(Base):
    """A Heat stack snapshot (the service's ``/snapshots``): the template, environment, files
    and parameters the stack had, its resources' ids and the state serial kept then. The body
    is sealed (parameters and environments carry secrets)."""

    __tablename__ = "service_snapshots"
    __table_args__ = (Index("ix_service_snapshots_stack", "stack_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    stack_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
