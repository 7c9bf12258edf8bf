"""Making, saving, loading and approving plans for the stack commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from atonix_iac.apply.external import read_external_objects
from atonix_iac.apply.recover import recover_intents
from atonix_iac.apply.refresh import refresh_state
from atonix_iac.errors import AtonixError, StalePlanError, UsageError
from atonix_iac.planner import make_plan
from atonix_iac.planner.groups import expand_groups
from atonix_iac.planner.plan import Plan, PlanMode, refresh_only
from atonix_iac.providers.base import ResourceResult
from atonix_iac.state.model import StackKey, State
from atonix_iac.template import BoundParameters, load_template
from atonix_iac.template.model import Template

from . import collector
from .cloud_checks import check_plan, require_cloud
from .options import PlanOptions, RunOptions, StackOptions
from .session import Session, bind

if TYPE_CHECKING:
    from atonix_iac.planner.planfile import SavedPlan


def planned(
    session: Session,
    template: Template,
    params: BoundParameters,
    options: PlanOptions,
    run: RunOptions,
    *,
    state: State | None = None,
) -> tuple[Plan, State]:
    """A plan from the current state (read from the cloud first unless -refresh=false),
    checked against the cloud (constraints, quotas) before anything is written. The caller
    holds the stack lock, so the plan's prior serial is the one apply will see; or passes the
    empty ``state`` of a state database that does not exist yet (nothing to lock). Returns
    the state it planned from too: apply, under the same lock, need not read it again."""
    require_cloud(session, template)
    if state is None:
        state = settled_state(session)
    refreshed = None
    if options.refresh and state.resources:
        refreshed = refresh_state(state, session.registry, session.identity_base, run.parallelism)
    external_reads = None
    if options.refresh and not options.destroy:  # adopted objects are read, as refresh reads
        external_reads = read_external_objects(
            template, params, state, session.registry, session.identity_base, run.parallelism
        )
    plan = make_plan(
        template,
        params,
        state,
        session.registry,
        mode=PlanMode.DESTROY if options.destroy else PlanMode.NORMAL,
        refreshed=refreshed,
        targets=options.targets,
        excludes=options.excludes,
        replace=options.replace,
        external_reads=external_reads,
    )
    # Members of groups are checked where their definition is written.
    return check_plan(session, expand_groups(template, params, state), plan), state


def refresh_only_plan(
    session: Session,
    template: Template,
    params: BoundParameters,
    options: PlanOptions,
    run: RunOptions,
) -> tuple[Plan, State, dict[str, ResourceResult | None]]:
    """Terraform's ``-refresh-only``: what refresh finds changed or gone outside atonix, as a
    plan that changes nothing, with the state read and the refresh results that applying it
    records. The caller holds the stack lock."""
    if options.destroy or options.targets or options.excludes or options.replace:
        raise UsageError(
            "-refresh-only cannot be combined with -destroy, -target, -exclude or -replace"
        )
    if not options.refresh:
        raise UsageError("-refresh-only and -refresh=false contradict each other")
    require_cloud(session, template)
    state = settled_state(session)
    refreshed = (
        refresh_state(state, session.registry, session.identity_base, run.parallelism)
        if state.resources
        else {}
    )
    plan = make_plan(template, params, state, session.registry, refreshed=refreshed)
    return refresh_only(plan), state, refreshed


def settled_state(session: Session) -> State:
    """The stack's state once what an interrupted run left pending is resolved (adopt,
    taint or drop each intent, said on stderr): loaded once, and again only if something was
    settled. The caller holds the stack lock."""
    with collector.lasting():  # the state is read until the run ends
        state = session.store.load(session.key)
    recoveries = recover_intents(
        session.store,
        session.key,
        session.registry,
        session.identity_base,
        audit_project=session.binding.project,
        resources=state.resources.values(),
    )
    for recovery in recoveries:
        click.echo(f"Recovered: {recovery.describe()}", err=True)
    return session.store.load(session.key) if recoveries else state


def check_plan_target(plan: Plan, options: StackOptions) -> None:
    """A saved plan applies to the stack it was made for: a workspace, environment or stack
    chosen on the command line (or by ATONIX_WORKSPACE / ATONIX_ENVIRONMENT) that differs is
    refused rather than silently ignored."""
    planned = plan.key
    chosen = (
        ("workspace", "-w/--workspace", options.workspace, planned.workspace),
        ("environment", "-E/--environment", options.environment, planned.environment),
        ("stack", "-stack", options.stack, planned.stack),
    )
    for what, flag, given, saved in chosen:
        if given is not None and given != saved:
            raise UsageError(
                f"the plan was saved for {what} `{saved}` ({planned}), but {flag} selects"
                f" `{given}`; plan again for `{given}`, or apply without {flag}"
            )


def check_template_unchanged(saved: SavedPlan) -> Template:
    """The template as it is on disk now, refused unless it is exactly what was planned."""
    try:
        with collector.lasting():  # the template is read until the run ends
            template = load_template(
                saved.root, saved.env_files, template_vars=saved.template_vars or None
            )
    except AtonixError as err:
        raise StalePlanError(
            f"the template changed since the plan was made ({saved.root} no longer loads);"
            " plan again"
        ) from err
    if template.digest != saved.plan.template_digest:
        raise StalePlanError(
            f"the template changed since the plan was made ({saved.root} or a file it uses"
            " differs from the planned text); plan again"
        )
    return template


def saved_parameters(
    saved: SavedPlan,
    template: Template,
    key: StackKey,
    supplied: dict[str, Any],
    session: Session | None = None,
) -> BoundParameters:
    """The planned parameter values again; secret ones must be supplied again and match.
    With a ``session``, the pseudo-parameters come from its binding, as when planning."""
    values = {k: v for k, v in saved.parameters.items() if k in template.parameters}
    values.update({k: v for k, v in supplied.items() if k in saved.sensitive_digests})
    params = session.bind(template, values) if session is not None else bind(template, key, values)
    saved.verify_sensitive_parameters(params.values)
    return params


def approve(plan: Plan, *, auto_approve: bool) -> None:
    """Terraform's interactive approval: only ``yes`` goes ahead."""
    ask_approval(destroying=plan.mode is PlanMode.DESTROY, auto_approve=auto_approve)


def ask_approval(*, destroying: bool, auto_approve: bool) -> None:
    """The approval prompt itself (also for plans made by the stack service)."""
    if auto_approve:
        return
    question = (
        "Do you really want to destroy all resources?"
        if destroying
        else "Do you want to perform these actions?"
    )
    click.echo(f"\n{question}")
    click.echo("  atonix will perform the actions described above.")
    click.echo("  Only 'yes' will be accepted to approve.\n")
    try:
        answer = click.prompt("  Enter a value", default="", show_default=False)
    except click.Abort:
        answer = ""
    if answer.strip() != "yes":
        word = "Destroy" if destroying else "Apply"
        raise UsageError(f"{word} cancelled.")
