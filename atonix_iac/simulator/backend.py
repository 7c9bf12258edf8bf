"""The shared context every service module is built with."""

from __future__ import annotations

from dataclasses import dataclass

from . import quotas
from .faults import FaultEngine
from .store import Store


@dataclass
class Backend:
    """State, behaviour knobs and helpers that span services."""

    store: Store
    engine: FaultEngine

    def delay(self, kind: str) -> float:
        return self.engine.delay(kind)

    @property
    def runs_user_data_signals(self) -> bool:
        return bool(self.engine.config.run_user_data_signals)

    def outcome(self, kind: str, name: str | None) -> str:
        return self.engine.outcome(kind, name)

    def quota(self, project_id: str, service: str) -> dict[str, int]:
        return quotas.limits(self.store, self.engine.config, project_id, service)
