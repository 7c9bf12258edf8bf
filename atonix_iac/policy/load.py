"""Read a policy file into rules that keep where each was written.

Problems are reported the way template errors are, all at once and located
(``policy.yaml:7:5: error: rules[0].forbid[1]: ...``), as ``PolicyError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from atonix_iac.errors import Diagnostic, PolicyError, SourceLocation, TemplateError, suggest
from atonix_iac.policy.model import PolicyFile, Rule
from atonix_iac.template.nodes import LocatedDict, LocatedList, location_of, plain
from atonix_iac.template.source import decode_text, parse_document


@dataclass(frozen=True)
class LocatedRule:
    rule: Rule
    location: SourceLocation


@dataclass(frozen=True)
class Policy:
    source: str
    rules: tuple[LocatedRule, ...]


def load_policy(path: str | Path) -> Policy:
    """Parse the policy file at ``path``; ``PolicyError`` (located) if it is not valid."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise PolicyError(f"cannot read policy file {source}: {err.strerror or err}") from err
    try:
        text = decode_text(source, data)
    except TemplateError as err:
        raise PolicyError(diagnostics=err.diagnostics) from None
    return parse_policy(text, source)


def parse_policy(text: str, source: str) -> Policy:
    try:
        document = parse_document(source, text)
    except TemplateError as err:
        raise PolicyError(diagnostics=err.diagnostics) from None
    top = SourceLocation(source, 1, 1)
    if document is None:
        document = LocatedDict(loc=top)
    if not isinstance(document, dict):
        raise PolicyError(diagnostics=[Diagnostic("a policy file is a mapping with `rules:`", top)])
    try:
        parsed = PolicyFile.model_validate(plain(document))
    except ValidationError as err:
        raise PolicyError(diagnostics=_diagnostics(err, document)) from None
    rules_node = document.get("rules")
    rules = tuple(
        LocatedRule(rule, _item_location(rules_node, index, top))
        for index, rule in enumerate(parsed.rules)
    )
    return Policy(source, rules)


def _item_location(node: Any, index: int, fallback: SourceLocation) -> SourceLocation:
    if isinstance(node, LocatedList):
        return node.item_loc(index)
    return fallback


_KNOWN_KEYS: dict[str, Sequence[str]] = {
    "top": ("version", "rules"),
    "rule": tuple(Rule.model_fields),
    "when": ("types", "addresses", "environments", "workspaces", "stacks", "actions"),
    "require": ("properties", "metadata", "tags"),
    "limit": ("allowed", "min", "max"),
}


def _diagnostics(err: ValidationError, document: Any) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for problem in err.errors():
        path = tuple(problem["loc"])
        location = _locate(document, path)
        if problem["type"] == "extra_forbidden":
            parent = _node(document, path[:-1])
            if isinstance(parent, LocatedDict):
                location = parent.key_loc(path[-1])
        message = str(problem["msg"]).removeprefix("Value error, ")
        hint = None
        if problem["type"] == "extra_forbidden":
            message = f"unknown key `{path[-1]}`"
            known = _KNOWN_KEYS.get(_owner(path), ())
            hint = suggest(str(path[-1]), known) or f"known keys: {', '.join(known)}"
        elif problem["type"] == "enum":
            message = f"{_dotted(path)}: {message}"
        else:
            message = f"{_dotted(path)}: {message}" if path else message
        out.append(Diagnostic(message, location, hint=hint))
    return out


def _owner(path: tuple[Any, ...]) -> str:
    """Which mapping an unknown key was found in, from the keys above it."""
    named = [p for p in path[:-1] if isinstance(p, str)]
    if not named:
        return "top"
    last = named[-1]
    if last == "rules":
        return "rule"
    if last in ("when", "require"):
        return last
    if len(named) >= 2 and named[-2] == "limit":
        return "limit"
    return "rule" if last == "limit" else ""


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _locate(node: Any, path: tuple[Any, ...]) -> SourceLocation:
    """The position of the value at ``path`` (or of the deepest part of it that exists)."""
    location = location_of(node, SourceLocation("<policy>"))
    for part in path:
        if isinstance(node, LocatedDict) and part in node:
            location = node.value_loc(part) if _is_leaf(node[part]) else node.key_loc(part)
            node = node[part]
        elif isinstance(node, LocatedDict):
            return node.key_loc(part) if part in node.key_locs else location
        elif isinstance(node, LocatedList) and isinstance(part, int) and part < len(node):
            location = node.item_loc(part)
            node = node[part]
        else:
            return location
    return location


def _node(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_dict or in_list):
            return None
        node = node[part]
    return node


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, dict | list)
