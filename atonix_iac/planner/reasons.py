"""Texts the planner gives a change or a plan, which renderers also test for.

A leaf: ``render.json_plan`` maps these reasons to Terraform's ``action_reason`` and reads a
partial plan's warning without importing the planner's machinery (``build``, ``actions``,
``selection``), which showing a saved plan does not otherwise need.
"""

from __future__ import annotations

REASON_REQUESTED = "replacement requested with -replace"
REASON_TAINTED = "tainted: a previous create failed"
REASON_INTERRUPTED = "tainted: a previous create was interrupted before it was confirmed"
REASON_REMOVED = "not in the template any more"
REASON_CONDITION = "its condition is false"
PARTIAL_PLAN_WARNING = (
    "this plan is partial: -target/-exclude leave some resources out, so it may not show "
    "every change the template needs"
)
