"""``atonix simulator serve``: --project (repeatable) and the issue's --projects a,b form."""

from __future__ import annotations

from atonix_iac.cli.simulator_commands import project_names


def test_projects_from_both_flags_each_once_in_order() -> None:
    assert project_names(("demo",), ("a,b", " c ,demo,")) == ["demo", "a", "b", "c"]
    assert project_names((), ("x",)) == ["x"]


def test_demo_when_none_named() -> None:
    assert project_names((), ()) == ["demo"]
    assert project_names((), (",",)) == ["demo"]
