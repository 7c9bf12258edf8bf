"""Hand-built templates, expressions, schemas and states for the planner's unit tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.errors import SourceLocation
from atonix_iac.providers.base import (
    AttributeSchema,
    PropertySchema,
    ResourceIdentity,
    ResourceResult,
    ResourceSchema,
    ResourceType,
)
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey, State
from atonix_iac.template.expr import Expr, Reference, ResolveContext
from atonix_iac.template.model import (
    ConditionSpec,
    Lifecycle,
    NestedStack,
    OutputSpec,
    ResourceSpec,
    Template,
)

FILE = "stack.yaml"
KEY = StackKey("default", "dev", "app")


def loc(line: int, column: int = 3) -> SourceLocation:
    return SourceLocation(FILE, line, column)


_next_line = [100]


def _auto_loc() -> SourceLocation:
    _next_line[0] += 1
    return loc(_next_line[0], 7)


class GetResource(Expr):
    def __init__(self, target: str, location: SourceLocation | None = None) -> None:
        self.name = "get_resource"
        self.target = target
        self.location = location or _auto_loc()

    def references(self) -> Iterator[Reference]:
        yield Reference(self.target, None, self.location)

    def resolve(self, ctx: ResolveContext) -> Any:
        return ctx.resource_id(self.target)


class GetAttr(Expr):
    def __init__(
        self, target: str, attribute: str | None, *path: Any, location: SourceLocation | None = None
    ) -> None:
        self.name = "get_attr"
        self.target = target
        self.attribute = attribute
        self.path = tuple(path)
        self.location = location or _auto_loc()

    def references(self) -> Iterator[Reference]:
        yield Reference(self.target, self.attribute, self.location, self.path)

    def resolve(self, ctx: ResolveContext) -> Any:
        return ctx.attribute(self.target, self.attribute, self.path)


class GetParam(Expr):
    def __init__(self, param: str) -> None:
        self.name = "get_param"
        self.param = param
        self.location = _auto_loc()

    def references(self) -> Iterator[Reference]:
        return iter(())

    def resolve(self, ctx: ResolveContext) -> Any:
        return ctx.parameter(self.param)


class Equals(Expr):
    def __init__(self, left: Any, right: Any) -> None:
        self.name = "equals"
        self.left, self.right = left, right
        self.location = _auto_loc()

    def references(self) -> Iterator[Reference]:
        return iter(())

    def resolve(self, ctx: ResolveContext) -> Any:
        left = self.left.resolve(ctx) if isinstance(self.left, Expr) else self.left
        return left == self.right


def spec(
    name: str,
    type_: str = "Test::Value",
    properties: Mapping[str, Any] | None = None,
    *,
    line: int = 1,
    depends_on: tuple[str, ...] = (),
    condition: Any = None,
    lifecycle: Lifecycle | None = None,
    deletion_policy: str = "Delete",
    parent: str | None = None,
) -> ResourceSpec:
    from atonix_iac.template.model import DeletionPolicy

    props = dict(properties or {})
    return ResourceSpec(
        name=name,
        type=type_,
        location=loc(line),
        type_location=loc(line + 1, 5),
        properties=props,
        property_locations={k: loc(line + 3 + i, 7) for i, k in enumerate(props)},
        depends_on=tuple((d, loc(line + 2, 5)) for d in depends_on),
        condition=condition,
        lifecycle=lifecycle or Lifecycle(),
        deletion_policy=DeletionPolicy(deletion_policy),
        parent=parent,
    )


def template(
    *resources: ResourceSpec,
    outputs: Mapping[str, Any] | None = None,
    sensitive_outputs: frozenset[str] = frozenset(),
    conditions: Mapping[str, Any] | None = None,
    nested: tuple[NestedStack, ...] = (),
) -> Template:
    return Template(
        source=FILE,
        version="2018-08-31",
        description=None,
        parameters={},
        parameter_groups=(),
        resources={r.name: r for r in resources},
        outputs={
            name: OutputSpec(name, value, loc(500 + i), sensitive=name in sensitive_outputs)
            for i, (name, value) in enumerate((outputs or {}).items())
        },
        conditions={
            name: ConditionSpec(name, expr, loc(400 + i))
            for i, (name, expr) in enumerate((conditions or {}).items())
        },
        files={FILE: "# hand-built\n"},
        digest="d1g35t",
        nested_stacks={n.name: n for n in nested},
    )


@dataclass(frozen=True)
class Params:
    values: dict[str, Any] = field(default_factory=dict)
    sensitive: frozenset[str] = frozenset()


NO_PARAMS = Params({"OS::stack_name": "app"})


def _value_schema() -> ResourceSchema:
    return ResourceSchema(
        "Test::Value",
        {
            "value": PropertySchema("value", "Any", update_allowed=True),
            "tag": PropertySchema(
                "tag", "String", update_allowed=True, default="t", has_default=True
            ),
        },
        {"value": AttributeSchema("value")},
    )


def _server_schema() -> ResourceSchema:
    return ResourceSchema(
        "Test::Server",
        {
            "name": PropertySchema("name", update_allowed=True),
            "flavor": PropertySchema("flavor", required=True),
            "image": PropertySchema("image", update_allowed=True),
            "network": PropertySchema("network", update_allowed=True),
            "admin_pass": PropertySchema("admin_pass", update_allowed=True, sensitive=True),
        },
        {
            "first_address": AttributeSchema("first_address"),
            "networks": AttributeSchema("networks", "Map"),
            "console_password": AttributeSchema("console_password", sensitive=True),
        },
    )


def _random_schema() -> ResourceSchema:
    return ResourceSchema(
        "Test::Random",
        {"length": PropertySchema("length", "Integer", default=32, has_default=True)},
        {"value": AttributeSchema("value", sensitive=True), "extra": AttributeSchema("extra")},
        has_handle_update=False,
    )


class _FakeType(ResourceType):
    """A provider type that only answers schema questions (the planner never calls the rest)."""

    def __init__(self, schema: ResourceSchema) -> None:
        self.schema = schema

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        raise NotImplementedError

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        raise NotImplementedError

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise NotImplementedError

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        raise NotImplementedError


class _ServerType(_FakeType):
    def replace_reason(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> str | None:
        if "image" in changed and str(new.get("image", "")).startswith("rebuild:"):
            return "`image` changes with image_update_policy REPLACE"
        return None


def make_registry() -> Registry:
    """The real Registry over three test types; Heat's catalog answers for the rest, so
    OS::Nova::Server is a known type with no provider here."""
    return Registry(
        {
            "Test::Value": _FakeType(_value_schema()),
            "Test::Server": _ServerType(_server_schema()),
            "Test::Random": _FakeType(_random_schema()),
        },
        [],
    )


REGISTRY = make_registry()


def rstate(
    address: str,
    type_: str = "Test::Value",
    properties: Mapping[str, Any] | None = None,
    *,
    attributes: Mapping[str, Any] | None = None,
    status: ResourceStatus = ResourceStatus.READY,
    dependencies: tuple[str, ...] = (),
    physical_id: str | None = None,
    **kwargs: Any,
) -> ResourceState:
    return ResourceState(
        address=address,
        type=type_,
        physical_id=physical_id or f"id-{address}",
        status=status,
        properties=dict(properties or {}),
        attributes=dict(attributes or {}),
        dependencies=dependencies,
        **kwargs,
    )


def state(*resources: ResourceState, outputs: Mapping[str, Any] | None = None, **kw: Any) -> State:
    keyed = {}
    for r in resources:
        keyed[f"{r.address}#{r.deposed}" if r.deposed else r.address] = r
    return State(
        key=KEY, lineage="lin-1", serial=7, resources=keyed, outputs=dict(outputs or {}), **kw
    )


EMPTY = State(key=KEY)
