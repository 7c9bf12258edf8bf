"""Located YAML -> ``Template``: every section checked, nested stacks flattened.

The loader never stops at the first problem: each section appends diagnostics, and one
``TemplateError`` carrying all of them is raised at the end.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError, suggest
from atonix_iac.template import versions
from atonix_iac.template.conditions import parse_conditions
from atonix_iac.template.environment import Environment, is_template_target, resolve_relative
from atonix_iac.template.files import FileReader, digest_files
from atonix_iac.template.functions import ParseContext
from atonix_iac.template.groups import group_definition
from atonix_iac.template.heat_stack import context_region, inline_template, parent_view
from atonix_iac.template.model import (
    GroupDefinition,
    OutputSpec,
    Parameter,
    ResourceSpec,
    Template,
)
from atonix_iac.template.nested import MAX_NESTED_DEPTH, Flattened, expand_depends_on, flatten
from atonix_iac.template.nodes import LocatedDict, location_of
from atonix_iac.template.parameter_defs import (
    PSEUDO_PARAMETERS,
    parse_parameter_groups,
    parse_parameters,
)
from atonix_iac.template.render import needs_rendering, render_template, template_variables
from atonix_iac.template.resources import (
    ResourceParser,
    check_depends_on,
    parse_condition_ref,
    safe_parse,
)
from atonix_iac.template.scan import parameters_used
from atonix_iac.template.source import parse_document

BASE_SECTIONS = (
    "heat_template_version",
    "description",
    "parameter_groups",
    "parameters",
    "resources",
    "outputs",
)
CFN_KEYS = ("HeatTemplateFormatVersion", "AWSTemplateFormatVersion")
OUTPUT_KEYS = ("value", "description", "condition")


class TemplateLoader:
    """Loads one root template (and everything it pulls in) against one environment."""

    def __init__(
        self, reader: FileReader, env: Environment, template_vars: Mapping[str, Any] | None
    ) -> None:
        self.reader = reader
        self.env = env
        self.template_vars = template_vars
        self.diagnostics: list[Diagnostic] = []
        self.rendered: dict[str, str] = {}
        self.used_vars: dict[str, Any] = {}
        # (template, resource) -> the resource_registry entry that mapped its type to a file:
        # a file that cannot be read is reported there, where the path is written.
        self.registry_uses: dict[tuple[str, str], SourceLocation] = {}

    def error(self, loc: SourceLocation, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, loc, hint=hint))

    def load_root(self, key: str) -> Template:
        loaded = self.load_file(key, SourceLocation(key), chain=(), root=True)
        if loaded is None:
            raise TemplateError(diagnostics=self.diagnostics or [Diagnostic("cannot load", None)])
        template = self._finish(loaded[0])
        if self.diagnostics:
            error = TemplateError(diagnostics=self.diagnostics)
            error.partial = template
            raise error
        return template

    def _finish(self, template: Template) -> Template:
        files = {**self.reader.files, **self.env.files}
        return replace(
            template,
            files=files,
            digest=digest_files(files, self.rendered),
            environment_parameters=dict(self.env.parameters),
            environment_parameter_defaults=dict(self.env.parameter_defaults),
            environment_parameter_sources={
                **self.env.parameter_default_sources,
                **self.env.parameter_sources,
            },
            template_vars=self.used_vars,
        )

    def load_file(
        self,
        key: str,
        where: SourceLocation,
        *,
        chain: tuple[str, ...],
        root: bool = False,
        facade: Mapping[str, Any] | None = None,
        inline: str | None = None,
    ) -> tuple[Template, LocatedDict] | None:
        """``inline``: the text itself (an OS::Heat::Stack's template), not read from key."""
        try:
            text = self.reader.read(key, where) if inline is None else inline
            if root and needs_rendering(key):
                used = template_variables(text)
                text = render_template(key, text, self.template_vars)
                given = self.template_vars or {}
                self.used_vars = {k: v for k, v in given.items() if k in used}
                self.rendered[key] = text
            doc = parse_document(key, text)
        except TemplateError as exc:
            self.diagnostics.extend(exc.diagnostics)
            return None
        if not isinstance(doc, LocatedDict):
            self.error(
                location_of(doc, SourceLocation(key, 1, 1)),
                "a template must be a mapping with `heat_template_version`",
            )
            return None
        template = self._build(key, doc, chain, facade)
        return (template, doc) if template is not None else None

    def _version(self, key: str, doc: LocatedDict) -> str | None:
        if "heat_template_version" not in doc:
            for cfn in CFN_KEYS:
                if cfn in doc:
                    self.error(
                        doc.key_loc(cfn),
                        "CFN templates are not supported",
                        "write a HOT template with heat_template_version",
                    )
                    return None
            near = difflib.get_close_matches("heat_template_version", [str(k) for k in doc], 1)
            self.error(
                doc.loc if doc else SourceLocation(key, 1, 1),
                "the template has no `heat_template_version`",
                f"is `{near[0]}` a misspelling of it?"
                if near
                else f"add one, e.g. heat_template_version: {versions.HOT_VERSIONS[-1]}",
            )
            return None
        raw = doc["heat_template_version"]
        version = versions.canonical_version(raw)
        if version is None:
            known = list(versions.HOT_VERSIONS) + list(getattr(versions, "VERSION_ALIASES", {}))
            self.error(
                doc.value_loc("heat_template_version"),
                f"unknown heat_template_version `{raw}`",
                suggest(str(raw), known)
                or f"use one of {', '.join(versions.HOT_VERSIONS)} (or a release name)",
            )
        return version

    def _build(
        self,
        key: str,
        doc: LocatedDict,
        chain: tuple[str, ...],
        facade: Mapping[str, Any] | None,
    ) -> Template | None:
        version = self._version(key, doc)
        if version is None:
            return None
        sections = BASE_SECTIONS + (
            ("conditions",) if versions.supports(version, "conditions") else ()
        )
        for name in doc:
            if name not in sections:
                hint = suggest(str(name), sections)
                if name == "conditions":
                    hint = "`conditions` needs heat_template_version 2016-10-14 or later"
                self.error(doc.key_loc(name), f"unknown template section `{name}`", hint)
        parameters = parse_parameters(
            doc.get("parameters"), doc.key_loc("parameters"), version, self.diagnostics
        )
        groups = parse_parameter_groups(
            doc.get("parameter_groups"),
            doc.key_loc("parameter_groups"),
            parameters,
            self.diagnostics,
        )
        raw_resources = doc.get("resources")
        if raw_resources is None:
            raw_resources = LocatedDict(loc=doc.key_loc("resources"))
        elif not isinstance(raw_resources, LocatedDict):
            self.error(doc.value_loc("resources"), "`resources` must be a mapping")
            raw_resources = LocatedDict()
        raw_conditions = doc.get("conditions") if "conditions" in sections else None
        condition_names = frozenset(
            str(k) for k in (raw_conditions if isinstance(raw_conditions, LocatedDict) else {})
        )
        ctx = ParseContext(
            version=version,
            source=key,
            read_file=self._get_file(key),
            diagnostics=self.diagnostics,
            files={},
            condition_names=condition_names,
            resource_names=frozenset(str(k) for k in raw_resources),
            parameter_names=frozenset(parameters) | frozenset(PSEUDO_PARAMETERS),
            facade=facade,
            read_url=self.reader.sent_url,
        )
        conditions = parse_conditions(raw_conditions, doc.key_loc("conditions"), ctx)
        resources = self._resources(key, raw_resources, ctx, condition_names)
        outputs = self._outputs(doc, ctx, condition_names, parameters)
        description = doc.get("description")
        if description is not None and not isinstance(description, str):
            self.error(doc.value_loc("description"), "`description` must be a string")
            description = None
        template = Template(
            source=key,
            version=version,
            description=str(description) if description is not None else None,
            parameters=parameters,
            parameter_groups=groups,
            resources=resources,
            outputs=outputs,
            conditions=conditions,
        )
        known = self._known_parameters(parameters, root=not chain)
        template = replace(
            template, groups=self._groups(key, raw_resources, resources, (*chain, key), known)
        )
        return self._flatten(template, raw_resources, chain)

    def _groups(
        self,
        key: str,
        raw: LocatedDict,
        resources: Mapping[str, ResourceSpec],
        chain: tuple[str, ...],
        known: Mapping[str, Any],
    ) -> dict[str, GroupDefinition]:
        """Each group's member definition, its template loaded when the type is one."""
        out: dict[str, GroupDefinition] = {}
        for name, spec in resources.items():
            found = group_definition(
                spec, raw.get(name), key, self.env.resolve_type, self._known_value(known)
            )
            if found is None:
                continue
            definition, where = found
            member_key = definition.member_type
            if member_key is not None and is_template_target(member_key):
                loaded = self._member_template(member_key, where, chain)
                if loaded is None:
                    continue
                definition = replace(
                    definition,
                    member_template=loaded[0],
                    member_doc=loaded[1],
                )
            out[name] = definition
        return out

    def _known_parameters(
        self, parameters: Mapping[str, Parameter], *, root: bool
    ) -> dict[str, Any]:
        """Parameter values known before binding (the environment's, else the default): what
        a group's member ``type: {get_param: ...}`` resolves to when the template loads, as
        Heat resolves the group's definition before it builds members."""
        known = {n: p.default for n, p in parameters.items() if p.has_default}
        known.update(self.env.parameter_defaults)
        if root:
            known.update(self.env.parameters)
            known.update(_GivenValue.wrap(self.template_vars or {}))
        return known

    def _known_value(self, known: Mapping[str, Any]) -> Callable[[str], Any]:
        """Looks a parameter up; a value given on the command line is recorded with the
        plan (``template_vars``) so that a saved plan loads the same member template."""

        def value(name: str) -> Any:
            found = known.get(name)
            if isinstance(found, _GivenValue):
                self.used_vars[name] = found.value
                return found.value
            return found

        return value

    def _member_template(
        self, member_key: str, where: SourceLocation, chain: tuple[str, ...]
    ) -> tuple[Template, LocatedDict] | None:
        if member_key in chain:
            self.error(where, f"template `{member_key}` includes itself")
            return None
        if len(chain) > MAX_NESTED_DEPTH:
            self.error(where, f"nested templates go deeper than {MAX_NESTED_DEPTH} levels")
            return None
        return self.load_file(member_key, where, chain=chain)

    def _get_file(self, key: str) -> Callable[[str, SourceLocation], str]:
        def read(path: str, where: SourceLocation) -> str:
            return self.reader.read(resolve_relative(key, path), where)

        return read

    def _resources(
        self,
        key: str,
        raw: LocatedDict,
        ctx: ParseContext,
        condition_names: frozenset[str],
    ) -> dict[str, ResourceSpec]:
        parser = ResourceParser(ctx, condition_names)
        names = frozenset(str(k) for k in raw)
        out: dict[str, ResourceSpec] = {}
        for name, body in raw.items():
            spec = parser.parse(str(name), body, raw.key_loc(name))
            if spec is None:
                continue
            resolved = self.env.resolve_type(spec.type, spec.name)
            if resolved.is_template:
                rtype = resolved.type
                if resolved.via is not None:
                    self.registry_uses[(key, spec.name)] = resolved.via
            elif is_template_target(spec.type):
                rtype = resolve_relative(key, spec.type)
            else:
                rtype = resolved.type
            depends = check_depends_on(spec.name, body, names, self.diagnostics)
            out[spec.name] = replace(spec, type=rtype, depends_on=depends)
        return out

    def _outputs(
        self,
        doc: LocatedDict,
        ctx: ParseContext,
        condition_names: frozenset[str],
        parameters: dict[str, Parameter],
    ) -> dict[str, OutputSpec]:
        section = doc.get("outputs")
        if section is None:
            return {}
        if not isinstance(section, LocatedDict):
            self.error(doc.value_loc("outputs"), "`outputs` must be a mapping")
            return {}
        allowed = (
            OUTPUT_KEYS if versions.supports(ctx.version, "output_condition") else OUTPUT_KEYS[:2]
        )
        hidden = {n for n, p in parameters.items() if p.hidden}
        out: dict[str, OutputSpec] = {}
        for name, body in section.items():
            loc = section.key_loc(name)
            if not isinstance(body, LocatedDict) or "value" not in body:
                self.error(location_of(body, loc), f"output `{name}` needs a `value`")
                continue
            for k in body:
                if k not in allowed:
                    hint = suggest(str(k), allowed)
                    if k == "condition":
                        hint = "output conditions need heat_template_version 2016-10-14 or later"
                    self.error(body.key_loc(k), f"invalid key `{k}` in output `{name}`", hint)
            condition = None
            if "condition" in body and "condition" in allowed:
                condition = parse_condition_ref(
                    body["condition"],
                    body.value_loc("condition"),
                    ctx,
                    condition_names,
                    f"output `{name}`",
                )
            used = parameters_used(body["value"])
            description = body.get("description")
            out[str(name)] = OutputSpec(
                name=str(name),
                value=safe_parse(body["value"], ctx, body.value_loc("value")),
                location=loc,
                description=str(description) if description is not None else None,
                condition=condition,
                sensitive=bool(hidden) and (used is None or bool(used & hidden)),
            )
        return out

    def _note_use(self, first: int, where: SourceLocation, spec: ResourceSpec) -> None:
        """Diagnostics from ``first`` on that sit at a registry entry also point at the use."""
        if where == spec.type_location:
            return
        note = (spec.type_location, f"`{spec.name}` uses it")
        for i in range(first, len(self.diagnostics)):
            diagnostic = self.diagnostics[i]
            if diagnostic.location == where:
                self.diagnostics[i] = replace(diagnostic, related=(*diagnostic.related, note))

    def _flatten_stack(
        self, spec: ResourceSpec, body: Any, inline: tuple[str, str | None], here: tuple[str, ...]
    ) -> Flattened | None:
        """An OS::Heat::Stack with a literal template, flattened as a template resource."""
        key, text = inline
        if len(here) > MAX_NESTED_DEPTH:
            self.error(
                spec.type_location,
                f"nested templates go deeper than {MAX_NESTED_DEPTH} levels",
                "Heat's max_nested_stack_depth",
            )
            return None
        where = spec.property_locations.get(
            "template", spec.property_locations.get("TemplateURL", spec.location)
        )
        facade = {
            "metadata": spec.metadata,
            "deletion_policy": spec.deletion_policy.value,
            "update_policy": spec.update_policy,
        }
        loaded = self.load_file(key, where, chain=here, facade=facade, inline=text)
        if loaded is None:
            return None
        child, child_doc = loaded
        view, view_body = parent_view(spec, body, self.diagnostics)
        flat = flatten(
            view, view_body, child, child_doc, self.env.parameter_defaults, self.diagnostics
        )
        flat.nested_stacks[spec.name] = replace(
            flat.nested_stacks[spec.name],
            stack_resource=True,
            region=context_region(spec, self.diagnostics),
        )
        return flat

    def _flatten(
        self, template: Template, raw_resources: LocatedDict, chain: tuple[str, ...]
    ) -> Template:
        here = (*chain, template.source)
        inline = {
            n: found
            for n, s in template.resources.items()
            if (found := inline_template(s, template.source)) is not None
        }
        nested_names = [
            n for n, s in template.resources.items() if is_template_target(s.type) or n in inline
        ]
        if not nested_names:
            return template
        resources: dict[str, ResourceSpec] = {}
        conditions = dict(template.conditions)
        nested_stacks = dict(template.nested_stacks)
        groups = dict(template.groups)
        for name, spec in template.resources.items():
            if name not in nested_names:
                resources[name] = spec
                continue
            if name in inline:
                flat_stack = self._flatten_stack(spec, raw_resources.get(name), inline[name], here)
                if flat_stack is not None:
                    resources.update(flat_stack.resources)
                    conditions.update(flat_stack.conditions)
                    nested_stacks.update(flat_stack.nested_stacks)
                continue
            if spec.type in here:
                self.error(
                    spec.type_location,
                    f"template `{spec.type}` includes itself",
                    " -> ".join([*here[here.index(spec.type) :], spec.type]),
                )
                continue
            if len(here) > MAX_NESTED_DEPTH:
                self.error(
                    spec.type_location,
                    f"nested templates go deeper than {MAX_NESTED_DEPTH} levels",
                    "Heat's max_nested_stack_depth",
                )
                continue
            facade = {
                "metadata": spec.metadata,
                "deletion_policy": spec.deletion_policy.value,
                "update_policy": spec.update_policy,
            }
            where = self.registry_uses.get((template.source, name), spec.type_location)
            before = len(self.diagnostics)
            loaded = self.load_file(spec.type, where, chain=here, facade=facade)
            if loaded is None:
                self._note_use(before, where, spec)
                continue
            child, child_doc = loaded
            flat = flatten(
                spec,
                raw_resources.get(name),
                child,
                child_doc,
                self.env.parameter_defaults,
                self.diagnostics,
            )
            resources.update(flat.resources)
            conditions.update(flat.conditions)
            nested_stacks.update(flat.nested_stacks)
            for inner, definition in child.groups.items():
                groups[f"{name}.{inner}"] = replace(definition, group=f"{name}.{inner}")
        return replace(
            template,
            resources=expand_depends_on(resources, nested_stacks),
            conditions=conditions,
            nested_stacks=nested_stacks,
            groups=groups,
        )


class _GivenValue:
    """A parameter value given with the command (not by a file the plan records)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    @classmethod
    def wrap(cls, values: Mapping[str, Any]) -> dict[str, _GivenValue]:
        return {name: cls(value) for name, value in values.items()}
