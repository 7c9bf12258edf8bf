"""Machine-readable UI: one JSON object per line, in Terraform's ``-json`` event format.

Every line carries Terraform's envelope (``@level``, ``@message``, ``@module``,
``@timestamp``, ``type``) so that log shippers and CI tools that follow ``terraform apply
-json`` read atonix unchanged. Message types: version, planned_change, change_summary,
apply_start, apply_progress, apply_complete, apply_errored, diagnostic, outputs, and atonix's own
rollback_summary (rollback steps are apply hooks marked ``"rollback": true``). Secrets never
reach a line: sensitive outputs carry no value.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any

from atonix_iac import __version__
from atonix_iac.apply.events import ApplyEvent, ApplyResult, EventKind, Operation
from atonix_iac.errors import ApplyError, AtonixError, Diagnostic, RollbackOutcome, Severity
from atonix_iac.planner.plan import Action, OutputChange, Plan, PlanMode, ResourceChange
from atonix_iac.planner.render.json_plan import action_reason, provider_key
from atonix_iac.planner.render.json_values import masked_value
from atonix_iac.template.values import UNKNOWN, contains_sensitive

from .progress import rollback_words

MODULE = "atonix.ui"
UI_VERSION = "1.2"
PROGRESS_INTERVAL_S = 10.0

_PLAN_ACTIONS = {
    Action.NOOP: "noop",
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.DELETE_THEN_CREATE: "replace",
    Action.CREATE_THEN_DELETE: "replace",
    Action.DELETE: "delete",
    Action.READ: "read",
}
# Terraform's ChangeReason values for its action_reason enums.
_REASONS = {
    "replace_because_tainted": "tainted",
    "replace_by_request": "requested",
    "replace_because_cannot_update": "cannot_update",
    "delete_because_no_resource_config": "delete_because_no_resource_config",
    "delete_because_count_index": "delete_because_count_index",
}
_HOOK_ACTIONS = {
    Operation.CREATE: "create",
    Operation.UPDATE: "update",
    Operation.DELETE: "delete",
    Operation.FORGET: "remove",
    Operation.READ: "read",
    Operation.RESTORE: "restore",
}
# operation: (starting, in progress, complete, errored), as Terraform words them.
_WORDS = {
    Operation.CREATE: ("Creating...", "Still creating...", "Creation complete", "Creation errored"),
    Operation.UPDATE: (
        "Modifying...",
        "Still modifying...",
        "Modifications complete",
        "Modifications errored",
    ),
    Operation.DELETE: (
        "Destroying...",
        "Still destroying...",
        "Destruction complete",
        "Destruction errored",
    ),
    Operation.FORGET: ("Removing...", "Still removing...", "Removal complete", "Removal errored"),
    Operation.READ: ("Reading...", "Still reading...", "Read complete", "Read errored"),
    Operation.RESTORE: ("Restoring...", "Still restoring...", "Restored", "Restore errored"),
}


def _local_now() -> datetime:
    return datetime.now().astimezone()


def resource_document(address: str, type_name: str) -> dict[str, Any]:
    """Terraform's ``resource`` object of planned_change and hook messages."""
    parts = address.split(".")
    return {
        "addr": address,
        "module": ".".join(parts[:-1]),
        "resource": parts[-1],
        "implied_provider": provider_key(type_name),
        "resource_type": type_name,
        "resource_name": parts[-1],
        "resource_key": None,
    }


class JsonEventWriter:
    """Writes events to a text stream; safe to call from apply's worker threads.

    ``now`` gives the wall-clock timestamp of each line, ``monotonic`` the elapsed times; both
    are injectable so that tests compare whole streams.
    """

    def __init__(
        self,
        stream: IO[str],
        *,
        now: Callable[[], datetime] = _local_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._now = now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._types: dict[str, str] = {}
        # (address, deposed) -> (operation, started at) for applies in flight
        self._running: dict[tuple[str, str | None], tuple[Operation, float]] = {}

    # Envelope --------------------------------------------------------------------------
    def emit(self, kind: str, message: str, level: str = "info", **fields: Any) -> None:
        record = {
            "@level": level,
            "@message": message,
            "@module": MODULE,
            "@timestamp": self._now().isoformat(timespec="microseconds"),
            "type": kind,
            **fields,
        }
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def version(self) -> None:
        self.emit("version", f"atonix {__version__}", atonix=__version__, ui=UI_VERSION)

    # Diagnostics -----------------------------------------------------------------------
    def diagnostic(self, diagnostic: Diagnostic, address: str | None = None) -> None:
        warning = diagnostic.severity is Severity.WARNING
        body: dict[str, Any] = {
            "severity": "warning" if warning else "error",
            "summary": diagnostic.message,
            "detail": _detail(diagnostic),
        }
        if address:
            body["address"] = address
        location = diagnostic.location
        if location is not None and location.line > 0:
            start = {"line": location.line, "column": max(location.column, 1)}
            end = {"line": location.line, "column": max(location.column, 1) + 1}
            body["range"] = {"filename": location.file, "start": start, "end": end}
        elif location is not None:
            body["range"] = {
                "filename": location.file,
                "start": {"line": 1, "column": 1},
                "end": {"line": 1, "column": 1},
            }
        prefix = "Warning" if warning else "Error"
        self.emit(
            "diagnostic",
            f"{prefix}: {diagnostic.message}",
            "warn" if warning else "error",
            diagnostic=body,
        )

    def error(self, err: AtonixError) -> None:
        """An error the run ends with: one diagnostic per located problem."""
        if err.diagnostics:
            for diagnostic in err.diagnostics:
                self.diagnostic(diagnostic)
            return
        address = getattr(err, "address", None)
        detail = None
        if isinstance(err, ApplyError):  # what applied, failed, was skipped and rolled back
            detail = "\n".join(err.format().splitlines()[1:]) or None
        message = err.message or type(err).__name__
        self.diagnostic(Diagnostic(message, hint=detail), address=address)

    # Plans -----------------------------------------------------------------------------
    def plan(self, plan: Plan) -> None:
        """planned_change per change, the plan's warnings, change_summary and outputs."""
        self.track(plan)
        for change in plan.changes:
            if change.action is not Action.NOOP:
                self.planned_change(change)
        for diagnostic in plan.diagnostics:
            self.diagnostic(diagnostic)
        self.change_summary(plan)
        self.planned_outputs(plan.output_changes)

    def track(self, plan: Plan) -> None:
        """Learn the resource types that apply hooks name (for a saved plan's apply)."""
        for change in plan.changes:
            self._types[change.address] = change.type

    def planned_change(self, change: ResourceChange) -> None:
        action = "remove" if change.forget_only else _PLAN_ACTIONS[change.action]
        body: dict[str, Any] = {
            "resource": resource_document(change.address, change.type),
            "action": action,
        }
        reason = _REASONS.get(action_reason(change) or "")
        if reason:
            body["reason"] = reason
        if change.deposed:
            body["deposed"] = change.deposed
        self.emit("planned_change", f"{change.address}: Plan to {action}", change=body)

    def change_summary(self, plan: Plan) -> None:
        counts = plan.counts()
        replaced = counts[Action.DELETE_THEN_CREATE] + counts[Action.CREATE_THEN_DELETE]
        forget = sum(1 for c in plan.changes if c.action is Action.DELETE and c.forget_only)
        changes = {
            "add": counts[Action.CREATE] + replaced,
            "change": counts[Action.UPDATE],
            "import": 0,
            "remove": counts[Action.DELETE] - forget + replaced,
            "operation": "destroy" if plan.mode is PlanMode.DESTROY else "plan",
        }
        self.emit("change_summary", plan.summary(), changes=changes)

    def planned_outputs(self, outputs: tuple[OutputChange, ...]) -> None:
        changed = [o for o in outputs if o.action is not Action.NOOP]
        if not changed:
            return
        body = {}
        for output in changed:
            entry: dict[str, Any] = {
                "sensitive": output.sensitive,
                "action": _PLAN_ACTIONS[output.action],
            }
            known = output.after is not UNKNOWN and output.after is not None
            if known and not output.sensitive and not contains_sensitive(output.after):
                entry["value"] = masked_value(output.after)
            body[output.name] = entry
        self.emit("outputs", f"Outputs: {len(body)}", outputs=body)

    # Apply -----------------------------------------------------------------------------
    def on_apply_event(self, event: ApplyEvent) -> None:
        """The ``on_event`` callback for ``apply_plan``."""
        key = (event.address, event.deposed)
        starting, _, complete, errored = _WORDS[event.operation]
        hook = self._hook(event.address, event.operation)
        if event.physical_id:
            hook["id_key"], hook["id_value"] = "id", event.physical_id
        if event.rollback:
            hook["rollback"] = True
            starting, complete, errored = rollback_words(event.operation)
        who = event.address + (f" (deposed object {event.deposed})" if event.deposed else "")
        if event.kind is EventKind.RETRY:
            self.emit("log", f"{who}: retrying after a transient fault: {event.message}", "warn")
            return
        if event.kind is EventKind.PAUSE:
            self.emit("log", f"{who}: paused, {event.message}", "info")
            return
        if event.kind is EventKind.START:
            with self._lock:
                self._running[key] = (event.operation, self._monotonic())
            suffix = f" [id={event.physical_id}]" if event.physical_id else ""
            self.emit("apply_start", f"{who}: {starting}{suffix}", hook=hook)
            return
        with self._lock:
            self._running.pop(key, None)
        elapsed = round(event.elapsed_s or 0.0)
        hook["elapsed_seconds"] = elapsed
        if event.kind is EventKind.DONE:
            suffix = f" [id={event.physical_id}]" if event.physical_id else ""
            message = f"{who}: {complete} after {elapsed}s{suffix}"
            self.emit("apply_complete", message, hook=hook)
        else:
            self.emit("apply_errored", f"{who}: {errored} after {elapsed}s", "error", hook=hook)

    def progress(self) -> None:
        """apply_progress for every operation still running (called by ``ticking``)."""
        with self._lock:
            running = sorted(self._running.items(), key=lambda item: item[0][0])
        now = self._monotonic()
        for (address, deposed), (operation, started) in running:
            elapsed = round(now - started)
            hook = self._hook(address, operation)
            hook["elapsed_seconds"] = elapsed
            who = address + (f" (deposed object {deposed})" if deposed else "")
            message = f"{who}: {_WORDS[operation][1]} [{elapsed}s elapsed]"
            self.emit("apply_progress", message, hook=hook)

    def apply_summary(self, result: ApplyResult, *, destroy: bool) -> None:
        changes = {
            "add": len(result.created),
            "change": len(result.updated),
            "import": 0,
            "remove": len(result.deleted),
            "operation": "destroy" if destroy else "apply",
        }
        self.emit("change_summary", result.summary(destroy=destroy), changes=changes)
        self.outputs(result.outputs, result.sensitive_outputs)

    def rollback_summary(self, rollback: RollbackOutcome) -> None:
        """What undoing a failed run did (atonix's own message type: Terraform has none)."""
        body = {
            "destroyed": list(rollback.destroyed),
            "restored": list(rollback.restored),
            "forgotten": list(rollback.forgotten),
            "not_rolled_back": [
                {"address": address, "reason": why} for address, why in rollback.not_rolled_back
            ],
        }
        level = "info" if rollback.complete else "error"
        message = f"Apply failed; {rollback.summary()}."
        self.emit("rollback_summary", message, level, rollback=body)

    def outputs(self, values: Mapping[str, Any], sensitive: frozenset[str]) -> None:
        body: dict[str, Any] = {}
        for name in sorted(values):
            secret = name in sensitive or contains_sensitive(values[name])
            entry: dict[str, Any] = {"sensitive": secret, "type": _type_name(values[name])}
            if not secret:
                entry["value"] = masked_value(values[name])
            body[name] = entry
        self.emit("outputs", f"Outputs: {len(body)}", outputs=body)

    def _hook(self, address: str, operation: Operation) -> dict[str, Any]:
        type_name = self._types.get(address, "")
        return {
            "resource": resource_document(address, type_name),
            "action": _HOOK_ACTIONS[operation],
        }


@contextmanager
def ticking(writer: JsonEventWriter, interval_s: float = PROGRESS_INTERVAL_S) -> Iterator[None]:
    """Emit apply_progress every ``interval_s`` while the block runs (Terraform: 10s)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_s):
            writer.progress()

    thread = threading.Thread(target=loop, name="atonix-json-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _detail(diagnostic: Diagnostic) -> str:
    lines = [diagnostic.hint] if diagnostic.hint else []
    lines.extend(f"{location}: {note}" for location, note in diagnostic.related)
    return "\n".join(lines)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "null" if value is None else "string"
