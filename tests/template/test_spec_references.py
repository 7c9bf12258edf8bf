"""Each resource's references are collected once, in document order, and follow replace()."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from atonix_iac.template import load_template
from atonix_iac.template.spec_references import resource_references

STACK = """\
heat_template_version: 2018-08-31
resources:
  a:
    type: OS::Heat::Value
    properties: {value: 1}
  b:
    type: OS::Heat::Value
    properties: {value: 2}
  c:
    type: OS::Heat::Value
    external_id: {get_attr: [a, value]}
    metadata:
      owner: {get_resource: b}
    properties:
      value:
        first: {get_attr: [b, value, x]}
        then: [plain, {get_attr: [a, value]}]
"""


def test_references_in_document_order_with_the_external_id_apart(
    write: Callable[..., None],
) -> None:
    write(**{"stack.yaml": STACK})
    refs = resource_references(load_template("stack.yaml").resources["c"])
    assert [(r.resource, r.attribute, r.path) for r in refs.body] == [
        ("b", "value", ("x",)),
        ("a", "value", ()),
        ("b", None, ()),
    ]
    assert [(r.resource, r.location.line) for r in refs.external_id] == [("a", 11)]
    assert refs.all == refs.body + refs.external_id


def test_collected_once_and_afresh_for_a_replaced_spec(write: Callable[..., None]) -> None:
    write(**{"stack.yaml": STACK})
    spec = load_template("stack.yaml").resources["c"]
    first = resource_references(spec)
    assert resource_references(spec) is first
    bare = dataclasses.replace(spec, properties={}, metadata=None)
    assert bare.collected_references is None
    assert [r.resource for r in resource_references(bare).body] == []
    assert resource_references(spec) is first
    assert dataclasses.replace(spec) == spec  # the cache takes no part in equality
