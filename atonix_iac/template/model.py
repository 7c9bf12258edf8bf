"""The typed, parameter-independent form of a loaded template.

Loading never needs parameter values (``atonix validate`` works without them); binding values
to parameters is a separate step (``template.parameters.bind_parameters``). Nested stacks
(a resource whose type is a template file, directly or through an environment's
resource_registry) are flattened into the root template at load time: the inner resources get
dotted names (``net_tier.router``) so that the planner only ever sees one flat set of resources.

Frozen dataclasses rather than pydantic models: a 10,000-resource stack is built on every
``plan``, and property values hold ``Expr`` objects that pydantic would only re-validate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from atonix_iac.errors import SourceLocation


class ParamType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    JSON = "json"
    COMMA_DELIMITED_LIST = "comma_delimited_list"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True)
class Constraint:
    """One parameter constraint, e.g. kind="range", spec={"min": 1, "max": 5}.

    kind is one of length, range, modulo, allowed_values, allowed_pattern, custom_constraint.
    Custom constraints are not checked by the template layer; providers check them.
    """

    kind: str
    spec: Any
    description: str | None
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Parameter:
    """One declared template parameter: type, default, constraints and where it is written."""

    name: str
    type: ParamType
    location: SourceLocation
    default: Any = None
    has_default: bool = False
    label: str | None = None
    description: str | None = None
    hidden: bool = False
    immutable: bool = False
    constraints: tuple[Constraint, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def custom_constraints(self) -> tuple[str, ...]:
        return tuple(str(c.spec) for c in self.constraints if c.kind == "custom_constraint")


@dataclass(frozen=True, slots=True)
class ParameterGroup:
    """A ``parameter_groups`` entry: a label for parameters shown together."""

    label: str | None
    description: str | None
    parameters: tuple[str, ...]
    location: SourceLocation


class DeletionPolicy(StrEnum):
    DELETE = "Delete"
    RETAIN = "Retain"
    SNAPSHOT = "Snapshot"


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """What HOT cannot say (Terraform's lifecycle block), under a resource's ``lifecycle`` key.

    ``prevent_destroy`` may be an Expr (e.g. ``get_param: protect``) resolved at plan time.
    ``ignore_changes`` holds top-level property names, or ``["all"]``.
    """

    prevent_destroy: Any = False
    create_before_destroy: bool = False
    ignore_changes: tuple[str, ...] = ()
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One resource as written. ``properties`` values may hold Expr objects anywhere."""

    name: str  # the (dotted, for nested stacks) address
    type: str
    location: SourceLocation  # of the resource's key
    type_location: SourceLocation
    properties: dict[str, Any] = field(default_factory=dict)
    property_locations: dict[str, SourceLocation] = field(default_factory=dict)
    metadata: Any = None
    depends_on: tuple[tuple[str, SourceLocation], ...] = ()
    condition: Any = None  # None = always; else a condition name, bool or Expr
    deletion_policy: DeletionPolicy = DeletionPolicy.DELETE
    update_policy: Any = None
    external_id: Any = None
    description: str | None = None
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    # For a resource from a nested template: the address of the nested-stack resource.
    parent: str | None = None
    # Not input: the references in this resource, collected once on first use by
    # ``template.spec_references.resource_references`` (graph, get_attr checks and plan share
    # them). Out of __init__, replace(), equality and repr; a replaced spec collects afresh.
    collected_references: Any = field(default=None, init=False, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """One ``outputs`` entry; ``value`` may hold functions resolved at plan time."""

    name: str
    value: Any  # may hold Expr objects
    location: SourceLocation
    description: str | None = None
    condition: Any = None
    sensitive: bool = False


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    """One ``conditions`` entry, parsed with the condition functions."""

    name: str
    expression: Any  # bool, or an Expr built with the condition-function table
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class NestedStack:
    """A resource whose type is a template (directly or via resource_registry), flattened.

    Its inner resources are in ``Template.resources`` under ``<name>.<inner>``. ``get_attr``
    on it reads an inner output (``outputs``, values already scoped to the parent so they
    evaluate with the root ResolveContext); ``get_resource`` on it gives the ``OS::stack_id``
    output if the nested template defines one, else ``resource_id`` (a stable synthetic id).
    ``get_attr [name, resource.<inner>.<attr>]`` reads an inner resource's attribute.
    """

    name: str
    template_source: str  # the nested template's path
    location: SourceLocation
    resources: tuple[str, ...]  # addresses of the inner resources (nested ones included)
    outputs: dict[str, OutputSpec]
    resource_id: str
    # An OS::Heat::Stack resource: outputs are read as ``get_attr [name, outputs, <output>]``.
    stack_resource: bool = False
    # Its ``context.region_name`` (checked against the stack's region when parameters bind).
    region: str | None = None


@dataclass(frozen=True, slots=True)
class GroupDefinition:
    """What a group (ResourceGroup, AutoScalingGroup) makes its members of, found at load time.

    ``member_type`` is the member type after the environment's resource_registry; when it is
    a template, ``member_template`` is that template loaded (its own nested stacks flattened),
    ``member_doc`` its located document and ``definition_body`` the located ``resource_def``
    mapping, so that each member can be flattened once parameters say how many there are.
    """

    group: str
    definition_property: str  # "resource_def" or "resource"
    member_type: str | None  # None when the definition's type is not a literal string
    location: SourceLocation
    member_template: Any = None  # Template | None
    member_doc: Any = None
    definition_body: Any = None
    # OS::Heat::ResourceChain: each literal type of its ``resources`` list and the type the
    # resource_registry makes of it (members' types come from the list once it is bound).
    chain_types: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class GroupExpansion:
    """A group after parameters said how many members it has (``planner.groups``)."""

    group: str
    type: str
    members: tuple[str, ...]  # member names in index order ("0", "2", ...)
    removed: tuple[str, ...] = ()  # names never to be reused (Heat's name skiplist)


@dataclass(frozen=True, slots=True)
class Template:
    """A loaded template, nested stacks flattened in."""

    source: str  # path as the user named it; used in every location
    version: str  # canonical HOT date, e.g. "2018-08-31"
    description: str | None
    parameters: dict[str, Parameter]
    parameter_groups: tuple[ParameterGroup, ...]
    resources: dict[str, ResourceSpec]
    outputs: dict[str, OutputSpec]
    conditions: dict[str, ConditionSpec]
    # Every file that went into this template (root, get_file targets, nested templates,
    # environment files), by the path used to read it, with its text. Saved plans carry these
    # so that apply can re-load exactly what was planned.
    files: dict[str, str] = field(default_factory=dict)
    digest: str = ""  # sha256 over files (sorted), parameters excluded
    # Parameter values from environment files (``parameters`` / ``parameter_defaults``), to be
    # merged under command-line values by bind_parameters.
    environment_parameters: dict[str, Any] = field(default_factory=dict)
    environment_parameter_defaults: dict[str, Any] = field(default_factory=dict)
    # Where each environment value above was set (the env file's key), for messages.
    environment_parameter_sources: dict[str, SourceLocation] = field(default_factory=dict)
    nested_stacks: dict[str, NestedStack] = field(default_factory=dict)
    # The Jinja2 variables a ``.j2`` root template read, with their values: a saved plan
    # re-renders exactly what was planned, and these values are not HOT parameters.
    template_vars: dict[str, Any] = field(default_factory=dict)
    # Group resources (OS::Heat::ResourceGroup, AutoScalingGroup) by address, as loaded; and,
    # once expanded for bound parameters, what each group became (members ``group.N``).
    groups: dict[str, GroupDefinition] = field(default_factory=dict)
    expanded_groups: dict[str, GroupExpansion] = field(default_factory=dict)
