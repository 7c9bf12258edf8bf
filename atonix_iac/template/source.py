"""Template text -> located containers (``LocatedDict`` / ``LocatedList`` / ``LocatedStr``).

We compose YAML nodes with PyYAML (the C parser when present) and build the containers
ourselves so that every key, item and string keeps its ``line:col``. Scalars follow Heat's
loader (``heat/common/template_format.py``): YAML 1.1 booleans stay booleans, but timestamps
(an unquoted ``2013-05-23``) stay strings. Duplicate keys, which PyYAML silently collapses,
are errors here: a key written twice is almost always a mistake.
"""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError
from atonix_iac.template.nodes import LocatedDict, LocatedList, LocatedStr

# Heat's server refuses templates over 512 KiB (max_template_size); atonix is not a shared
# server, so the limit only guards against absurd input. ATONIX_MAX_TEMPLATE_SIZE overrides it.
MAX_TEMPLATE_BYTES = 64 * 1024 * 1024
MAX_TEMPLATE_SIZE_ENV = "ATONIX_MAX_TEMPLATE_SIZE"
# Alias expansion is bounded so that a "billion laughs" document cannot exhaust memory.
MAX_NODES = 2_000_000
# Nodes that aliases add when expanded (each use of ``*name`` copies its anchor's whole
# subtree). Counted on the composed node graph, where an alias is one shared node, before
# anything is expanded: a 500-byte bomb is refused in microseconds, not after gigabytes.
MAX_ALIAS_NODES = 100_000

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "binary")
)
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAGS = frozenset({_MAP_TAG, "tag:yaml.org,2002:omap"})
_SEQ_TAGS = frozenset({_SEQ_TAG})
# Non-string scalars, built by PyYAML's own safe constructors (called directly: going through
# construct_object would also remember every node it built).
_SCALAR_CONSTRUCTORS: dict[str, Any] = {
    tag: yaml.SafeLoader.yaml_constructors[tag] for tag in _SCALAR_TAGS
}


# Scalars that load as strings (Heat keeps timestamps as text).
_TEXT_TAGS = frozenset({_STR_TAG, _TIMESTAMP_TAG})
_new_str = str.__new__


def _located_str(value: str, loc: SourceLocation) -> LocatedStr:
    """``LocatedStr(value, loc)`` without its Python ``__new__`` frame (the loader makes one
    per string of the template)."""
    text: LocatedStr = _new_str(LocatedStr, value)
    text.loc = loc
    return text


def _mark_location(path: str, mark: Any) -> SourceLocation:
    if mark is None:
        return SourceLocation(path)
    return SourceLocation(path, mark.line + 1, mark.column + 1)


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def max_template_bytes() -> int:
    """The size limit in force: ``ATONIX_MAX_TEMPLATE_SIZE`` (bytes) if set, else 64 MiB."""
    raw = os.environ.get(MAX_TEMPLATE_SIZE_ENV, "").strip()
    if not raw:
        return MAX_TEMPLATE_BYTES
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise TemplateError.at(
            SourceLocation(MAX_TEMPLATE_SIZE_ENV),
            f"{MAX_TEMPLATE_SIZE_ENV} must be a positive number of bytes, not {raw!r}",
            f"unset it for the default of {MAX_TEMPLATE_BYTES} bytes",
        )
    return limit


def check_size(path: str, text: str) -> None:
    """Refuse absurdly large templates before spending time parsing them."""
    limit = max_template_bytes()
    # A str holds at most 4 UTF-8 bytes per character: encode only when it could matter.
    if len(text) * 4 <= limit:
        return
    size = len(text.encode("utf-8", errors="surrogateescape"))
    if size > limit:
        raise TemplateError.at(
            SourceLocation(path),
            f"template is {size} bytes, larger than the {limit}-byte limit",
            f"set {MAX_TEMPLATE_SIZE_ENV} to raise it, or split it into nested templates",
        )


class _CachingLoader(_Loader):  # type: ignore[misc]
    """The C loader, remembering the tag of each plain scalar it has resolved: a template
    repeats the same keys and words thousands of times, and resolving runs Python regexes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._resolved: dict[str, str] = {}
        # Mappings and sequences: the default tags unless a path resolver is registered
        # (nothing here registers one); a subclass's own resolve() still decides.
        self._plain_collections = not self.yaml_path_resolvers
        if not self.yaml_path_resolvers:
            # The composer calls these around every node for path resolvers, which nothing
            # here registers (PyYAML's methods then return at once): builtins that ignore
            # their arguments skip two Python calls per node (~8% of composing).
            self.descend_resolver = slice
            self.ascend_resolver = tuple

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode:
            if self._plain_collections:  # PyYAML's answer without path resolvers
                return _MAP_TAG if kind is yaml.MappingNode else _SEQ_TAG
            return super().resolve(kind, value, implicit)
        if not implicit[0]:
            return _STR_TAG  # quoted (or tagged `!`): a string, as PyYAML's resolver says
        tag = self._resolved.get(value)
        if tag is None:
            tag = self._resolved[value] = super().resolve(kind, value, implicit)
        return tag


def alias_expansion_site(root: yaml.Node, limit: int) -> yaml.Node | None:
    """The node at which expanding aliases would add more than ``limit`` nodes, or None.

    The composer returns an anchored node itself wherever ``*name`` uses it, so a node met a
    second time is an alias use and costs its subtree's full size. Sizes are computed once
    per distinct node (iteratively: no recursion limit), saturating past ``limit``, so the
    walk is linear in the document's text however much its aliases would expand."""
    sizes: dict[int, int] = {}
    used: set[int] = {id(root)}  # nodes met once already: meeting one again is an alias
    added = 0
    scalar = yaml.ScalarNode
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        ident = id(node)
        if ident in sizes:
            continue
        children = _children(node)
        if not children_done:
            if ident in active:
                continue  # a recursive alias, which the builder refuses
            active.add(ident)
            stack.append((node, True))
            stack.extend(
                (child, False)
                for child in reversed(children)
                if child.__class__ is not scalar and id(child) not in sizes
            )
            continue
        active.discard(ident)
        total = 1
        for child in children:
            child_id = id(child)
            size = 1 if child.__class__ is scalar else sizes.get(child_id, 1)  # 1: recursive
            if child_id in used:
                added += size
            else:
                used.add(child_id)
            total = min(total + size, limit + 1)
        sizes[ident] = total
        if added > limit:
            return node
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def _compose(text: str) -> yaml.Node | None:
    loader = _CachingLoader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


class _Builder:
    """Turns composed YAML nodes into located containers, collecting diagnostics.

    The hot loop of loading: each node's location is made once and shared by the value and
    its parent's ``key_locs`` / ``item_locs`` (locations are frozen), and scalars that are
    not strings never get one unless they are in error."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._scalars = yaml.SafeLoader("")
        self._nodes = 0
        self._active: set[int] = set()

    def loc(self, node: yaml.Node) -> SourceLocation:
        mark = node.start_mark
        if mark is None:
            return SourceLocation(self.path)
        return SourceLocation(self.path, mark.line + 1, mark.column + 1)

    def error(self, node: yaml.Node, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, self.loc(node), hint=hint))

    def _too_many(self, node: yaml.Node) -> TemplateError:
        return TemplateError.at(
            self.loc(node),
            "document expands to too many nodes",
            "YAML aliases are expanded; avoid deeply repeated aliases",
        )

    def build(self, node: yaml.Node, loc: SourceLocation | None = None) -> Any:
        """The value of node; ``loc`` is node's location when the caller already has it."""
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise self._too_many(node)
        kind = node.__class__
        if kind is yaml.ScalarNode:
            return self._scalar(node, loc)
        if id(node) in self._active:
            self.error(node, "recursive YAML alias", "an alias cannot contain itself")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc or self.loc(node))
            assert isinstance(node, yaml.SequenceNode)
            return self._sequence(node, loc or self.loc(node))
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.Node, loc: SourceLocation | None) -> Any:
        tag = node.tag
        if tag in _TEXT_TAGS:
            return _located_str(node.value, loc or self.loc(node))
        construct = _SCALAR_CONSTRUCTORS.get(tag)
        if construct is not None:
            try:
                return construct(self._scalars, node)
            except (yaml.YAMLError, ValueError, KeyError) as exc:
                self.error(node, f"invalid {tag.rsplit(':', 1)[-1]} value: {exc}")
                return None
        self.error(node, f"unsupported YAML tag `{tag}`", "Heat templates use plain YAML")
        return LocatedStr(str(node.value), loc or self.loc(node))

    def _sequence(self, node: yaml.SequenceNode, loc: SourceLocation) -> LocatedList:
        if node.tag not in _SEQ_TAGS:
            self.error(node, f"unsupported YAML tag `{node.tag}`")
        out = LocatedList(loc=loc)
        append_item, append_loc = out.append, out.item_locs.append
        scalar, text_tags, build = yaml.ScalarNode, _TEXT_TAGS, self.build
        for item in node.value:
            item_loc = self.loc(item)
            if item.__class__ is scalar and item.tag in text_tags:  # build() inlined
                self._nodes += 1
                if self._nodes > MAX_NODES:
                    raise self._too_many(item)
                append_item(_located_str(item.value, item_loc))
            else:
                append_item(build(item, item_loc))
            append_loc(item_loc)
        return out

    def _mapping(self, node: yaml.MappingNode, loc: SourceLocation) -> LocatedDict:
        if node.tag not in _MAP_TAGS:
            self.error(node, f"unsupported YAML tag `{node.tag}`")
        out = LocatedDict(loc=loc)
        key_locs = out.key_locs
        merged: list[LocatedDict] = []
        scalar, text_tags, build = yaml.ScalarNode, _TEXT_TAGS, self.build
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node))
                continue
            key_loc = self.loc(key_node)
            if key_node.__class__ is scalar and key_node.tag in text_tags:  # build() inlined
                self._nodes += 1
                if self._nodes > MAX_NODES:
                    raise self._too_many(key_node)
                key: Any = _located_str(key_node.value, key_loc)
            else:
                key = build(key_node, key_loc)
            if key.__class__ is not LocatedStr:
                try:
                    hash(key)
                except TypeError:
                    self.error(key_node, "a mapping key must be a scalar")
                    continue
            if key in out:
                self.error(key_node, f"duplicate key `{key}`", f"first defined at {key_locs[key]}")
                continue
            if value_node.__class__ is scalar and value_node.tag in text_tags:  # build() inlined
                self._nodes += 1
                if self._nodes > MAX_NODES:
                    raise self._too_many(value_node)
                out[key] = _located_str(value_node.value, self.loc(value_node))
            else:
                out[key] = build(value_node)
            key_locs[key] = key_loc
        for source in merged:  # explicit keys win over merged ones (YAML merge semantics)
            for key, value in source.items():
                if key not in out:
                    out[key] = value
                    key_locs[key] = source.key_loc(key)
        return out

    def _merge_sources(self, node: yaml.Node) -> list[LocatedDict]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        sources: list[LocatedDict] = []
        for item in items:
            built = self.build(item)
            if isinstance(built, LocatedDict):
                sources.append(built)
            else:
                self.error(item, "a YAML merge (`<<`) needs a mapping")
        return sources


def _yaml_error(path: str, exc: yaml.YAMLError, text: str) -> TemplateError:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses, by offset
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return TemplateError.at(
            offset_location(path, text, exc.position),
            f"YAML cannot hold the character {code:#06x} ({exc.reason})",
            "is this a binary file? templates are UTF-8 text",
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}"
    hint = context if context and context != problem else None
    return TemplateError.at(_mark_location(path, mark), message, hint)


def offset_location(path: str, text: str | bytes, offset: int) -> SourceLocation:
    """The ``line:col`` of character (or byte) ``offset`` of ``text``."""
    newline: Any = "\n" if isinstance(text, str) else b"\n"
    line_start = text.rfind(newline, 0, offset) + 1
    return SourceLocation(path, text.count(newline, 0, offset) + 1, offset - line_start + 1)


def decode_text(path: str, data: bytes) -> str:
    """UTF-8 ``data`` as text; a located TemplateError at the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError.at(
            offset_location(path, data, exc.start),
            f"not UTF-8 text (byte {exc.start}: {data[exc.start]:#04x})",
            "is this a binary file? save it as UTF-8 text",
        ) from None


def _json_fallback(path: str, text: str) -> Any:
    """JSON that YAML 1.1 cannot read (rare: tabs, some escapes); located only per file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return _locate_plain(data, SourceLocation(path, 1, 1))


def _locate_plain(value: Any, loc: SourceLocation) -> Any:
    if isinstance(value, dict):
        out = LocatedDict(loc=loc)
        for k, v in value.items():
            out[k] = _locate_plain(v, loc)
            out.key_locs[k] = loc
        return out
    if isinstance(value, list):
        items = LocatedList((_locate_plain(v, loc) for v in value), loc=loc)
        items.item_locs = [loc] * len(items)
        return items
    if isinstance(value, str):
        return LocatedStr(value, loc)
    return value


def parse_document(path: str, text: str, *, limit_size: bool = True) -> Any:
    """Parse YAML or JSON text into located containers; raise one located TemplateError.

    An empty document gives None. Every problem (syntax, duplicate keys, odd tags) is a
    located diagnostic; nothing else escapes.
    """
    if limit_size:
        check_size(path, text)
    text = _strip_bom(text)
    try:
        node = _compose(text)
    except yaml.YAMLError as exc:
        if text.lstrip().startswith("{"):
            fallback = _json_fallback(path, text)
            if fallback is not None:
                return fallback
        raise _yaml_error(path, exc, text) from None
    except (ValueError, UnicodeError) as exc:
        raise TemplateError.at(SourceLocation(path), f"cannot read template: {exc}") from None
    if node is None:
        return None
    if "*" in text and "&" in text:  # no alias without `&anchor` and `*anchor`
        site = alias_expansion_site(node, MAX_ALIAS_NODES)
        if site is not None:
            raise TemplateError.at(
                _mark_location(path, site.start_mark),
                f"YAML aliases here expand the document by more than {MAX_ALIAS_NODES} nodes"
                " (the limit on alias expansion)",
                "each `*alias` copies its anchor's whole subtree; write the repeated part"
                " fewer times, or split the document",
            )
    builder = _Builder(path)
    try:
        value = builder.build(node)
    except RecursionError:
        raise TemplateError.at(
            SourceLocation(path), "document is nested too deeply to read"
        ) from None
    if builder.diagnostics:
        raise TemplateError(diagnostics=builder.diagnostics)
    return value
