"""Execute a Plan: the one place that calls providers' mutating methods and writes state.

Every result is persisted the moment it completes, so a run killed at any instant leaves
state that knows about every object it made: before a create, an intent with a unique token
(which the provider sends with the create); the physical id with the first commit after the
create call returns (not waited for: the token covers the milliseconds in between); the
result when the object is ready. The next plan resolves
what an interrupted run left pending (``apply/recover.py``). Transient cloud faults are
retried (``apply/retry.py``); a create is retried only after its token was looked up, so a
create that succeeded behind a lost answer is adopted, never repeated. Properties are
re-resolved right before each create/update against what has been applied so far, so values
"known after apply" are known by then. Steps of cloud-free, instant types run on the walking
thread in batches, each committed in one transaction (``apply/inline.py``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from atonix_iac.apply.audit import CallOutcome, audited, record_forget
from atonix_iac.apply.baseline import properties_to_change, update_baseline
from atonix_iac.apply.collector import quiet_collector
from atonix_iac.apply.configs import software_config_lookup
from atonix_iac.apply.events import (
    ApplyEvent,
    ApplyResult,
    Cancel,
    EventCallback,
    EventKind,
    OnFailure,
    Operation,
    ignore_event,
)
from atonix_iac.apply.external import ReadContext, read_external
from atonix_iac.apply.inline import InlineBatch
from atonix_iac.apply.pauses import BatchPauses
from atonix_iac.apply.refresh import state_key_of
from atonix_iac.apply.resolved import provider_values
from atonix_iac.apply.retry import RetryPolicy, retrying
from atonix_iac.apply.rollback import RunWork, Undoer, roll_back
from atonix_iac.apply.schedule import Schedule, Step, StepKind, build_schedule
from atonix_iac.apply.secrets import secret_attributes
from atonix_iac.apply.signals import SignalInbox, open_signal_channel
from atonix_iac.apply.walk import DEFAULT_PARALLELISM, walk
from atonix_iac.errors import (
    ApplyError,
    ApplyOutcome,
    AtonixError,
    PlanError,
    ProviderConfigError,
    ProviderError,
    ProviderTimeoutError,
    ResourceFailedError,
    RollbackOutcome,
    StalePlanError,
    TransientProviderError,
    UsageError,
)
from atonix_iac.planner import resolve_outputs, resolve_properties
from atonix_iac.planner.groups import expand_groups
from atonix_iac.planner.plan import Action, Plan, PlanMode, ResourceChange
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.providers.base import ResourceIdentity, ResourceResult, ResourceType
from atonix_iac.providers.signals import SignalChannel
from atonix_iac.state.model import (
    AuditRecord,
    ResourceState,
    ResourceStatus,
    ResourceWrite,
    StackKey,
    State,
)
from atonix_iac.state.store import StateStore
from atonix_iac.template.model import Template
from atonix_iac.template.values import contains_sensitive, contains_unknown, unwrap


class TypeRegistry(Protocol):
    """What apply needs from the provider registry."""

    def implementation(self, type_name: str) -> ResourceType | None: ...


def apply_plan(
    plan: Plan,
    template: Template,
    params: BoundParams,
    store: StateStore,
    registry: TypeRegistry,
    *,
    identity_base: ResourceIdentity | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
    on_event: EventCallback = ignore_event,
    lock_timeout_s: float = 0.0,
    already_locked: bool = False,
    audit_project: str | None = None,
    retry_policy: RetryPolicy | None = None,
    on_failure: OnFailure = OnFailure.STOP,
    cancel: Cancel | None = None,
    state: State | None = None,
) -> ApplyResult:
    """Execute ``plan`` under the stack lock; raise ``ApplyError`` (with what applied, failed
    and was skipped) if any step failed, after persisting everything that completed.

    ``already_locked``: the caller holds the stack lock (e.g. it planned under it); otherwise
    the lock is taken here, waiting up to ``lock_timeout_s``. A plan made from another state
    (lineage or serial moved on) is refused with ``StalePlanError``. ``audit_project`` (the
    cloud project the binding targets) is written into every audit record.
    ``retry_policy``: how transient cloud faults are retried (default: from the environment).

    ``on_failure``: STOP finishes what is in flight and starts nothing new; CONTINUE still
    applies every step that does not depend on a failure; ROLLBACK stops as STOP does, then
    undoes this run's work (see ``apply.rollback``) and still raises ``ApplyError``. A
    destroy cannot be rolled back (``UsageError``).

    ``cancel``: asked before each new step starts; once it answers (ROLLBACK or STOP) the run
    starts nothing more, lets what is in flight finish and persist, then undoes this run's
    work (ROLLBACK, or when ``on_failure`` is ROLLBACK) or keeps it (STOP), and raises
    ``ApplyError`` saying the run was cancelled. Steps are the safe points: a step in flight
    is never interrupted (a wait condition waits out its signal or timeout).

    ``state``: the state ``plan`` was made from, read under the stack lock the caller still
    holds (``already_locked``), so not read again (a 10,000-resource state is ~0.3 s).
    """
    if state is not None and not already_locked:
        raise ValueError("a state read beforehand needs the lock held since (already_locked)")
    if on_failure is OnFailure.ROLLBACK and plan.mode is PlanMode.DESTROY:
        raise UsageError(
            "a destroy cannot be rolled back (deleted objects cannot be brought back);"
            " use -on-failure=stop or continue"
        )
    lock: AbstractContextManager[Any] = (
        nullcontext() if already_locked else store.lock(plan.key, _operation(plan), lock_timeout_s)
    )
    with lock, quiet_collector(), signal_channel(plan, params, store, registry) as signals:
        if signals is not None:
            base = identity_base or ResourceIdentity(
                plan.key.workspace, plan.key.environment, plan.key.stack, ""
            )
            identity_base = replace(base, signals=signals)
        run = _Run.start(plan, template, params, store, registry, identity_base, on_event, state)
        run.audit_project = audit_project
        run.policy = retry_policy or RetryPolicy.from_env()
        return run.execute(parallelism, on_failure, cancel)


def signal_channel(
    plan: Plan, params: BoundParams, store: StateStore, registry: TypeRegistry
) -> AbstractContextManager[SignalChannel | None]:
    """A signal channel for a run that has wait conditions or handles; a receiver too when
    the run creates or updates one (a destroy only forgets signals)."""
    changes = [
        c
        for c in plan.changes
        if (impl := registry.implementation(c.type)) is not None and impl.uses_signals
    ]
    if not changes or not isinstance(store, SignalInbox):
        return nullcontext()

    def resources() -> Mapping[str, ResourceState]:
        return {r.address: r for r in store.iter_resources(plan.key) if r.deposed is None}

    return open_signal_channel(
        store,
        plan.key,
        resources,
        project=str(params.values.get("OS::project_id") or ""),
        stack_id=str(params.values.get("OS::stack_id") or ""),
        serve=any(c.action is not Action.DELETE for c in changes),
    )


@dataclass
class _Run:
    """One apply's shared context, handed to every step the walk runs (on its thread or a
    worker's)."""

    plan: Plan
    template: Template
    params: BoundParams
    store: StateStore
    registry: TypeRegistry
    identity_base: ResourceIdentity
    on_event: EventCallback
    prior: dict[str, ResourceState]  # state before apply, by state_key_of
    known: dict[str, ResourceState]  # current (non-deposed) objects, updated as steps complete
    schedule: Schedule
    guard: threading.Lock = field(default_factory=threading.Lock)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    sensitive_outputs: frozenset[str] = frozenset()
    audit_project: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    # Addresses whose create the cloud refused and whose token found nothing.
    refused: set[str] = field(default_factory=set)
    # ``batch``: the inline steps' held writes, set on the walking thread while it runs them.
    inline: threading.local = field(default_factory=threading.local)

    @classmethod
    def start(
        cls,
        plan: Plan,
        template: Template,
        params: BoundParams,
        store: StateStore,
        registry: TypeRegistry,
        identity_base: ResourceIdentity | None,
        on_event: EventCallback,
        state: State | None = None,
    ) -> _Run:
        if state is None:
            state = store.load(plan.key)
        if state.lineage != plan.prior_lineage and plan.prior_lineage is not None:
            raise StalePlanError(
                f"the plan was made for state lineage {plan.prior_lineage}, but the stack's"
                f" state is now lineage {state.lineage} (plan again)"
            )
        if state.serial != plan.prior_serial:
            raise StalePlanError(
                f"the state changed since the plan was made (serial {plan.prior_serial} is now"
                f" {state.serial}); plan again"
            )
        prior = {state_key_of(r): r for r in state.resources.values()}  # loaded once
        known = {key: r for key, r in prior.items() if r.deposed is None}
        base = identity_base or ResourceIdentity(
            plan.key.workspace, plan.key.environment, plan.key.stack, ""
        )
        schedule = build_schedule(plan, prior)
        template = expand_groups(template, params, state)
        return cls(plan, template, params, store, registry, base, on_event, prior, known, schedule)

    @property
    def key(self) -> StackKey:
        return self.plan.key

    def execute(
        self, parallelism: int, on_failure: OnFailure = OnFailure.STOP, cancel: Cancel | None = None
    ) -> ApplyResult:
        schedule = self.schedule
        # A cancel may ask for a rollback whatever on_failure says.
        rollback = on_failure is OnFailure.ROLLBACK or cancel is not None
        # The state before this run, for a rollback (depose adds to self.prior as it goes).
        before = dict(self.prior) if rollback else {}
        prior_state = self.store.load(self.key) if rollback else None
        pauses = BatchPauses.of(self.template, self.params, self.prior, schedule.graph)
        result = walk(
            schedule.graph,
            self.run_step,
            parallelism=parallelism,
            sort_key=schedule.order.__getitem__,
            keep_going=on_failure is OnFailure.CONTINUE,
            delay=pauses.delay,
            on_delayed=pauses.announcer(self.emit),
            stop=None if cancel is None else lambda: cancel() is not None,
            inline=self.runs_inline,
            run_inline=self.run_inline,
        )
        cancelled = cancel() if result.stopped and cancel is not None else None
        if cancelled is not None and on_failure is OnFailure.ROLLBACK:
            cancelled = OnFailure.ROLLBACK  # Heat: a cancel rolls back when rollback is on
        wants_rollback = (
            cancelled is OnFailure.ROLLBACK
            if cancelled is not None
            else on_failure is OnFailure.ROLLBACK
        )
        undone: RollbackOutcome | None = None
        if not result.ok and prior_state is not None and wants_rollback:
            started = [*result.completed, *(step for step, _ in result.failed)]
            undone = self.roll_back(before, RunWork.of(schedule, started), parallelism)
        if undone is not None and undone.complete and prior_state is not None:
            serial = self.store.set_outputs(  # back to the prior run's outputs and inputs
                self.key,
                prior_state.outputs,
                prior_state.sensitive_outputs,
                prior_state.parameters,
                prior_state.template_digest,
                sensitive_parameters=prior_state.sensitive_parameters,
            )
        else:
            serial = self.store_outputs(partial=not result.ok)
        keep_snapshot = getattr(self.store, "snapshot", None)
        if callable(keep_snapshot):  # the SQL store keeps a copy of each run's final state
            keep_snapshot(self.key, _operation(self.plan))
        if not result.ok:
            outcome = ApplyOutcome(
                applied=tuple(str(step) for step in result.completed),
                failed=tuple((str(step), err.message) for step, err in result.failed),
                skipped=tuple(str(step) for step in result.skipped),
                errors=tuple(err for _, err in result.failed),
                blocked_by={str(a): str(b) for a, b in result.blocked_by.items()},
                rollback=undone,
            )
            after = (
                undone.summary() if undone is not None else "state keeps everything that completed"
            )
            if cancelled is not None:
                raise ApplyError(
                    f"Operation cancelled: {len(result.skipped)} of"
                    f" {len(schedule.graph)} steps not started; {after}",
                    replace(outcome, cancelled=True),
                )
            raise ApplyError(
                f"apply failed: {len(result.failed)} of {len(schedule.graph)}"
                f" steps failed; {after}",
                outcome,
            )
        return ApplyResult(
            created=tuple(self.created),
            updated=tuple(self.updated),
            deleted=tuple(self.deleted),
            forgotten=tuple(self.forgotten),
            serial=serial,
            outputs=self.outputs,
            sensitive_outputs=self.sensitive_outputs,
        )

    def roll_back(
        self, before: Mapping[str, ResourceState], work: RunWork, parallelism: int
    ) -> RollbackOutcome:
        """Undo ``work``; afterwards later lookups (outputs) see the state as rolled back."""
        undoer = Undoer(
            self.store,
            self.key,
            self.registry,
            self.identity,
            self.on_event,
            self.audit_project,
            self.policy,
        )
        undone = roll_back(undoer, before, work, parallelism=parallelism)
        current = {r.address: r for r in self.store.iter_resources(self.key) if not r.deposed}
        with self.guard:
            self.known.clear()
            self.known.update(current)
        return undone

    # -- steps ------------------------------------------------------------------------------

    def runs_inline(self, step: Step) -> bool:
        """A create, update or delete of a cloud-free, instant type, that writes nothing but
        its own record (no deposed object, nothing forgotten, no audit record of its own)."""
        if step.deposed is not None or step.kind is StepKind.READ:
            return False
        change = self.schedule.changes[step]
        impl = self.registry.implementation(change.type)
        if impl is None or not impl.runs_inline:
            return False
        if step.kind is not StepKind.DELETE:
            return True
        if change.action is Action.DELETE and change.forget_only:
            return False
        with self.guard:
            target = self.known.get(step.address)
        return (
            target is not None
            and target.type == change.type
            and target.deletion_policy != "Retain"
            and bool(target.physical_id)
        )

    def run_inline(self) -> InlineBatch[Step]:
        """A batch of inline steps, run on this (the walking) thread: their writes are held
        and committed together (see ``apply/inline.py``)."""
        batch = self.inline.batch = InlineBatch(self.store, self.key, self.on_event, self.run_step)
        return batch

    def held(self) -> InlineBatch[Step] | None:
        """The batch this thread's writes are held in, if it is running inline steps."""
        batch: InlineBatch[Step] | None = getattr(self.inline, "batch", None)
        return batch if batch is not None and batch.open else None

    def run_step(self, step: Step) -> None:
        change = self.schedule.changes[step]
        if step.kind is StepKind.DELETE:
            self.delete(step, change)
        elif step.kind is StepKind.CREATE:
            self.create(step, change)
        elif step.kind is StepKind.READ:
            read_external(self.read_context(step, change), change)
        else:
            self.update(step, change)

    def read_context(self, step: Step, change: ResourceChange) -> ReadContext:
        return ReadContext(
            self.store,
            self.key,
            self.template.resources[change.address],
            self.implementation(change, change.type),
            self.identity(change.address),
            self.policy,
            self.audit_project,
            lambda kind, operation, **info: self.emit(kind, step, operation, **info),
            self.remember,
        )

    def identity(self, address: str, token: str | None = None) -> ResourceIdentity:
        """Who a call is for (with ``token``: a create's, in one copy rather than two)."""
        return replace(
            self.identity_base,
            address=address,
            token=self.identity_base.token if token is None else token,
            software_configs=software_config_lookup(self.snapshot),
        )

    def implementation(self, change: ResourceChange, type_name: str) -> ResourceType:
        impl = self.registry.implementation(type_name)
        if impl is None:
            raise ProviderConfigError(
                f"no provider implements type {type_name}",
                address=change.address,
                location=change.location,
            )
        return impl

    def snapshot(self) -> dict[str, ResourceState]:
        with self.guard:
            return dict(self.known)

    def resolve(self, change: ResourceChange) -> tuple[dict[str, Any], frozenset[str]]:
        """Properties for the provider (plain, secrets unwrapped) and the secret names."""
        values, sensitive = resolve_properties(
            self.template, change.address, self.params, _Guarded(self.known, self.guard)
        )
        plain, unknown, secret = provider_values(values)
        if unknown:
            raise PlanError(
                f"{change.address}: {', '.join(sorted(unknown))} still unknown at apply time"
                " (a dependency is missing from the plan)"
            )
        schema = self.implementation(change, change.type).schema.properties
        secret |= sensitive
        secret |= {k for k in values if k in schema and schema[k].sensitive}
        return plain, frozenset(secret)

    def sensitive_attributes(self, impl: ResourceType) -> frozenset[str]:
        return frozenset(a.name for a in impl.schema.attributes.values() if a.sensitive)

    def emit(self, kind: EventKind, step: Step, operation: Operation, **info: Any) -> None:
        deposed = step.deposed if step.kind is StepKind.DELETE else None
        event = ApplyEvent(kind, step.address, operation, time.monotonic(), deposed=deposed, **info)
        batch = self.held()
        if batch is None or not batch.hold_event(event):  # "complete" once committed
            self.on_event(event)

    def resolve_or_fail(
        self, step: Step, change: ResourceChange, operation: Operation
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """Properties for the call, now that dependencies exist; a failure is reported as the
        step's failure before it propagates."""
        try:
            return self.resolve(change)
        except AtonixError as err:
            self.emit(EventKind.FAILED, step, operation, message=err.format())
            raise

    def remember(
        self,
        state: ResourceState,
        done: list[str] | None = None,
        audit: AuditRecord | None = None,
    ) -> None:
        """Commit ``state`` the moment its call completed (with the call's audit record, in
        one transaction), and make it what later steps resolve against (``done``: the
        result list it joins, for a success). In an inline batch: what later steps of the
        batch resolve against at once, committed (and joining ``done``) with the batch."""

        def joined() -> None:
            if done is not None:
                with self.guard:
                    done.append(state.address)

        batch = self.held()
        if batch is None:
            self.store.put_resource(self.key, state, audit)
        with self.guard:
            before = self.known.get(state.address)
            self.known[state.address] = state
        if batch is None:
            joined()
            return
        batch.write(
            ResourceWrite(state.address, state, state.deposed, audit),
            joined,
            lambda: self._restore(state.address, before),
        )

    def _restore(self, address: str, before: ResourceState | None) -> None:
        """Take back an uncommitted result: what later steps resolve against is as before."""
        with self.guard:
            if before is None:
                self.known.pop(address, None)
            else:
                self.known[address] = before

    def create(self, step: Step, change: ResourceChange) -> None:
        spec = self.template.resources[change.address]
        impl = self.implementation(change, change.type)
        if step.deposed is not None:
            self.depose(change.address, step.deposed)
        self.emit(EventKind.START, step, Operation.CREATE)
        properties, secret = self.resolve_or_fail(step, change, Operation.CREATE)
        intent = ResourceState(
            address=change.address,
            type=change.type,
            physical_id=None,
            status=ResourceStatus.PENDING_CREATE,
            properties=properties,
            sensitive_properties=secret,
            sensitive_attributes=self.sensitive_attributes(impl),
            dependencies=change.dependencies,
            deletion_policy=spec.deletion_policy.value,
            create_before_destroy=spec.lifecycle.create_before_destroy,
            prevent_destroy=spec.lifecycle.prevent_destroy is True,
            updated_at=datetime.now(UTC),
            create_token=str(uuid.uuid4()),
        )
        if impl.recoverable:
            # Only a cloud create needs its intent first: a one-step, in-process type (the
            # cloud-free Heat types) leaves nothing behind if the run dies mid-call, and the
            # saved transaction is a third of such a resource's state writes.
            self.store.write_intent(self.key, intent)
        with self.guard:
            self.known.pop(change.address, None)
        identity = self.identity(change.address, intent.create_token or "")
        try:
            with audited(
                self.store,
                self.key,
                change.address,
                change.type,
                "create",
                None,
                project=self.audit_project,
                deferred=True,
            ) as call:
                if impl.recoverable:
                    result = self.create_in_two_steps(step, impl, identity, intent, call)
                else:
                    result = impl.create(identity, properties)
                call.physical_id = result.physical_id
        except AtonixError as err:
            self.settle_failed_create(impl, intent, call.physical_id, err)
            self.emit(
                EventKind.FAILED,
                step,
                Operation.CREATE,
                elapsed_s=call.elapsed_s,
                physical_id=call.physical_id,
                message=_located(err, change).format(),
            )
            raise
        created = replace(
            intent,
            physical_id=result.physical_id,
            status=ResourceStatus.READY,
            attributes=dict(result.attributes),
            sensitive_attributes=secret_attributes(
                result.attributes, properties, secret, self.sensitive_attributes(impl)
            ),
            updated_at=datetime.now(UTC),
        )
        self.remember(created, self.created, call.record)
        self.emit(
            EventKind.DONE,
            step,
            Operation.CREATE,
            elapsed_s=call.elapsed_s,
            physical_id=result.physical_id,
        )

    def create_in_two_steps(
        self,
        step: Step,
        impl: ResourceType,
        identity: ResourceIdentity,
        intent: ResourceState,
        call: CallOutcome,
    ) -> ResourceResult:
        """Send the create (found again rather than repeated after a fault), record its
        physical id, then wait for the object to be ready (retried: it is idempotent).
        ``call`` learns the id as soon as it is known, for the audit record.

        The id's record is committed by the next commit of any worker, or here if none is
        under way (``put_resource_soon``), not waited for before the wait: it is durable
        within milliseconds either way, and waking this thread for it cost two thread
        switches per object. It is settled before the step ends, whatever the outcome."""
        started = self.start_create(step, impl, identity, intent)
        call.physical_id = started.physical_id
        pending = replace(
            intent,
            physical_id=started.physical_id,
            attributes=dict(started.attributes),
            updated_at=datetime.now(UTC),
        )
        written = self.store.put_resource_soon(self.key, pending)
        try:
            return retrying(
                self.policy,
                lambda: impl.finish_create(identity, started, intent.properties),
                self.retry_notice(step, Operation.CREATE),
            )
        finally:
            written.wait()

    def start_create(
        self, step: Step, impl: ResourceType, identity: ResourceIdentity, intent: ResourceState
    ) -> ResourceResult:
        """``impl.start_create``, retried on transient faults; after any failed attempt the
        token is looked up first, so an object the cloud made behind a lost answer is adopted
        instead of created twice."""
        properties = intent.properties
        notice = self.retry_notice(step, Operation.CREATE)
        may_exist = False

        def look_up() -> ResourceResult | None:
            found = retrying(
                self.policy,
                lambda: impl.find_created(
                    identity, properties, intent.updated_at, self.claimed_ids(intent.type)
                ),
                notice,
            )
            return None if found is None else ResourceResult(found)

        def attempt() -> ResourceResult:
            nonlocal may_exist
            if may_exist:
                found = look_up()
                if found is not None:
                    return found
                may_exist = False
            try:
                return impl.start_create(identity, properties)
            except TransientProviderError:
                may_exist = True
                raise
            except ProviderError:
                # A refusal may still follow a create that happened (a 409 for the duplicate
                # of an object an earlier attempt made).
                found = look_up()
                if found is not None:
                    return found
                with self.guard:
                    self.refused.add(intent.address)  # the cloud has nothing: forget the intent
                raise

        try:
            return retrying(self.policy, attempt, notice)
        except TransientProviderError:
            found = look_up() if may_exist else None
            if found is None:
                raise
            return found

    def claimed_ids(self, type_name: str) -> frozenset[str]:
        """Physical ids state already records for objects of ``type_name``: never adopted by
        another address. (Per type: a volume attachment's id is its volume's, as in Nova.)"""
        with self.guard:
            return frozenset(
                r.physical_id
                for r in (*self.prior.values(), *self.known.values())
                if r.physical_id and r.type == type_name
            )

    def settle_failed_create(
        self,
        impl: ResourceType,
        intent: ResourceState,
        physical_id: str | None,
        err: AtonixError,
    ) -> None:
        """What state keeps after a failed create: nothing if the cloud refused it and has no
        such object; the pending intent if it is not certain that none came to exist (the
        next plan looks it up) or if it exists and may still become ready (the next plan
        finishes it); the object as tainted (replaced next time) if it failed or timed out."""
        if not physical_id:
            with self.guard:
                refused = intent.address in self.refused
            if refused:
                self.store.remove_resource(self.key, intent.address)
            return  # (a one-step type wrote no intent)
        may_finish = impl.recoverable and not isinstance(
            err, ResourceFailedError | ProviderTimeoutError
        )
        if may_finish:
            return  # committed with its id by create_in_two_steps; recovered next plan
        tainted = replace(intent, physical_id=physical_id)
        tainted.status = ResourceStatus.TAINTED
        tainted.updated_at = datetime.now(UTC)
        self.remember(tainted)

    def retry_notice(
        self, step: Step, operation: Operation
    ) -> Callable[[int, TransientProviderError, float], None]:
        def notice(attempt: int, err: TransientProviderError, pause: float) -> None:
            self.emit(
                EventKind.RETRY,
                step,
                operation,
                message=f"{err.message}; attempt {attempt + 1} in {pause:.1f}s",
            )

        return notice

    def depose(self, address: str, deposed: str) -> None:
        """Keep the current object under a deposed key before its replacement is created."""
        with self.guard:
            current = self.known.pop(address, None)
        if current is None:
            return
        old = replace(current, deposed=deposed, status=ResourceStatus.PENDING_DELETE)
        self.store.put_resource(self.key, old)
        with self.guard:
            self.prior[state_key_of(old)] = old

    def update(self, step: Step, change: ResourceChange) -> None:
        impl = self.implementation(change, change.type)
        with self.guard:
            old = self.known[change.address]
        self.emit(EventKind.START, step, Operation.UPDATE, physical_id=old.physical_id)
        properties, secret = self.resolve_or_fail(step, change, Operation.UPDATE)
        baseline = update_baseline(change, old.properties)
        changed = properties_to_change(change, baseline, properties)
        physical_id = old.physical_id or ""
        try:
            with audited(
                self.store,
                self.key,
                change.address,
                change.type,
                "update",
                physical_id,
                project=self.audit_project,
                deferred=True,
            ) as call:

                def send() -> ResourceResult:
                    return impl.update(
                        self.identity(change.address), physical_id, baseline, properties, changed
                    )

                result = (  # in-process types: no transient fault to ask again after
                    send()
                    if impl.runs_inline
                    else retrying(self.policy, send, self.retry_notice(step, Operation.UPDATE))
                )
                call.physical_id = result.physical_id or physical_id
        except AtonixError as err:
            self.remember(replace(old, status=ResourceStatus.TAINTED, updated_at=datetime.now(UTC)))
            self.emit(
                EventKind.FAILED,
                step,
                Operation.UPDATE,
                elapsed_s=call.elapsed_s,
                physical_id=physical_id,
                message=_located(err, change).format(),
            )
            raise
        spec = self.template.resources[change.address]
        attributes = {**old.attributes, **result.attributes}
        updated = replace(
            old,
            physical_id=result.physical_id or physical_id,
            status=ResourceStatus.READY,
            properties=properties,
            attributes=attributes,
            sensitive_properties=secret,
            sensitive_attributes=secret_attributes(
                attributes, properties, secret, self.sensitive_attributes(impl)
            ),
            dependencies=change.dependencies,
            deletion_policy=spec.deletion_policy.value,
            create_before_destroy=spec.lifecycle.create_before_destroy,
            prevent_destroy=spec.lifecycle.prevent_destroy is True,
            updated_at=datetime.now(UTC),
        )
        self.remember(updated, self.updated, call.record)
        self.emit(
            EventKind.DONE,
            step,
            Operation.UPDATE,
            elapsed_s=call.elapsed_s,
            physical_id=updated.physical_id,
        )

    def delete(self, step: Step, change: ResourceChange) -> None:
        with self.guard:
            if step.deposed is not None:
                target = self.prior.get(f"{step.address}#{step.deposed}")
            else:
                target = self.known.get(step.address)
        if target is None:
            return  # nothing recorded (already gone)
        forget_only = change.action is Action.DELETE and change.forget_only
        if forget_only or target.deletion_policy == "Retain" or not target.physical_id:
            # Retain: forget it and leave the object; no physical id: nothing to delete.
            self.emit(EventKind.START, step, Operation.FORGET, physical_id=target.physical_id)
            self.forget(step, destroyed=False)
            record_forget(self.store, self.key, target, forget_only, self.audit_project)
            self.emit(EventKind.DONE, step, Operation.FORGET, physical_id=target.physical_id)
            return
        impl = self.implementation(change, target.type)
        self.emit(EventKind.START, step, Operation.DELETE, physical_id=target.physical_id)
        try:
            with audited(
                self.store,
                self.key,
                step.address,
                target.type,
                "delete",
                target.physical_id,
                project=self.audit_project,
                deferred=True,
            ) as call:
                if impl.runs_inline:  # in-process: no transient fault to ask again after
                    impl.delete(
                        self.identity(step.address), target.physical_id or "", target.properties
                    )
                else:
                    retrying(
                        self.policy,
                        lambda: impl.delete(
                            self.identity(step.address),
                            target.physical_id or "",
                            target.properties,
                        ),
                        self.retry_notice(step, Operation.DELETE),
                    )
        except AtonixError as err:
            self.emit(
                EventKind.FAILED,
                step,
                Operation.DELETE,
                elapsed_s=call.elapsed_s,
                physical_id=target.physical_id,
                message=_located(err, change).format(),
            )
            raise
        self.forget(step, audit=call.record)
        self.emit(
            EventKind.DONE,
            step,
            Operation.DELETE,
            elapsed_s=call.elapsed_s,
            physical_id=target.physical_id,
        )

    def forget(
        self, step: Step, *, destroyed: bool = True, audit: AuditRecord | None = None
    ) -> None:
        batch = self.held()
        if batch is None:
            self.store.remove_resource(self.key, step.address, step.deposed, audit)
        with self.guard:
            before = self.known.pop(step.address, None) if step.deposed is None else None

        def gone() -> None:
            with self.guard:
                (self.deleted if destroyed else self.forgotten).append(step.address)

        if batch is None:
            gone()
            return

        def undo() -> None:
            if before is not None:
                self._restore(step.address, before)

        batch.write(ResourceWrite(step.address, None, step.deposed, audit), gone, undo)

    # -- outputs ----------------------------------------------------------------------------

    def known_outputs(
        self, known: Mapping[str, ResourceState]
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """After a failure: each output that can be resolved from what was applied."""
        values: dict[str, Any] = {}
        sensitive: set[str] = set()
        for name, spec in self.template.outputs.items():
            alone = replace(self.template, outputs={name: spec})
            try:
                value, secret = resolve_outputs(alone, self.params, known)
            except AtonixError:
                continue
            values.update(value)
            sensitive |= secret
        return values, frozenset(sensitive)

    def store_outputs(self, *, partial: bool) -> int:
        """Persist outputs that are known now (after a failure too), and the inputs used."""
        outputs: dict[str, Any] = {}
        sensitive: frozenset[str] = frozenset()
        if self.plan.mode is not PlanMode.DESTROY:
            known = self.snapshot()
            try:
                values, sensitive = resolve_outputs(self.template, self.params, known)
            except AtonixError:
                if not partial:
                    raise
                values, sensitive = self.known_outputs(known)
            outputs = {k: unwrap(v) for k, v in values.items() if not contains_unknown(v)}
            sensitive = frozenset(
                {k for k in outputs if k in sensitive or contains_sensitive(values[k])}
            )
        self.outputs, self.sensitive_outputs = outputs, sensitive
        return self.store.set_outputs(
            self.key,
            outputs,
            sensitive,
            dict(_plain_parameters(self.params.values)),
            self.template.digest or None,
            sensitive_parameters=frozenset(self.params.sensitive),
        )


class _Guarded(Mapping[str, ResourceState]):
    """Reads of the applied-so-far map under its lock, without copying it: a copy per create
    made a large apply quadratic (10,000 resources: ~0.8 s of copying; 30,000: ~7 s)."""

    def __init__(self, data: dict[str, ResourceState], lock: threading.Lock) -> None:
        self._data = data
        self._lock = lock

    def __getitem__(self, key: str) -> ResourceState:
        with self._lock:
            return self._data[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._data))

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


def _operation(plan: Plan) -> str:
    return "destroy" if plan.mode is PlanMode.DESTROY else "apply"


def _plain_parameters(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return {k: unwrap(v) for k, v in values.items()}


def _located(err: AtonixError, change: ResourceChange) -> AtonixError:
    """A provider error names the resource and where it is written (set in place, so the
    SDK's exception stays its ``__cause__``)."""
    if isinstance(err, ProviderError):
        if err.address is None:
            err.address = change.address
        if err.location is None:
            err.location = change.location
    return err
