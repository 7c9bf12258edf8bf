"""The plan as a person reads it, in Terraform's layout so that it feels familiar.

Secrets never reach the text: any value that is ``Sensitive``, or that belongs to a property or
output marked sensitive, prints as ``(sensitive value)``. The output has no timestamps and
sorts keys, so the same plan always renders the same text (golden tests rely on it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring
from typing import Any

from atonix_iac.planner.plan import (
    Action,
    OutputChange,
    Plan,
    PlanMode,
    PropertyChange,
    ResourceChange,
)
from atonix_iac.template.values import UNKNOWN, Sensitive

KNOWN_AFTER_APPLY = "(known after apply)"
SENSITIVE_VALUE = "(sensitive value)"
NO_CHANGES = "No changes. Your infrastructure matches the configuration."
NO_CHANGES_DESTROY = "No changes. No objects need to be destroyed."
NO_CHANGES_REFRESH = "No changes. Your infrastructure still matches the configuration."
REFRESH_ONLY_NOTE = (
    "This is a refresh-only plan, so atonix will not take any actions to undo these. If you"
    " were expecting these changes then you can apply this plan to record the updated values"
    " in the atonix state without changing any remote objects."
)

_LEGEND = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.DELETE: "destroy",
    Action.DELETE_THEN_CREATE: "destroy and then create replacement",
    Action.CREATE_THEN_DELETE: "create replacement and then destroy",
    Action.READ: "read (adopted through external_id)",
}
_COLORS = {"+": "32", "~": "33", "-": "31", "-/+": "35", "+/-": "35", "<=": "36", "!": "1"}


def render_plan(plan: Plan, *, color: bool = False) -> str:
    """The whole plan: drift, resource changes, output changes, summary, warnings."""
    paint = _Painter(color)
    sections: list[str] = []
    drift = _render_drift(plan.changes, paint)
    if plan.mode is PlanMode.REFRESH_ONLY:
        sections = [drift, REFRESH_ONLY_NOTE] if drift else [NO_CHANGES_REFRESH]
        return "\n\n".join(sections) + "\n"
    if drift:
        sections.append(drift)
    changed = [c for c in plan.changes if c.action is not Action.NOOP]
    outputs = [o for o in plan.output_changes if o.action is not Action.NOOP]
    if not changed and not outputs:
        sections.append(NO_CHANGES_DESTROY if plan.mode is PlanMode.DESTROY else NO_CHANGES)
    else:
        if changed:
            sections.append(_legend(changed, paint))
            sections.append("atonix will perform the following actions:")
            sections.extend(_render_resource(c, paint) for c in changed)
        if outputs:
            sections.append(_render_outputs(outputs, paint))
        if changed:
            sections.append(paint("!", plan.summary()))
        else:
            sections.append(
                "You can apply this plan to save these new output values to the atonix "
                "state, without changing any real infrastructure."
            )
    for diagnostic in plan.diagnostics:
        sections.append(diagnostic.format())
    return "\n\n".join(sections) + "\n"


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, symbol: str, text: str) -> str:
        code = _COLORS.get(symbol)
        if not self.enabled or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"


def _legend(changes: Iterable[ResourceChange], paint: _Painter) -> str:
    used = {c.action for c in changes}
    lines = [
        "atonix used the selected providers to generate the following execution plan. "
        "Resource actions are indicated with the following symbols:"
    ]
    for action, text in _LEGEND.items():
        if action in used:
            lines.append(f"{paint(action.symbol, action.symbol.rjust(3))} {text}")
    return "\n".join(lines)


def _header(change: ResourceChange) -> str:
    name = change.address
    if change.deposed:
        name += f" (deposed object {change.deposed})"
    if change.action is Action.CREATE:
        what = "will be created"
    elif change.action is Action.UPDATE:
        what = "will be updated in place"
    elif change.action.is_replace:
        what = "must be replaced"
    elif change.action is Action.READ:
        what = "will be read"
    elif change.forget_only:
        what = "will be removed from the state (the object itself is kept)"
        if change.gone:
            what = "will be removed from the state"
    else:
        what = "will be destroyed"
    where = f" ({change.location})" if change.location else ""
    return f"  # {name} {what}{where}"


def _render_resource(change: ResourceChange, paint: _Painter) -> str:
    lines = [paint("!", _header(change))]
    if change.reason:
        lines.append(f"  # {change.reason}")
    symbol = change.action.symbol
    lines.append(_opening(symbol, change, paint))
    lines.extend(_resource_body(change, paint))
    lines.append("    }")
    return "\n".join(lines)


def _opening(symbol: str, change: ResourceChange, paint: _Painter) -> str:
    name = f"{_quote(change.type)} {_quote(change.address)}"
    return f"{paint(symbol, symbol.rjust(3))} resource {name} {{"


def _resource_body(change: ResourceChange, paint: _Painter) -> list[str]:
    if change.action is Action.DELETE:
        before = change.before or {}
        rows = [
            ("-", name, f"{_shown(before[name], name in change.sensitive_properties)} -> null", "")
            for name in sorted(before)
        ]
        if change.physical_id and not rows:
            rows.append(("-", "id", f"{_quote(change.physical_id)} -> null", ""))
        return _rows(rows, paint)
    rows = [_property_row(p) for p in change.changes]
    body = _rows(rows, paint)
    unchanged = len((change.after or {}).keys() - {p.name for p in change.changes})
    if change.action is not Action.CREATE and unchanged:
        noun = "property" if unchanged == 1 else "properties"
        body.append(f"        # ({unchanged} unchanged {noun} hidden)")
    return body


def _property_row(change: PropertyChange) -> tuple[str, str, str, str]:
    note = " # forces replacement" if change.forces_replacement else ""
    secret = change.sensitive
    if change.before is None:
        return ("+", change.name, _shown(change.after, secret), note)
    if change.after is None:
        return ("-", change.name, f"{_shown(change.before, secret)} -> null", note)
    if secret:
        return ("~", change.name, SENSITIVE_VALUE, note)
    return ("~", change.name, f"{_shown(change.before)} -> {_shown(change.after)}", note)


def _rows(rows: list[tuple[str, str, str, str]], paint: _Painter) -> list[str]:
    width = max((len(name) for _, name, _, _ in rows), default=0)
    return [
        f"      {paint(symbol, symbol)} {name.ljust(width)} = {text}{note}"
        for symbol, name, text, note in rows
    ]


def _render_drift(changes: Iterable[ResourceChange], paint: _Painter) -> str:
    blocks: list[str] = []
    for change in changes:
        if change.gone:
            gone_id = f"{_quote(change.physical_id or '')} -> null"
            blocks.append(
                f"  # {change.address} has been deleted\n{_opening('-', change, paint)}\n"
                f"      {paint('-', '-')} id = {gone_id}\n    }}"
            )
        elif change.drift:
            rows = _rows([_property_row(p) for p in change.drift], paint)
            blocks.append(
                "\n".join(
                    [
                        f"  # {change.address} has changed",
                        _opening("~", change, paint),
                        *rows,
                        "    }",
                    ]
                )
            )
    if not blocks:
        return ""
    head = (
        "Note: Objects have changed outside of atonix\n\n"
        "atonix detected the following changes made outside of atonix since the last apply:"
    )
    return "\n\n".join([head, *blocks])


def _render_outputs(outputs: Iterable[OutputChange], paint: _Painter) -> str:
    rows: list[tuple[str, str, str, str]] = []
    for output in outputs:
        secret = output.sensitive
        if output.action is Action.CREATE:
            rows.append(("+", output.name, _value(output.after, secret), ""))
        elif output.action is Action.DELETE:
            rows.append(("-", output.name, f"{_value(output.before, secret)} -> null", ""))
        elif secret:
            rows.append(("~", output.name, SENSITIVE_VALUE, ""))
        else:
            rows.append(
                ("~", output.name, f"{_value(output.before)} -> {_value(output.after)}", "")
            )
    width = max(len(name) for _, name, _, _ in rows)
    lines = ["Changes to Outputs:"]
    lines.extend(
        f"  {paint(symbol, symbol)} {name.ljust(width)} = {text}" for symbol, name, text, _ in rows
    )
    return "\n".join(lines)


# A list or map longer than this on one line is shown one element per line (a security
# group's rules on one 300-character line are unreadable).
INLINE_LIMIT = 72
_ROW_INDENT = 8  # where a property's name starts in a resource block


def _shown(value: Any, sensitive: bool = False, indent: int = _ROW_INDENT) -> str:
    """``_value``, or for a long list or map one element per line, each indented under the
    property (nested elements likewise when they are long). Each element's one-line text is
    made once: it builds the one-line form and, when that is too long, the element's line."""
    if sensitive or isinstance(value, Sensitive):
        return SENSITIVE_VALUE
    if isinstance(value, (dict, Mapping)):
        keys = sorted(value, key=str)
        names = [_quote(str(k)) for k in keys]
        texts = [_value(value[k]) for k in keys]
        inline = "{" + ", ".join(f"{n}: {t}" for n, t in zip(names, texts, strict=True)) + "}"
        if len(inline) <= INLINE_LIMIT:
            return inline
        pad, close = " " * (indent + 4), " " * indent
        items = [
            f"{pad}{n}: {_nested(value[k], t, indent + 4)},"
            for k, n, t in zip(keys, names, texts, strict=True)
        ]
        return "\n".join(["{", *items, close + "}"])
    if isinstance(value, list | tuple):
        texts = [_value(v) for v in value]
        inline = "[" + ", ".join(texts) + "]"
        if len(inline) <= INLINE_LIMIT:
            return inline
        pad, close = " " * (indent + 4), " " * indent
        items = [f"{pad}{_nested(v, t, indent + 4)}," for v, t in zip(value, texts, strict=True)]
        return "\n".join(["[", *items, close + "]"])
    return _value(value)


def _nested(value: Any, inline: str, indent: int) -> str:
    """An element of a long list or map: its one-line text when short, else ``_shown``."""
    if len(inline) <= INLINE_LIMIT:
        return inline
    return _shown(value, False, indent)


def _value(value: Any, sensitive: bool = False) -> str:
    """One value on one line: JSON-like, with markers for unknown and secret parts."""
    if sensitive:
        return SENSITIVE_VALUE
    if isinstance(value, str):  # most values; before the Mapping ABC check, which is slow
        return encode_basestring(value)
    if isinstance(value, Sensitive):
        return SENSITIVE_VALUE
    if value is UNKNOWN:
        return KNOWN_AFTER_APPLY
    if value is None or isinstance(value, int | float):  # bool is an int
        return json.dumps(value)
    if isinstance(value, (dict, Mapping)):  # dict first: no ABC check for dicts
        items = ", ".join(f"{_quote(str(k))}: {_value(value[k])}" for k in sorted(value, key=str))
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return _quote(str(value))


def _quote(text: str) -> str:
    # What json.dumps(text, ensure_ascii=False) returns, without building an encoder per call.
    return encode_basestring(text)
