"""Nested stacks: flattening, scoping of parameters/resources/conditions, outputs, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from atonix_iac.errors import TemplateError
from atonix_iac.template import bind_parameters, evaluate, load_template, resolve_conditions

STACK = {"stack_name": "s", "stack_id": "id-1", "project_id": "p", "region": "r"}

ROOT = """\
heat_template_version: 2018-08-31
parameters:
  size: {type: number, default: 2}
  secret: {type: string, hidden: true, default: pw}
resources:
  net:
    type: OS::Neutron::Net
  tier:
    type: tier.yaml
    depends_on: other
    properties:
      count: {get_param: size}
      network: {get_resource: net}
      password: {get_param: secret}
  other:
    type: OS::Heat::None
  user:
    type: OS::Heat::Value
    depends_on: tier
    properties:
      value: {get_attr: [tier, first_ip]}
outputs:
  inner_id: {value: {get_resource: tier}}
"""

TIER = """\
heat_template_version: 2018-08-31
parameters:
  count: {type: number}
  network: {type: string}
  password: {type: string, hidden: true}
  flavor: {type: string, default: m1.small}
conditions:
  many: {not: {equals: [{get_param: count}, 1]}}
resources:
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_param: network}
  vm:
    type: OS::Nova::Server
    condition: many
    properties:
      flavor: {get_param: flavor}
      name: {list_join: ['-', [{get_param: OS::stack_name}, {get_param: flavor}]]}
      networks: [{port: {get_resource: port}}]
      admin_pass: {get_param: password}
  db:
    type: db.yaml
outputs:
  first_ip: {value: {get_attr: [port, fixed_ips, 0, ip_address]}}
  OS::stack_id: {value: {get_resource: vm}}
"""

DB = """\
heat_template_version: 2018-08-31
parameters:
  flavor: {type: string, default: db.small}
resources:
  volume:
    type: OS::Cinder::Volume
    properties: {name: {get_param: flavor}}
"""


@pytest.fixture
def loaded(write: Callable[..., None]):  # type: ignore[no-untyped-def]
    write(**{"root.yaml": ROOT, "tier.yaml": TIER, "db.yaml": DB})
    return load_template("root.yaml")


def test_inner_resources_are_flattened_with_dotted_names(loaded) -> None:  # type: ignore[no-untyped-def]
    assert list(loaded.resources) == [
        "net",
        "tier.port",
        "tier.vm",
        "tier.db.volume",
        "other",
        "user",
    ]
    assert loaded.resources["tier.vm"].parent == "tier"
    assert loaded.resources["tier.db.volume"].parent == "tier.db"
    assert set(loaded.nested_stacks) == {"tier", "tier.db"}
    assert loaded.nested_stacks["tier"].resources == ("tier.port", "tier.vm", "tier.db.volume")
    assert set(loaded.conditions) == {"tier.many"}
    assert loaded.resources["tier.vm"].condition == "tier.many"


def test_depends_on_is_inherited_and_expanded(loaded) -> None:  # type: ignore[no-untyped-def]
    assert [d for d, _ in loaded.resources["tier.port"].depends_on] == ["other"]
    assert [d for d, _ in loaded.resources["user"].depends_on] == [
        "tier.port",
        "tier.vm",
        "tier.db.volume",
    ]


def test_inner_expressions_evaluate_in_the_nested_scope(loaded, plain_context: Any) -> None:  # type: ignore[no-untyped-def]
    params = bind_parameters(loaded, {"size": "3"}, **STACK)
    ctx = plain_context(params.values, conditions=resolve_conditions(loaded, params))
    vm = evaluate(loaded.resources["tier.vm"].properties, ctx)
    assert vm["flavor"] == "m1.small"
    assert vm["name"] == "s-tier-m1.small"
    assert vm["networks"] == [{"port": "id-tier.port"}]
    assert vm["admin_pass"] == "pw"
    assert repr(vm["admin_pass"]) == "(sensitive)"
    port = evaluate(loaded.resources["tier.port"].properties, ctx)
    assert port == {"network": "id-net"}
    volume = evaluate(loaded.resources["tier.db.volume"].properties, ctx)
    assert volume == {"name": "db.small"}
    assert resolve_conditions(loaded, params) == {"tier.many": True}


def test_references_are_prefixed_and_follow_parent_properties(loaded) -> None:  # type: ignore[no-untyped-def]
    port_refs = {
        r.resource
        for v in loaded.resources["tier.port"].properties.values()
        for r in v.references()
    }
    assert port_refs == {"net"}
    vm = loaded.resources["tier.vm"].properties
    assert {r.resource for r in vm["networks"][0]["port"].references()} == {"tier.port"}
    assert {r.resource for r in vm["flavor"].references()} == set()


def test_outputs_are_kept_scoped_for_get_attr(loaded, plain_context: Any) -> None:  # type: ignore[no-untyped-def]
    outputs = loaded.nested_stacks["tier"].outputs
    ctx = plain_context({}, attributes={("tier.port", "fixed_ips"): [{"ip_address": "10.0.0.5"}]})
    assert evaluate(outputs["first_ip"].value, ctx) == "10.0.0.5"
    assert evaluate(outputs["OS::stack_id"].value, ctx) == "id-tier.vm"


def test_parameter_defaults_reach_nested_templates(
    write: Callable[..., None], plain_context: Any
) -> None:
    write(
        **{
            "root.yaml": ROOT,
            "tier.yaml": TIER,
            "db.yaml": DB,
            "env.yaml": "parameter_defaults: {flavor: m1.huge}\n",
        }
    )
    t = load_template("root.yaml", ["env.yaml"])
    params = bind_parameters(t, {}, **STACK)
    ctx = plain_context(params.values)
    assert evaluate(t.resources["tier.db.volume"].properties, ctx) == {"name": "m1.huge"}


def test_property_errors_are_reported_in_the_parent(write: Callable[..., None]) -> None:
    write(
        **{
            "root.yaml": """\
            heat_template_version: 2018-08-31
            resources:
              tier:
                type: tier.yaml
                properties: {cont: 1}
            """,
            "tier.yaml": TIER,
            "db.yaml": DB,
        }
    )
    with pytest.raises(TemplateError) as info:
        load_template("root.yaml")
    lines = info.value.format().splitlines()
    assert lines[0] == (
        "root.yaml:5:18: error: unknown property `cont` for nested template `tier.yaml` "
        "(did you mean `count`?)"
    )
    assert lines[1].startswith(
        "root.yaml:3:3: error: `tier` does not set required property `count`"
    )


def test_depth_limit_and_recursion_are_located(write: Callable[..., None]) -> None:
    head = "heat_template_version: 2018-08-31\nresources:\n"
    chain = {f"l{i}.yaml": f"{head}  n: {{type: l{i + 1}.yaml}}\n" for i in range(7)}
    chain["l7.yaml"] = "heat_template_version: 2018-08-31\n"
    write(
        **chain,
        **{"self.yaml": "heat_template_version: 2018-08-31\nresources:\n  me: {type: self.yaml}\n"},
    )
    with pytest.raises(TemplateError) as info:
        load_template("l0.yaml")
    assert info.value.format() == (
        "l5.yaml:3:13: error: nested templates go deeper than 5 levels "
        "(Heat's max_nested_stack_depth)"
    )
    load_template("l2.yaml")  # five levels below l2 is fine
    with pytest.raises(TemplateError) as info:
        load_template("self.yaml")
    assert info.value.format() == (
        "self.yaml:3:14: error: template `self.yaml` includes itself (self.yaml -> self.yaml)"
    )
