"""Resource type name -> implementation and schema, for the planner and apply.

A type is *known* if a provider implements it or Heat ships it (the catalog): known types are
schema-checked at validate time even before any provider implements them; only plan and apply
need an implementation.

Plugins
-------
Third-party packages add providers through the entry-point group ``atonix.providers``. Each
entry point names a zero-argument callable (typically the ``Provider`` subclass itself) that
returns a ``Provider``::

    # pyproject.toml of the plugin package
    [project.entry-points."atonix.providers"]
    acme = "acme_atonix.provider:AcmeProvider"

Precedence: the providers the composition root passes to ``Registry.from_providers`` win;
plugins add the types none of those implement. Two providers of the same tier implementing one
type is a configuration error, as is a plugin that fails to load.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib.machinery import PathFinder
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from atonix_iac.errors import ProviderConfigError
from atonix_iac.providers.base import Provider, ResourceSchema, ResourceType
from atonix_iac.providers.catalog import heat_schema, known_types

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP: Final = "atonix.providers"


def discover_providers(group: str = ENTRY_POINT_GROUP) -> list[Provider]:
    """Instantiate every provider plugin installed under the entry-point group, by name."""
    if not may_declare_entry_points(group):
        return []
    from importlib.metadata import entry_points

    return [_load_plugin(ep) for ep in sorted(entry_points(group=group), key=lambda e: e.name)]


def may_declare_entry_points(group: str) -> bool:
    """False only when no distribution ``importlib.metadata`` would find names ``group``.

    Every command that plans builds a registry, and ``entry_points()`` cost ~30 ms of each
    (importing ``importlib.metadata`` with ``email`` and ``zipfile``, then parsing the
    ``entry_points.txt`` of every installed distribution) to find, almost always, nothing.
    This looks where its path finder looks (each ``sys.path`` directory's ``*.dist-info`` and
    ``*.egg-info``) for an ``entry_points.txt`` that mentions the group at all; anything it
    cannot read as plainly (a zip or ``.egg`` on the path, another finder that knows
    distributions, an unreadable file) answers True, and ``entry_points()`` decides."""
    if any(
        finder is not PathFinder and getattr(finder, "find_distributions", None) is not None
        for finder in sys.meta_path
    ):
        return True
    needle = group.encode()
    for entry in sys.path:
        root = entry or "."
        if root.lower().endswith(".egg"):
            return True
        try:
            children = os.listdir(root)
        except FileNotFoundError:
            continue  # importlib.metadata finds nothing there either
        except OSError:
            return True  # a zip archive, or a directory it may read differently
        for child in children:
            if not child.lower().endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(root, child, "entry_points.txt"), "rb") as file:
                    if needle in file.read():
                        return True
            except (FileNotFoundError, NotADirectoryError):
                continue  # declares no entry points (or is a PKG-INFO file)
            except OSError:
                return True
    return False


def _load_plugin(entry_point: EntryPoint) -> Provider:
    where = f"provider plugin `{entry_point.name}` ({entry_point.value})"
    try:
        factory = entry_point.load()
        provider = factory()
    except Exception as err:  # third-party code: any failure is a configuration error
        raise ProviderConfigError(f"{where} failed to load: {type(err).__name__}: {err}") from err
    if not isinstance(provider, Provider):
        raise ProviderConfigError(
            f"{where} returned {type(provider).__name__}, not an atonix Provider"
        )
    return provider


class Registry:
    """Which implementation serves each type, and which schema checks it."""

    def __init__(self, implementations: Mapping[str, ResourceType], providers: Sequence[Provider]):
        self._implementations = MappingProxyType(dict(implementations))
        self._providers = tuple(providers)

    @classmethod
    def from_providers(cls, providers: Iterable[Provider], *, plugins: bool = True) -> Registry:
        """The given providers' types, plus (if plugins) those of installed plugins that the
        given providers do not implement."""
        chosen = list(providers)
        implementations = _implementations(chosen)
        if plugins:
            discovered = discover_providers()
            for type_name, impl in _implementations(discovered).items():
                implementations.setdefault(type_name, impl)
            chosen += discovered
        return cls(implementations, chosen)

    @property
    def providers(self) -> tuple[Provider, ...]:
        return self._providers

    def implementation(self, type_name: str) -> ResourceType | None:
        return self._implementations.get(type_name)

    def schema(self, type_name: str) -> ResourceSchema | None:
        """The implementation's schema, else Heat's (so unimplemented types still validate)."""
        impl = self._implementations.get(type_name)
        return impl.schema if impl is not None else heat_schema(type_name)

    def is_known(self, type_name: str) -> bool:
        return type_name in self._implementations or type_name in known_types()

    def has_provider(self, type_name: str) -> bool:
        return type_name in self._implementations

    def type_names(self) -> list[str]:
        """Every known type name, sorted (for did-you-mean hints)."""
        return sorted(known_types() | self._implementations.keys())

    def close(self) -> None:
        for provider in self._providers:
            provider.close()


def _implementations(providers: Iterable[Provider]) -> dict[str, ResourceType]:
    owners: dict[str, str] = {}
    found: dict[str, ResourceType] = {}
    for provider in providers:
        for type_name, impl in provider.resource_types().items():
            if type_name in owners:
                raise ProviderConfigError(
                    f"type {type_name} is implemented by both provider `{owners[type_name]}`"
                    f" and provider `{provider.name}`"
                )
            owners[type_name] = provider.name
            found[type_name] = impl
    return found
