"""An update diffs the plan's before (what refresh read) against the resolved properties."""

from __future__ import annotations

from atonix_iac.apply.baseline import properties_to_change, update_baseline
from atonix_iac.planner.plan import Action, PropertyChange, ResourceChange
from atonix_iac.template.values import UNKNOWN, Sensitive


def _change(before: dict[str, object] | None, *planned: str) -> ResourceChange:
    return ResourceChange(
        address="server",
        type="OS::Nova::Server",
        action=Action.UPDATE,
        before=before,
        after={},
        changes=tuple(PropertyChange(name, None, None) for name in planned),
    )


def test_refreshed_before_wins_over_the_state_record() -> None:
    change = _change({"flavor": "m1.small", "name": "web"}, "flavor")
    baseline = update_baseline(change, {"flavor": "m1.medium", "name": "web"})
    assert baseline == {"flavor": "m1.small", "name": "web"}
    resolved = {"flavor": "m1.medium", "name": "web"}
    assert properties_to_change(change, baseline, resolved) == {"flavor"}


def test_secrets_are_unwrapped_and_a_saved_plans_redacted_secret_falls_back_to_state() -> None:
    in_memory = _change({"admin_pass": Sensitive("s3cret")})
    assert update_baseline(in_memory, {"admin_pass": "old"}) == {"admin_pass": "s3cret"}
    saved = _change({"admin_pass": Sensitive(UNKNOWN), "name": "web"})
    assert update_baseline(saved, {"admin_pass": "old"}) == {"admin_pass": "old", "name": "web"}
    assert update_baseline(_change({"admin_pass": Sensitive(UNKNOWN)}), {}) == {}


def test_only_planned_changes_that_still_differ_are_sent() -> None:
    # name: planned as "known after apply" and resolved to the value already there.
    # tags: differs, but the plan did not change it (ignore_changes, or equal by default).
    change = _change({"name": "web", "flavor": "m1.small", "tags": ["a"]}, "name", "flavor")
    baseline = update_baseline(change, {})
    resolved = {"name": "web", "flavor": "m1.medium", "tags": ["b"]}
    assert properties_to_change(change, baseline, resolved) == {"flavor"}


def test_no_before_uses_the_state_record() -> None:
    change = _change(None, "name")
    assert update_baseline(change, {"name": "a"}) == {"name": "a"}
