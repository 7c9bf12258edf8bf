"""Which values are derived from a secret, and so are secret themselves.

The rule, applied wherever a value is recorded (apply, refresh, import, the store itself) and
wherever a recorded value is read back for display:

- a value is derived from a secret when, at any depth, one of its strings (map keys too)
  contains a secret value verbatim, JSON-escaped, or base64-encoded (standard or URL-safe
  alphabet, as a cloud echoes ``user_data``), or holds base64 whose decoded text contains it
  (line breaks skipped, as MIME wraps it); a number equal to a secret number counts too;
- the secret values are those of the resource's sensitive properties: every non-empty string
  inside them, and every number of four digits or more (shorter ones are counts and sizes
  that turn up everywhere);
- the granularity is the top-level name: when anything inside an attribute (``show`` with its
  nested ``user_data``) is derived from a secret, the whole attribute is sensitive.

Cheap when nothing is secret: no secret values, no walk.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

# Base64 in either alphabet, padded or not; shorter text decodes to too little to matter.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_WHITESPACE = re.compile(r"\s+")
# Numbers shorter than this turn up everywhere (counts, sizes): not treated as secrets.
_MIN_NUMBER_DIGITS = 4
# An encoded form shorter than this would match by chance.
_MIN_ENCODED = 4


class Needles:
    """The secret values to look for, in the forms a cloud may echo them."""

    __slots__ = ("_encoded", "_numbers", "_texts")

    def __init__(self, secrets: Iterable[Any]) -> None:
        texts: set[str] = set()
        numbers: set[int | float] = set()
        for secret in secrets:
            for leaf in _leaves(secret):
                if isinstance(leaf, str):
                    if leaf:
                        texts.add(leaf)
                elif (
                    isinstance(leaf, int | float)
                    and not isinstance(leaf, bool)
                    and len(str(leaf)) >= _MIN_NUMBER_DIGITS
                ):
                    numbers.add(leaf)
                    texts.add(str(leaf))
        encoded: set[str] = set()
        for text in texts:
            escaped = json.dumps(text)[1:-1]  # inside a JSON document held as a string
            if escaped != text:
                encoded.add(escaped)
            raw = text.encode("utf-8")
            # Only the characters the secret's bytes alone decide: the last one may mix in
            # bits of whatever follows the secret inside a longer encoded text.
            whole = len(raw) * 8 // 6
            if whole >= _MIN_ENCODED:
                encoded.add(base64.b64encode(raw).decode("ascii")[:whole])
                encoded.add(base64.urlsafe_b64encode(raw).decode("ascii")[:whole])
        self._texts = tuple(sorted(texts, key=len, reverse=True))
        self._encoded = tuple(sorted(encoded - texts, key=len, reverse=True))
        self._numbers = frozenset(numbers)

    def __bool__(self) -> bool:
        return bool(self._texts or self._numbers)

    def found_in(self, value: Any) -> bool:
        """True if ``value`` (any JSON-like value, keys included) holds a secret."""
        for leaf in _leaves(value, keys=True):
            if isinstance(leaf, str):
                if self._in_text(leaf):
                    return True
            elif isinstance(leaf, int | float) and leaf in self._numbers:
                return True
        return False

    def _in_text(self, text: str) -> bool:
        if any(needle in text for needle in self._texts):
            return True
        if any(needle in text for needle in self._encoded):
            return True
        return any(
            any(needle in decoded for needle in self._texts) for decoded in _decoded_runs(text)
        )


def derived_secret_names(values: Mapping[str, Any], needles: Needles) -> frozenset[str]:
    """The top-level names in ``values`` whose value holds one of ``needles``."""
    if not needles:
        return frozenset()
    return frozenset(name for name, value in values.items() if needles.found_in(value))


def secret_attribute_names(
    attributes: Mapping[str, Any],
    properties: Mapping[str, Any],
    secret_properties: Iterable[str],
    declared: Iterable[str] = (),
) -> frozenset[str]:
    """``declared`` (what the type's schema marks sensitive) plus every attribute derived from
    the value of a secret property."""
    names = set(declared)
    secret = [properties[name] for name in secret_properties if name in properties]
    if secret and attributes:
        names |= derived_secret_names(attributes, Needles(secret))
    return frozenset(names)


def _leaves(value: Any, *, keys: bool = False) -> Iterator[Any]:
    """Every scalar inside ``value`` (map keys too when asked), depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            if keys:
                stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif item is not None:
            yield item


def _decoded_runs(text: str) -> Iterator[str]:
    """The text of every base64 run inside ``text`` that decodes (either alphabet); line
    breaks inside encoded text (MIME wraps it at 76 characters) are skipped."""
    runs = [text] if not _WHITESPACE.search(text) else [text, _WHITESPACE.sub("", text)]
    for match in (m for run in runs for m in _BASE64.finditer(run)):
        run = match.group(0).rstrip("=")
        padded = run + "=" * (-len(run) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                data = decode(padded)
            except (binascii.Error, ValueError):
                continue
            yield data.decode("utf-8", errors="ignore")
