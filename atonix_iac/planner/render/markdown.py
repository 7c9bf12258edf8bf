"""A plan as a Markdown summary for pull/merge request comments, through a Jinja2 template.

The renderer prepares a small, already-masked view of the plan (counts, changes grouped by
action with their diff lines, outputs, policy results, quota) and hands it to the template, so
a team's own template (``--template``) can never print a secret the view does not hold. Forges
cap comment size (GitHub: 65,536 characters), so an oversized summary first drops the
property diffs, then lists fewer resources per group, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atonix_iac.errors import Diagnostic, SourceLocation, UsageError
from atonix_iac.planner.plan import Action, OutputChange, Plan, PropertyChange, ResourceChange
from atonix_iac.planner.render.json_values import SENSITIVE_MASK, masked_value
from atonix_iac.template.values import UNKNOWN, Sensitive

if TYPE_CHECKING:
    import jinja2

COMMENT_LIMIT = 65_536
KNOWN_AFTER_APPLY = "(known after apply)"
DEFAULT_TEMPLATE = "markdown.md.j2"

# (action, icon, heading, table label), in the order groups are shown: most dangerous first.
_GROUPS: tuple[tuple[Action, str, str, str], ...] = (
    (Action.DELETE, "🗑️", "Destroy", "destroy"),
    (Action.DELETE_THEN_CREATE, "♻️", "Replace (destroy, then create)", "replace -/+"),
    (Action.CREATE_THEN_DELETE, "♻️", "Replace (create, then destroy)", "replace +/-"),
    (Action.UPDATE, "✏️", "Update in place", "update"),
    (Action.CREATE, "➕", "Create", "create"),
    (Action.READ, "🔎", "Read (adopted through external_id)", "read"),
)
_NOOP_ROW = {"icon": "⏸️", "label": "no change", "action": Action.NOOP.value}


@dataclass(frozen=True)
class _Budget:
    show_diffs: bool
    per_group: int | None  # resources listed per group; None = all


def render_markdown(
    plan: Plan,
    *,
    policy: Sequence[Mapping[str, Any]] = (),
    template_path: str | Path | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The Markdown summary. ``policy`` holds policy reports as plain data (the policy
    layer's ``PolicyReport.as_dict()``); ``template_path`` replaces the default template."""
    template = _load_template(template_path)
    budgets = [_Budget(True, None), _Budget(False, None)]
    largest = max((len(changes) for changes in _grouped(plan).values()), default=0)
    per_group = largest // 2
    while per_group > 0:
        budgets.append(_Budget(False, per_group))
        per_group //= 2
    budgets.append(_Budget(False, 0))
    text = ""
    for index, budget in enumerate(budgets):
        text = _render(template, template_path, plan, policy, budget, limit, truncated=index > 0)
        if len(text) <= limit:
            return text
    note = "\n\n> ⚠️ Summary cut at the comment limit.\n"
    return text[: max(0, limit - len(note))] + note


def _load_template(path: str | Path | None) -> jinja2.Template:
    import jinja2  # imported here: only Markdown output pays for it

    env = jinja2.Environment(
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = _md_cell
    env.filters["fence"] = _fence_safe
    if path is None:
        source = files("atonix_iac.planner.render").joinpath(DEFAULT_TEMPLATE).read_text("utf-8")
        name = DEFAULT_TEMPLATE
    else:
        name = str(path)
        try:
            source = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            message = f"cannot read Markdown template {name}: {err.strerror or err}"
            raise UsageError(message) from err
        except UnicodeDecodeError as err:
            message = f"Markdown template {name} is not UTF-8 text (byte {err.start})"
            raise UsageError(message) from None
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as err:
        raise _template_error(name, err.lineno, f"Jinja2 syntax error: {err.message}") from None


def _template_error(name: str, line: int | None, message: str) -> UsageError:
    where = SourceLocation(name, line or 0, 1 if line else 0)
    return UsageError(diagnostics=[Diagnostic(message, where)])


def _render(
    template: jinja2.Template,
    template_path: str | Path | None,
    plan: Plan,
    policy: Sequence[Mapping[str, Any]],
    budget: _Budget,
    limit: int,
    *,
    truncated: bool,
) -> str:
    context = summary_context(plan, policy, budget.show_diffs, budget.per_group)
    context.update(truncated=truncated, limit=f"{limit:,}")
    import jinja2  # already loaded by _load_template

    try:
        return template.render(context)
    except jinja2.TemplateError as err:
        line = getattr(err, "lineno", None) or _template_line(err)
        name = str(template_path or DEFAULT_TEMPLATE)
        raise _template_error(name, line, f"Markdown template failed: {err}") from None


def _template_line(err: BaseException) -> int | None:
    """The template line a runtime error happened on (Jinja2 rewrites the traceback so that
    template frames carry template line numbers)."""
    line = None
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _grouped(plan: Plan) -> dict[Action, list[ResourceChange]]:
    groups: dict[Action, list[ResourceChange]] = {action: [] for action, *_ in _GROUPS}
    for change in plan.changes:
        if change.action in groups:
            groups[change.action].append(change)
    return groups


def summary_context(
    plan: Plan,
    policy: Sequence[Mapping[str, Any]] = (),
    show_diffs: bool = True,
    per_group: int | None = None,
) -> dict[str, Any]:
    """The variables a Markdown template sees (documented in docs/ci.md)."""
    grouped = _grouped(plan)
    counts = plan.counts()
    rows = [
        {"icon": icon, "label": label, "action": action.value, "count": counts[action]}
        for action, icon, _, label in _GROUPS
    ]
    rows.append({**_NOOP_ROW, "count": counts[Action.NOOP]})
    groups = []
    omitted = 0
    for action, icon, heading, _ in _GROUPS:
        changes = grouped[action]
        if not changes:
            continue
        shown = changes if per_group is None else changes[:per_group]
        omitted += len(changes) - len(shown)
        groups.append(
            {
                "action": action.value,
                "icon": icon,
                "heading": heading,
                "changes": [_change_view(c) for c in shown],
                "omitted": len(changes) - len(shown),
            }
        )
    outputs = [_output_view(o) for o in plan.output_changes if o.action is not Action.NOOP]
    return {
        "stack": str(plan.key),
        "workspace": plan.key.workspace,
        "environment": plan.key.environment,
        "mode": plan.mode.value,
        "summary": plan.summary(),
        "has_changes": plan.has_changes,
        "counts": rows,
        "output_count": len(outputs),
        "groups": groups,
        "outputs": outputs,
        "policy": [dict(p) for p in policy],
        "quota": _quota_view(plan.extra.get("quota")),
        "diagnostics": [d.format() for d in plan.diagnostics],
        "show_diffs": show_diffs,
        "omitted": omitted,
    }


def _change_view(change: ResourceChange) -> dict[str, Any]:
    return {
        "address": change.address,
        "type": change.type,
        "action": change.action.value,
        "location": str(change.location) if change.location else None,
        "reason": change.reason,
        "replace_paths": list(change.replace_paths),
        "forget_only": change.forget_only,
        "lines": _diff_lines(change),
    }


def _diff_lines(change: ResourceChange) -> list[str]:
    secret = change.sensitive_properties
    if change.action is Action.DELETE:
        before = change.before or {}
        return [f"- {n} = {_text(before[n], n in secret)}" for n in sorted(before)]
    lines: list[str] = []
    for prop in change.changes:
        lines.extend(_property_lines(prop, prop.sensitive or prop.name in secret))
    if not lines and change.after:
        lines.append(f"# ({len(change.after)} unchanged properties)")
    return lines


def _property_lines(prop: PropertyChange, secret: bool) -> list[str]:
    note = "  # forces replacement" if prop.forces_replacement else ""
    if prop.before is None:
        return [f"+ {prop.name} = {_text(prop.after, secret)}{note}"]
    if prop.after is None:
        return [f"- {prop.name} = {_text(prop.before, secret)}{note}"]
    return [
        f"- {prop.name} = {_text(prop.before, secret)}",
        f"+ {prop.name} = {_text(prop.after, secret)}{note}",
    ]


def _output_view(change: OutputChange) -> dict[str, Any]:
    return {
        "name": change.name,
        "action": change.action.value,
        "before": "" if change.action is Action.CREATE else _text(change.before, change.sensitive),
        "after": "" if change.action is Action.DELETE else _text(change.after, change.sensitive),
    }


def _text(value: Any, secret: bool = False) -> str:
    """One value on one line, masked: ``"text"``, ``3``, ``{"a": 1}``, markers for the rest."""
    if secret or isinstance(value, Sensitive):
        return SENSITIVE_MASK
    if value is UNKNOWN:
        return KNOWN_AFTER_APPLY
    return json.dumps(masked_value(value), sort_keys=True, ensure_ascii=False)


def _quota_view(quota: Any) -> dict[str, Any] | None:
    """Whatever shape the quota check attached (name -> figures, or a list of rows) as a
    table; anything else as one JSON cell."""
    if not quota:
        return None
    if isinstance(quota, Mapping) and all(isinstance(v, Mapping) for v in quota.values()):
        columns = sorted({str(k) for v in quota.values() for k in v})
        rows = [
            [str(name), *(_cell(figures.get(c)) for c in columns)]
            for name, figures in sorted(quota.items())
        ]
        return {"columns": ["resource", *columns], "rows": rows}
    if isinstance(quota, list) and all(isinstance(v, Mapping) for v in quota):
        columns = list(dict.fromkeys(str(k) for row in quota for k in row))
        return {"columns": columns, "rows": [[_cell(row.get(c)) for c in columns] for row in quota]}
    return {"columns": ["quota"], "rows": [[_cell(quota)]]}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(masked_value(value), sort_keys=True)


def _md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fence_safe(value: Any) -> str:
    """Text that cannot close the code fence it sits in."""
    return str(value).replace("```", "`\u200b``")
