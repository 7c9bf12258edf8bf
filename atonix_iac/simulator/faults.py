"""Fault injection, added latency, lifecycle outcomes and the request log.

All decisions that involve randomness live here, behind one lock and one seeded RNG, so a
test can make them deterministic (``SimConfig.seed``, ``error_rate`` 0 or 1, ``count``).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from .config import FaultRule, SimConfig

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RequestRecord:
    """One logged API request."""

    time: float
    method: str
    path: str
    query: str
    service: str
    project: str | None
    project_id: str | None
    status: int
    duration_ms: float
    fault: bool

    @property
    def write(self) -> bool:
        """A mutating call against a service; issuing tokens does not count."""
        if self.method not in WRITE_METHODS:
            return False
        return not (self.service == "identity" and self.path.endswith("/auth/tokens"))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["write"] = self.write
        return data


class FaultEngine:
    """Holds the live :class:`SimConfig` and answers "should this request fail/wait?"."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._rng = random.Random(config.seed)
        self._log: deque[RequestRecord] = deque(maxlen=config.request_log_size)

    # -- config -----------------------------------------------------------------------------

    def update(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.config.update(data)
            if "seed" in data:
                self._rng = random.Random(self.config.seed)
            if "request_log_size" in data:
                self._log = deque(self._log, maxlen=self.config.request_log_size)

    # -- requests ---------------------------------------------------------------------------

    def pick_fault(
        self, service: str, method: str, path: str, project: str | None
    ) -> tuple[FaultRule | None, float]:
        """Return (rule that fires or None, total extra latency in seconds)."""
        with self._lock:
            latency = self.config.latency
            fired: FaultRule | None = None
            for rule in self.config.faults:
                if not rule.matches(service, method, path, project):
                    continue
                if rule.count is not None and rule.count <= 0:
                    continue
                latency += rule.latency
                if fired is None and rule.fails and self._rng.random() < rule.error_rate:
                    fired = rule
                    if rule.count is not None:
                        rule.count -= 1
            return fired, latency

    def outcome(self, kind: str, name: str | None) -> str:
        """``"ok"``, ``"error"`` or ``"stuck"`` for a new resource of ``kind``."""
        with self._lock:
            for rule in self.config.lifecycle:
                if rule.kind != kind or not fnmatch.fnmatchcase(name or "", rule.name):
                    continue
                if rule.count is not None and rule.count <= 0:
                    continue
                if self._rng.random() < rule.rate:
                    if rule.count is not None:
                        rule.count -= 1
                    return rule.outcome
            return "ok"

    def delay(self, kind: str) -> float:
        with self._lock:
            return self.config.delay_for(kind)

    # -- log --------------------------------------------------------------------------------

    def log(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()
