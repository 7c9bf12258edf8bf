"""OS::Heat::Stack whose ``template`` is written in the template (inline text or get_file):
flattened into its parent like a template resource, its ``parameters`` map standing for the
properties. Its outputs are read as Heat reads them, ``get_attr: [stack, outputs, name]``
(or the whole ``outputs`` map); ``get_resource`` gives the nested stack's id. A ``context``
naming a region is refused: the nested stack is deployed where its parent is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from atonix_iac.errors import Diagnostic
from atonix_iac.template.functions.references import GetFile
from atonix_iac.template.model import ResourceSpec
from atonix_iac.template.naming import FileNaming
from atonix_iac.template.nodes import LocatedDict

STACK_TYPE: Final = "OS::Heat::Stack"
# Heat's AWS nested stack: TemplateURL (read as a file relative to the template, as a
# template resource's type is), Parameters; outputs read as ``get_attr [stack, Outputs.X]``.
CFN_STACK_TYPE: Final = "AWS::CloudFormation::Stack"
# Types the loader expands into other resources before planning (no provider deploys them).
EXPANDED_TYPES: Final = frozenset({STACK_TYPE, CFN_STACK_TYPE})
# The property holding the nested stack's parameters, by type.
_PARAMETERS: Final = {STACK_TYPE: "parameters", CFN_STACK_TYPE: "Parameters"}


def inline_template(
    spec: ResourceSpec, source: str, naming: FileNaming
) -> tuple[str, str | None] | None:
    """(key, text) of an OS::Heat::Stack's literal template, or None (not one, or computed);
    an AWS::CloudFormation::Stack's TemplateURL gives (key, None): the file is to be read."""
    if spec.type == CFN_STACK_TYPE:
        url = spec.properties.get("TemplateURL")
        if isinstance(url, str) and url:
            return naming.key(source, str.__str__(url)), None
        return None
    if spec.type != STACK_TYPE:
        return None
    given = spec.properties.get("template")
    if isinstance(given, GetFile):
        return given.path, given.text
    if isinstance(given, str):
        return f"{source}#{spec.name}.template", str.__str__(given)
    return None


def parent_view(
    spec: ResourceSpec, body: Any, diagnostics: list[Diagnostic]
) -> tuple[ResourceSpec, LocatedDict]:
    """The resource as a template resource: its ``parameters`` are the properties."""
    key = _PARAMETERS.get(spec.type, "parameters")
    raw_props = body.get("properties") if isinstance(body, LocatedDict) else None
    raw_params = raw_props.get(key) if isinstance(raw_props, LocatedDict) else None
    given = spec.properties.get(key)
    where = spec.property_locations.get(key, spec.location)
    parameters: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    if given is not None and not isinstance(given, Mapping):
        diagnostics.append(Diagnostic(f"`{key}` must be a map of parameter values", where))
    locations = {
        str(k): raw_params.key_loc(k) if isinstance(raw_params, LocatedDict) else where
        for k in parameters
    }
    view_body = LocatedDict(loc=body.loc) if isinstance(body, LocatedDict) else LocatedDict()
    view_body["properties"] = raw_params if isinstance(raw_params, LocatedDict) else LocatedDict()
    view = replace(
        spec, properties={str(k): v for k, v in parameters.items()}, property_locations=locations
    )
    return view, view_body


def context_region(spec: ResourceSpec, diagnostics: list[Diagnostic]) -> str | None:
    """``context.region_name`` as written (it must be literal: it is checked against the
    stack's own region when the parameters are bound, before any plan)."""
    context = spec.properties.get("context")
    region = context.get("region_name") if isinstance(context, Mapping) else None
    if region is None:
        return None
    if not isinstance(region, str):
        diagnostics.append(
            Diagnostic(
                "`context.region_name` must be written as a plain string",
                spec.property_locations.get("context", spec.location),
            )
        )
        return None
    return str.__str__(region)


def region_problems(
    stacks: Mapping[str, Any], region: str, where: Mapping[str, Any]
) -> list[Diagnostic]:
    """A nested stack whose ``context.region_name`` is not the stack's region is refused."""
    found = []
    for name, nested in stacks.items():
        wanted = getattr(nested, "region", None)
        if wanted is not None and region and wanted != region:
            found.append(
                Diagnostic(
                    f"nested stack `{name}` names region `{wanted}` (context.region_name), but"
                    f" this stack is deployed to `{region}`: a nested stack in another region"
                    " is not supported",
                    where.get(name),
                    hint="remove `context`, or deploy the nested template as its own stack"
                    " in that region",
                )
            )
    return found
