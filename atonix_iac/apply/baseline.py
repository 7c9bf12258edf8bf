"""What an update starts from: the plan's own before (what refresh read), not the state record.

State can be stale: a resize that silently failed left state saying ``m1.medium`` while the
server was ``m1.small``. The plan was made from the refreshed values and showed the
correction, so apply must diff against the same values, or it would see nothing to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.planner.plan import ResourceChange
from atonix_iac.template.values import contains_unknown, unwrap


def update_baseline(change: ResourceChange, recorded: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's before with secrets unwrapped.

    A saved plan never holds a secret (it reads back as unknown); there, and wherever the
    plan has no before, the value recorded in state stands in.
    """
    if change.before is None:
        return dict(recorded)
    baseline: dict[str, Any] = {}
    for name, value in change.before.items():
        plain = unwrap(value)
        if contains_unknown(plain):
            if name in recorded:
                baseline[name] = recorded[name]
            continue
        baseline[name] = plain
    return baseline


def properties_to_change(
    change: ResourceChange, baseline: Mapping[str, Any], resolved: Mapping[str, Any]
) -> frozenset[str]:
    """The properties the plan changes whose resolved value still differs from the baseline.

    Only the plan's own changes count (an ignored property, or one equal once defaults are
    applied, is left alone); a change planned as "known after apply" that resolved to the
    value already there is dropped.
    """
    planned = {c.name for c in change.changes}
    return frozenset(name for name in planned if baseline.get(name) != resolved.get(name))
