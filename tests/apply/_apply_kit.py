"""Apply test kit: a real stack (template files on disk, a SQLite state file, Heat's types)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atonix_iac.apply.events import ApplyEvent, ApplyResult, EventKind, OnFailure
from atonix_iac.apply.executor import apply_plan
from atonix_iac.planner import make_plan
from atonix_iac.planner.plan import Plan, PlanMode
from atonix_iac.providers.registry import Registry
from atonix_iac.state import StackKey, State
from atonix_iac.state.sql import SqlStateStore
from atonix_iac.template import BoundParameters, Template, bind_parameters, load_template

HEADER = "heat_template_version: 2018-08-31\n"


@dataclass
class Events:
    """Apply events in the order they happened (appended under a lock)."""

    items: list[ApplyEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: ApplyEvent) -> None:
        with self.lock:
            self.items.append(event)

    def index(self, kind: EventKind, address: str, operation: str | None = None) -> int:
        for i, event in enumerate(self.items):
            wanted = operation is None or event.operation.value == operation
            if event.kind is kind and event.address == address and wanted:
                return i
        raise AssertionError(f"no {kind} event for {address} in {self.items}")

    def lines(self) -> list[str]:
        return [f"{e.kind.value} {e.operation.value} {e.address}" for e in self.items]

    def peak_concurrency(self) -> int:
        running = peak = 0
        for event in self.items:
            if event.kind is EventKind.START:
                running += 1
                peak = max(peak, running)
            elif event.kind in (EventKind.DONE, EventKind.FAILED):
                running -= 1
        return peak


@dataclass
class Stack:
    root: Path
    store: SqlStateStore
    registry: Registry
    key: StackKey = StackKey("default", "default", "stack")

    def load(self, body: str, **values: Any) -> tuple[Template, BoundParameters]:
        path = self.root / "stack.yaml"
        path.write_text(HEADER + body)
        template = load_template(path)
        params = bind_parameters(
            template,
            values,
            stack_name=self.key.stack,
            stack_id="stack-id",
            project_id="",
            region="RegionOne",
        )
        return template, params

    def plan(self, body: str, *, mode: PlanMode = PlanMode.NORMAL, **values: Any) -> Plan:
        template, params = self.load(body, **values)
        return make_plan(template, params, self.state(), self.registry, mode=mode)

    def apply(
        self,
        body: str,
        *,
        parallelism: int = 10,
        mode: PlanMode = PlanMode.NORMAL,
        events: Events | None = None,
        on_failure: OnFailure = OnFailure.STOP,
        **values: Any,
    ) -> ApplyResult:
        template, params = self.load(body, **values)
        plan = make_plan(template, params, self.state(), self.registry, mode=mode)
        return apply_plan(
            plan,
            template,
            params,
            self.store,
            self.registry,
            parallelism=parallelism,
            on_event=events if events is not None else Events(),
            on_failure=on_failure,
        )

    def state(self) -> State:
        return self.store.load(self.key)
