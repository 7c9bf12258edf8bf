from __future__ import annotations

from typing import Any

import pytest
from _planner_kit import (
    EMPTY,
    NO_PARAMS,
    REGISTRY,
    GetAttr,
    GetParam,
    GetResource,
    Params,
    loc,
    rstate,
    spec,
    state,
    template,
)

from atonix_iac.errors import PreventDestroyError, Severity, TemplateError
from atonix_iac.planner import Action, Plan, PlanMode, make_plan
from atonix_iac.providers.base import ResourceResult
from atonix_iac.state.model import ResourceStatus, State
from atonix_iac.template.model import Lifecycle, Template
from atonix_iac.template.values import UNKNOWN, Sensitive


def _plan(t: Template, s: State = EMPTY, params: Params = NO_PARAMS, **kw: Any) -> Plan:
    return make_plan(t, params, s, REGISTRY, **kw)


def _actions(plan: Plan) -> dict[str, Action]:
    return {c.address: c.action for c in plan.changes}


def _change(plan: Plan, address: str) -> Any:
    (found,) = [c for c in plan.changes if c.address == address and not c.deposed]
    return found


def _server(address: str = "web", /, **props: Any) -> Any:
    return spec(address, "Test::Server", {"flavor": "small", "name": "a", **props}, line=10)


SERVER_STATE = {"flavor": "small", "name": "a"}


def test_everything_is_created_from_empty_state_in_dependency_order() -> None:
    plan = _plan(
        template(
            _server("web", network=GetAttr("net", "value")),
            spec("net", properties={"value": "n1"}),
        )
    )
    assert [c.address for c in plan.changes] == ["net", "web"]
    assert set(_actions(plan).values()) == {Action.CREATE}
    web = _change(plan, "web")
    assert web.after["network"] is UNKNOWN
    assert web.dependencies == ("net",)
    assert web.location == loc(10)
    assert plan.summary() == "Plan: 2 to add, 0 to change, 0 to destroy."
    assert plan.prior_lineage is None and plan.template_digest == "d1g35t"


def test_unchanged_resources_are_noop_and_their_attributes_are_known() -> None:
    t = template(
        spec("net", properties={"value": "n1"}),
        _server("web", network=GetAttr("net", "value")),
    )
    s = state(
        rstate("net", properties={"value": "n1", "tag": "t"}, attributes={"value": "n1"}),
        rstate("web", "Test::Server", {**SERVER_STATE, "network": "n1"}),
    )
    plan = _plan(t, s)
    assert _actions(plan) == {"net": Action.NOOP, "web": Action.NOOP}
    assert not plan.has_changes
    assert plan.prior_lineage == "lin-1" and plan.prior_serial == 7


def test_defaults_count_as_set_on_both_sides() -> None:
    t = template(spec("v", properties={"value": 1}))
    assert _actions(_plan(t, state(rstate("v", properties={"value": 1}))))["v"] is Action.NOOP
    changed = _plan(t, state(rstate("v", properties={"value": 1, "tag": "other"})))
    assert _change(changed, "v").action is Action.UPDATE
    assert [(p.name, p.before, p.after) for p in _change(changed, "v").changes] == [
        ("tag", "other", "t")
    ]


def test_update_makes_dependents_see_unknown_attributes_but_the_same_id() -> None:
    t = template(
        spec("net", properties={"value": "n2"}),
        _server("by_attr", network=GetAttr("net", "value")),
        _server("by_id", network=GetResource("net")),
    )
    s = state(
        rstate("net", properties={"value": "n1"}, attributes={"value": "n1"}),
        rstate("by_attr", "Test::Server", {**SERVER_STATE, "network": "n1"}),
        rstate("by_id", "Test::Server", {**SERVER_STATE, "network": "id-net"}),
    )
    plan = _plan(t, s)
    assert _actions(plan) == {"net": Action.UPDATE, "by_attr": Action.UPDATE, "by_id": Action.NOOP}
    (change,) = _change(plan, "by_attr").changes
    assert change.name == "network" and change.before == "n1" and change.after is UNKNOWN


def test_replacing_a_dependency_changes_the_id_dependents_see() -> None:
    t = template(_server("db", flavor="large"), _server("app", network=GetResource("db")))
    s = state(
        rstate("db", "Test::Server", SERVER_STATE),
        rstate("app", "Test::Server", {**SERVER_STATE, "network": "id-db"}),
    )
    plan = _plan(t, s)
    db = _change(plan, "db")
    assert db.action is Action.DELETE_THEN_CREATE
    assert db.replace_paths == ("flavor",)
    assert db.reason == "`flavor` cannot be updated in place (Heat: update_allowed is false)"
    assert db.changes[0].forces_replacement
    assert _change(plan, "app").action is Action.UPDATE
    assert plan.summary() == "Plan: 1 to add, 1 to change, 1 to destroy (1 replaced)."


def test_create_before_destroy_and_provider_replace_rule() -> None:
    t = template(
        spec(
            "web",
            "Test::Server",
            {"flavor": "small", "image": "rebuild:v2"},
            lifecycle=Lifecycle(create_before_destroy=True),
        )
    )
    plan = _plan(t, state(rstate("web", "Test::Server", {"flavor": "small", "image": "v1"})))
    web = _change(plan, "web")
    assert web.action is Action.CREATE_THEN_DELETE
    assert web.reason == "`image` changes with image_update_policy REPLACE"


@pytest.mark.parametrize(
    ("prior", "kwargs", "expected_reason"),
    [
        (
            rstate("web", "Test::Value", SERVER_STATE),
            {},
            "type changed from Test::Value to Test::Server",
        ),
        (
            rstate("web", "Test::Server", SERVER_STATE, status=ResourceStatus.TAINTED),
            {},
            "tainted: a previous create failed",
        ),
        (
            rstate("web", "Test::Server", SERVER_STATE),
            {"replace": ["web"]},
            "replacement requested with -replace",
        ),
    ],
)
def test_forced_replacements(prior: Any, kwargs: dict[str, Any], expected_reason: str) -> None:
    plan = _plan(template(_server()), state(prior), **kwargs)
    web = _change(plan, "web")
    assert (web.action, web.reason) == (Action.DELETE_THEN_CREATE, expected_reason)


def test_replace_of_an_unknown_address_is_a_warning() -> None:
    plan = _plan(
        template(_server()), state(rstate("web", "Test::Server", SERVER_STATE)), replace=["wbe"]
    )
    (warning,) = plan.diagnostics
    assert warning.severity is Severity.WARNING and warning.hint == "did you mean `web`?"


def test_removed_resources_are_deleted_dependents_first() -> None:
    s = state(
        rstate("net", properties={"value": 1}),
        rstate("port", properties={"value": 2}, dependencies=("net",)),
        rstate("keep", properties={"value": 3}),
    )
    plan = _plan(template(spec("keep", properties={"value": 3})), s)
    assert [(c.address, c.action) for c in plan.changes if c.action is not Action.NOOP] == [
        ("port", Action.DELETE),
        ("net", Action.DELETE),
    ]
    assert _change(plan, "net").reason == "not in the template any more"
    assert plan.summary() == "Plan: 0 to add, 0 to change, 2 to destroy."


def test_retained_resources_are_only_forgotten() -> None:
    s = state(rstate("bucket", properties={"value": 1}, deletion_policy="Retain"))
    plan = _plan(template(), s)
    bucket = _change(plan, "bucket")
    assert bucket.action is Action.DELETE and bucket.forget_only
    assert bucket.reason == "retained: deletion_policy is Retain, so it is only removed from state"
    assert plan.summary() == "Plan: 0 to add, 0 to change, 0 to destroy, 1 to forget."


def test_a_false_condition_removes_the_resource() -> None:
    t = template(
        spec("v", properties={"value": 1}, condition="enabled"),
        spec("user", properties={"value": GetResource("v")}),
        conditions={"enabled": GetParamEquals("env", "prod")},
    )
    s = state(rstate("v", properties={"value": 1}))
    plan = _plan(t, s, Params({"env": "dev"}))
    assert _change(plan, "v").action is Action.DELETE
    assert _change(plan, "v").reason == "its condition is false"
    assert _change(plan, "user").after == {"value": None}
    prod = _plan(t, s, Params({"env": "prod"}))
    assert _change(prod, "v").action is Action.NOOP


def GetParamEquals(name: str, value: Any) -> Any:  # noqa: N802 - reads like the HOT function
    from _planner_kit import Equals

    return Equals(GetParam(name), value)


def test_prevent_destroy_blocks_replacement_with_a_located_error() -> None:
    t = template(
        spec(
            "db",
            "Test::Server",
            {"flavor": "large"},
            lifecycle=Lifecycle(prevent_destroy=GetParam("protect"), location=loc(33, 5)),
        )
    )
    s = state(rstate("db", "Test::Server", {"flavor": "small"}))
    with pytest.raises(PreventDestroyError) as err:
        _plan(t, s, Params({"protect": True}))
    (diag,) = err.value.diagnostics
    assert diag.location == loc(33, 5)
    assert diag.message.startswith("`db` has lifecycle.prevent_destroy set")
    assert "`flavor` cannot be updated in place" in diag.message
    assert _plan(t, s, Params({"protect": False})).changes[0].action is Action.DELETE_THEN_CREATE


def test_prevent_destroy_recorded_in_state_blocks_removal_and_destroy() -> None:
    s = state(rstate("db", properties={"value": 1}, prevent_destroy=True))
    with pytest.raises(PreventDestroyError, match="`db` has lifecycle.prevent_destroy"):
        _plan(template(), s)
    with pytest.raises(PreventDestroyError):
        _plan(template(), s, mode=PlanMode.DESTROY)


def test_destroy_mode_deletes_everything_in_reverse_dependency_order() -> None:
    t = template(
        spec("net", properties={"value": 1}),
        spec("port", properties={"value": GetResource("net")}),
    )
    s = state(
        rstate("net", properties={"value": 1}),
        rstate("port", properties={"value": "id-net"}),
        rstate("gone_from_template", properties={}, dependencies=("port",)),
        outputs={"o": 1},
    )
    plan = _plan(t, s, mode=PlanMode.DESTROY)
    assert [c.address for c in plan.changes] == ["gone_from_template", "port", "net"]
    assert {c.action for c in plan.changes} == {Action.DELETE}
    assert [(o.name, o.action) for o in plan.output_changes] == [("o", Action.DELETE)]


def test_drift_is_recorded_and_planned_back() -> None:
    t = template(_server())
    s = state(rstate("web", "Test::Server", SERVER_STATE))
    refreshed = {"web": ResourceResult("id-web", {}, {"name": "changed by hand"})}
    web = _change(_plan(t, s, refreshed=refreshed), "web")
    assert [(d.name, d.before, d.after) for d in web.drift] == [("name", "a", "changed by hand")]
    assert web.action is Action.UPDATE
    assert [(p.name, p.before, p.after) for p in web.changes] == [("name", "changed by hand", "a")]


def test_resources_deleted_outside_are_recreated_or_forgotten() -> None:
    s = state(
        rstate("web", "Test::Server", SERVER_STATE),
        rstate("old", properties={"value": 1}),
    )
    plan = _plan(template(_server()), s, refreshed={"web": None, "old": None})
    web, old = _change(plan, "web"), _change(plan, "old")
    assert (web.action, web.reason, web.gone) == (Action.CREATE, "deleted outside atonix", True)
    assert (old.action, old.forget_only, old.gone) == (Action.DELETE, True, True)


def _chain_template() -> Template:
    return template(
        spec("a", properties={"value": 1}),
        spec("b", properties={"value": GetResource("a")}),
        spec("c", properties={"value": GetResource("b")}),
        spec("side", properties={"value": 4}),
    )


def test_target_plans_the_target_and_its_dependencies_with_a_warning() -> None:
    plan = _plan(_chain_template(), targets=["b"])
    assert _actions(plan) == {"a": Action.CREATE, "b": Action.CREATE}
    assert "partial" in plan.diagnostics[0].message


def test_exclude_leaves_out_dependents_too() -> None:
    plan = _plan(_chain_template(), excludes=["b"])
    assert _actions(plan) == {"a": Action.CREATE, "side": Action.CREATE}


def test_destroy_target_takes_dependents_and_exclude_keeps_dependencies() -> None:
    s = state(
        rstate("a", properties={"value": 1}),
        rstate("b", properties={"value": "id-a"}, dependencies=("a",)),
        rstate("c", properties={"value": "id-b"}, dependencies=("b",)),
        rstate("side", properties={"value": 4}),
    )
    targeted = _plan(_chain_template(), s, mode=PlanMode.DESTROY, targets=["b"])
    assert [c.address for c in targeted.changes] == ["c", "b"]
    excluded = _plan(_chain_template(), s, mode=PlanMode.DESTROY, excludes=["b"])
    assert sorted(c.address for c in excluded.changes) == ["c", "side"]


def test_unknown_target_warns_with_did_you_mean() -> None:
    plan = _plan(_chain_template(), targets=["sid"])
    assert plan.changes == ()
    assert plan.diagnostics[1].hint == "did you mean `side`?"


def test_nested_stack_name_targets_its_inner_resources() -> None:
    t = template(
        spec("net.a", properties={"value": 1}),
        spec("net.b", properties={"value": 2}),
        spec("other", properties={"value": 3}),
    )
    assert set(_actions(_plan(t, targets=["net"]))) == {"net.a", "net.b"}


def test_output_changes() -> None:
    t = template(
        spec("v", properties={"value": 1}),
        outputs={"same": 1, "new": GetAttr("v", "value"), "changed": 2, "secret": "pw"},
        sensitive_outputs=frozenset({"secret"}),
    )
    s = state(
        rstate("v", properties={"value": 1}, attributes={"value": 1}),
        outputs={"same": 1, "changed": 1, "removed": 5, "secret": "old"},
    )
    plan = _plan(t, s)
    got = {o.name: (o.action, o.before, o.after) for o in plan.output_changes}
    assert got["same"] == (Action.NOOP, 1, 1)
    assert got["new"] == (Action.CREATE, None, 1)
    assert got["changed"] == (Action.UPDATE, 1, 2)
    assert got["removed"] == (Action.DELETE, 5, None)
    secret = [o for o in plan.output_changes if o.name == "secret"][0]
    assert secret.sensitive and isinstance(secret.after, Sensitive)
    assert plan.has_changes


def test_sensitive_values_are_wrapped_everywhere_in_the_plan() -> None:
    t = template(_server(admin_pass=GetParam("pw"), name=GetParam("secret_name")))
    s = state(rstate("web", "Test::Server", {**SERVER_STATE, "admin_pass": "old-pw"}))
    params = Params({"pw": "hunter2", "secret_name": "n"}, frozenset({"pw", "secret_name"}))
    plan = make_plan(t, params, s, REGISTRY)
    web = _change(plan, "web")
    assert web.sensitive_properties == {"admin_pass", "name"}
    for change in web.changes:
        assert change.sensitive and isinstance(change.after, Sensitive)
    assert isinstance(web.after["admin_pass"], Sensitive)
    assert isinstance(web.before["admin_pass"], Sensitive)
    assert plan.parameters == {"pw": "(sensitive)", "secret_name": "(sensitive)"}
    assert plan.sensitive_parameters == {"pw", "secret_name"}


def test_ignore_changes_keeps_state_values() -> None:
    t = template(
        spec(
            "web",
            "Test::Server",
            {"flavor": "large", "name": "b"},
            lifecycle=Lifecycle(ignore_changes=("flavor",)),
        )
    )
    web = _change(_plan(t, state(rstate("web", "Test::Server", SERVER_STATE))), "web")
    assert web.action is Action.UPDATE
    assert [p.name for p in web.changes] == ["name"]
    assert web.after["flavor"] == "small"
    ignore_all = template(
        spec("web", "Test::Server", {"flavor": "x"}, lifecycle=Lifecycle(ignore_changes=("all",)))
    )
    assert (
        _plan(ignore_all, state(rstate("web", "Test::Server", SERVER_STATE))).changes[0].action
        is Action.NOOP
    )


def test_unknown_type_and_missing_provider_are_located_errors() -> None:
    t = template(
        spec("a", "Test::Valeu", {}, line=10),
        spec("b", "OS::Nova::Server", {"flavor": "x"}, line=20),
    )
    with pytest.raises(TemplateError) as err:
        _plan(t)
    first, second = err.value.diagnostics
    assert first.location == loc(11, 5) and first.hint == "did you mean `Test::Value`?"
    assert second.message == (
        "type OS::Nova::Server has no provider (it is a known Heat type; atonix cannot "
        "create it yet)"
    )


def test_property_errors_are_located() -> None:
    with pytest.raises(TemplateError) as err:
        _plan(template(spec("web", "Test::Server", {"flavor": "x", "colour": "red"}, line=10)))
    (diag,) = err.value.diagnostics
    assert "unknown property `colour`" in diag.message and diag.location == loc(14, 7)


def test_deposed_objects_are_deleted() -> None:
    s = state(
        rstate("web", "Test::Server", SERVER_STATE),
        rstate("web", "Test::Server", SERVER_STATE, deposed="deposed-1", physical_id="old"),
    )
    plan = _plan(template(_server()), s)
    deposed = [c for c in plan.changes if c.deposed]
    assert [(c.action, c.physical_id) for c in deposed] == [(Action.DELETE, "old")]


def test_secret_properties_of_removed_resources_are_masked_by_schema() -> None:
    s = state(rstate("web", "Test::Server", {**SERVER_STATE, "admin_pass": "hunter2"}))
    (web,) = _plan(template(), s).changes
    assert isinstance(web.before["admin_pass"], Sensitive)
    assert web.sensitive_properties == {"admin_pass"}


def test_refreshed_attributes_overlay_the_recorded_ones() -> None:
    t = template(
        spec("rnd", "Test::Random", {"length": 8}),
        spec("user", properties={"value": GetAttr("rnd", "value")}),
        spec("user2", properties={"value": GetAttr("rnd", "extra")}),
    )
    s = state(
        rstate("rnd", "Test::Random", {"length": 8}, attributes={"value": "abc", "extra": 1}),
        rstate("user", properties={"value": "abc"}),
        rstate("user2", properties={"value": 1}),
    )
    refreshed = {"rnd": ResourceResult("id-rnd", {"extra": 2}, None)}
    plan = _plan(t, s, refreshed=refreshed)
    assert _actions(plan) == {"rnd": Action.NOOP, "user": Action.NOOP, "user2": Action.UPDATE}
