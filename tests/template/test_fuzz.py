"""Random damage to valid templates must give AtonixError (located), never anything else."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atonix_iac.errors import AtonixError
from atonix_iac.template import bind_parameters, load_template_from_files
from atonix_iac.template.nodes import plain
from atonix_iac.template.source import parse_document

BASES = [
    """\
heat_template_version: 2021-04-16
description: fuzz base
parameters:
  flavor:
    type: string
    default: m1.small
    constraints:
      - allowed_values: [m1.small, m1.large]
  count:
    type: number
    default: 2
    constraints: [{range: {min: 1, max: 5}}, {modulo: {step: 1, offset: 0}}]
  secret: {type: string, hidden: true, default: pw}
  tags: {type: comma_delimited_list, default: "a,b"}
  extra: {type: json, default: {k: v}}
  enabled: {type: boolean, default: true}
parameter_groups:
  - label: main
    parameters: [flavor, count]
conditions:
  on: {get_param: enabled}
  big: {equals: [{get_param: flavor}, m1.large]}
  both: {and: [on, big]}
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: {list_join: ['-', [{get_param: OS::stack_name}, net]]}}
  server:
    type: OS::Nova::Server
    condition: on
    depends_on: [net]
    deletion_policy: retain
    lifecycle: {prevent_destroy: {get_param: enabled}, ignore_changes: [image]}
    properties:
      flavor: {get_param: flavor}
      networks: [{network: {get_resource: net}}]
      metadata: {if: [big, {size: big}]}
      user_data: {str_replace: {template: "echo $x", params: {$x: {get_param: secret}}}}
outputs:
  id:
    value: {get_attr: [server, first_address]}
    condition: both
  pw:
    value: {get_param: secret}
""",
    """\
heat_template_version: 2013-05-23
parameters:
  image: {type: string}
resources:
  vol:
    type: OS::Cinder::Volume
    properties: {size: 1, image: {get_param: image}}
  attach:
    type: OS::Cinder::VolumeAttachment
    properties:
      volume_id: {get_resource: vol}
      instance_uuid: {get_attr: [vol, attachments, 0]}
outputs:
  vol: {value: {get_resource: vol}}
""",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["get_param", "get_resource", "if", "OS::Heat::None", "2018-08-31", "a,b"]),
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(["get_param", "type", "value"])),
            children,
            max_size=3,
        ),
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(data: Any, path: tuple[Any, ...], action: str, new: Any) -> Any:
    if not path:
        return new if action == "retype" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "drop":
        del parent[last]
    elif action == "retype":
        parent[last] = new
    elif action == "rename" and isinstance(parent, dict):
        parent[f"{last}x"] = parent.pop(last)
    return data


def _load(text: str) -> None:
    template = load_template_from_files("t.yaml", {"t.yaml": text})
    bind_parameters(
        template, {}, stack_name="s", stack_id="i", project_id="p", region="r", check_required=False
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(BASES),
    data=st.data(),
    action=st.sampled_from(["drop", "retype", "rename"]),
    new=yaml_values,
)
def test_structural_mutations_raise_only_atonix_errors(
    base: str, data: st.DataObject, action: str, new: Any
) -> None:
    tree = plain(parse_document("t.yaml", base))
    path = data.draw(st.sampled_from(_paths(tree)))
    mutated = _mutate(tree, path, action, new)
    try:
        text = yaml.safe_dump(mutated, allow_unicode=True)
    except yaml.YAMLError:
        return
    try:
        _load(text)
    except AtonixError as exc:
        assert exc.diagnostics or exc.message


@settings(max_examples=150, deadline=None)
@given(base=st.sampled_from(BASES), cut=st.floats(0, 1), line=st.integers(0, 80))
def test_truncated_and_duplicated_text_raise_only_atonix_errors(
    base: str, cut: float, line: int
) -> None:
    lines = base.splitlines(keepends=True)
    index = line % len(lines)
    duplicated = "".join(lines[: index + 1] + [lines[index]] + lines[index + 1 :])
    for text in (base[: int(len(base) * cut)], duplicated):
        try:
            _load(text)
        except AtonixError as exc:
            assert exc.format()


@settings(max_examples=100, deadline=None)
@given(
    values=st.dictionaries(
        st.sampled_from(["flavor", "count", "secret", "tags", "extra", "enabled", "nope"]),
        yaml_values,
        max_size=4,
    )
)
def test_random_parameter_values_raise_only_parameter_errors(values: dict[str, Any]) -> None:
    template = load_template_from_files("t.yaml", {"t.yaml": BASES[0]})
    try:
        bind_parameters(template, values, stack_name="s", stack_id="i", project_id="p", region="r")
    except AtonixError as exc:
        assert exc.diagnostics
