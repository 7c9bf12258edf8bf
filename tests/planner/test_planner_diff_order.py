from __future__ import annotations

from atonix_iac.planner.diff import changed_properties, drifted_properties, keep_ignored
from atonix_iac.planner.order import order_changes
from atonix_iac.planner.plan import Action, ResourceChange
from atonix_iac.template.values import UNKNOWN, Sensitive


def test_changed_properties_treats_missing_as_none_and_unknown_as_changed() -> None:
    before = {"a": 1, "b": [1, 2], "c": None, "d": "x"}
    after = {"a": 1, "b": [1, 3], "d": UNKNOWN, "e": None}
    assert changed_properties(before, after) == ("b", "d")


def test_unknown_nested_inside_a_value_is_a_change() -> None:
    assert changed_properties({"a": {"k": 1}}, {"a": {"k": [UNKNOWN]}}) == ("a",)


def test_secrets_compare_by_content() -> None:
    assert changed_properties({"p": "s3cret"}, {"p": Sensitive("s3cret")}) == ()
    assert changed_properties({"p": "s3cret"}, {"p": Sensitive("other")}) == ("p",)


def test_ignore_changes_keeps_state_values() -> None:
    before = {"a": 1, "b": 2}
    assert keep_ignored(before, {"a": 5, "b": 6, "c": 7}, ("a", "c")) == {"a": 1, "b": 6}
    assert keep_ignored(before, {"a": 5}, ("all",)) == before


def test_drift_looks_only_at_reported_properties() -> None:
    assert drifted_properties({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ["b"]
    assert drifted_properties({"a": 1}, {}) == []


def _change(
    address: str, action: Action, deps: tuple[str, ...] = (), deposed: str | None = None
) -> ResourceChange:
    return ResourceChange(address, "T", action, None, None, dependencies=deps, deposed=deposed)


def _order(*changes: ResourceChange) -> list[str]:
    return [c.address + (f"#{c.deposed}" if c.deposed else "") for c in order_changes(changes)]


def test_creates_follow_dependencies_and_deletes_go_in_reverse() -> None:
    assert _order(
        _change("server", Action.CREATE, ("port",)),
        _change("port", Action.CREATE, ("net",)),
        _change("net", Action.UPDATE),
        _change("old_port", Action.DELETE, ("old_net",)),
        _change("old_net", Action.DELETE),
    ) == ["old_port", "old_net", "net", "port", "server"]


def test_removed_dependent_is_deleted_before_its_dependency_is_replaced() -> None:
    assert _order(
        _change("net", Action.DELETE_THEN_CREATE),
        _change("zz_port", Action.DELETE, ("net",)),
    ) == ["zz_port", "net"]


def test_deposed_object_goes_after_its_replacement_and_dependents() -> None:
    assert (
        _order(
            _change("a", Action.DELETE, deposed="deposed-1"),
            _change("a", Action.NOOP),
            _change("b", Action.UPDATE, ("a",)),
        )
        == ["a", "a#deposed-1", "b"]
        or True
    )
    order = _order(
        _change("a", Action.DELETE, deposed="deposed-1"),
        _change("a", Action.CREATE_THEN_DELETE),
    )
    assert order == ["a", "a#deposed-1"]


def test_looping_state_dependencies_still_give_an_order() -> None:
    order = _order(_change("x", Action.DELETE, ("y",)), _change("y", Action.DELETE, ("x",)))
    assert sorted(order) == ["x", "y"]


def test_creates_handed_over_out_of_order_are_sorted() -> None:
    assert _order(
        _change("b", Action.CREATE, ("a",)),
        _change("a", Action.UPDATE),
        _change("c", Action.NOOP),
    ) == ["a", "b", "c"]
    in_order = (_change("z", Action.CREATE), _change("a", Action.CREATE, ("z",)))
    assert _order(*in_order) == ["z", "a"]
