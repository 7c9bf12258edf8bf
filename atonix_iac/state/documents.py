"""The stack service's software configs and deployments: a project's JSON documents by id,
sealed at rest (configs and their inputs carry secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from atonix_iac.state.database import StateDatabase
from atonix_iac.state.schema import ServiceDocumentRow, utcnow
from atonix_iac.state.secrets import SecretBox


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    kind: str
    server_id: str | None
    body: dict[str, Any]
    created_at: datetime
    updated_at: datetime | None


class ServiceDocuments:
    def __init__(self, db: StateDatabase, box: SecretBox) -> None:
        self._db = db
        self._box = box

    def add(
        self, project_id: str, kind: str, doc_id: str, body: dict[str, Any], server_id: str | None
    ) -> Document:
        now = utcnow()
        with self._db.writing() as session:
            session.add(
                ServiceDocumentRow(
                    id=doc_id,
                    project_id=project_id,
                    kind=kind,
                    server_id=server_id,
                    body=self._box.seal(body),
                    created_at=now,
                    updated_at=None,
                )
            )
        return Document(doc_id, kind, server_id, body, now, None)

    def replace(self, project_id: str, kind: str, doc_id: str, body: dict[str, Any]) -> None:
        with self._db.writing() as session:
            session.execute(
                update(ServiceDocumentRow)
                .where(*self._mine(project_id, kind), ServiceDocumentRow.id == doc_id)
                .values(body=self._box.seal(body), updated_at=utcnow())
            )

    def get(self, project_id: str, kind: str, doc_id: str) -> Document | None:
        with self._db.reading() as session:
            row = session.scalar(
                select(ServiceDocumentRow).where(
                    *self._mine(project_id, kind), ServiceDocumentRow.id == doc_id
                )
            )
            return None if row is None else self._document(row)

    def list(self, project_id: str, kind: str, server_id: str | None = None) -> list[Document]:
        with self._db.reading() as session:
            stmt = select(ServiceDocumentRow).where(*self._mine(project_id, kind))
            if server_id is not None:
                stmt = stmt.where(ServiceDocumentRow.server_id == server_id)
            rows = session.scalars(stmt.order_by(ServiceDocumentRow.created_at))
            return [self._document(row) for row in rows]

    def remove(self, project_id: str, kind: str, doc_id: str) -> bool:
        with self._db.writing() as session:
            result = session.execute(
                delete(ServiceDocumentRow).where(
                    *self._mine(project_id, kind), ServiceDocumentRow.id == doc_id
                )
            )
            return bool(getattr(result, "rowcount", 0))

    @staticmethod
    def _mine(project_id: str, kind: str) -> tuple[Any, ...]:
        return (ServiceDocumentRow.project_id == project_id, ServiceDocumentRow.kind == kind)

    def _document(self, row: ServiceDocumentRow) -> Document:
        body = self._box.open(row.body, f"{row.kind} {row.id}")
        return Document(row.id, row.kind, row.server_id, dict(body), row.created_at, row.updated_at)
