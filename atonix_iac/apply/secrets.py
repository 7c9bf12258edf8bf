"""Which attributes carry a secret a resource was given (OS::Heat::Value echoes its input).

State encrypts and every renderer masks what is named here, and references to such an
attribute stay sensitive downstream, so a secret never leaks through a pass-through resource.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def secret_attributes(
    attributes: Mapping[str, Any],
    properties: Mapping[str, Any],
    secret_properties: Iterable[str],
    declared: Iterable[str] = (),
) -> frozenset[str]:
    """``declared`` (the schema's sensitive attributes) plus every attribute whose value
    contains the value of a secret property."""
    needles = [
        _text(properties[name])
        for name in secret_properties
        if properties.get(name) not in (None, "", [], {})
    ]
    names = set(declared)
    if needles:
        for name, value in attributes.items():
            text = _text(value)
            if any(needle in text for needle in needles):
                names.add(name)
    return frozenset(names)
