"""Heat's property translations: retired property names Heat still accepts, and the names
they stand for (``network_id`` -> ``network`` on OS::Neutron::Port, ``uuid`` -> ``network``
in an OS::Nova::Server's ``networks``...).

The facts come from ``schema_data/heat_translations.json``, generated from the REPLACE rules
of Heat's plugins (``translation_rules``) by ``tools/generate_heat_translations.py``; they
apply to every type, whether or not a provider implements it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from atonix_iac.providers import schema_data

DATA_FILE: Final = "heat_translations.json"


@dataclass(frozen=True, slots=True)
class PropertyTranslation:
    """``old`` is read as ``new`` in the properties at ``parent`` (() = the top level; one
    name = each item of that List, or that Map)."""

    parent: tuple[str, ...]
    old: str
    new: str

    @property
    def old_path(self) -> str:
        return ".".join((*self.parent, self.old))

    @property
    def new_path(self) -> str:
        return ".".join((*self.parent, self.new))


@functools.cache
def _raw() -> Mapping[str, list[Mapping[str, Any]]]:
    types: dict[str, list[Mapping[str, Any]]] = json.loads(schema_data.read_text(DATA_FILE))[
        "types"
    ]
    return types


@functools.cache
def property_translations(type_name: str) -> tuple[PropertyTranslation, ...]:
    """The type's translations, in Heat's order (empty for most types)."""
    return tuple(
        PropertyTranslation(tuple(rule["parent"]), str(rule["old"]), str(rule["new"]))
        for rule in _raw().get(type_name, ())
    )


def translated_types() -> frozenset[str]:
    return frozenset(_raw())
