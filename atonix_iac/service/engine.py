"""Runs a stack action with the library calls the CLI makes: load, bind, plan, apply.

A job is a stack record's id plus an action, nothing tied to a process: whichever worker takes
it takes the stack lock, settles what an interrupted run left pending (intents: adopt, taint
or drop), plans from the state as it is and applies. A job delivered again after its worker
died therefore converges instead of repeating work.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.apply.adopt import import_resource
from atonix_iac.apply.cloud_checks import check_plan_in_cloud
from atonix_iac.apply.events import ApplyEvent, Cancel, EventKind, OnFailure, Operation
from atonix_iac.apply.executor import apply_plan
from atonix_iac.apply.providers import make_registry
from atonix_iac.apply.recover import recover_intents
from atonix_iac.apply.refresh import refresh_state
from atonix_iac.apply.scaling import signal_scaling_policy
from atonix_iac.apply.workflow_signal import WORKFLOW_TYPES, signal_workflow
from atonix_iac.errors import ApplyError, AtonixError
from atonix_iac.planner import make_plan
from atonix_iac.planner.plan import Plan, PlanMode
from atonix_iac.planner.render.json_plan import plan_document
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.registry import Registry
from atonix_iac.state import open_store
from atonix_iac.state.model import StackKey, State
from atonix_iac.state.records import JobRecord, ServiceRecords, StackRecord
from atonix_iac.state.sql import SqlStateStore
from atonix_iac.template import BoundParameters, bind_parameters, load_template_from_files
from atonix_iac.template.model import Template
from atonix_iac.workspace.binding import Binding

from . import metrics
from .bindings import Bindings
from .settings import Settings
from .snapshots import take_snapshot

log = logging.getLogger("atonix.service.engine")

ROOT_TEMPLATE = "template.yaml"
ENVIRONMENT_FILE = "environment.yaml"
DEFAULT_REGION = "RegionOne"
_HEAT_ACTION = {
    Operation.CREATE: "CREATE",
    Operation.UPDATE: "UPDATE",
    Operation.DELETE: "DELETE",
    Operation.FORGET: "DELETE",
    Operation.READ: "CHECK",
    Operation.RESTORE: "ROLLBACK",
}
_HEAT_STATUS = {EventKind.START: "IN_PROGRESS", EventKind.DONE: "COMPLETE"}


def load_stack_template(record: StackRecord) -> Template:
    """The record's template, environment and files as one in-memory load (no disk)."""
    # heatclient names the files it inlines by URL (file:///abs/path, https://...); the
    # loader resolves file:// references to their path, so the keys are too.
    files = {_file_key(name): text for name, text in record.files.items()}
    files[ROOT_TEMPLATE] = _text(record.template)
    env_files: list[str] = []
    if record.environment_doc:
        files[ENVIRONMENT_FILE] = _text(record.environment_doc)
        env_files.append(ENVIRONMENT_FILE)
    return load_template_from_files(ROOT_TEMPLATE, files, env_files)


def _file_key(name: str) -> str:
    return name[len("file://") :] if name.startswith("file://") else name


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def bind_record(
    record: StackRecord, template: Template, binding: Binding, *, check_required: bool = True
) -> BoundParameters:
    values = {k: v for k, v in record.parameters.items() if k in template.parameters}
    return bind_parameters(
        template,
        values,
        stack_name=record.name,
        stack_id=record.id,
        project_id=record.project_id,
        region=binding.region or DEFAULT_REGION,
        check_required=check_required,
    )


@dataclass
class Engine:
    """One per process: the state store, the records, a provider registry per binding."""

    settings: Settings
    bindings: Bindings
    store: SqlStateStore
    records: ServiceRecords
    _registries: dict[tuple[str, str], Registry] = field(default_factory=dict)
    _mutexes: dict[StackKey, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: Settings) -> Engine:
        bindings = Bindings.load(settings.config_file)
        store = open_store(
            settings.state_url or bindings.state_url(),
            project_dir=bindings.root,
            on_warning=lambda message: log.warning(message),
        )
        return cls(settings, bindings, store, store.service_records())

    def close(self) -> None:
        for registry in self._registries.values():
            registry.close()
        self.store.close()

    def registry(self, binding: Binding) -> Registry:
        with self._guard:
            key = (binding.workspace, binding.environment)
            if key not in self._registries:
                self._registries[key] = make_registry(binding)
            return self._registries[key]

    @contextmanager
    def stack_lock(self, key: StackKey, operation: str) -> Iterator[None]:
        """This process's jobs on one stack take turns, then the database lock (shared by
        every process) is taken; the wait is measured."""
        with self._guard:
            mutex = self._mutexes.setdefault(key, threading.Lock())
        started = time.monotonic()
        with mutex, self.store.lock(key, operation, self.settings.lock_timeout_s):
            metrics.LOCK_WAIT.observe(time.monotonic() - started)
            yield

    # -- planning ----------------------------------------------------------------------

    def settled_state(self, key: StackKey, registry: Registry, binding: Binding) -> State:
        """The state once an interrupted run's intents are resolved (caller holds the lock)."""
        state = self.store.load(key)
        recoveries = recover_intents(
            self.store,
            key,
            registry,
            _identity_base(key),
            audit_project=binding.project,
            resources=state.resources.values(),
        )
        for recovery in recoveries:
            log.info("recovered %s", recovery.describe(), extra={"stack": str(key)})
        return self.store.load(key) if recoveries else state

    def plan(
        self, record: StackRecord, *, destroy: bool = False
    ) -> tuple[Plan, Template, BoundParameters]:
        """The plan taking the stack's state to its record's template (caller holds the
        lock when the plan is to be applied)."""
        binding = self.bindings.for_key(record.workspace, record.environment)
        registry = self.registry(binding)
        template = load_stack_template(record)
        params = bind_record(record, template, binding)
        state = self.settled_state(record.key, registry, binding)
        refreshed = None
        if state.resources and not destroy:
            refreshed = refresh_state(
                state, registry, _identity_base(record.key), self.settings.parallelism
            )
        plan = make_plan(
            template,
            params,
            state,
            registry,
            mode=PlanMode.DESTROY if destroy else PlanMode.NORMAL,
            refreshed=refreshed,
        )
        return plan, template, params

    def check_in_cloud(self, record: StackRecord, binding: Binding) -> None:
        """The checks the CLI runs at plan time (custom constraints: the flavor, image ...
        exist; quotas), on the plan from the stack's state as it is, so that a create or
        update the cloud cannot take fails at once, as Heat's validation does. Reads only."""
        registry = self.registry(binding)
        template = load_stack_template(record)
        params = bind_record(record, template, binding)
        plan = make_plan(template, params, self.store.load(record.key), registry)
        check_plan_in_cloud(registry, binding, template, plan)

    def plan_document(self, record: StackRecord) -> dict[str, Any]:
        """Terraform's ``show -json`` document of the plan (``atonix show -json``)."""
        plan, template, _ = self.plan(record)
        return plan_document(plan, template=template)

    # -- running jobs ------------------------------------------------------------------

    def run_job(self, job_id: str) -> None:
        """Run one queued job to its end (a job already finished is skipped)."""
        job = self.records.claim_job(job_id, f"{socket.gethostname()}:{os.getpid()}")
        if job is None:
            return
        record = self.records.get_stack(None, job.stack_id)
        if record is None:
            self.records.finish_job(job_id, "failed")
            return
        started = time.monotonic()
        outcome = "failed"
        try:
            with self.stack_lock(record.key, job.action.lower()):
                record = self.records.get_stack(None, job.stack_id) or record
                outcome = self._run(record, job)
        except ApplyError as err:
            self._failed_apply(record, job.action, err)
        except AtonixError as err:
            self._fail(record, job.action, err.message)
        except Exception as err:  # a worker must record the failure, whatever it was
            log.exception("job %s failed", job_id)
            self._fail(record, job.action, f"internal error: {type(err).__name__}")
        finally:
            self.records.finish_job(job_id, outcome)
            metrics.JOB_SECONDS.labels(job.action, outcome).observe(time.monotonic() - started)

    def _failed_apply(self, record: StackRecord, action: str, err: ApplyError) -> None:
        """Heat's ending of a failed (or cancelled) run: ``<ACTION>_FAILED``, or the failure
        as an event and ``ROLLBACK_*`` when the run's work was rolled back."""
        failed = "; ".join(f"{address}: {why}" for address, why in err.outcome.failed)
        if err.outcome.cancelled:
            message = f"Stack {action} cancelled"
        else:
            message = f"Resource {action} failed: {failed}" if failed else err.message
        rollback = err.outcome.rollback
        if rollback is None:
            self._fail(record, action, message)
            return
        self._stack_event(record, action, "FAILED", message)
        status = "COMPLETE" if rollback.complete else "FAILED"
        reason = f"{message}; rollback: {rollback.summary()}"
        self.records.set_status(record.id, "ROLLBACK", status, reason)
        self._stack_event(record, "ROLLBACK", status, reason)

    def _fail(self, record: StackRecord, action: str, reason: str) -> None:
        self.records.set_status(record.id, action, "FAILED", reason)
        self._stack_event(record, action, "FAILED", reason)

    def _run(self, record: StackRecord, job: JobRecord) -> str:
        action, detail = job.action, job.detail
        if action == "ADOPT":
            self._adopt(record, detail.get("adopt") or {})
            return self._converge(record, job)
        if action in ("CREATE", "UPDATE", "DELETE", "RESTORE"):
            return self._converge(record, job)
        if action == "SNAPSHOT":
            take_snapshot(self.store, record, str(detail.get("snapshot")))
            self._complete(record, action)
            return "done"
        if action == "SIGNAL":
            return self._signal(record, detail)
        if action == "CHECK":
            binding = self.bindings.for_key(record.workspace, record.environment)
            registry = self.registry(binding)
            state = self.settled_state(record.key, registry, binding)
            refreshed = refresh_state(
                state, registry, _identity_base(record.key), self.settings.parallelism
            )
            missing = sorted(a for a, r in refreshed.items() if r is None)
            if missing:
                self._fail(record, action, f"resources gone from the cloud: {', '.join(missing)}")
                return "failed"
        # SUSPEND / RESUME: recorded for the stack (no resource type here suspends yet).
        self._complete(record, action)
        return "done"

    def _converge(self, record: StackRecord, job: JobRecord) -> str:
        action, detail = job.action, job.detail
        destroy = action == "DELETE"
        plan, template, params = self.plan(record, destroy=destroy)
        wanted = detail.get("plan_digest")
        if wanted is not None and plan_digest(plan_document(plan, template=template)) != wanted:
            reason = "the plan is stale: the stack or its state changed since it was made"
            self._fail(record, action, reason)
            return "failed"
        binding = self.bindings.for_key(record.workspace, record.environment)
        registry = self.registry(binding)
        types = {c.address: c.type for c in plan.changes}
        on_failure = OnFailure.STOP
        if not destroy and not record.disable_rollback:
            on_failure = OnFailure.ROLLBACK
        if plan.has_changes:
            try:
                apply_plan(
                    plan,
                    template,
                    params,
                    self.store,
                    registry,
                    identity_base=_identity_base(record.key),
                    parallelism=self.settings.parallelism,
                    on_event=lambda event: self._resource_event(record, types, event),
                    already_locked=True,
                    audit_project=binding.project,
                    on_failure=on_failure,
                    cancel=None if destroy else self._cancel_check(job.id),
                )
            except ApplyError as err:
                previous = detail.get("previous")
                rollback = err.outcome.rollback
                if isinstance(previous, str) and rollback is not None and rollback.complete:
                    # As in Heat, a rolled-back update leaves the stack with what it had.
                    self.records.restore_documents(record.id, previous)
                raise
        if destroy:
            if record.key in self.store.list_stacks():
                self.store.delete_stack(record.key)
            self.store.stack_snapshots().remove(record.id)
            self.records.set_status(
                record.id, "DELETE", "COMPLETE", "Stack DELETE completed successfully", deleted=True
            )
            self._stack_event(record, "DELETE", "COMPLETE", "Stack DELETE completed successfully")
        else:
            self._complete(record, action)
        return "done"

    def _cancel_check(self, job_id: str) -> Cancel:
        """What the run asks between steps: has ``cancel_update`` (ROLLBACK) or
        ``cancel_without_rollback`` (STOP) been requested of this job?"""

        def cancelled() -> OnFailure | None:
            mode = self.records.cancel_requested(job_id)
            if mode is None:
                return None
            return OnFailure.ROLLBACK if mode == "rollback" else OnFailure.STOP

        return cancelled

    def _adopt(self, record: StackRecord, resources: dict[str, str]) -> None:
        """Heat's adopt: each named object is read from the cloud and recorded in state as
        the template's resource (``atonix import``); the converge that follows creates only
        what the adopted data did not name. The caller holds the lock."""
        binding = self.bindings.for_key(record.workspace, record.environment)
        registry = self.registry(binding)
        template = load_stack_template(record)
        params = bind_record(record, template, binding)
        known = {r.address for r in self.store.iter_resources(record.key)}
        for address, physical_id in resources.items():
            spec = template.resources.get(address)
            if spec is None or address in known or not physical_id:
                continue
            adopted = import_resource(
                template,
                params,
                self.store,
                registry.implementation(spec.type),
                record.key,
                address,
                physical_id,
                _identity_base(record.key),
            )
            self.records.add_event(
                record.id,
                address,
                spec.type,
                adopted.physical_id,
                "ADOPT",
                "COMPLETE",
                "state changed",
            )

    def _signal(self, record: StackRecord, detail: dict[str, Any]) -> str:
        """A scaling policy's signal: the group resized under the stack lock (held by
        run_job); a Mistral workflow's: an execution started. The stack's status is left as
        it was, as Heat leaves it."""
        binding = self.bindings.for_key(record.workspace, record.environment)
        registry = self.registry(binding)
        address = str(detail.get("resource"))
        target = self.store.load(record.key).resources.get(address)
        if target is not None and target.type in WORKFLOW_TYPES:
            run = signal_workflow(
                self.store, record.key, registry, address, detail.get("data"), already_locked=True
            )
            log.info("signal %s: execution %s", address, run.get("id"))
            return "done"
        template = load_stack_template(record)
        params = bind_record(record, template, binding)
        types = {r.address: r.type for r in self.store.iter_resources(record.key)}
        data = detail.get("data")
        outcome = signal_scaling_policy(
            self.store,
            record.key,
            registry,
            template,
            params,
            str(detail.get("resource")),
            data if isinstance(data, dict) else None,
            identity_base=_identity_base(record.key),
            audit_project=binding.project,
            on_event=lambda event: self._resource_event(record, types, event),
            already_locked=True,
        )
        log.info("signal %s: %s", outcome.policy, outcome.reason, extra={"stack": str(record.key)})
        return "done"

    def _complete(self, record: StackRecord, action: str) -> None:
        reason = f"Stack {action} completed successfully"
        self.records.set_status(record.id, action, "COMPLETE", reason)
        self._stack_event(record, action, "COMPLETE", reason)

    def _stack_event(self, record: StackRecord, action: str, status: str, reason: str) -> None:
        self.records.add_event(
            record.id, record.name, "OS::Heat::Stack", record.id, action, status, reason
        )

    def _resource_event(
        self, record: StackRecord, types: dict[str, str], event: ApplyEvent
    ) -> None:
        if event.kind in (EventKind.RETRY, EventKind.PAUSE):  # Heat records neither
            return
        action = _HEAT_ACTION.get(event.operation, event.operation.upper())
        status = _HEAT_STATUS.get(event.kind, "FAILED")
        reason = event.message or "state changed"
        applied = (Operation.CREATE, Operation.UPDATE, Operation.DELETE)
        if event.kind is EventKind.DONE and event.operation in applied:
            metrics.RESOURCES_APPLIED.labels(action).inc()
        self.records.add_event(
            record.id,
            event.address,
            types.get(event.address, ""),
            event.physical_id,
            action,
            status,
            reason,
        )


def plan_digest(document: dict[str, Any]) -> str:
    """What identifies a plan for ``plans/{id}/apply``: its changes and the prior state."""
    import hashlib

    relevant = {
        "resource_changes": document.get("resource_changes"),
        "output_changes": document.get("output_changes"),
        "prior_state": document.get("prior_state"),
    }
    text = json.dumps(relevant, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _identity_base(key: StackKey) -> ResourceIdentity:
    return ResourceIdentity(key.workspace, key.environment, key.stack, "")
