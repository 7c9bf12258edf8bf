"""Short transactions over the state database, and the serial every write bumps.

One engine, one transaction per call: apply's worker threads write concurrently. SQLite
serialises writers with ``BEGIN IMMEDIATE``; PostgreSQL with the row lock the serial bump takes
(``UPDATE ... RETURNING``, or ``SELECT ... FOR UPDATE`` when an import sets the serial).

The writes apply makes for every resource (intent, audit record, result) run on a Core
connection with prebuilt statements: an ORM session and a statement per step cost more than
the database work itself. On SQLite they go further, straight to the driver
(``DriverStatement``): SQLAlchemy's execution path (compiled cache lookup, events, result
objects) cost ~0.2 ms a statement, several times the insert itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import uuid4

from sqlalchemy import ColumnElement, Insert, bindparam, insert, select, update
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from atonix_iac.errors import StateError
from atonix_iac.state.codec import resource_key
from atonix_iac.state.engine import make_engines
from atonix_iac.state.locking import Holder
from atonix_iac.state.migrate import upgrade_to_head
from atonix_iac.state.model import StackKey
from atonix_iac.state.schema import (
    AuditRow,
    ResourceRow,
    StackRow,
    VersionRow,
    table_of,
    utcnow,
)

# An ORM session or a Core connection: both run the prebuilt statements below.
Transaction = Session | Connection


@dataclass(frozen=True, slots=True)
class Bumped:
    """The stack row a write transaction holds locked, after its serial was bumped."""

    id: int
    serial: int
    lineage: str


_stacks = table_of(StackRow)
_LOCK_STACK = (
    select(_stacks.c.id, _stacks.c.serial, _stacks.c.lineage)
    .where(
        _stacks.c.workspace == bindparam("w"),
        _stacks.c.environment == bindparam("e"),
        _stacks.c.name == bindparam("n"),
    )
    .with_for_update()
)
_SET_SERIAL = update(_stacks).where(_stacks.c.id == bindparam("b_id"))
# One statement bumps the serial, locks the row and says which stack it is.
_BUMP_SERIAL = (
    update(_stacks)
    .where(
        _stacks.c.workspace == bindparam("w"),
        _stacks.c.environment == bindparam("e"),
        _stacks.c.name == bindparam("n"),
    )
    .values(serial=_stacks.c.serial + 1, updated_at=bindparam("b_now"))
    .returning(_stacks.c.id, _stacks.c.serial, _stacks.c.lineage)
)
# The same for a group commit: one bump of the serial by the number of records committed.
_BUMP_SERIAL_BY = (
    update(_stacks)
    .where(
        _stacks.c.workspace == bindparam("w"),
        _stacks.c.environment == bindparam("e"),
        _stacks.c.name == bindparam("n"),
    )
    .values(serial=_stacks.c.serial + bindparam("b_count"), updated_at=bindparam("b_now"))
    .returning(_stacks.c.id, _stacks.c.serial, _stacks.c.lineage)
)
_ADD_VERSION = insert(table_of(VersionRow))
_ADD_AUDIT = insert(table_of(AuditRow))
_resources = table_of(ResourceRow)
_RESOURCE_KEY = ("stack_id", "address", "deposed")  # the uq_resources_address constraint


class DriverStatement:
    """A prebuilt statement compiled once for SQLite and run on the sqlite3 connection itself,
    with SQLAlchemy's own bind processors (JSON, DATETIME, BOOLEAN) applied to the values, so
    the rows are byte for byte what ``Connection.execute`` would write."""

    __slots__ = ("_binds", "sql")

    def __init__(self, statement: Any, dialect: Any, keys: tuple[str, ...]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = str(compiled)
        self._binds: list[tuple[str, Any, Any]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            self._binds.append((name, bind.value, process))

    def run(self, driver: Any, params: dict[str, Any]) -> Any:
        values = []
        for name, fixed, process in self._binds:
            value = params.get(name, fixed)
            values.append(value if process is None else process(value))
        return driver.execute(self.sql, values)


_driver_statements: dict[tuple[int, tuple[str, ...]], DriverStatement] = {}


def execute(connection: Transaction, statement: Any, params: dict[str, Any]) -> Any:
    """Run a prebuilt statement: on a SQLite Core connection straight on the driver (a
    sqlite3 cursor comes back: ``fetchone``, ``rowcount``), otherwise through SQLAlchemy."""
    if isinstance(connection, Connection) and connection.dialect.name == "sqlite":
        keys = tuple(params)
        prepared = _driver_statements.get((id(statement), keys))
        if prepared is None:
            prepared = DriverStatement(statement, connection.dialect, keys)
            _driver_statements[(id(statement), keys)] = prepared
        return prepared.run(connection.connection.driver_connection, params)
    return connection.execute(statement, params)


def _dialect_insert(dialect: str, table: Any) -> Any:
    """The dialect's INSERT (with ON CONFLICT); its module is imported only when used: the
    PostgreSQL dialect alone costs a SQLite run a tenth of a second."""
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table)


@cache
def _upsert_resource(dialect: str) -> Insert:
    """Insert a resource row, or overwrite the one at its (stack, address, deposed)."""
    stmt = _dialect_insert(dialect, _resources)
    upsert: Insert = stmt.on_conflict_do_update(
        index_elements=list(_RESOURCE_KEY),
        set_={
            column.name: stmt.excluded[column.name]
            for column in _resources.columns
            if column.name not in ("id", *_RESOURCE_KEY)
        },
    )
    return upsert


class StateDatabase:
    """The engines of one store; migrates the schema to head when opened."""

    def __init__(self, url: URL, holder: Holder) -> None:
        self.holder = holder
        self.where = url.render_as_string(hide_password=True)
        self.read_engine, self.write_engine = make_engines(url)
        # SQLite takes one writer at a time anyway: this process's writers queue on a lock
        # and share one connection, instead of a pool checkout per write and, when two
        # threads collide, SQLite's busy handler sleeping them in steps of up to 100 ms.
        self._shared_writer = url.get_backend_name() == "sqlite"
        self._writer: Connection | None = None
        self._writer_lock = threading.Lock()
        try:
            with self.errors():
                upgrade_to_head(self.write_engine, self.where, read_engine=self.read_engine)
        except BaseException:
            self.dispose()
            raise

    def dispose(self) -> None:
        with self._writer_lock:
            self._drop_writer()
        self.read_engine.dispose()
        self.write_engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with (
            self.errors(),
            Session(self.read_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        with (
            self.errors(),
            Session(self.write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction on a Core connection, for the per-resource hot paths; it
        commits when the block ends, like every other write."""
        if not self._shared_writer:
            with self.errors(), self.write_engine.begin() as connection:
                yield connection
            return
        with self._writer_lock, self.errors():
            try:
                if self._writer is None:
                    self._writer = self.write_engine.connect()
                with self._writer.begin():
                    yield self._writer
            except BaseException:
                self._drop_writer()  # rolled back; start the next write on a fresh connection
                raise

    def _drop_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(SQLAlchemyError):
                writer.close()

    def upsert_resource(self, connection: Connection, values: dict[str, Any]) -> None:
        execute(connection, _upsert_resource(connection.dialect.name), values)

    @staticmethod
    def add_audit(connection: Connection, values: dict[str, Any]) -> None:
        execute(connection, _ADD_AUDIT, values)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Database failures become StateError with the driver's message only: statements and
        their parameters stay out of the text."""
        try:
            yield
        except SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc.__class__.__name__
            raise StateError(f"state database {self.where}: {detail}") from exc

    def bump_many(self, session: Transaction, key: StackKey, operations: list[str]) -> Bumped:
        """``bump`` for several changes committed in one transaction (a group commit): the
        serial moves on by one per change, each with its history row; returns the last
        serial (the first change has ``serial - len(operations) + 1``)."""
        params: dict[str, Any] = {"w": key.workspace, "e": key.environment, "n": key.stack}
        params["b_now"] = now = utcnow()
        params["b_count"] = len(operations)
        rows = execute(session, _BUMP_SERIAL_BY, params).fetchall()
        if not rows:
            self._create_stack(session, key)
            rows = execute(session, _BUMP_SERIAL_BY, params).fetchall()
        found = rows[0]
        bumped = Bumped(id=found[0], serial=found[1], lineage=found[2])
        first = bumped.serial - len(operations) + 1
        who = str(self.holder)
        for offset, operation in enumerate(operations):
            execute(
                session,
                _ADD_VERSION,
                {
                    "stack_id": bumped.id,
                    "serial": first + offset,
                    "lineage": bumped.lineage,
                    "operation": operation[:255],
                    "who": who,
                    "created_at": now,
                },
            )
        return bumped

    def bump(
        self,
        session: Transaction,
        key: StackKey,
        operation: str,
        *,
        serial: int | None = None,
        lineage: str | None = None,
    ) -> Bumped:
        """Lock the stack row (creating it on the first write, lineage a new uuid4), bump the
        serial by one (unless an import sets it) and record the change in the history.

        Prebuilt Core statements: this runs for every resource apply writes, and building
        ORM statements per call would cost more than the database work itself."""
        params: dict[str, Any] = {"w": key.workspace, "e": key.environment, "n": key.stack}
        now = utcnow()
        if serial is None and lineage is None:
            params["b_now"] = now
            # fetchall: a RETURNING statement left unfinished on the driver would hold the
            # transaction open past its COMMIT.
            rows = execute(session, _BUMP_SERIAL, params).fetchall()
            if not rows:
                self._create_stack(session, key)
                rows = execute(session, _BUMP_SERIAL, params).fetchall()
            found = rows[0]
            bumped = Bumped(id=found[0], serial=found[1], lineage=found[2])
        else:
            bumped = self._set_serial(session, params, now, serial, lineage)
        execute(
            session,
            _ADD_VERSION,
            {
                "stack_id": bumped.id,
                "serial": bumped.serial,
                "lineage": bumped.lineage,
                "operation": operation[:255],
                "who": str(self.holder),
                "created_at": now,
            },
        )
        return bumped

    def _set_serial(
        self,
        session: Transaction,
        params: dict[str, Any],
        now: datetime,
        serial: int | None,
        lineage: str | None,
    ) -> Bumped:
        """The bump of an import: a serial and lineage of its own choosing."""
        found = session.execute(_LOCK_STACK, params).one_or_none()
        if found is None:
            self._create_stack(session, StackKey(params["w"], params["e"], params["n"]))
            found = session.execute(_LOCK_STACK, params).one()
        stack_id, old_serial, old_lineage = found
        bumped = Bumped(
            id=stack_id,
            serial=serial if serial is not None else old_serial + 1,
            lineage=lineage or old_lineage,
        )
        session.execute(
            _SET_SERIAL,
            {
                "b_id": bumped.id,
                "serial": bumped.serial,
                "lineage": bumped.lineage,
                "updated_at": now,
            },
        )
        return bumped

    @staticmethod
    def stack(session: Session, key: StackKey, *, for_update: bool = False) -> StackRow | None:
        query = select(StackRow).where(*stack_filter(key))
        if for_update:
            query = query.with_for_update()
        return session.scalars(query).one_or_none()

    @staticmethod
    def addresses(session: Transaction, stack_id: int) -> list[str]:
        rows = session.execute(
            select(ResourceRow.address, ResourceRow.deposed).where(ResourceRow.stack_id == stack_id)
        ).all()
        return [resource_key(address, deposed or None) for address, deposed in rows]

    @staticmethod
    def _create_stack(session: Transaction, key: StackKey) -> None:
        """Insert the stack row unless a concurrent writer just did."""
        now = utcnow()
        values: dict[str, Any] = {
            "workspace": key.workspace,
            "environment": key.environment,
            "name": key.stack,
            "lineage": str(uuid4()),
            "serial": 0,
            "outputs": {},
            "sensitive_outputs": [],
            "parameters": {},
            "sensitive_parameters": [],
            "created_at": now,
            "updated_at": now,
        }
        dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
        insert_stack = _dialect_insert(dialect.name, StackRow)
        session.execute(insert_stack.values(values).on_conflict_do_nothing())


def stack_filter(key: StackKey) -> tuple[ColumnElement[bool], ...]:
    return (
        StackRow.workspace == key.workspace,
        StackRow.environment == key.environment,
        StackRow.name == key.stack,
    )
