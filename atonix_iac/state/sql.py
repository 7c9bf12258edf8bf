"""``SqlStateStore``: the StateStore over SQLAlchemy, for SQLite files and PostgreSQL.

Every method is one short transaction (see ``database.py``); every committed change bumps the
stack's serial by one. Intents are resource rows with status ``pending_create``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, bindparam, cast, delete, func, insert, select, update
from sqlalchemy.engine import URL, Connection

from atonix_iac.errors import StateError, suggest
from atonix_iac.state import locking, signal_inbox
from atonix_iac.state.codec import (
    audit_record,
    audit_values,
    merge_secrets,
    resource_from_row,
    resource_key,
    resource_values,
    seal_parts,
    sealed_attribute_names,
    split_secrets,
    stack_secrets,
)
from atonix_iac.state.database import StateDatabase, Transaction, execute, stack_filter
from atonix_iac.state.engine import is_memory_sqlite
from atonix_iac.state.group_commit import GroupCommit, Pending
from atonix_iac.state.lease import HeldLock, LeaseTiming, Warn, log_warning
from atonix_iac.state.model import (
    AuditRecord,
    LockInfo,
    ResourceState,
    ResourceStatus,
    ResourceWrite,
    SignalRecord,
    SnapshotInfo,
    StackKey,
    StackSummary,
    State,
    StateVersion,
)
from atonix_iac.state.moves import plan_move

if TYPE_CHECKING:
    from atonix_iac.state.documents import ServiceDocuments
    from atonix_iac.state.records import ServiceRecords
    from atonix_iac.state.stack_snapshots import StackSnapshots
from atonix_iac.state.schema import (
    AuditRow,
    ResourceRow,
    SnapshotRow,
    StackRow,
    VersionRow,
    table_of,
    utcnow,
)
from atonix_iac.state.secrets import SecretBox
from atonix_iac.state.sensitivity import Needles, derived_secret_names
from atonix_iac.state.transfer import (
    StoredResource,
    check_push,
    document_to_state,
    pack_snapshot,
    state_to_document,
    unpack_snapshot,
)


class SqlStateStore:
    """Implements ``atonix_iac.state.store.StateStore``; build it with ``open_store``."""

    def __init__(
        self,
        url: URL,
        box: SecretBox,
        *,
        holder: locking.Holder | None = None,
        on_warning: Warn = log_warning,
    ) -> None:
        self.url = url
        self._box = box
        self._holder = holder or locking.Holder.current()
        self._warn = on_warning
        # The locks this store holds, so that a write under a lost lock is refused.
        self._held: dict[StackKey, HeldLock] = {}
        self._db = StateDatabase(url, self._holder)
        # Per-resource writes of apply's threads, committed together when ready together.
        self._writes: GroupCommit[_Write, int] = GroupCommit(
            self._commit_writes, self._commit_write
        )
        if not is_memory_sqlite(url):  # a database in memory dies with its ephemeral key
            box.attach(self._sealed_sample)

    def service_records(self) -> ServiceRecords:
        """The stack service's tables in this database (Heat stacks, events, jobs)."""
        from atonix_iac.state.records import ServiceRecords

        return ServiceRecords(self._db, self._box)

    def service_documents(self) -> ServiceDocuments:
        """The stack service's software configs and deployments in this database."""
        from atonix_iac.state.documents import ServiceDocuments

        return ServiceDocuments(self._db, self._box)

    def stack_snapshots(self) -> StackSnapshots:
        """The stack service's stack snapshots in this database."""
        from atonix_iac.state.stack_snapshots import StackSnapshots

        return StackSnapshots(self._db, self._box)

    # -- reading -------------------------------------------------------------------------

    def load(self, key: StackKey) -> State:
        with self._db.reading() as session:
            stack = self._db.stack(session, key)
            if stack is None:
                return State(key=key)
            # Plain rows, not ORM objects: a 10,000-resource stack loads on every plan.
            rows = session.execute(_SELECT_RESOURCES, {"b_stack": stack.id}).all()
        resources = [resource_from_row(self._box, key, row) for row in rows]
        return self._stack_state(key, stack, resources)

    def _stack_state(
        self, key: StackKey, stack: StackRow, resources: Iterable[ResourceState]
    ) -> State:
        """The state a stack row and its (decoded) resources describe, secrets opened."""
        secrets = stack_secrets(self._box, key, stack)
        return State(
            key=key,
            lineage=stack.lineage,
            serial=stack.serial,
            resources={resource_key(r.address, r.deposed): r for r in resources},
            outputs=merge_secrets(stack.outputs, secrets.get("outputs", {})),
            sensitive_outputs=frozenset(stack.sensitive_outputs),
            parameters=merge_secrets(stack.parameters, secrets.get("parameters", {})),
            sensitive_parameters=frozenset(stack.sensitive_parameters),
            template_digest=stack.template_digest,
        )

    def iter_resources(self, key: StackKey) -> Iterator[ResourceState]:
        return iter(list(self.load(key).resources.values()))

    def get_resource(
        self, key: StackKey, address: str, deposed: str | None = None
    ) -> ResourceState:
        """One resource (``state show``); StateError naming the closest address if absent."""
        resources = self.load(key).resources
        found = resources.get(resource_key(address, deposed))
        if found is None:
            raise _missing(key, resources, address)
        return found

    def list_stacks(self) -> Sequence[StackKey]:
        with self._db.reading() as session:
            rows = session.execute(
                select(StackRow.workspace, StackRow.environment, StackRow.name).order_by(
                    StackRow.workspace, StackRow.environment, StackRow.name
                )
            ).all()
        return [StackKey(w, e, n) for w, e, n in rows]

    def stack_summaries(self) -> list[StackSummary]:
        """Every stack with its serial, resource count and last change (the command of its
        newest snapshot, and who ran it): one query with two aggregates, whatever the number
        of stacks."""
        counts = (
            select(ResourceRow.stack_id, func.count().label("n"))
            .where(ResourceRow.deposed == "")
            .group_by(ResourceRow.stack_id)
            .subquery()
        )
        latest = (
            select(SnapshotRow.stack_id, func.max(SnapshotRow.id).label("id"))
            .group_by(SnapshotRow.stack_id)
            .subquery()
        )
        query = (
            select(StackRow, counts.c.n, SnapshotRow.operation, SnapshotRow.who)
            .outerjoin(counts, counts.c.stack_id == StackRow.id)
            .outerjoin(latest, latest.c.stack_id == StackRow.id)
            .outerjoin(SnapshotRow, SnapshotRow.id == latest.c.id)
            .order_by(StackRow.workspace, StackRow.environment, StackRow.name)
        )
        with self._db.reading() as session:
            rows = session.execute(query).all()
        return [
            StackSummary(
                key=StackKey(stack.workspace, stack.environment, stack.name),
                lineage=stack.lineage,
                serial=stack.serial,
                resources=count or 0,
                updated_at=stack.updated_at,
                last_operation=operation,
                who=who,
            )
            for stack, count, operation, who in rows
        ]

    def history(self, key: StackKey, *, after: int | None = None) -> Sequence[StateVersion]:
        """Every committed change of the stack (only those after serial ``after``)."""
        query = (
            select(VersionRow)
            .join(StackRow, StackRow.id == VersionRow.stack_id)
            .where(*stack_filter(key))
            .order_by(VersionRow.serial)
        )
        if after is not None:
            query = query.where(VersionRow.serial > after)
        with self._db.reading() as session:
            rows = session.scalars(query).all()
        return [StateVersion(r.serial, r.lineage, r.created_at, r.operation, r.who) for r in rows]

    def audit(
        self, key: StackKey | None = None, since: datetime | None = None
    ) -> Sequence[AuditRecord]:
        query = select(AuditRow).order_by(AuditRow.started_at, AuditRow.id)
        if key is not None:
            query = query.where(
                AuditRow.workspace == key.workspace,
                AuditRow.environment == key.environment,
                AuditRow.stack == key.stack,
            )
        if since is not None:
            query = query.where(AuditRow.started_at >= since)
        with self._db.reading() as session:
            rows = session.scalars(query).all()
        return [audit_record(row) for row in rows]

    # -- locking -------------------------------------------------------------------------

    def lock(
        self, key: StackKey, operation: str, timeout_s: float = 0.0
    ) -> AbstractContextManager[LockInfo]:
        return self._locked(key, operation, timeout_s)

    @contextmanager
    def _locked(self, key: StackKey, operation: str, timeout_s: float) -> Iterator[LockInfo]:
        """Hold the lock; a stale one (its holder dead, or its lease expired) is taken over
        with a warning. Lease and renewal period come from the environment (``locking.py``)."""
        db = self._db
        timing = LeaseTiming.from_environment()
        with db.errors():
            held = locking.acquire(
                db.read_engine,
                db.write_engine,
                key,
                operation,
                timeout_s,
                self._holder,
                timing=timing,
                warn=self._warn,
            )
        self._held[key] = held
        try:
            yield held.info
        finally:
            if self._held.get(key) is held:
                del self._held[key]
            with db.errors():
                held.release()

    def _check_lock(self, transaction: Transaction, key: StackKey) -> None:
        """Within a write transaction: refuse to write a stack whose lock this store took and
        has lost (a stale-lock takeover or force-unlock by another run)."""
        held = self._held.get(key)
        if held is not None:
            held.check(transaction)

    def current_lock(self, key: StackKey) -> LockInfo | None:
        with self._db.errors():
            return locking.current_lock(self._db.read_engine, key)

    def force_unlock(self, key: StackKey, lock_id: str) -> LockInfo:
        """Break a lock whose holder is gone; returns what was broken."""
        with self._db.errors():
            return locking.force_unlock(self._db.write_engine, key, lock_id)

    # -- writing -------------------------------------------------------------------------

    def write_intent(self, key: StackKey, resource: ResourceState) -> int:
        intent = dataclasses.replace(resource, status=ResourceStatus.PENDING_CREATE)
        return self._put(key, intent, "intent")

    def put_resource(
        self, key: StackKey, resource: ResourceState, audit: AuditRecord | None = None
    ) -> int:
        return self._put(key, resource, "write", audit)

    def put_resource_soon(self, key: StackKey, resource: ResourceState) -> Pending[_Write, int]:
        return self._writes.commit_soon(self._write(key, resource))

    def _put(
        self,
        key: StackKey,
        resource: ResourceState,
        verb: str,
        audit: AuditRecord | None = None,
    ) -> int:
        return self._writes.commit(self._write(key, resource, verb, audit))

    def _write(
        self,
        key: StackKey,
        resource: ResourceState,
        verb: str = "write",
        audit: AuditRecord | None = None,
    ) -> _Write:
        values = resource_values(self._box, key, 0, resource)  # sealed outside the lock
        operation = f"{verb} {resource_key(resource.address, resource.deposed)}"
        return _Write(key, operation, values, resource.address, resource.deposed, _audit(audit))

    def remove_resource(
        self,
        key: StackKey,
        address: str,
        deposed: str | None = None,
        audit: AuditRecord | None = None,
    ) -> int:
        operation = f"remove {resource_key(address, deposed)}"
        return self._writes.commit(_Write(key, operation, None, address, deposed, _audit(audit)))

    def commit_writes(self, key: StackKey, writes: Sequence[ResourceWrite]) -> list[int]:
        pending = [self._pending(key, write) for write in writes]  # sealed outside the lock
        if len(pending) == 1:
            return [self._commit_write(pending[0])]
        return self._commit_writes(pending)

    def _pending(self, key: StackKey, write: ResourceWrite) -> _Write:
        audit = _audit(write.audit)
        if write.resource is None:
            operation = f"remove {resource_key(write.address, write.deposed)}"
            return _Write(key, operation, None, write.address, write.deposed, audit)
        resource = write.resource
        values = resource_values(self._box, key, 0, resource)
        operation = f"write {resource_key(resource.address, resource.deposed)}"
        return _Write(key, operation, values, resource.address, resource.deposed, audit)

    def _commit_write(self, write: _Write) -> int:
        """One resource's record in a transaction of its own."""
        with self._db.transaction() as connection:
            self._check_lock(connection, write.key)
            stack = self._db.bump(connection, write.key, write.operation)
            self._apply_write(connection, stack.id, write)
            return stack.serial

    def _commit_writes(self, writes: Sequence[_Write]) -> list[int]:
        """Several threads' records in one transaction (``group_commit.py``): each stack's
        lock checked and serial bumped once, by the number of its records, each record with
        its own serial and history row, in the order they were queued."""
        by_stack: dict[StackKey, list[_Write]] = {}
        for write in writes:
            by_stack.setdefault(write.key, []).append(write)
        serials: dict[int, int] = {}
        stack_ids: dict[StackKey, int] = {}
        with self._db.transaction() as connection:
            for key, group in by_stack.items():
                self._check_lock(connection, key)
                stack = self._db.bump_many(connection, key, [w.operation for w in group])
                stack_ids[key] = stack.id
                first = stack.serial - len(group) + 1
                for offset, write in enumerate(group):
                    serials[id(write)] = first + offset
            for write in writes:
                self._apply_write(connection, stack_ids[write.key], write)
        return [serials[id(write)] for write in writes]

    def _apply_write(self, connection: Connection, stack_id: int, write: _Write) -> None:
        if write.values is not None:
            write.values["stack_id"] = stack_id
            self._db.upsert_resource(connection, write.values)
            if write.audit is not None:
                self._db.add_audit(connection, write.audit)
            return
        if write.audit is not None:
            self._db.add_audit(connection, write.audit)
        gone = execute(
            connection,
            _DELETE_RESOURCE,
            {"b_stack": stack_id, "b_address": write.address, "b_deposed": write.deposed or ""},
        )
        if gone.rowcount == 0:
            raise _missing(write.key, self._db.addresses(connection, stack_id), write.address)

    def restore_deposed(self, key: StackKey, resource: ResourceState, deposed: str) -> int:
        """Make the deposed object ``address#deposed`` current again as ``resource`` (its
        record, ``deposed`` None), dropping any current record of the address, in one
        transaction: at no instant does state know the object twice, or not at all."""
        current = dataclasses.replace(resource, deposed=None)
        operation = f"restore {resource_key(resource.address, deposed)}"
        with self._db.transaction() as connection:
            self._check_lock(connection, key)
            stack = self._db.bump(connection, key, operation)
            for gone in (deposed, ""):
                execute(
                    connection,
                    _DELETE_RESOURCE,
                    {"b_stack": stack.id, "b_address": resource.address, "b_deposed": gone},
                )
            self._db.upsert_resource(connection, resource_values(self._box, key, stack.id, current))
            return stack.serial

    def move_resource(self, key: StackKey, source: str, destination: str) -> int:
        """Rename a resource, or every resource under a nested-stack prefix (``state mv``);
        dependencies naming the moved addresses follow."""
        with self._db.writing() as session:
            self._check_lock(session, key)
            stack = self._db.bump(session, key, f"move {source} -> {destination}")
            rows = list(
                session.scalars(select(ResourceRow).where(ResourceRow.stack_id == stack.id))
            )
            renames = plan_move(key, [row.address for row in rows], source, destination)
            for row in rows:
                row.address = renames.get(row.address, row.address)
                if any(dep in renames for dep in row.dependencies):
                    row.dependencies = [renames.get(dep, dep) for dep in row.dependencies]
            return stack.serial

    def set_outputs(
        self,
        key: StackKey,
        outputs: dict[str, Any],
        sensitive: frozenset[str],
        parameters: dict[str, Any],
        template_digest: str | None,
        *,
        sensitive_parameters: frozenset[str] = frozenset(),
    ) -> int:
        with self._db.writing() as session:
            self._check_lock(session, key)
            stack = self._db.bump(session, key, "outputs")
            values = self._stack_values(key, outputs, sensitive, parameters, sensitive_parameters)
            values["template_digest"] = template_digest
            session.execute(update(StackRow).where(StackRow.id == stack.id).values(values))
            return stack.serial

    # -- signals (no lock, no serial: see ``signal_inbox.py``) ------------------------------

    def add_signal(self, record: SignalRecord) -> None:
        signal_inbox.add_signal(self._db, self._box, record)

    def signals(self, key: StackKey, handle_id: str) -> Sequence[SignalRecord]:
        return signal_inbox.read_signals(self._db, self._box, key, handle_id)

    def forget_signals(self, key: StackKey, handle_id: str) -> None:
        signal_inbox.forget_signals(self._db, key, handle_id)

    def record_audit(self, record: AuditRecord) -> None:
        with self._db.transaction() as connection:
            self._db.add_audit(connection, audit_values(record))

    def delete_stack(self, key: StackKey, *, force: bool = False) -> None:
        """Drop the stack, its history and snapshots (its audit stays). Refused while
        resources remain, unless ``force``."""
        with self._db.writing() as session:
            self._check_lock(session, key)
            stack = self._db.stack(session, key, for_update=True)
            if stack is None:
                return
            remaining = self._db.addresses(session, stack.id)
            if remaining and not force:
                raise StateError(
                    f"state of {key} still has {len(remaining)} resource(s); "
                    "destroy them first (or remove them from state)"
                )
            for table in (ResourceRow, VersionRow, SnapshotRow):
                session.execute(delete(table).where(table.stack_id == stack.id))
            session.delete(stack)

    # -- whole-state documents -------------------------------------------------------------

    def export_state(self, key: StackKey, *, include_secrets: bool = False) -> dict[str, Any]:
        """The stack as a JSON-ready document (``state pull``); secrets masked by default."""
        state = self.load(key)
        if not state.exists:
            raise StateError(f"no state for {key}")
        return state_to_document(state, include_secrets=include_secrets)

    def import_state(
        self,
        key: StackKey,
        document: dict[str, Any],
        *,
        force: bool = False,
        operation: str = "import",
    ) -> int:
        """Replace the stack's state with ``document`` (``state push``, rollback). Refuses
        another lineage or an older serial unless ``force``. Returns the new serial."""
        incoming = document_to_state(key, document)
        with self._db.writing() as session:
            self._check_lock(session, key)
            current = self._db.stack(session, key, for_update=True)
            if current is not None and not force:
                check_push(key, current.lineage, current.serial, incoming)
            serial = max(current.serial if current else 0, incoming.serial) + 1
            stack = self._db.bump(session, key, operation, serial=serial, lineage=incoming.lineage)
            session.execute(delete(ResourceRow).where(ResourceRow.stack_id == stack.id))
            for resource in incoming.resources.values():
                values = resource_values(self._box, key, stack.id, resource)
                session.execute(_INSERT_RESOURCE, values)
            values = self._stack_values(
                key,
                incoming.outputs,
                incoming.sensitive_outputs,
                incoming.parameters,
                incoming.sensitive_parameters,
            )
            values["template_digest"] = incoming.template_digest
            session.execute(update(StackRow).where(StackRow.id == stack.id).values(values))
            return stack.serial

    def snapshot(self, key: StackKey, operation: str) -> int:
        """Keep a full copy of the stack's state (at the end of a run or state command);
        returns its serial. Compressed, and sealed as a whole when it holds any secret. A
        serial already kept is not kept twice."""
        state, stored = self._stored(key)
        if not state.exists:
            raise StateError(f"no state for {key}")
        with self._db.writing() as session:
            stack = self._db.stack(session, key)
            if stack is None:
                raise StateError(f"no state for {key}")
            kept = session.scalar(
                select(SnapshotRow.id).where(
                    SnapshotRow.stack_id == stack.id,
                    SnapshotRow.serial == state.serial,
                    SnapshotRow.lineage == state.lineage,
                )
            )
            if kept is not None:
                return state.serial
            body, sealed = pack_snapshot(self._box, state, stored)
            session.add(
                SnapshotRow(
                    stack_id=stack.id,
                    serial=state.serial,
                    operation=operation[:255],
                    who=str(self._holder),
                    created_at=utcnow(),
                    body=body,
                    sealed=sealed,
                    lineage=state.lineage,
                    resources=len(stored),
                )
            )
        return state.serial

    def _stored(self, key: StackKey) -> tuple[State, list[StoredResource]]:
        """The stack's state less its resources, and its resources as stored: a record
        with no secret keeps its JSON columns as text (``pack_snapshot`` copies them), the
        others are decoded as ``load`` decodes them."""
        with self._db.reading() as session:
            stack = self._db.stack(session, key)
            if stack is None:
                return State(key=key), []
            rows = session.execute(_SELECT_STORED_RESOURCES, {"b_stack": stack.id}).all()
        stored: list[StoredResource] = []
        for row in rows:
            fields = dict(row._mapping)
            properties_json = fields.pop("properties_json")
            attributes_json = fields.pop("attributes_json")
            as_text = (
                row.secrets is None
                and not row.sensitive_properties
                and not row.sensitive_attributes
                and properties_json is not None
                and attributes_json is not None
            )
            if as_text:
                record = _StoredRow(properties={}, attributes={}, **fields)
                resource = resource_from_row(self._box, key, record)  # type: ignore[arg-type]
                stored.append(StoredResource(resource, properties_json, attributes_json))
                continue
            record = _StoredRow(
                properties=_decoded(properties_json), attributes=_decoded(attributes_json), **fields
            )
            stored.append(StoredResource(resource_from_row(self._box, key, record)))  # type: ignore[arg-type]
        return self._stack_state(key, stack, ()), stored

    def snapshots(self, key: StackKey) -> Sequence[SnapshotInfo]:
        """Every snapshot of the stack, oldest first (bodies not read)."""
        with self._db.reading() as session:
            rows = session.execute(
                select(
                    SnapshotRow.id,
                    SnapshotRow.serial,
                    SnapshotRow.lineage,
                    SnapshotRow.created_at,
                    SnapshotRow.operation,
                    SnapshotRow.who,
                    SnapshotRow.resources,
                )
                .join(StackRow, StackRow.id == SnapshotRow.stack_id)
                .where(*stack_filter(key))
                .order_by(SnapshotRow.serial, SnapshotRow.id)
            ).all()
        infos = []
        for row_id, serial, lineage, created_at, operation, who, count in rows:
            if lineage is None or count is None:  # kept before snapshots said what they hold
                document = self._snapshot_document(key, serial, row_id)
                lineage = lineage or document.get("lineage")
                count = len(document.get("resources") or []) if count is None else count
            infos.append(SnapshotInfo(serial, lineage, created_at, operation, who, count))
        return infos

    def read_snapshot(self, key: StackKey, serial: int) -> dict[str, Any]:
        """The document of the latest snapshot taken at ``serial`` (secrets included), fit
        for ``import_state`` to roll back to."""
        return self._snapshot_document(key, serial)

    def _snapshot_document(
        self, key: StackKey, serial: int, row_id: int | None = None
    ) -> dict[str, Any]:
        query = (
            select(SnapshotRow)
            .join(StackRow, StackRow.id == SnapshotRow.stack_id)
            .where(*stack_filter(key), SnapshotRow.serial == serial)
            .order_by(SnapshotRow.id.desc())
            .limit(1)
        )
        if row_id is not None:
            query = query.where(SnapshotRow.id == row_id)
        with self._db.reading() as session:
            row = session.scalars(query).one_or_none()
        if row is None:
            raise StateError(f"no snapshot of {key} at serial {serial}")
        return unpack_snapshot(self._box, row.body, row.sealed, f"{key} snapshot {serial}")

    def state_at(self, key: StackKey, serial: int) -> State:
        """The stack's state as it was at ``serial``: the current state, or a snapshot.
        StateError naming the serials that can be shown when ``serial`` cannot."""
        current = self.load(key)
        if not current.exists:
            raise StateError(f"no state for {key}")
        if serial == current.serial:
            return current
        kept = [s for s in self.snapshots(key) if s.serial == serial]
        if not kept:
            raise self._not_kept(key, serial, current.serial)
        return document_to_state(key, self.read_snapshot(key, serial))

    def _not_kept(self, key: StackKey, serial: int, latest: int) -> StateError:
        shown = sorted({s.serial for s in self.snapshots(key)} | {latest})
        listed = ", ".join(str(s) for s in shown[-12:])
        if len(shown) > 12:
            listed = f"..., {listed}"
        with self._db.reading() as session:
            exists = session.scalar(
                select(VersionRow.id)
                .join(StackRow, StackRow.id == VersionRow.stack_id)
                .where(*stack_filter(key), VersionRow.serial == serial)
            )
        if exists is None:
            return StateError(
                f"serial {serial} does not exist in the history of {key} (latest {latest});"
                f" serials that can be shown: {listed}"
            )
        return StateError(
            f"serial {serial} of {key} was a step inside a run and is not kept whole (the end"
            f" of every run and state command is); serials that can be shown: {listed}"
        )

    def close(self) -> None:
        self._db.dispose()

    def reseal(self, key: StackKey, schema_secrets: Callable[[str], AbstractSet[str]]) -> list[str]:
        """Seal what a row holds in the clear although it is secret: a property its type's
        schema marks secret (``schema_secrets(type)``) or an attribute derived from a secret
        property, left so by a version whose rules knew less. Returns the keys rewritten."""
        with self._db.reading() as session:
            stack = self._db.stack(session, key)
            if stack is None:
                return []
            stored = {
                resource_key(address, deposed or None): (frozenset(props), frozenset(attrs))
                for address, deposed, props, attrs in session.execute(
                    select(
                        ResourceRow.address,
                        ResourceRow.deposed,
                        ResourceRow.sensitive_properties,
                        ResourceRow.sensitive_attributes,
                    ).where(ResourceRow.stack_id == stack.id)
                )
            }
        stale: list[ResourceState] = []
        for name, resource in self.load(key).resources.items():
            secret = resource.sensitive_properties | (
                schema_secrets(resource.type) & resource.properties.keys()
            )
            marked = dataclasses.replace(resource, sensitive_properties=frozenset(secret))
            marked.sensitive_attributes = sealed_attribute_names(marked)
            if (marked.sensitive_properties, marked.sensitive_attributes) != stored.get(name):
                stale.append(marked)
        for resource in stale:
            self.put_resource(key, resource)
        return [resource_key(r.address, r.deposed) for r in stale]

    def check_key(self) -> None:
        """Raise StateError now if a secret could not be sealed or opened (no key, or not the
        key the stored secrets were sealed with); makes a SQLite key file if none is needed
        by anything sealed yet. For a caller about to act before its first secret write."""
        self._box.ready()

    def _sealed_sample(self) -> str | None:
        """Any one sealed token in the database (any stack), for the key to be checked
        against; None when nothing is sealed yet."""
        queries = (
            select(ResourceRow.secrets).where(ResourceRow.secrets.is_not(None)).limit(1),
            select(StackRow.secrets).where(StackRow.secrets.is_not(None)).limit(1),
            select(SnapshotRow.body).where(SnapshotRow.sealed.is_(True)).limit(1),
        )
        with self._db.reading() as session:
            for query in queries:
                token = session.execute(query).scalar()
                if token:
                    return str(token)
        return None

    def _stack_values(
        self,
        key: StackKey,
        outputs: dict[str, Any],
        sensitive_outputs: frozenset[str],
        parameters: dict[str, Any],
        sensitive_parameters: frozenset[str],
    ) -> dict[str, Any]:
        secret_inputs = [parameters[n] for n in sensitive_parameters if n in parameters]
        if secret_inputs:  # an output that echoes a secret parameter is secret
            sensitive_outputs = sensitive_outputs | derived_secret_names(
                outputs, Needles(secret_inputs)
            )
        plain_outputs, secret_outputs = split_secrets(outputs, sensitive_outputs)
        plain_parameters, secret_parameters = split_secrets(parameters, sensitive_parameters)
        return {
            "outputs": plain_outputs,
            "parameters": plain_parameters,
            "sensitive_outputs": sorted(sensitive_outputs),
            "sensitive_parameters": sorted(sensitive_parameters),
            "secrets": seal_parts(
                self._box,
                {"outputs": secret_outputs, "parameters": secret_parameters},
                f"{key} (outputs and parameters)",
            ),
        }


_resources = table_of(ResourceRow)
# Prebuilt once: these run for every resource an apply touches.
_DELETE_RESOURCE = delete(_resources).where(
    _resources.c.stack_id == bindparam("b_stack"),
    _resources.c.address == bindparam("b_address"),
    _resources.c.deposed == bindparam("b_deposed"),
)
_INSERT_RESOURCE = insert(_resources)
_SELECT_RESOURCES = (
    select(_resources)
    .where(_resources.c.stack_id == bindparam("b_stack"))
    .order_by(_resources.c.address, _resources.c.deposed)
)
# The same rows with the two large JSON columns as the database's text (for snapshots).
_SELECT_STORED_RESOURCES = (
    select(
        *(c for c in _resources.c if c.name not in ("properties", "attributes")),
        cast(_resources.c.properties, Text).label("properties_json"),
        cast(_resources.c.attributes, Text).label("attributes_json"),
    )
    .where(_resources.c.stack_id == bindparam("b_stack"))
    .order_by(_resources.c.address, _resources.c.deposed)
)


class _StoredRow(SimpleNamespace):
    """A stored-resources row with its JSON columns replaced, read as ``load`` reads one."""


def _decoded(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@dataclass(frozen=True, slots=True)
class _Write:
    """One resource's record for the group commit: its row to write (``values``, sealed; the
    stack id is filled in when committed), or with ``values`` None its removal; and the audit
    record of the call that produced it."""

    key: StackKey
    operation: str
    values: dict[str, Any] | None
    address: str
    deposed: str | None
    audit: dict[str, Any] | None


def _audit(record: AuditRecord | None) -> dict[str, Any] | None:
    return None if record is None else audit_values(record)


def _missing(key: StackKey, addresses: Iterable[str], address: str) -> StateError:
    hint = suggest(address, addresses)
    return StateError(
        f"no resource {address} in the state of {key}" + (f"; {hint}" if hint else "")
    )
