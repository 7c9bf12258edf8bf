"""Loading whole templates: sections, references, conditions, outputs, files and digest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template import (
    bind_parameters,
    evaluate,
    load_template,
    load_template_from_files,
    resolve_conditions,
)
from atonix_iac.template.expr import Expr
from atonix_iac.template.model import DeletionPolicy

STACK = {"stack_name": "s", "stack_id": "id-1", "project_id": "p", "region": "r"}

FULL = """\
heat_template_version: 2018-08-31
description: everything at once
parameter_groups:
  - label: main
    parameters: [env, pw]
parameters:
  env:
    type: string
    default: dev
    tags: [core]
    label: Environment
  pw: {type: string, hidden: true, default: secret-value}
conditions:
  is_prod: {equals: [{get_param: env}, prod]}
  not_prod: {not: is_prod}
resources:
  net:
    type: OS::Quantum::Net
  server:
    type: OS::Nova::Server
    depends_on: net
    condition: not_prod
    deletion_policy: snapshot
    external_id: abc
    update_policy: {max: 1}
    metadata: {role: {get_param: env}}
    lifecycle:
      prevent_destroy: {get_param: env}
      create_before_destroy: true
      ignore_changes: [image]
    properties:
      name: {get_param: OS::stack_name}
      networks: [{network: {get_resource: net}}]
outputs:
  password:
    value: {str_replace: {template: "pw=$p", params: {$p: {get_param: pw}}}}
  ip:
    value: {get_attr: [server, first_address]}
    condition: is_prod
"""


def test_every_section_is_read(write: Callable[..., None]) -> None:
    write(**{"stack.yaml": FULL})
    t = load_template("stack.yaml")
    assert t.version == "2018-08-31"
    assert t.description == "everything at once"
    assert t.parameter_groups[0].parameters == ("env", "pw")
    assert t.parameters["env"].tags == ("core",)
    assert t.parameters["pw"].hidden
    net, server = t.resources["net"], t.resources["server"]
    assert net.type == "OS::Neutron::Net"  # the global environment's alias
    assert server.depends_on == (("net", SourceLocation("stack.yaml", 21, 17)),)
    assert server.condition == "not_prod"
    assert server.deletion_policy is DeletionPolicy.SNAPSHOT
    assert server.location == SourceLocation("stack.yaml", 19, 3)
    assert server.type_location == SourceLocation("stack.yaml", 20, 11)
    assert server.property_locations["networks"] == SourceLocation("stack.yaml", 33, 7)
    assert server.lifecycle.create_before_destroy
    assert server.lifecycle.ignore_changes == ("image",)
    assert isinstance(server.lifecycle.prevent_destroy, Expr)
    assert [r.resource for r in server.properties["networks"][0]["network"].references()] == ["net"]
    assert t.outputs["password"].sensitive
    assert not t.outputs["ip"].sensitive
    assert t.outputs["ip"].condition == "is_prod"


def test_conditions_and_values_evaluate(write: Callable[..., None], plain_context: Any) -> None:
    write(**{"stack.yaml": FULL})
    t = load_template("stack.yaml")
    params = bind_parameters(t, {"env": "prod"}, **STACK)
    assert resolve_conditions(t, params) == {"is_prod": True, "not_prod": False}
    ctx = plain_context(params.values)
    assert evaluate(t.resources["server"].properties, ctx) == {
        "name": "s",
        "networks": [{"network": "id-net"}],
    }
    assert "secret-value" not in repr(evaluate(t.outputs["password"].value, ctx))


def test_version_aliases_are_accepted(write: Callable[..., None]) -> None:
    write(**{"t.yaml": "heat_template_version: newton\n"})
    assert load_template("t.yaml").version == "2016-10-14"


def test_every_problem_is_reported_at_once(write: Callable[..., None]) -> None:
    write(
        **{
            "t.yaml": """\
            heat_template_version: 2018-08-31
            parameters:
              a: {type: strin}
            resources:
              r1: {type: OS::Heat::None, depends_on: [r3]}
              r2: {properties: {}}
            outputs:
              o: {description: x}
            """
        }
    )
    with pytest.raises(TemplateError) as info:
        load_template("t.yaml")
    assert [str(d.location) for d in info.value.diagnostics] == [
        "t.yaml:3:13",
        "t.yaml:5:43",
        "t.yaml:6:3",
        "t.yaml:8:6",
    ]


def test_get_file_reads_relative_to_the_template(
    write: Callable[..., None], plain_context: Any
) -> None:
    write(
        **{
            "dir__t.yaml": """\
            heat_template_version: 2018-08-31
            resources:
              c:
                type: OS::Heat::SoftwareConfig
                properties: {config: {get_file: scripts/boot.sh}}
            """,
            "dir__scripts__boot.sh": "#!/bin/sh\necho hi\n",
        }
    )
    t = load_template("dir/t.yaml")
    assert evaluate(t.resources["c"].properties, plain_context({})) == {
        "config": "#!/bin/sh\necho hi\n"
    }
    assert set(t.files) == {"dir/t.yaml", "dir/scripts/boot.sh"}


def test_saved_files_reload_identically_without_disk(
    write: Callable[..., None], tmp_path: Path
) -> None:
    write(
        **{
            "t.yaml": """\
            heat_template_version: 2018-08-31
            resources:
              n: {type: sub/n.yaml, properties: {x: {get_file: f.txt}}}
            """,
            "sub__n.yaml": """\
            heat_template_version: 2018-08-31
            parameters: {x: {type: string}}
            resources: {v: {type: OS::Heat::Value, properties: {value: {get_param: x}}}}
            """,
            "f.txt": "data",
            "env.yaml": "parameter_defaults: {y: 1}\n",
        }
    )
    first = load_template("t.yaml", ["env.yaml"])
    assert set(first.files) == {"t.yaml", "sub/n.yaml", "f.txt", "env.yaml"}
    for name in ("t.yaml", "sub/n.yaml", "f.txt", "env.yaml"):
        (tmp_path / name).unlink()
    again = load_template_from_files("t.yaml", first.files, ["env.yaml"])
    assert again.digest == first.digest
    assert again.resources.keys() == first.resources.keys()
    changed = dict(first.files, **{"f.txt": "other"})
    assert load_template_from_files("t.yaml", changed, ["env.yaml"]).digest != first.digest


def test_jinja_templates_render_with_vars_and_digest_follows_output(
    write: Callable[..., None],
) -> None:
    write(
        **{
            "t.yaml.j2": """\
            heat_template_version: 2018-08-31
            resources:
            {% for i in range(count | int) %}
              r{{ i }}: {type: OS::Heat::None}
            {% endfor %}
            """
        }
    )
    two = load_template("t.yaml.j2", template_vars={"count": 2})
    assert list(two.resources) == ["r0", "r1"]
    three = load_template("t.yaml.j2", template_vars={"count": 3})
    assert three.digest != two.digest
    with pytest.raises(TemplateError, match=r"t.yaml.j2:3:1: error: Jinja2: 'count' is undefined"):
        load_template("t.yaml.j2")


def test_registry_template_targets_become_nested_stacks(write: Callable[..., None]) -> None:
    write(
        **{
            "t.yaml": """\
            heat_template_version: 2018-08-31
            resources:
              web: {type: My::Server}
            """,
            "lib__env.yaml": "resource_registry:\n  My::Server: server.yaml\n",
            "lib__server.yaml": """\
            heat_template_version: 2018-08-31
            resources: {vm: {type: OS::Heat::None}}
            """,
        }
    )
    t = load_template("t.yaml", ["lib/env.yaml"])
    assert list(t.resources) == ["web.vm"]
    assert t.nested_stacks["web"].template_source == "lib/server.yaml"


def test_missing_file_is_a_located_error(write: Callable[..., None]) -> None:
    write(**{"t.yaml": "heat_template_version: 2018-08-31\nresources:\n  n: {type: gone.yaml}\n"})
    with pytest.raises(TemplateError) as info:
        load_template("t.yaml")
    assert info.value.format() == "t.yaml:3:13: error: file `gone.yaml` does not exist"
    with pytest.raises(TemplateError, match="file `nothere.yaml` does not exist"):
        load_template("nothere.yaml")


def test_files_sent_by_url_resolve_get_file_and_nested_templates() -> None:
    """heatclient inlines what a template names and sends it keyed by URL (``file:///abs``,
    ``https://...``), the template rewritten to those URLs: such saved files are used, and a
    URL that is not among them is still refused (never read from disk nor fetched)."""
    nested = "heat_template_version: 2018-08-31\nresources:\n  inner: {type: OS::Heat::None}\n"
    root = (
        "heat_template_version: 2018-08-31\nresources:\n"
        "  a: {type: OS::Heat::Value, properties: {value: {get_file: 'file:///w/s.sh'}}}\n"
        "  b: {type: OS::Heat::Value, properties: {value: {get_file: 'https://h/x.txt'}}}\n"
        "  c: {type: My::Nested}\n"
    )
    env = "resource_registry:\n  My::Nested: 'https://h/nested.yaml'\n"
    files = {
        "t.yaml": root,
        "e.yaml": env,
        "/w/s.sh": "echo saved",
        "https://h/x.txt": "from a url",
        "https://h/nested.yaml": nested,
    }
    template = load_template_from_files("t.yaml", files, ["e.yaml"])
    assert set(template.resources) == {"a", "b", "c.inner"}  # the nested stack, flattened
    missing = root.replace("https://h/x.txt", "https://h/other.txt")
    with pytest.raises(TemplateError) as caught:
        load_template_from_files("t.yaml", {**files, "t.yaml": missing}, ["e.yaml"])
    assert "remote get_file is not supported: `https://h/other.txt` is a URL" in str(caught.value)
