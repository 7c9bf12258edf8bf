"""Canonical layout for HOT templates and Heat environment files (``atonix fmt``).

The text is read with ruamel.yaml's round-trip loader, which keeps comments, quoting, flow
style and block scalars; sections and resource keys are put in Heat's order and the document
is written back with 2-space indentation and sequences indented under their key. Scalars are
never re-typed: the timestamp resolver is off (``2013-05-23`` stays the text it was), and the
result is checked to read back to the same data as the input (with atonix's own loader),
so formatting can never change what a template means.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.nodes import plain
from atonix_iac.template.source import parse_document

TEMPLATE_SECTIONS = (
    "heat_template_version",
    "description",
    "parameter_groups",
    "parameters",
    "conditions",
    "resources",
    "outputs",
)
ENVIRONMENT_SECTIONS = (
    "parameters",
    "parameter_defaults",
    "parameter_merge_strategies",
    "encrypted_param_names",
    "event_sinks",
    "resource_registry",
)
RESOURCE_KEYS = (
    "type",
    "condition",
    "depends_on",
    "properties",
    "metadata",
    "update_policy",
    "deletion_policy",
    "external_id",
    "lifecycle",
)
_WIDTH = 4096  # never fold long lines: a line break inside a scalar is not ours to add
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_LINE = re.compile(r"^[ \t]+$", re.MULTILINE)
# A line that opens a block scalar: `key: |`, `- >-`, `key: |2+  # comment` ...
_BLOCK_HEADER = re.compile(r"(?:^|[:\s-])\s*[|>][-+0-9]*\s*(?:#.*)?$")


class _Resolver(VersionedResolver):
    """YAML 1.2's resolver without timestamps: an unquoted date is a string, read and written
    as written (as Heat's loader does)."""

    def add_version_implicit_resolver(
        self, version: Any, tag: Any, regexp: Any, first: Any
    ) -> None:
        if tag == _TIMESTAMP:
            return
        super().add_version_implicit_resolver(version, tag, regexp, first)


@dataclass(frozen=True)
class Formatted:
    """The canonical text of one document; ``kind`` is template, environment or None
    (neither: left as it was)."""

    text: str
    kind: str | None

    def changed(self, original: str) -> bool:
        return self.text != original


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Resolver = _Resolver
    yaml.preserve_quotes = True
    yaml.width = _WIDTH
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def document_kind(data: Any) -> str | None:
    """template (has ``heat_template_version``), environment (only environment sections), or
    None (some other YAML, which fmt leaves alone)."""
    if not isinstance(data, dict) or not data:
        return None
    if "heat_template_version" in data:
        return "template"
    if all(isinstance(k, str) and k in ENVIRONMENT_SECTIONS for k in data):
        return "environment"
    return None


def _reorder(mapping: Any, order: Sequence[str]) -> None:
    """Put mapping's keys in ``order`` (others after, as they were); comments move along."""
    if not isinstance(mapping, CommentedMap):
        return
    keys = list(mapping)
    rank = {name: index for index, name in enumerate(order)}
    wanted = sorted(
        keys, key=lambda k: rank.get(k, len(order)) if isinstance(k, str) else len(order)
    )
    if wanted == keys:
        return
    for key in wanted:
        mapping.move_to_end(key)


def _block(mapping: Any) -> None:
    if isinstance(mapping, CommentedMap):
        mapping.fa.set_block_style()


def _canonicalise(data: Any, kind: str) -> None:
    """Heat's order, and block style down to each section's entries (an expression inside
    them keeps the style it was written in)."""
    _block(data)
    if kind == "environment":
        _reorder(data, ENVIRONMENT_SECTIONS)
        for section in data.values():
            _block(section)
        return
    _reorder(data, TEMPLATE_SECTIONS)
    for name in ("parameters", "resources", "outputs"):
        section = data.get(name)
        _block(section)
        if isinstance(section, dict):
            for body in section.values():
                _block(body)
                if name == "resources":
                    _reorder(body, RESOURCE_KEYS)
    _block(data.get("conditions"))


def _ruamel_error(path: str, exc: YAMLError) -> TemplateError:
    mark = None
    problem = str(exc)
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or problem
    loc = (
        SourceLocation(path, mark.line + 1, mark.column + 1)
        if mark is not None
        else SourceLocation(path)
    )
    return TemplateError.at(loc, f"YAML syntax error: {problem}")


def format_text(path: str, text: str) -> Formatted:
    """The canonical layout of ``text``; one located TemplateError if it does not parse.

    A document that is neither a HOT template nor an environment file comes back unchanged
    (``kind`` None)."""
    original = parse_document(path, text)  # located errors, duplicate keys, size limit
    if document_kind(original) is None:
        return Formatted(text, None)
    yaml = _yaml()
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        data = yaml.load(body)
    except YAMLError as exc:
        raise _ruamel_error(path, exc) from None
    kind = document_kind(data)
    if kind is None:
        return Formatted(text, None)
    _canonicalise(data, kind)
    out = io.StringIO()
    try:
        yaml.dump(data, out)
    except YAMLError as exc:  # pragma: no cover - what ruamel read it can write
        raise _ruamel_error(path, exc) from None
    dumped = out.getvalue()
    expected = plain(original)
    # Should the tidying ever change the meaning (a `#` line in a multi-line quoted string),
    # less of it is done: each candidate is checked against the input's meaning.
    stripped = _TRAILING.sub("", dumped).rstrip("\n") + "\n"
    blank_lines = _BLANK_LINE.sub("", dumped).rstrip("\n") + "\n"
    candidates = (_tidy(dumped.rstrip("\n") + "\n"), stripped, blank_lines, dumped)
    for candidate in candidates:
        if _same(path, candidate, expected):
            return Formatted(candidate, kind)
    raise TemplateError.at(
        SourceLocation(path),
        "formatting would change what this file means; left it as it is",
        "please report this as an atonix bug, with the file",
    )


def _tidy(text: str) -> str:
    """No trailing blanks, and each comment line indented as the line it precedes (ruamel
    keeps a comment's column as written, so after re-indenting it could sit apart from its
    line). Lines of a block scalar's content are never touched: they are its value."""
    lines = text.split("\n")
    out = list(lines)
    block_indent: int | None = None  # indentation of the key that opened a block scalar
    for index, line in enumerate(lines):
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        if block_indent is not None:
            if not content.strip() and len(line) <= block_indent + 1:
                out[index] = ""
                continue
            if not content or indent > block_indent:
                continue
            block_indent = None
        out[index] = line = line.rstrip(" \t")
        content = line.lstrip(" ")
        if _BLOCK_HEADER.search(line) and not content.startswith("#"):
            block_indent = indent
            continue
        if not content.startswith("#"):
            continue
        target = next(
            (
                len(after) - len(after.lstrip(" "))
                for after in lines[index + 1 :]
                if after.strip() and not after.lstrip(" ").startswith("#")
            ),
            None,
        )
        if target is not None:  # a comment at the very end keeps its place
            out[index] = " " * target + content
    return "\n".join(out)


def _same(path: str, text: str, expected: Any) -> bool:
    try:
        same: bool = plain(parse_document(path, text, limit_size=False)) == expected
        return same
    except TemplateError:
        return False
