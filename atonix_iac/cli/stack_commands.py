"""Commands that read a template: validate, plan, apply, destroy, refresh, import, graph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from atonix_iac.apply.events import ApplyResult, OnFailure
from atonix_iac.apply.refresh import persist_refresh, refresh_state
from atonix_iac.apply.secrets import plan_seals, schema_secret_properties
from atonix_iac.errors import (
    ApplyError,
    AtonixError,
    Diagnostic,
    Severity,
    TemplateError,
    UsageError,
    merge_diagnostics,
)
from atonix_iac.planner import (
    active_resources,
    build_graph,
    provider_warnings,
    validate_stack,
)
from atonix_iac.planner.groups import expand_groups
from atonix_iac.planner.plan import Plan, PlanMode
from atonix_iac.providers.registry import Registry
from atonix_iac.state.files import write_private_file
from atonix_iac.state.model import StackKey, State
from atonix_iac.template import BoundParameters
from atonix_iac.template.model import Template

from . import collector, exitcodes
from .cloud_checks import check_plan, quota_text
from .gating import Gate, json_options, policy_option, recorded_policy_files, require_auto_approve
from .graph_output import GRAPH_FORMATS, write_graph
from .options import (
    InputOptions,
    PlanOptions,
    RunOptions,
    StackOptions,
    flag_names,
    input_options,
    on_failure_option,
    plan_options,
    run_options,
    stack_options,
    template_argument,
)
from .plan_files import looks_like_plan_file, read_saved_plan
from .planning import (
    approve,
    check_plan_target,
    check_template_unchanged,
    planned,
    refresh_only_plan,
    saved_parameters,
    settled_state,
)
from .remote_commands import read_remote_plan, refuse_local_only, remote_apply, remote_plan
from .session import (
    Session,
    load_stack_template,
    open_session,
    parameter_sources,
    parameter_values,
    provider_registry,
    stack_key,
)
from .terminal import color_wanted

if TYPE_CHECKING:  # the plan file codec (hashlib, gzip, secrets) is for -out and saved plans
    from atonix_iac.planner.planfile import SavedPlan


def _color(run: RunOptions) -> bool:
    return color_wanted(run.no_color)


def _load(
    stack: StackOptions,
    inputs: InputOptions,
    session: Session,
    *,
    check_required: bool = True,
    connect: bool = True,
) -> tuple[Template, BoundParameters]:
    template = load_stack_template(stack, inputs)
    values = parameter_values(inputs)
    params = session.bind(
        template,
        values,
        check_required=check_required,
        connect=connect,
        value_sources=parameter_sources(inputs),
    )
    return template, params


def _with_members(template: Template, params: BoundParameters, key: StackKey) -> Template:
    """Groups drawn with their members as the parameters size them (from nothing: the graph
    reads no state), or as single nodes when a size is not known without more values."""
    try:
        return expand_groups(template, params, State(key=key))
    except TemplateError:
        return template


@click.command("validate")
@template_argument
@stack_options
@input_options
def validate_command(**kwargs: Any) -> None:
    """Check a template without touching the cloud; parameter values are optional."""
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    loaded: tuple[Template, BoundParameters] | None = None
    with open_session(stack) as session:
        try:
            loaded = _load(stack, inputs, session, check_required=False, connect=False)
            diagnostics = validate_stack(loaded[0], session.registry, loaded[1])
        except TemplateError as err:
            if not isinstance(err.partial, Template):
                raise
            # Report what the later checks find too, so one run shows every problem.
            later = validate_stack(err.partial, session.registry, None)
            diagnostics = merge_diagnostics(err.diagnostics, _new_problems(err.diagnostics, later))
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    undeployable: list[Diagnostic] = []
    if not errors and loaded is not None:
        undeployable = _undeployable(session.registry, *loaded)
    for warning in (d for d in [*diagnostics, *undeployable] if d.severity is not Severity.ERROR):
        click.echo(warning.format(), err=True)
    if errors:
        raise TemplateError(diagnostics=errors)
    if undeployable:
        count = len(undeployable)
        click.echo(
            f"The template is valid, but cannot be deployed yet: {count} resource"
            f"{'' if count == 1 else 's'} of a type no provider implements (see above)."
        )
        return
    click.echo("Success! The template is valid.")


def _undeployable(bound: Registry, template: Template, params: BoundParameters) -> list[Diagnostic]:
    """Warnings for the resources plan would refuse for want of a provider, judged against
    every provider atonix has (validate needs no cloud). The providers the binding gives are
    asked first, so a stack they serve loads no other (nor openstacksdk)."""
    active = sorted(active_resources(template, params))
    if not provider_warnings(template, bound, active):
        return []
    registry = provider_registry()
    try:
        return provider_warnings(template, registry, active)
    finally:
        registry.close()


def _new_problems(first: Sequence[Diagnostic], later: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Later phases' diagnostics, less those about a name an earlier one already flagged on the
    same line (the loader's "unknown resource `x`" and the graph's "`a` refers to an undefined
    resource `x`" are one mistake)."""
    flagged = {
        (d.location.file, d.location.line, name)
        for d in first
        if d.location is not None
        for name in _quoted(d.message)
    }

    def repeated(d: Diagnostic) -> bool:
        if d.location is None:
            return False
        names = _quoted(d.message)
        return any((d.location.file, d.location.line, n) in flagged for n in names[-1:])

    return [d for d in later if not repeated(d)]


def _quoted(message: str) -> list[str]:
    return message.split("`")[1::2]


_remote = click.option(
    *flag_names("remote"),
    "remote",
    envvar="ATONIX_REMOTE",
    default=None,
    metavar="URL",
    help="Plan/apply through the stack service at URL (atonix serve) instead of local state.",
)


@click.command("plan")
@template_argument
@stack_options
@input_options
@run_options
@plan_options(with_destroy=True)
@policy_option
@json_options
@click.option(*flag_names("out"), "out", type=click.Path(dir_okay=False), help="Save the plan.")
@click.option(
    *flag_names("detailed-exitcode"),
    "detailed_exitcode",
    is_flag=True,
    help="Exit 0 with no changes, 2 with changes, 1 on error.",
)
@_remote
@click.pass_context
def plan_command(ctx: click.Context, /, **kwargs: Any) -> None:
    """Show what apply would change."""
    out, detailed = kwargs.pop("out"), kwargs.pop("detailed_exitcode")
    remote = kwargs.pop("remote")
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    if remote:
        refuse_local_only(kwargs)
        ctx.exit(remote_plan(remote, stack, inputs, out, detailed))
    run = RunOptions.from_kwargs(kwargs)
    options = PlanOptions.from_kwargs(kwargs)
    if options.refresh_only and out:
        raise UsageError(
            "-refresh-only plans are not saved yet: review with `atonix plan -refresh-only`,"
            " then record with `atonix apply -refresh-only`"
        )
    with Gate.open(kwargs, stack_key(stack)) as gate, open_session(stack) as session:
        template, params = _load(stack, inputs, session)
        if not options.refresh_only and session.state_database_absent():
            # No state yet: the plan is the one from an empty state; reading the database
            # would only create it. Apply creates it, and checks a saved plan's serial there.
            empty = State(key=session.key)
            plan = planned(session, template, params, options, run, state=empty)[0]
        else:
            with session.store.lock(session.key, "plan", run.lock_timeout_s):
                if options.refresh_only:
                    plan = refresh_only_plan(session, template, params, options, run)[0]
                else:
                    plan = planned(session, template, params, options, run)[0]
        gate.show_plan(plan, color=_color(run))
        _show_quota(gate, plan)
        plan, reports = gate.judge(plan)
        if out:
            from atonix_iac.planner.planfile import plan_to_bytes

            saved = plan_to_bytes(plan, template, params, env_files=inputs.env_files)
            _save_plan(Path(out), saved)
            gate.echo(f"\nSaved the plan to: {out}\n")
            gate.echo(f"To perform exactly these actions, run:\n    atonix apply {out}")
        gate.enforce(reports)
    ctx.exit(exitcodes.for_plan(has_changes=plan.has_changes, detailed=detailed))


def _save_plan(path: Path, data: bytes) -> None:
    """Write the plan file 0600: it holds every value planned that is not a secret."""
    try:
        write_private_file(path, data)
    except OSError as exc:
        raise UsageError(f"cannot write the plan file {path}: {exc.strerror or exc}") from exc


def _show_quota(gate: Gate, plan: Plan) -> None:
    text = quota_text(plan)
    if text:
        gate.echo(text)


NO_DESTROY_ROLLBACK = (
    "-on-failure=rollback cannot be used with a destroy: deleted objects cannot be brought"
    " back (use -on-failure=stop or continue)"
)


def _refuse_destroy_rollback(on_failure: str | None, destroy: bool) -> None:
    if destroy and on_failure == OnFailure.ROLLBACK.value:
        raise UsageError(NO_DESTROY_ROLLBACK)


def _on_failure(flag: str | None, session: Session, plan: Plan) -> OnFailure:
    """The flag, else the environment's ``on_failure`` in atonix.yaml (which a destroy, that
    cannot be rolled back, reads as stop), else stop."""
    destroy = plan.mode is PlanMode.DESTROY
    if flag:
        _refuse_destroy_rollback(flag, destroy)
        return OnFailure(flag)
    configured = OnFailure(session.binding.on_failure or OnFailure.STOP.value)
    if destroy and configured is OnFailure.ROLLBACK:
        return OnFailure.STOP
    return configured


def _run_apply(
    session: Session,
    plan: Plan,
    template: Template,
    params: BoundParameters,
    run: RunOptions,
    gate: Gate,
    on_failure: str | None,
    state: State | None = None,
) -> ApplyResult:
    # Here, not at the top: plan and validate need neither the executor nor networkx.
    from atonix_iac.apply.executor import apply_plan

    mode = _on_failure(on_failure, session, plan)
    if plan_seals(plan, params, session.registry):
        session.store.check_key()  # a missing key fails here, before any cloud call
    gate.echo("")
    with gate.applying(plan, no_color=run.no_color):
        try:
            return apply_plan(
                plan,
                template,
                params,
                session.store,
                session.registry,
                identity_base=session.identity_base,
                parallelism=run.parallelism,
                on_event=gate.on_event(),
                already_locked=True,
                audit_project=session.binding.project,
                on_failure=mode,
                state=state,
            )
        except ApplyError as err:
            gate.report_failure(err)
            raise


def _apply_saved(
    saved: SavedPlan,
    stack: StackOptions,
    inputs: InputOptions,
    run: RunOptions,
    gate: Gate,
    on_failure: str | None,
) -> None:
    check_plan_target(saved.plan, stack)
    template = check_template_unchanged(saved)
    plan = saved.plan
    _refuse_destroy_rollback(on_failure, plan.mode is PlanMode.DESTROY)
    # The policies the plan was judged by are judged again: they may have been tightened.
    gate.add_policies(recorded_policy_files(plan))
    _, reports = gate.judge(plan)
    gate.enforce(reports)
    # The planned template's directory (not the plan file's) holds its state and atonix.yaml.
    planned = replace(stack, template=Path(saved.root))
    with (
        open_session(planned, key=plan.key) as session,
        session.store.lock(session.key, "apply", run.lock_timeout_s),
    ):
        values = parameter_values(inputs)
        params = saved_parameters(saved, template, plan.key, values, session)
        check_plan(session, template, plan)  # the cloud may have changed since the plan
        result = _run_apply(session, plan, template, params, run, gate, on_failure)
    gate.report(result, plan)


def _plan_and_apply(
    stack: StackOptions,
    inputs: InputOptions,
    run: RunOptions,
    options: PlanOptions,
    auto_approve: bool,
    gate: Gate,
    on_failure: str | None,
) -> None:
    if options.refresh_only:
        _record_refresh(stack, inputs, run, options, auto_approve, gate)
        return
    with open_session(stack) as session:
        template, params = _load(stack, inputs, session)
        operation = "destroy" if options.destroy else "apply"
        with session.store.lock(session.key, operation, run.lock_timeout_s):
            plan, state = planned(session, template, params, options, run)
            gate.show_plan(plan, color=_color(run))
            _show_quota(gate, plan)
            plan, reports = gate.judge(plan)
            gate.enforce(reports)
            if not plan.has_changes:
                return
            approve(plan, auto_approve=auto_approve)
            result = _run_apply(session, plan, template, params, run, gate, on_failure, state)
    gate.report(result, plan)


def _record_refresh(
    stack: StackOptions,
    inputs: InputOptions,
    run: RunOptions,
    options: PlanOptions,
    auto_approve: bool,
    gate: Gate,
) -> None:
    """``apply -refresh-only``: show what changed outside atonix and, once approved, record
    it in state; no cloud object is touched."""
    with open_session(stack) as session:
        template, params = _load(stack, inputs, session)
        with session.store.lock(session.key, "refresh", run.lock_timeout_s):
            plan, state, results = refresh_only_plan(session, template, params, options, run)
            gate.show_plan(plan, color=_color(run))
            if not plan.has_changes:
                return
            approve(plan, auto_approve=auto_approve)
            updated, gone = persist_refresh(session.store, session.key, state, results)
            if updated or gone:
                from atonix_iac.apply import admin

                admin.keep_snapshot(session.store, session.key, "refresh")
    gate.echo(
        f"\nApply complete! Resources: 0 added, 0 changed, 0 destroyed."
        f" State: {len(updated)} updated, {len(gone)} removed (gone from the cloud)."
    )


_auto_approve = click.option(
    *flag_names("auto-approve"), "auto_approve", is_flag=True, help="Skip interactive approval."
)


@click.command("apply")
@click.argument("template", required=False, default="stack.yaml", type=click.Path(dir_okay=False))
@stack_options
@input_options
@run_options
@plan_options(with_destroy=True)
@policy_option
@json_options
@_auto_approve
@on_failure_option
@_remote
def apply_command(**kwargs: Any) -> None:
    """Make the cloud match the template (or apply exactly a saved plan file)."""
    auto_approve = kwargs.pop("auto_approve")
    on_failure = kwargs.pop("on_failure")
    remote = kwargs.pop("remote")
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    if remote or (stack.template.is_file() and read_remote_plan(stack.template)):
        refuse_local_only(kwargs)
        remote_apply(remote, stack, inputs, auto_approve)
        return
    run = RunOptions.from_kwargs(kwargs)
    options = PlanOptions.from_kwargs(kwargs)
    saved_plan = stack.template.is_file() and looks_like_plan_file(stack.template)
    # Read once: a large plan file costs a good part of a second to read.
    saved = _read_plan(stack.template) if saved_plan else None
    with Gate.open(kwargs, _apply_key(stack, saved)) as gate:
        _refuse_destroy_rollback(on_failure, options.destroy)
        require_auto_approve(gate, auto_approve, saved_plan)
        if saved_plan:
            if options.refresh_only:
                raise UsageError("-refresh-only takes the template, not a saved plan")
            _apply_saved(_saved_or_raise(saved), stack, inputs, run, gate, on_failure)
            return
        _plan_and_apply(stack, inputs, run, options, auto_approve, gate, on_failure)


def _read_plan(path: Path) -> SavedPlan | AtonixError:
    """The saved plan, or why it cannot be read (reported, as the gate reports it, when the
    plan is applied)."""
    try:
        with collector.lasting():  # the plan is read until the run ends
            return read_saved_plan(path)
    except AtonixError as err:
        return err


def _saved_or_raise(saved: SavedPlan | AtonixError | None) -> SavedPlan:
    if isinstance(saved, AtonixError):
        raise saved
    assert saved is not None  # a plan file was given
    return saved


def _apply_key(stack: StackOptions, saved: SavedPlan | AtonixError | None) -> StackKey:
    """The stack a run works on: a saved plan's own (so a project of several workspaces needs
    no flags to apply one; flags that disagree are refused inside the gate)."""
    if saved is not None and not isinstance(saved, AtonixError):
        return saved.plan.key
    return stack_key(stack)


@click.command("destroy")
@template_argument
@stack_options
@input_options
@run_options
@plan_options(with_destroy=False)
@policy_option
@json_options
@_auto_approve
@on_failure_option
def destroy_command(**kwargs: Any) -> None:
    """Delete every resource of the stack."""
    auto_approve = kwargs.pop("auto_approve")
    on_failure = kwargs.pop("on_failure")
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    run = RunOptions.from_kwargs(kwargs)
    options = PlanOptions.from_kwargs(kwargs, destroy=True)
    with Gate.open(kwargs, stack_key(stack)) as gate:
        _refuse_destroy_rollback(on_failure, destroy=True)
        require_auto_approve(gate, auto_approve, saved_plan=False)
        _plan_and_apply(stack, inputs, run, options, auto_approve, gate, on_failure)


@click.command("refresh")
@template_argument
@stack_options
@run_options
def refresh_command(**kwargs: Any) -> None:
    """Update state from what the cloud reports."""
    stack = StackOptions.from_kwargs(kwargs)
    run = RunOptions.from_kwargs(kwargs)
    with (
        open_session(stack) as session,
        session.store.lock(session.key, "refresh", run.lock_timeout_s),
    ):
        state = settled_state(session)
        results = refresh_state(state, session.registry, session.identity_base, run.parallelism)
        updated, gone = persist_refresh(session.store, session.key, state, results)
        # State written by a version whose rules knew fewer secrets is sealed now.
        resealed = session.store.reseal(session.key, schema_secret_properties(session.registry))
        if updated or gone or resealed:
            from atonix_iac.apply import admin

            admin.keep_snapshot(session.store, session.key, "refresh")
    for key in sorted(results):
        ident = state.resources[key].physical_id
        click.echo(f"{key}: Refreshing state... [id={ident}]")
    for key in gone:
        click.echo(f"{key}: gone from the cloud; removed from state")
    if resealed:
        click.echo(f"Sealed secrets state held in the clear: {', '.join(sorted(resealed))}")
    click.echo(
        f"\nRefresh complete: {len(results)} read, {len(updated)} updated, {len(gone)} gone."
    )


@click.command("import")
@click.argument("address")
@click.argument("physical_id", metavar="ID")
@click.option(
    *flag_names("template"),
    "template",
    default="stack.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The stack's template.",
)
@stack_options
@input_options
@run_options
def import_command(address: str, physical_id: str, **kwargs: Any) -> None:
    """Adopt an existing object as ADDRESS (the template must declare it)."""
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    run = RunOptions.from_kwargs(kwargs)
    from atonix_iac.apply import admin
    from atonix_iac.apply.adopt import import_resource

    with open_session(stack) as session:
        template, params = _load(stack, inputs, session)
        spec_type = template.resources[address].type if address in template.resources else ""
        with session.store.lock(session.key, "import", run.lock_timeout_s):
            resource = import_resource(
                template,
                params,
                session.store,
                session.registry.implementation(spec_type) if spec_type else None,
                session.key,
                address,
                physical_id,
                session.identity_base,
            )
            admin.keep_snapshot(session.store, session.key, "import")
    click.echo(f"{address}: Importing from ID {physical_id!r}...")
    click.echo(f"{address}: Import complete [id={resource.physical_id}]")
    click.echo("\nImport successful! The resource is now managed by atonix.")


@click.command("graph")
@template_argument
@stack_options
@input_options
@click.option(
    *flag_names("format"),
    "fmt",
    type=click.Choice(GRAPH_FORMATS),
    default="dot",
    show_default=True,
    help="dot and mermaid need nothing; svg and png need Graphviz's `dot` program.",
)
@click.option(
    *flag_names("plan"),
    "plan_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A saved plan: colour each resource by what it does (create, update, replace...).",
)
@click.option(
    *flag_names("o"),
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the picture to FILE (png is never written to a terminal).",
)
def graph_command(fmt: str, plan_path: Path | None, out: Path | None, **kwargs: Any) -> None:
    """The resource dependency graph (without the resources whose condition is false for the
    given parameter values and workspace), nested stacks as clusters."""
    stack = StackOptions.from_kwargs(kwargs)
    inputs = InputOptions.from_kwargs(kwargs)
    with open_session(stack) as session:
        template, params = _load(stack, inputs, session, check_required=False, connect=False)
        template = _with_members(template, params, session.key)
    graph = build_graph(template, params.values).restricted_to(active_resources(template, params))
    actions = (
        {c.address: c.action for c in read_saved_plan(plan_path).plan.changes}
        if plan_path
        else None
    )
    write_graph(graph, fmt, actions, out)
