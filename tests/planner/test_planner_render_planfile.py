from __future__ import annotations

import gzip
import json

import pytest
from _planner_kit import (
    EMPTY,
    REGISTRY,
    GetAttr,
    GetParam,
    Params,
    rstate,
    spec,
    state,
    template,
)

from atonix_iac.errors import PlanError, StalePlanError
from atonix_iac.planner import (
    Action,
    Plan,
    PlanMode,
    make_plan,
    plan_from_bytes,
    plan_to_bytes,
    render_plan,
)
from atonix_iac.template.values import UNKNOWN, Sensitive

SECRET = "hunter2-very-secret"


def _secret_plan() -> tuple[Plan, Params]:
    t = template(
        spec("db", "Test::Server", {"flavor": "large", "admin_pass": GetParam("pw")}),
        spec(
            "user",
            properties={"value": {"pw": GetParam("pw"), "ip": GetAttr("db", "first_address")}},
        ),
        spec("reader", properties={"value": GetAttr("db", "console_password")}),
        outputs={"password": GetParam("pw"), "ip": GetAttr("db", "first_address")},
    )
    s = state(
        rstate(
            "db",
            "Test::Server",
            {"flavor": "large", "admin_pass": SECRET + "-old"},
            attributes={"first_address": "10.0.0.1", "console_password": SECRET},
        ),
        rstate("old", "Test::Server", {"flavor": "x", "admin_pass": SECRET}),
        outputs={"password": SECRET + "-old"},
        sensitive_outputs=frozenset({"password"}),
    )
    params = Params({"pw": SECRET, "region": "north"}, frozenset({"pw"}))
    return make_plan(t, params, s, REGISTRY), params


def test_secrets_never_appear_in_the_rendered_plan() -> None:
    plan, _ = _secret_plan()
    text = render_plan(plan) + render_plan(plan, color=True)
    assert SECRET not in text
    assert "(sensitive value)" in text
    assert "reader" in text  # a secret attribute flows into a property: still masked


def test_render_is_deterministic_and_colour_is_optional() -> None:
    plan, _ = _secret_plan()
    assert render_plan(plan) == render_plan(plan)
    assert "\x1b[" not in render_plan(plan)
    assert "\x1b[32m" in render_plan(plan, color=True)


def test_render_no_changes() -> None:
    empty = make_plan(template(), Params(), EMPTY, REGISTRY)
    assert render_plan(empty) == "No changes. Your infrastructure matches the configuration.\n"
    destroy = make_plan(template(), Params(), EMPTY, REGISTRY, mode=PlanMode.DESTROY)
    assert render_plan(destroy) == "No changes. No objects need to be destroyed.\n"


def test_planfile_round_trips_the_plan_with_unknowns() -> None:
    t = template(
        spec("a", properties={"value": 1}),
        spec("b", properties={"value": {"__atonix__": "user data", "x": GetAttr("a", "value")}}),
        outputs={"o": GetAttr("b", "value")},
    )
    params = Params({"region": "north"})
    plan = make_plan(t, params, EMPTY, REGISTRY)
    saved = plan_from_bytes(
        plan_to_bytes(plan, t, params, env_files=["env.yaml"], template_vars={"n": 3})
    )
    assert saved.plan == plan
    b = [c for c in saved.plan.changes if c.address == "b"][0]
    assert b.after == {"value": {"__atonix__": "user data", "x": UNKNOWN}}
    assert b.after["value"]["x"] is UNKNOWN
    assert saved.root == "stack.yaml" and saved.files == t.files
    assert saved.env_files == ("env.yaml",) and saved.template_vars == {"n": 3}
    assert saved.parameters == {"region": "north"}
    assert render_plan(saved.plan) == render_plan(plan)


def test_planfile_holds_no_plaintext_secret_and_checks_it_on_apply() -> None:
    plan, params = _secret_plan()
    t = template()
    data = plan_to_bytes(plan, t, params)
    assert SECRET.encode() not in data
    saved = plan_from_bytes(data)
    assert "pw" not in saved.parameters and set(saved.sensitive_digests) == {"pw"}
    assert render_plan(saved.plan) == render_plan(plan)
    assert all(
        isinstance(p.after, Sensitive) for c in saved.plan.changes for p in c.changes if p.sensitive
    )
    saved.verify_sensitive_parameters({"pw": SECRET})
    saved.verify_sensitive_parameters({"pw": Sensitive(SECRET)})
    with pytest.raises(StalePlanError, match="pw"):
        saved.verify_sensitive_parameters({"pw": "something else"})
    with pytest.raises(PlanError, match="again"):
        saved.verify_sensitive_parameters({})


def _saved_bytes() -> bytes:
    t = template(spec("a", properties={"value": 1}))
    return plan_to_bytes(make_plan(t, Params(), EMPTY, REGISTRY), t, Params())


def test_tampered_planfile_is_refused() -> None:
    document = json.loads(gzip.decompress(_saved_bytes()))
    document["plan"]["changes"][0]["action"] = Action.DELETE.value
    with pytest.raises(PlanError, match="corrupt or was modified"):
        plan_from_bytes(json.dumps(document).encode())


def test_an_edit_of_the_written_text_is_refused_compressed_or_not() -> None:
    """The digest covers the exact text after it: any change to that text is caught, in
    the compressed file or after ``zcat``."""
    text = gzip.decompress(_saved_bytes())
    assert text.startswith(b'{"digest":"sha256:')
    assert plan_from_bytes(text).plan.changes[0].address == "a"  # plain JSON still reads
    edited = text.replace(b'"action":"create"', b'"action":"delete"')
    assert edited != text
    for data in (edited, gzip.compress(edited)):
        with pytest.raises(PlanError, match="corrupt or was modified"):
            plan_from_bytes(data)


def test_a_truncated_compressed_planfile_is_a_plan_error() -> None:
    data = _saved_bytes()
    assert data.startswith(b"\x1f\x8b")
    with pytest.raises(PlanError, match="not an atonix plan file"):
        plan_from_bytes(data[: len(data) // 2])


def test_a_large_plan_file_is_small() -> None:
    """10,000 resources in well under 2 MB (indented JSON was ~10 MB)."""
    n = 10_000
    t = template(
        *(spec(f"v{i}", properties={"value": {"name": f"value-{i}", "n": i}}) for i in range(n))
    )
    data = plan_to_bytes(make_plan(t, Params(), EMPTY, REGISTRY), t, Params())
    assert len(data) < 2_000_000
    assert len(plan_from_bytes(data).plan.changes) == n


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\xff garbage", "not an atonix plan file"),
        (b'{"heat_template_version": "2018-08-31"}', "not an atonix plan file"),
        (b"[1, 2]", "not an atonix plan file"),
        (b'{"format": "atonix-plan", "format_version": 99}', "newer than this atonix"),
    ],
)
def test_foreign_or_future_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        plan_from_bytes(data)


def test_structurally_broken_file_with_a_valid_digest_is_a_plan_error() -> None:
    from atonix_iac.planner.planfile import _digest

    document = json.loads(gzip.decompress(_saved_bytes()))
    del document["digest"]
    del document["plan"]["changes"][0]["address"]
    document["digest"] = _digest(document)
    with pytest.raises(PlanError, match="malformed"):
        plan_from_bytes(json.dumps(document).encode())


def test_long_lists_and_maps_print_one_element_per_line() -> None:
    """A security group's rules on one 300-character line are unreadable: a long value is
    broken up under its property, and short ones stay on their line."""
    from atonix_iac.planner.render.human import INLINE_LIMIT, _shown

    rules = [
        {"direction": "ingress", "protocol": "tcp", "port_range_min": p, "port_range_max": p}
        for p in (22, 80, 443)
    ]
    text = _shown(rules)
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "        ]"
    assert len(lines) > len(rules) + 1
    assert all(len(line) <= INLINE_LIMIT + 20 for line in lines)
    assert _shown({"a": 1}) == '{"a": 1}'
    assert _shown(rules, sensitive=True) == "(sensitive value)"
