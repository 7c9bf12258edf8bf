"""Heat environment files: parameter values, parameter defaults and the resource registry.

Several ``-e`` files merge in order, on top of a built-in global environment that mirrors
Heat's ``etc/heat/environment.d/default.yaml`` aliases, so that old templates naming
``OS::Quantum::*`` keep loading as they do on a Heat cloud.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError, suggest
from atonix_iac.template.naming import FileNaming
from atonix_iac.template.nodes import LocatedDict, LocatedList, location_of, plain
from atonix_iac.template.source import parse_document

SECTIONS = (
    "parameters",
    "parameter_defaults",
    "resource_registry",
    "encrypted_param_names",
    "event_sinks",
    "parameter_merge_strategies",
)
MERGE_STRATEGIES = ("overwrite", "merge", "deep_merge")
TEMPLATE_SUFFIXES = (".yaml", ".template")
_MAX_ALIAS_HOPS = 16
_HOOKS = frozenset(
    {"pre-create", "pre-update", "pre-delete", "post-create", "post-update", "post-delete"}
)
_RESTRICTED_ACTIONS = frozenset({"update", "replace"})

# Heat's global environment (etc/heat/environment.d/default.yaml and its history): type
# aliases only; the entries there that point at operator-installed template files are omitted.
GLOBAL_ALIASES: tuple[tuple[str, str], ...] = (
    ("OS::Quantum*", "OS::Neutron*"),
    ("AWS::CloudWatch::Alarm", "OS::Heat::CWLiteAlarm"),
    ("OS::Metering::Alarm", "OS::Aodh::Alarm"),
    ("OS::Ceilometer::Alarm", "OS::Aodh::Alarm"),
    ("OS::Ceilometer::CombinationAlarm", "OS::Aodh::CombinationAlarm"),
    ("OS::Ceilometer::GnocchiResourcesAlarm", "OS::Aodh::GnocchiResourcesAlarm"),
    (
        "OS::Ceilometer::GnocchiAggregationByMetricsAlarm",
        "OS::Aodh::GnocchiAggregationByMetricsAlarm",
    ),
    (
        "OS::Ceilometer::GnocchiAggregationByResourcesAlarm",
        "OS::Aodh::GnocchiAggregationByResourcesAlarm",
    ),
)

ReadFile = Callable[[str, SourceLocation], str]


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """``pattern`` (exact, or a prefix glob ending in ``*``) maps to a type or a template file."""

    pattern: str
    target: str  # a type name, or for templates the file key (resolved path)
    is_template: bool
    location: SourceLocation

    def matches(self, type_name: str) -> bool:
        if self.pattern.endswith("*"):
            return type_name.startswith(self.pattern[:-1])
        return type_name == self.pattern

    def apply(self, type_name: str) -> str:
        if self.pattern.endswith("*") and self.target.endswith("*"):
            return self.target[:-1] + type_name[len(self.pattern) - 1 :]
        return self.target


@dataclass(frozen=True, slots=True)
class ResourceOverride:
    """``resource_registry: resources: <name-glob>: {...}``: per-resource types and hooks."""

    name_glob: str
    entries: tuple[RegistryEntry, ...]
    hooks: tuple[str, ...]
    restricted_actions: tuple[str, ...]
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class ResolvedType:
    """A resource's type after the environment's resource_registry, and the entry that chose it."""

    type: str  # the final type name, or the template file key
    is_template: bool
    via: SourceLocation | None  # the registry entry that decided it, if any


@dataclass
class Environment:
    """The merged environment; later files override earlier ones."""

    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_defaults: dict[str, Any] = field(default_factory=dict)
    # Where each value was set (for messages naming the env file).
    parameter_sources: dict[str, SourceLocation] = field(default_factory=dict)
    parameter_default_sources: dict[str, SourceLocation] = field(default_factory=dict)
    registry: list[RegistryEntry] = field(default_factory=list)
    overrides: list[ResourceOverride] = field(default_factory=list)
    encrypted_param_names: list[str] = field(default_factory=list)
    event_sinks: list[Any] = field(default_factory=list)
    merge_strategies: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def resolve_type(self, type_name: str, resource_name: str | None = None) -> ResolvedType:
        """Follow registry aliases (per-resource first, later entries first) to a final type."""
        current = type_name
        via: SourceLocation | None = None
        seen = {current}
        for _ in range(_MAX_ALIAS_HOPS):
            entry = self._lookup(current, resource_name)
            if entry is None:
                break
            via = entry.location
            if entry.is_template:
                return ResolvedType(entry.target, True, via)
            mapped = entry.apply(current)
            if mapped in seen:
                break
            seen.add(mapped)
            current = mapped
        return ResolvedType(current, False, via)

    def _lookup(self, type_name: str, resource_name: str | None) -> RegistryEntry | None:
        if resource_name is not None:
            for override in reversed(self.overrides):
                if fnmatch.fnmatchcase(resource_name, override.name_glob):
                    found = _best_match(override.entries, type_name)
                    if found is not None:
                        return found
        return _best_match(self.registry, type_name)


def _best_match(entries: Sequence[RegistryEntry], type_name: str) -> RegistryEntry | None:
    """An exact entry beats a glob; among globs the longest prefix wins; later beats earlier."""
    best: RegistryEntry | None = None
    best_rank = (-1, -1)
    for index, entry in enumerate(entries):
        if not entry.matches(type_name):
            continue
        exact = not entry.pattern.endswith("*")
        rank = (1 if exact else 0, len(entry.pattern) * 10_000 + index)
        if rank > best_rank:
            best, best_rank = entry, rank
    return best


def global_environment() -> Environment:
    builtin = SourceLocation("<global environment>")
    env = Environment()
    env.registry = [RegistryEntry(p, t, False, builtin) for p, t in GLOBAL_ALIASES]
    return env


def is_template_target(target: str) -> bool:
    return target.endswith(TEMPLATE_SUFFIXES)


class _EnvParser:
    def __init__(
        self, path: str, env: Environment, naming: FileNaming = FileNaming.RELATIVE
    ) -> None:
        self.path = path
        self.env = env
        self.naming = naming
        self.diagnostics: list[Diagnostic] = []

    def error(self, loc: SourceLocation, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, loc, hint=hint))

    def parse(self, doc: Any) -> None:
        if doc is None:
            return
        if not isinstance(doc, LocatedDict):
            self.error(
                location_of(doc, SourceLocation(self.path, 1, 1)),
                "an environment file must be a mapping",
            )
            return
        for key, value in doc.items():
            loc = doc.key_loc(key)
            if key not in SECTIONS:
                self.error(
                    loc,
                    f"unknown environment section `{key}`",
                    suggest(str(key), SECTIONS) or f"sections are {', '.join(SECTIONS)}",
                )
                continue
            if value is None or value == {} or value == []:
                self.error(loc, f"environment section `{key}` is empty", "remove it or fill it in")
                continue
            getattr(self, f"_section_{key}")(value, loc)

    def _mapping(self, value: Any, loc: SourceLocation, what: str) -> LocatedDict | None:
        if isinstance(value, LocatedDict):
            return value
        self.error(location_of(value, loc), f"{what} must be a mapping")
        return None

    def _section_parameters(self, value: Any, loc: SourceLocation) -> None:
        self._merge_values(
            value, loc, "parameters", self.env.parameters, self.env.parameter_sources
        )

    def _section_parameter_defaults(self, value: Any, loc: SourceLocation) -> None:
        self._merge_values(
            value,
            loc,
            "parameter_defaults",
            self.env.parameter_defaults,
            self.env.parameter_default_sources,
        )

    def _merge_values(
        self,
        value: Any,
        loc: SourceLocation,
        what: str,
        target: dict[str, Any],
        sources: dict[str, SourceLocation],
    ) -> None:
        mapping = self._mapping(value, loc, what)
        if mapping is None:
            return
        for name, item in mapping.items():
            key = str(name)
            new = plain(item)
            strategy = self.env.merge_strategies.get(key, self.env.merge_strategies.get("default"))
            if key in target and strategy in ("merge", "deep_merge"):
                new = _merge_value(target[key], new, deep=strategy == "deep_merge")
            target[key] = new
            sources[key] = mapping.key_loc(name)

    def _section_parameter_merge_strategies(self, value: Any, loc: SourceLocation) -> None:
        mapping = self._mapping(value, loc, "parameter_merge_strategies")
        if mapping is None:
            return
        for name, strategy in mapping.items():
            if strategy not in MERGE_STRATEGIES:
                self.error(
                    mapping.value_loc(name),
                    f"unknown merge strategy `{strategy}` for `{name}`",
                    suggest(str(strategy), MERGE_STRATEGIES)
                    or f"use one of {', '.join(MERGE_STRATEGIES)}",
                )
                continue
            self.env.merge_strategies[str(name)] = str(strategy)

    def _section_encrypted_param_names(self, value: Any, loc: SourceLocation) -> None:
        if not isinstance(value, LocatedList) or not all(isinstance(v, str) for v in value):
            self.error(location_of(value, loc), "encrypted_param_names must be a list of names")
            return
        self.env.encrypted_param_names.extend(str(v) for v in value)

    def _section_event_sinks(self, value: Any, loc: SourceLocation) -> None:
        if not isinstance(value, LocatedList):
            self.error(location_of(value, loc), "event_sinks must be a list")
            return
        for index, sink in enumerate(value):
            if not isinstance(sink, LocatedDict) or "type" not in sink:
                self.error(value.item_loc(index), "an event sink is a mapping with a `type`")
                continue
            self.env.event_sinks.append(plain(sink))

    def _section_resource_registry(self, value: Any, loc: SourceLocation) -> None:
        mapping = self._mapping(value, loc, "resource_registry")
        if mapping is None:
            return
        for pattern, target in mapping.items():
            if pattern == "resources":
                self._resource_overrides(target, mapping.key_loc(pattern))
                continue
            entry = self._entry(str(pattern), target, mapping, pattern)
            if entry is not None:
                self.env.registry.append(entry)

    def _entry(
        self, pattern: str, target: Any, mapping: LocatedDict, key: Any
    ) -> RegistryEntry | None:
        loc = mapping.key_loc(key)
        if not isinstance(target, str) or not target:
            self.error(
                mapping.value_loc(key),
                f"resource_registry entry `{pattern}` must map to a type name or a template file",
            )
            return None
        if target.startswith(("http://", "https://")) and not self.naming.urls_are_keys:
            self.error(
                mapping.value_loc(key),
                f"remote template `{target}` is not supported",
                "download it and name the local file",
            )
            return None
        if target.endswith(".yml"):
            self.error(
                mapping.value_loc(key),
                f"template file `{target}` must end in .yaml or .template",
                "Heat does not recognise .yml here",
            )
            return None
        if "*" in pattern[:-1]:
            self.error(loc, f"`{pattern}`: only a trailing `*` glob is supported")
            return None
        if is_template_target(target):
            return RegistryEntry(pattern, self.naming.key(self.path, target), True, loc)
        return RegistryEntry(pattern, str(target), False, loc)

    def _resource_overrides(self, value: Any, loc: SourceLocation) -> None:
        mapping = self._mapping(value, loc, "resource_registry.resources")
        if mapping is None:
            return
        for glob, spec in mapping.items():
            spec_map = self._mapping(spec, mapping.key_loc(glob), f"resources.{glob}")
            if spec_map is None:
                continue
            entries: list[RegistryEntry] = []
            hooks: list[str] = []
            restricted: list[str] = []
            for key, target in spec_map.items():
                if key == "hooks":
                    hooks = self._word_list(target, spec_map, key, _HOOKS, "hook")
                elif key == "restricted_actions":
                    restricted = self._word_list(
                        target, spec_map, key, _RESTRICTED_ACTIONS, "restricted action"
                    )
                else:
                    entry = self._entry(str(key), target, spec_map, key)
                    if entry is not None:
                        entries.append(entry)
            self.env.overrides.append(
                ResourceOverride(
                    str(glob),
                    tuple(entries),
                    tuple(hooks),
                    tuple(restricted),
                    mapping.key_loc(glob),
                )
            )

    def _word_list(
        self, value: Any, parent: LocatedDict, key: Any, allowed: frozenset[str], what: str
    ) -> list[str]:
        words = [value] if isinstance(value, str) else value
        if not isinstance(words, list):
            self.error(parent.value_loc(key), f"{key} must be a name or a list of names")
            return []
        out: list[str] = []
        for word in words:
            if word not in allowed:
                self.error(
                    location_of(word, parent.value_loc(key)),
                    f"unknown {what} `{word}`",
                    suggest(str(word), allowed) or f"use one of {', '.join(sorted(allowed))}",
                )
            else:
                out.append(str(word))
        return out


def _merge_value(old: Any, new: Any, *, deep: bool) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            if deep and key in merged:
                merged[key] = _merge_value(merged[key], value, deep=True)
            else:
                merged[key] = value
        return merged
    if isinstance(old, list) and isinstance(new, list):
        return [*old, *new]
    if isinstance(old, str) and isinstance(new, str):
        return f"{old},{new}" if old and new else old or new
    return new


def load_environments(
    paths: Sequence[str], read_file: ReadFile, naming: FileNaming = FileNaming.RELATIVE
) -> Environment:
    """Merge the global environment and ``paths`` in order; raise every problem at once.
    ``naming`` turns a registry entry's template into the key it is read by."""
    env = global_environment()
    diagnostics: list[Diagnostic] = []
    for path in paths:
        try:
            text = read_file(path, SourceLocation(path))
            env.files[path] = text
            doc = parse_document(path, text)
        except TemplateError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        parser = _EnvParser(path, env, naming)
        parser.parse(doc)
        diagnostics.extend(parser.diagnostics)
    if diagnostics:
        raise TemplateError(diagnostics=diagnostics)
    return env


def environment_from_mapping(values: Mapping[str, Any], path: str) -> Environment:
    """An environment parsed from an already-read document (used for ``-var-file``)."""
    env = Environment()
    parser = _EnvParser(path, env)
    parser.parse(values)
    if parser.diagnostics:
        raise TemplateError(diagnostics=parser.diagnostics)
    return env
