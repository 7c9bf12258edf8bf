"""What CI needs from plan, apply and destroy: the policy gate and the JSON event stream.

A ``Gate`` is opened per command from its flags (``--policy FILE``, ``-json``,
``-json-into FILE``) and the environment's policy in atonix.yaml. It decides where human text
and events go, judges plans against the policies (recording the verdict in ``plan.extra`` so
that a saved plan carries it), and turns an error into diagnostic events before the CLI's
usual exit. Policy files a plan was judged by are judged again before that plan is applied.

The policy layer, the project file's parser and the JSON/Markdown plan renderers are imported
where they are used: a plan without policies or machine output does not pay for them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from atonix_iac.apply.events import ApplyEvent, ApplyResult
from atonix_iac.errors import ApplyError, AtonixError, PolicyDeniedError, UsageError
from atonix_iac.planner import render_plan
from atonix_iac.planner.plan import Plan, PlanMode
from atonix_iac.state.model import StackKey
from atonix_iac.template import load_template_from_files
from atonix_iac.workspace.binding import find_project_file

from .events import JsonEventWriter, ticking
from .options import flag_names
from .progress import InFlight, PlainProgress, planned_steps
from .render import outputs_text
from .terminal import live_wanted, on_hard_exit, progress_interval_s

if TYPE_CHECKING:
    from atonix_iac.planner.planfile import SavedPlan
    from atonix_iac.policy import Policy, PolicyReport
    from atonix_iac.template.model import Template

F = TypeVar("F", bound=Callable[..., Any])
POLICY_KEY = "policy"  # plan.extra[POLICY_KEY] = {"files": [...], "reports": [...]}


def policy_option(func: F) -> F:
    return click.option(
        *flag_names("policy"),
        "policies",
        multiple=True,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Judge the plan by this policy file (repeatable); deny rules exit 3.",
    )(func)


def json_options(func: F) -> F:
    func = click.option(
        *flag_names("json-into"),
        "json_into",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Also write the JSON event stream to FILE (human output stays on stdout).",
    )(func)
    return click.option(
        *flag_names("json"),
        "json_events",
        is_flag=True,
        help="Print Terraform-style JSON events, one per line, instead of text.",
    )(func)


def environment_policy(key: StackKey, start: Path | None = None) -> Path | None:
    """The ``policy`` atonix.yaml binds to the stack's workspace/environment, if any."""
    project_file = find_project_file(start or Path.cwd())
    if project_file is None:
        return None
    from atonix_iac.workspace.config import load_project_file

    config = load_project_file(project_file)
    workspace = config.workspaces.get(key.workspace)
    environment = workspace.environments.get(key.environment) if workspace else None
    if environment is None or not environment.policy:
        return None
    return project_file.parent / environment.policy


def policy_paths(flags: Sequence[str], key: StackKey) -> list[str]:
    """The flag files and the environment's policy, each once."""
    paths = [str(p) for p in flags]
    bound = environment_policy(key)
    if bound is not None:
        paths.append(str(bound))
    unique: dict[str, str] = {}
    for path in paths:
        unique.setdefault(str(Path(path).resolve()), path)
    return list(unique.values())


def _load_policies(paths: Sequence[str]) -> list[Policy]:
    if not paths:
        return []
    from atonix_iac.policy import load_policy  # only runs with a policy pay for the layer

    return [load_policy(path) for path in paths]


def recorded_policy_files(plan: Plan) -> list[str]:
    entry = plan.extra.get(POLICY_KEY)
    files = entry.get("files", []) if isinstance(entry, dict) else []
    return [str(f) for f in files]


def recorded_policy_reports(plan: Plan) -> list[dict[str, Any]]:
    entry = plan.extra.get(POLICY_KEY)
    reports = entry.get("reports", []) if isinstance(entry, dict) else []
    return [dict(r) for r in reports if isinstance(r, dict)]


@dataclass
class Gate:
    """Where a command's output goes, and the policies its plan must pass."""

    policies: list[Policy] = field(default_factory=list)
    writer: JsonEventWriter | None = None
    human: bool = True
    # The human display of the run in progress (event lines; a live region on a terminal).
    _display: Callable[[ApplyEvent], None] | None = field(default=None, init=False, repr=False)

    @classmethod
    @contextmanager
    def open(cls, kwargs: dict[str, Any], key: StackKey) -> Iterator[Gate]:
        """Pop this module's flags from ``kwargs``; errors inside become diagnostic events."""
        flags = tuple(kwargs.pop("policies", ()))
        json_events = bool(kwargs.pop("json_events", False))
        json_into = kwargs.pop("json_into", None)
        with ExitStack() as stack:
            writer = None
            if json_into:
                stream: IO[str] = stack.enter_context(
                    open(json_into, "w", encoding="utf-8")  # noqa: SIM115 - closed by the stack
                )
                writer = JsonEventWriter(stream)
            elif json_events:
                writer = JsonEventWriter(sys.stdout)
            gate = cls(writer=writer, human=not json_events or bool(json_into))
            try:
                if writer is not None:
                    writer.version()
                gate.policies = _load_policies(policy_paths(flags, key))
                yield gate
            except AtonixError as err:
                if writer is not None:
                    writer.error(err)
                raise

    def add_policies(self, paths: Sequence[str]) -> None:
        """Also judge by ``paths`` (a saved plan's recorded policies), each file once."""
        known = {str(Path(p.source).resolve()) for p in self.policies}
        for path in paths:
            if str(Path(path).resolve()) not in known:
                self.policies.extend(_load_policies([path]))
                known.add(str(Path(path).resolve()))

    @property
    def streaming_to_stdout(self) -> bool:
        return self.writer is not None and not self.human

    def echo(self, text: str = "", *, err: bool = False) -> None:
        if self.human:
            click.echo(text, err=err)

    def show_plan(self, plan: Plan, *, color: bool) -> None:
        if self.human:  # color=True keeps the escapes FORCE_COLOR asked for on a pipe
            click.echo(render_plan(plan, color=color), color=color or None)
        if self.writer is not None:
            self.writer.plan(plan)

    def judge(self, plan: Plan) -> tuple[Plan, list[PolicyReport]]:
        """The plan with the verdict recorded in ``extra``, and the reports (printed)."""
        if not self.policies:
            return plan, []
        from atonix_iac.policy import evaluate_policy

        reports = [evaluate_policy(p, plan) for p in self.policies]
        for report in reports:
            for violation in report.violations:
                diagnostic = violation.diagnostic()
                self.echo(diagnostic.format(), err=True)
                if self.writer is not None:
                    self.writer.diagnostic(diagnostic, violation.address)
            self.echo(report.summary())
        verdict = {
            "files": [p.source for p in self.policies],
            "reports": [r.as_dict() for r in reports],
        }
        return replace(plan, extra={**plan.extra, POLICY_KEY: verdict}), reports

    @staticmethod
    def enforce(reports: Sequence[PolicyReport]) -> None:
        """Exit 3 (``PolicyDeniedError``) if any report denies."""
        denials = [v.diagnostic() for r in reports for v in r.denials]
        if denials:
            noun = "rule" if len(denials) == 1 else "rules"
            raise PolicyDeniedError(
                f"the plan breaks {len(denials)} deny {noun} of the policy; not applied"
            )

    def on_event(self) -> Callable[[ApplyEvent], None]:
        """The callback for ``apply_plan``: call it inside ``applying``."""
        human = self._display
        writer = self.writer

        def on_event(event: ApplyEvent) -> None:
            if human is not None:
                human(event)
            if writer is not None:
                writer.on_apply_event(event)

        return on_event

    @contextmanager
    def applying(self, plan: Plan, *, no_color: bool = False) -> Iterator[None]:
        """Around an apply: the human display (event lines, and either a live region on a
        terminal or "Still creating..." lines), types for the hooks, apply_progress ticks."""
        interval = progress_interval_s()
        with ExitStack() as stack:
            if self.human and live_wanted(no_color):
                from .live import LiveProgress  # rich: only when a region is drawn

                live = LiveProgress(InFlight(planned_steps(plan)))
                stack.enter_context(on_hard_exit(live.abandon))
                stack.enter_context(live.showing())
                self._display = live.on_event
            elif self.human:
                plain = PlainProgress(_line_writer(), interval)
                stack.enter_context(plain.ticking())
                self._display = plain.on_event
            if self.writer is not None:
                self.writer.track(plan)
                stack.enter_context(ticking(self.writer, interval))
            try:
                yield
            finally:
                self._display = None

    def report(self, result: ApplyResult, plan: Plan) -> None:
        destroy = plan.mode is PlanMode.DESTROY
        self.echo("")
        self.echo(result.summary(destroy=destroy))
        if result.outputs:
            self.echo("\nOutputs:\n")
            self.echo(outputs_text(result.outputs, result.sensitive_outputs))
        if self.writer is not None:
            self.writer.apply_summary(result, destroy=destroy)

    def report_failure(self, err: ApplyError) -> None:
        """After a failed run that was rolled back: what the rollback did, in one line (the
        error itself, with every detail, follows on stderr and as a diagnostic)."""
        rollback = err.outcome.rollback
        if rollback is None:
            return
        self.echo("")
        self.echo(f"Apply failed; {rollback.summary()}.")
        if self.writer is not None:
            self.writer.rollback_summary(rollback)


def require_auto_approve(gate: Gate, auto_approve: bool, saved_plan: bool) -> None:
    """Terraform's rule: a JSON stream on stdout cannot prompt, so it needs -auto-approve."""
    if gate.streaming_to_stdout and not (auto_approve or saved_plan):
        raise UsageError("-json needs -auto-approve (or a saved plan file) to apply")


def saved_plan_view(
    saved: SavedPlan, *, as_json: bool, markdown: bool, markdown_template: str | None
) -> str | None:
    """``show -json FILE`` / ``show -markdown FILE``; None for the human rendering."""
    if as_json and markdown:
        raise UsageError("-json and -markdown cannot be combined")
    if markdown_template and not markdown:
        raise UsageError("--template chooses the Markdown template: use it with -markdown")
    if as_json:
        from atonix_iac.planner.render.json_plan import render_json_plan

        if saved.configuration is not None:  # what the template gives, saved with the plan
            return render_json_plan(saved.plan, configuration=saved.configuration)
        return render_json_plan(saved.plan, template=_saved_template(saved))
    if markdown:
        from atonix_iac.planner.render.markdown import render_markdown

        reports = recorded_policy_reports(saved.plan)
        return render_markdown(saved.plan, policy=reports, template_path=markdown_template)
    return None


def _saved_template(saved: SavedPlan) -> Template | None:
    """The template exactly as planned (for ``configuration``), from the plan file itself
    (files written before plans carried ``configuration_facts``)."""
    try:
        return load_template_from_files(
            saved.root, saved.files, saved.env_files, template_vars=saved.template_vars or None
        )
    except AtonixError:
        return None  # e.g. an environment file the plan does not carry: omit expressions


def _line_writer() -> Callable[[str], None]:
    """``click.echo`` for progress lines, with the stream resolved once per run: each line is
    written and flushed (logs see it at once), without ``click.echo``'s per-call terminal and
    notebook checks (two lines per resource). Progress lines are plain text: nothing to strip."""
    stream = sys.stdout

    def write(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    return write
