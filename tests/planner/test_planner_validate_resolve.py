from __future__ import annotations

import pytest
from _planner_kit import (
    REGISTRY,
    GetAttr,
    GetParam,
    GetResource,
    Params,
    loc,
    rstate,
    spec,
    template,
)

from atonix_iac.errors import Severity, TemplateError
from atonix_iac.planner import resolve_outputs, resolve_properties, validate_stack
from atonix_iac.template.model import NestedStack, OutputSpec
from atonix_iac.template.values import Sensitive


def test_a_valid_stack_has_no_diagnostics() -> None:
    t = template(
        spec("net", properties={"value": 1}),
        spec(
            "web",
            "Test::Server",
            {"flavor": GetParam("flavor"), "network": GetAttr("net", "value")},
        ),
    )
    assert validate_stack(t, REGISTRY) == []
    assert validate_stack(t, REGISTRY, Params({"flavor": "small"})) == []


def test_known_type_without_provider_is_fine_at_validate_time() -> None:
    t = template(spec("server", "OS::Nova::Server", {"flavor": "m1", "image": "cirros"}))
    assert validate_stack(t, REGISTRY) == []


def test_every_problem_is_reported_located() -> None:
    t = template(
        spec("a", "Test::Valeu", {}, line=10),
        spec("b", "Test::Server", {"name": "x", "colour": "red"}, line=20),
        spec("c", properties={"value": GetAttr("b", "first_adress", location=loc(40, 9))}, line=30),
        spec("d", properties={"value": GetResource("nope", location=loc(50, 9))}, line=45),
    )
    diagnostics = validate_stack(t, REGISTRY)
    got = sorted((str(d.location), d.message) for d in diagnostics)
    assert got == [
        ("stack.yaml:11:5", "unknown resource type `Test::Valeu` for `a`"),
        ("stack.yaml:20:3", "missing required property `flavor` for Test::Server"),
        ("stack.yaml:24:7", "unknown property `colour` for Test::Server"),
        ("stack.yaml:40:9", "`b` (Test::Server) has no attribute `first_adress`"),
        ("stack.yaml:50:9", "`d` refers to an undefined resource `nope`"),
    ]
    assert all(d.severity is Severity.ERROR for d in diagnostics)
    hints = {d.message: d.hint for d in diagnostics}
    assert (
        hints["`b` (Test::Server) has no attribute `first_adress`"]
        == "did you mean `first_address`?"
    )


def test_parameter_values_are_checked_when_given() -> None:
    t = template(spec("r", "Test::Random", {"length": GetParam("n")}, line=10))
    assert validate_stack(t, REGISTRY) == []
    (diag,) = validate_stack(t, REGISTRY, Params({"n": "many"}))
    assert diag.location == loc(13, 7) and "length" in diag.message


def test_resolve_properties_uses_what_exists() -> None:
    t = template(
        spec("net", properties={"value": 1}),
        spec(
            "web",
            "Test::Server",
            {"flavor": "s", "network": GetAttr("net", "value"), "admin_pass": GetParam("pw")},
        ),
    )
    known = {"net": rstate("net", attributes={"value": "n-1"})}
    params = Params({"pw": "hunter2"}, frozenset({"pw"}))
    properties, secret = resolve_properties(t, "web", params, known)
    assert properties == {"flavor": "s", "network": "n-1", "admin_pass": "hunter2"}
    assert secret == {"admin_pass"}


def test_resolve_properties_refuses_unknown_values_with_a_location() -> None:
    t = template(spec("net"), spec("web", properties={"value": GetResource("net")}, line=10))
    with pytest.raises(TemplateError) as err:
        resolve_properties(t, "web", Params(), {})
    assert err.value.diagnostics[0].location == loc(13, 7)


def test_sensitive_attributes_mark_properties_and_outputs_secret() -> None:
    t = template(
        spec("rnd", "Test::Random", {}),
        spec("user", properties={"value": GetAttr("rnd", "value")}),
        outputs={"plain": GetResource("rnd"), "secret": GetAttr("rnd", "value")},
    )
    known = {
        "rnd": rstate(
            "rnd",
            "Test::Random",
            attributes={"value": "s3"},
            sensitive_attributes=frozenset({"value"}),
        )
    }
    assert resolve_properties(t, "user", Params(), known) == ({"value": "s3"}, frozenset({"value"}))
    assert resolve_outputs(t, Params(), known) == (
        {"plain": "id-rnd", "secret": "s3"},
        frozenset({"secret"}),
    )


def test_nested_stack_outputs_and_ids_resolve_through_the_parent() -> None:
    nested = NestedStack(
        name="tier",
        template_source="tier.yaml",
        location=loc(1),
        resources=("tier.inner",),
        outputs={
            "addr": OutputSpec("addr", GetAttr("tier.inner", "value", "ip"), loc(2)),
            "OS::stack_id": OutputSpec("OS::stack_id", GetResource("tier.inner"), loc(3)),
        },
        resource_id="synthetic",
    )
    t = template(
        spec("tier.inner", parent="tier"),
        spec(
            "user",
            properties={
                "value": [
                    GetAttr("tier", "addr"),
                    GetResource("tier"),
                    GetAttr("tier", "resource.inner.value", "ip"),
                    GetAttr("tier", None),
                ]
            },
        ),
        nested=(nested,),
    )
    known = {"tier.inner": rstate("tier.inner", attributes={"value": {"ip": "10.0.0.9"}})}
    properties, _ = resolve_properties(t, "user", Params(), known)
    assert properties == {
        "value": [
            "10.0.0.9",
            "id-tier.inner",
            "10.0.0.9",
            {"addr": "10.0.0.9", "OS::stack_id": "id-tier.inner"},
        ]
    }


def test_hidden_parameter_values_stay_wrapped_until_unwrapped_for_the_provider() -> None:
    t = template(spec("v", properties={"value": {"k": GetParam("pw")}}))
    params = Params({"pw": Sensitive("x")}, frozenset({"pw"}))
    assert resolve_properties(t, "v", params, {}) == ({"value": {"k": "x"}}, frozenset({"value"}))
