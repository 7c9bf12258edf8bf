"""Helpers for the function tests (imported by name: test directories are not packages).

``located(text)`` builds LocatedDict / LocatedList / LocatedStr from YAML with 1-based
``t.yaml:line:col`` positions, like the loader does (timestamps stay strings).
``parse(text)`` parses a value and returns (value, diagnostics); ``ev(text, ...)`` parses,
asserts there were no errors and evaluates against a ``FakeContext``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from atonix_iac.errors import Diagnostic, Severity, SourceLocation, TemplateError
from atonix_iac.template.functions import ParseContext, evaluate, parse_value
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr
from atonix_iac.template.values import UNKNOWN

SOURCE = "t.yaml"
LATEST = "2021-04-16"

_constructor = yaml.constructor.SafeConstructor()


def _loc(mark: Any) -> SourceLocation:
    return SourceLocation(SOURCE, mark.line + 1, mark.column + 1)


def _build(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LocatedDict(loc=_loc(node.start_mark))
        for key_node, value_node in node.value:
            key = _build(key_node)
            out[key] = _build(value_node)
            out.key_locs[key] = _loc(key_node.start_mark)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(loc=_loc(node.start_mark))
        for item in node.value:
            items.append(_build(item))
            items.item_locs.append(_loc(item.start_mark))
        return items
    assert isinstance(node, yaml.ScalarNode)
    if node.tag == "tag:yaml.org,2002:timestamp":
        return LocatedStr(node.value, _loc(node.start_mark))
    value = _constructor.construct_object(node)
    if isinstance(value, str):
        return LocatedStr(value, _loc(node.start_mark))
    return value


def located(text: str) -> Any:
    """YAML text -> located nodes (positions in ``t.yaml``)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return None if node is None else _build(node)


def make_ctx(
    version: str = LATEST,
    *,
    resources: frozenset[str] | set[str] = frozenset(),
    parameters: frozenset[str] | set[str] = frozenset(),
    conditions: frozenset[str] | set[str] = frozenset({"enabled", "disabled"}),
    files: dict[str, str] | None = None,
    read_file: Callable[[str, SourceLocation], str] | None = None,
    facade: dict[str, Any] | None = None,
) -> ParseContext:
    available = dict(files or {})

    def _read(path: str, loc: SourceLocation) -> str:
        if path not in available:
            raise TemplateError.at(loc, f"cannot read `{path}`: no such file")
        return available[path]

    return ParseContext(
        version=version,
        source=SOURCE,
        read_file=read_file if read_file is not None else _read,
        diagnostics=[],
        files={},
        condition_names=frozenset(conditions),
        resource_names=frozenset(resources),
        parameter_names=frozenset(parameters),
        facade=facade,
    )


def parse(text: str, version: str = LATEST, **kwargs: Any) -> tuple[Any, list[Diagnostic]]:
    ctx = make_ctx(version, **kwargs)
    return parse_value(located(text), ctx), ctx.diagnostics


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def parse_ok(text: str, version: str = LATEST, **kwargs: Any) -> Any:
    value, diagnostics = parse(text, version, **kwargs)
    assert not errors(diagnostics), [d.format() for d in diagnostics]
    return value


def parse_error(text: str, version: str = LATEST, **kwargs: Any) -> Diagnostic:
    """The single error parsing text reports."""
    _, diagnostics = parse(text, version, **kwargs)
    found = errors(diagnostics)
    assert len(found) == 1, [d.format() for d in diagnostics]
    return found[0]


class FakeContext:
    """A ResolveContext: parameters and conditions from dicts, ids ``id-<name>`` (or UNKNOWN
    for names in ``pending``), attributes from a dict keyed (resource, attribute) (else
    UNKNOWN; the path is applied here, as a resource would)."""

    def __init__(
        self,
        params: dict[str, Any] | None = None,
        attributes: dict[tuple[str, str | None], Any] | None = None,
        conditions: dict[str, bool] | None = None,
        pending: set[str] | None = None,
    ) -> None:
        self.params = {
            "OS::stack_name": "teststack",
            "OS::stack_id": "stack-id",
            "OS::project_id": "project-id",
            "OS::region": "RegionOne",
            **(params or {}),
        }
        self.attributes = attributes or {}
        self.conditions = {"enabled": True, "disabled": False, **(conditions or {})}
        self.pending = pending or set()
        self.asked: list[tuple[str, str | None, tuple[Any, ...]]] = []

    def parameter(self, name: str) -> Any:
        if name not in self.params:
            raise TemplateError.at(None, f"parameter `{name}` has no value")
        return self.params[name]

    def resource_id(self, name: str) -> Any:
        return UNKNOWN if name in self.pending else f"id-{name}"

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        self.asked.append((name, attribute, path))
        if name in self.pending or (name, attribute) not in self.attributes:
            return UNKNOWN
        value = self.attributes[(name, attribute)]
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError.at(None, f"unknown condition `{name}`")
        return self.conditions[name]


def ev(
    text: str, params: dict[str, Any] | None = None, version: str = LATEST, **kwargs: Any
) -> Any:
    """Parse text (no errors allowed) and evaluate it with FakeContext(params)."""
    ctx_kwargs = {k: kwargs.pop(k) for k in ("attributes", "conditions", "pending") if k in kwargs}
    value = parse_ok(text, version, **kwargs)
    return evaluate(value, FakeContext(params, **ctx_kwargs))


def ev_error(
    text: str, params: dict[str, Any] | None = None, version: str = LATEST, **kwargs: Any
) -> Diagnostic:
    """Parse text (no errors allowed); evaluating must raise one located TemplateError."""
    ctx_kwargs = {k: kwargs.pop(k) for k in ("attributes", "conditions", "pending") if k in kwargs}
    value = parse_ok(text, version, **kwargs)
    try:
        evaluate(value, FakeContext(params, **ctx_kwargs))
    except TemplateError as exc:
        assert len(exc.diagnostics) == 1
        return exc.diagnostics[0]
    raise AssertionError("evaluation did not fail")
