"""make_plan: (template, parameters, state, type schemas) -> Plan, without any I/O.

Resources are planned in creation order so that each decision can see what its dependencies
will do: an id survives an update but not a replacement, and attributes are only known for
resources the plan leaves alone (Terraform's rule). Removed resources, destroy mode and
deposed objects become deletes; then the changes are put in apply order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.errors import Diagnostic, PreventDestroyError, Severity, TemplateError, suggest
from atonix_iac.planner.actions import Decision, decide_action, replace_action
from atonix_iac.planner.bind import (
    attribute_diagnostics,
    property_diagnostics,
    type_diagnostics,
)
from atonix_iac.planner.diff import (
    changed_properties,
    keep_ignored,
    property_changes,
)
from atonix_iac.planner.evaluation import KnownResource, PlanContext, resolve_spec_properties
from atonix_iac.planner.external import (
    REASON_EXTERNAL_FORGET,
    external_removed,
    plan_external,
    resolve_external_id,
)
from atonix_iac.planner.graph import ResourceGraph, build_graph
from atonix_iac.planner.groups import expand_groups, member_removal_reason
from atonix_iac.planner.masking import mask_change, mask_values, masked_parameters
from atonix_iac.planner.observed import Observed, drift_changes, observe
from atonix_iac.planner.order import order_changes
from atonix_iac.planner.outputs import output_changes
from atonix_iac.planner.plan import Action, Plan, PlanMode, ResourceChange
from atonix_iac.planner.protocols import BoundParams, ResourceFacts
from atonix_iac.planner.reasons import REASON_CONDITION, REASON_REMOVED
from atonix_iac.planner.selection import select_addresses
from atonix_iac.planner.translate import translation_diagnostics
from atonix_iac.providers.base import ResourceResult, ResourceSchema
from atonix_iac.providers.registry import Registry
from atonix_iac.providers.validation import apply_defaults
from atonix_iac.state.model import ResourceState, State
from atonix_iac.state.sensitivity import secret_attribute_names
from atonix_iac.template.model import ResourceSpec, Template
from atonix_iac.template.values import contains_sensitive, unwrap

REASON_RETAINED = "retained: deletion_policy is Retain, so it is only removed from state"
REASON_ALREADY_GONE = "already deleted outside atonix: removed from state only"
REASON_RENEWED = (
    "Heat gives this handle a new identity on every stack update (senders signal it again)"
)
REASON_DEPOSED = "deposed object left by an interrupted create-before-destroy replacement"


def make_plan(
    template: Template,
    params: BoundParams,
    state: State,
    registry: Registry,
    *,
    mode: PlanMode = PlanMode.NORMAL,
    refreshed: Mapping[str, ResourceResult | None] | None = None,
    targets: Sequence[str] = (),
    excludes: Sequence[str] = (),
    replace: Sequence[str] = (),
    external_reads: Mapping[str, ResourceResult | None] | None = None,
) -> Plan:
    """The plan that takes ``state`` to what ``template`` describes (or to nothing, when
    destroying). Raises a located TemplateError for template and type problems and a
    PreventDestroyError when a delete or replacement meets ``prevent_destroy``."""
    template = expand_groups(template, params, state)
    graph = build_graph(template, params.values)
    reads = external_reads or {}
    builder = _PlanBuilder(template, params, state, registry, graph, refreshed or {}, mode)
    builder.external_reads = reads
    plan = builder.build(targets, excludes, replace)
    renewed = _replaced_on_update(plan, registry) if mode is PlanMode.NORMAL else ()
    if not renewed:
        return plan
    builder = _PlanBuilder(template, params, state, registry, graph, refreshed or {}, mode)
    builder.external_reads = reads
    builder.renewed = frozenset(renewed)
    return builder.build(targets, excludes, replace)


def _replaced_on_update(plan: Plan, registry: Registry) -> list[str]:
    """The unchanged resources of types Heat replaces on every stack update, when the plan
    changes anything else (an OS::Heat::UpdateWaitConditionHandle gets a new identity)."""
    renewable = {
        c.address
        for c in plan.changes
        if (schema := registry.schema(c.type)) is not None and schema.replaced_on_stack_update
    }
    if not any(c.action is not Action.NOOP for c in plan.changes if c.address not in renewable):
        return []
    return sorted(
        c.address for c in plan.changes if c.address in renewable and c.action is Action.NOOP
    )


@dataclass(slots=True)
class _PlanBuilder:
    """The state of one planning run: decisions so far, warnings and errors."""

    template: Template
    params: BoundParams
    state: State
    registry: Registry
    graph: ResourceGraph
    refreshed: Mapping[str, ResourceResult | None]
    mode: PlanMode
    changes: list[ResourceChange] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    destroy_errors: list[Diagnostic] = field(default_factory=list)
    known: dict[str, ResourceFacts] = field(default_factory=dict)
    ctx: PlanContext = field(init=False)
    current: dict[str, ResourceState] = field(init=False)
    selected: frozenset[str] | None = None
    replace: frozenset[str] = frozenset()
    # Replaced because the stack is updated (``ResourceSchema.replaced_on_stack_update``).
    renewed: frozenset[str] = frozenset()
    _attribute_secrets: dict[str, frozenset[str]] = field(default_factory=dict)
    _property_secrets: dict[str, frozenset[str]] = field(default_factory=dict)
    # What reading the external_id objects at plan time found, by address.
    external_reads: Mapping[str, ResourceResult | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ctx = PlanContext(self.template, self.params, self.known)
        self.current = {r.address: r for r in self.state.resources.values() if not r.deposed}

    def build(
        self, targets: Sequence[str], excludes: Sequence[str], replace: Sequence[str]
    ) -> Plan:
        order = self.graph.creation_order()
        specs = self.template.resources
        active = [a for a in order if self.ctx.is_active(specs[a])]
        active_set = set(active)
        if self.mode is PlanMode.NORMAL:
            problems = type_diagnostics(self.template, self.registry, active, True)
            problems += attribute_diagnostics(self.template, self.registry, active)
            if problems:
                raise TemplateError(diagnostics=problems)
        if targets or excludes:
            state_deps = {a: r.dependencies for a, r in self.current.items()}
            self.selected, warnings = select_addresses(
                self.graph, state_deps, self.mode, targets, excludes
            )
            self.warnings.extend(warnings)
        self.replace = frozenset(replace)
        self._warn_unplanned_replacements(active_set)
        if self.mode is PlanMode.NORMAL:
            for address in active:
                self._plan_resource(specs[address])
            removed = [a for a in self.current if a not in active_set]
        else:
            for address in active:
                self._remember_unchanged(address)
            removed = list(self.current)
        for address in sorted(removed):
            if self._is_selected(address):
                self._plan_delete(self.current[address])
        self._plan_deposed()
        if self.errors:
            raise TemplateError(diagnostics=self.errors)
        if self.destroy_errors:
            raise PreventDestroyError(diagnostics=self.destroy_errors)
        return Plan(
            key=self.state.key,
            mode=self.mode,
            changes=order_changes(self.changes),
            output_changes=output_changes(self.ctx, self.state, self.mode),
            template_digest=self.template.digest,
            prior_lineage=self.state.lineage,
            prior_serial=self.state.serial,
            diagnostics=tuple(self.warnings),
            parameters=masked_parameters(self.params),
            sensitive_parameters=frozenset(self.params.sensitive),
        )

    # Resources the template wants -------------------------------------------------------
    def _plan_resource(self, spec: ResourceSpec) -> None:
        address = spec.name
        if not self._is_selected(address):
            self._remember_unchanged(address)
            return
        schema = self.registry.schema(spec.type)
        if schema is None:  # the type check in build() has already refused this
            raise TemplateError.at(spec.type_location, f"unknown resource type `{spec.type}`")
        if spec.external_id is not None or self._adopted(address):
            self._plan_external(spec, schema)
            return
        desired = resolve_spec_properties(spec, self.ctx)
        for found in translation_diagnostics(spec):
            (self.errors if found.severity is Severity.ERROR else self.warnings).append(found)
        self.errors.extend(property_diagnostics(spec, schema, desired))
        prior = self.current.get(address)
        observed = observe(prior, self.refreshed) if prior is not None else None
        secret = self._secret_properties(schema, desired, prior)
        if observed is None or observed.gone:
            decision = decide_action(
                prior_type=prior.type if prior is not None else None,
                prior_status=prior.status if prior is not None else None,
                desired_type=spec.type,
                schema=schema,
                gone=observed is not None,
            )
            before: dict[str, Any] | None = None
            after = desired
            changes = property_changes({}, desired, desired, sensitive=secret)
        else:
            before = observed.properties
            before_full = apply_defaults(schema, before)
            after_full = keep_ignored(
                before_full, apply_defaults(schema, desired), spec.lifecycle.ignore_changes
            )
            changed = changed_properties(before_full, after_full)
            decision = decide_action(
                prior_type=observed.prior.type,
                prior_status=observed.prior.status,
                desired_type=spec.type,
                schema=schema,
                changed=changed,
                replace_requested=address in self.replace,
                provider_replace_reason=self._provider_reason(
                    spec, schema, before_full, after_full, changed
                ),
                create_before_destroy=spec.lifecycle.create_before_destroy,
            )
            if address in self.renewed and decision.action is Action.NOOP:
                decision = Decision(
                    replace_action(spec.lifecycle.create_before_destroy), REASON_RENEWED
                )
            after = (
                desired
                if decision.action.is_replace
                else keep_ignored(before, desired, spec.lifecycle.ignore_changes)
            )
            changes = property_changes(
                before_full,
                after_full,
                changed,
                forces_replacement=decision.replace_paths,
                sensitive=secret,
            )
            if decision.action.is_replace:
                self._check_prevent_destroy(address, spec, None, decision.reason)
        self._remember(address, decision, observed, schema)
        self.changes.append(
            ResourceChange(
                address=address,
                type=spec.type,
                action=decision.action,
                before=mask_values(before, secret),
                after=mask_values(after, secret),
                changes=tuple(mask_change(c) for c in changes),
                replace_paths=decision.replace_paths,
                reason=decision.reason,
                location=spec.location,
                dependencies=tuple(sorted(self.graph.dependencies(address))),
                sensitive_properties=secret,
                physical_id=observed.physical_id if observed is not None else None,
                drift=drift_changes(observed, secret),
                gone=observed is not None and observed.gone,
            )
        )

    def _adopted(self, address: str) -> bool:
        prior = self.current.get(address)
        return prior is not None and prior.external

    def _plan_external(self, spec: ResourceSpec, schema: ResourceSchema) -> None:
        """A resource adopted through external_id (see planner/external.py)."""
        address = spec.name
        prior = self.current.get(address)
        if spec.external_id is None and prior is not None:
            self.errors.append(external_removed(spec, prior))
            return
        observed = observe(prior, self.refreshed) if prior is not None else None
        try:
            external_id = resolve_external_id(spec, self.ctx)
            planned = plan_external(spec, external_id, prior, observed, self.external_reads, schema)
        except TemplateError as err:
            self.errors.extend(err.diagnostics)
            return
        if planned.known is not None:
            self.known[address] = planned.known
        else:
            self.ctx.ids_only[address] = external_id
        self.changes.append(
            ResourceChange(
                address=address,
                type=spec.type,
                action=planned.action,
                before=None if planned.action is Action.READ else planned.after,
                after=planned.after,
                changes=planned.changes,
                reason=planned.reason,
                location=spec.location,
                physical_id=prior.physical_id if prior is not None else None,
            )
        )

    def _provider_reason(
        self,
        spec: ResourceSpec,
        schema: ResourceSchema,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        changed: tuple[str, ...],
    ) -> str | None:
        if not changed or not all(schema.updatable(n) for n in changed):
            return None
        implementation = self.registry.implementation(spec.type)
        if implementation is None:
            return None
        return implementation.replace_reason(unwrap(before), unwrap(after), frozenset(changed))

    def _remember(
        self,
        address: str,
        decision: Decision,
        observed: Observed | None,
        schema: ResourceSchema,
    ) -> None:
        """What later references to this resource can know."""
        if observed is None:
            return
        if decision.action is Action.NOOP:
            self.known[address] = KnownResource(
                observed.physical_id,
                observed.attributes,
                self._observed_secrets(observed, schema),
            )
        elif decision.action is Action.UPDATE:
            self.ctx.ids_only[address] = observed.physical_id

    def _remember_unchanged(self, address: str) -> None:
        """A resource left out of the plan still exists as state says (if it does)."""
        prior = self.current.get(address)
        if prior is None:
            return
        observed = observe(prior, self.refreshed)
        if observed.gone:
            return
        schema = self.registry.schema(prior.type)
        if schema is None:
            secret = secret_attribute_names(
                observed.attributes,
                observed.properties,
                prior.sensitive_properties,
                prior.sensitive_attributes,
            )
        else:
            secret = self._observed_secrets(observed, schema)
        self.known[address] = KnownResource(observed.physical_id, observed.attributes, secret)

    # Resources to delete ----------------------------------------------------------------
    def _plan_delete(self, prior: ResourceState) -> None:
        address = prior.address
        spec = self.template.resources.get(address)
        observed = observe(prior, self.refreshed)
        policy = spec.deletion_policy if spec is not None else prior.deletion_policy
        forget = False
        if prior.external:
            reason: str | None = REASON_EXTERNAL_FORGET
            forget = True
        elif str(policy).lower() == "retain":
            reason = REASON_RETAINED
            forget = True
        elif observed.gone:
            reason, forget = REASON_ALREADY_GONE, True
        else:
            if self.mode is PlanMode.DESTROY:
                reason = None
            else:
                reason = REASON_CONDITION if spec is not None else REASON_REMOVED
                if spec is None:
                    reason = member_removal_reason(self.template, address) or reason
            self._check_prevent_destroy(address, spec, prior, reason or "destroy requested")
        dependencies = set(prior.dependencies)
        if address in self.graph:
            dependencies |= self.graph.dependencies(address)
        secret = self._secret_of_prior(prior)
        self.changes.append(
            ResourceChange(
                address=address,
                type=prior.type,
                action=Action.DELETE,
                before=mask_values(observed.properties, secret),
                after=None,
                reason=reason,
                location=spec.location if spec is not None else None,
                dependencies=tuple(sorted(dependencies)),
                sensitive_properties=secret,
                physical_id=observed.physical_id,
                drift=drift_changes(observed, secret),
                gone=observed.gone,
                forget_only=forget,
            )
        )

    def _plan_deposed(self) -> None:
        for prior in self.state.resources.values():
            if not prior.deposed or not self._is_selected(prior.address):
                continue
            secret = self._secret_of_prior(prior)
            self.changes.append(
                ResourceChange(
                    address=prior.address,
                    type=prior.type,
                    action=Action.DELETE,
                    before=mask_values(prior.properties, secret),
                    after=None,
                    reason=REASON_DEPOSED,
                    dependencies=tuple(sorted(prior.dependencies)),
                    sensitive_properties=secret,
                    physical_id=prior.physical_id,
                    deposed=prior.deposed,
                )
            )

    def _check_prevent_destroy(
        self,
        address: str,
        spec: ResourceSpec | None,
        prior: ResourceState | None,
        reason: str | None,
    ) -> None:
        if spec is not None:
            lifecycle = spec.lifecycle
            location = lifecycle.location or spec.location
            protected = self.ctx.truth(lifecycle.prevent_destroy, location)
        else:
            location = None
            protected = prior is not None and prior.prevent_destroy
        if not protected:
            return
        why = f": {reason}" if reason else ""
        self.destroy_errors.append(
            Diagnostic(
                f"`{address}` has lifecycle.prevent_destroy set, but this plan would destroy "
                f"it{why}",
                location,
                hint="remove prevent_destroy, or leave the resource out with -exclude",
            )
        )

    # Helpers ----------------------------------------------------------------------------
    def _is_selected(self, address: str) -> bool:
        return self.selected is None or address in self.selected

    def _secret_properties(
        self, schema: ResourceSchema, desired: Mapping[str, Any], prior: ResourceState | None
    ) -> frozenset[str]:
        names = {n for n, v in desired.items() if contains_sensitive(v)}
        names |= self._schema_secret_properties(schema)
        if prior is not None:
            names |= prior.sensitive_properties
        return frozenset(names)

    def _secret_of_prior(self, prior: ResourceState) -> frozenset[str]:
        """Secret property names of a resource only state knows (its schema may add some)."""
        schema = self.registry.schema(prior.type)
        if schema is None:
            return prior.sensitive_properties
        return self._secret_properties(schema, {}, prior)

    def _observed_secrets(self, observed: Observed, schema: ResourceSchema) -> frozenset[str]:
        """Secret attributes of a resource as refresh saw it: state's, the schema's, and any
        derived from a secret property (a read may echo one state did not hold)."""
        return secret_attribute_names(
            observed.attributes,
            observed.properties,
            observed.prior.sensitive_properties | self._schema_secret_properties(schema),
            observed.prior.sensitive_attributes | self._secret_attributes(schema),
        )

    def _schema_secret_properties(self, schema: ResourceSchema) -> frozenset[str]:
        cached = self._property_secrets.get(schema.type_name)
        if cached is None:
            cached = frozenset(n for n, p in schema.properties.items() if p.sensitive)
            self._property_secrets[schema.type_name] = cached
        return cached

    def _secret_attributes(self, schema: ResourceSchema) -> frozenset[str]:
        cached = self._attribute_secrets.get(schema.type_name)
        if cached is None:
            cached = frozenset(n for n, a in schema.attributes.items() if a.sensitive)
            self._attribute_secrets[schema.type_name] = cached
        return cached

    def _warn_unplanned_replacements(self, active: set[str]) -> None:
        for address in sorted(self.replace):
            if address in active and address in self.current:
                continue
            candidates = sorted(active & self.current.keys())
            self.warnings.append(
                Diagnostic(
                    f"-replace {address}: no such resource exists in both the template and "
                    "the state, so there is nothing to replace",
                    severity=Severity.WARNING,
                    hint=suggest(address, candidates),
                )
            )
