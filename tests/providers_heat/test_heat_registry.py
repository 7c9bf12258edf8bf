from __future__ import annotations

import sys
import textwrap
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from atonix_iac.errors import ProviderConfigError
from atonix_iac.providers.base import (
    Provider,
    ResourceIdentity,
    ResourceResult,
    ResourceSchema,
    ResourceType,
)
from atonix_iac.providers.catalog import heat_schema, known_types
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.registry import (
    ENTRY_POINT_GROUP,
    Registry,
    discover_providers,
    may_declare_entry_points,
)


class StaticType(ResourceType):
    """A minimal real implementation for registry tests (no behaviour under test)."""

    def __init__(self, schema: ResourceSchema) -> None:
        self.schema = schema

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        return ResourceResult("id")

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        return ResourceResult(physical_id)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        return ResourceResult(physical_id)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        return None


class StaticProvider(Provider):
    def __init__(self, name: str, types: Mapping[str, ResourceType]) -> None:
        self.name = name
        self._types = types
        self.closed = False

    def resource_types(self) -> Mapping[str, ResourceType]:
        return self._types

    def close(self) -> None:
        self.closed = True


def custom_type(type_name: str) -> StaticType:
    return StaticType(ResourceSchema(type_name, {}, {}))


def test_resolution_precedence_implementation_then_catalog() -> None:
    server_schema = ResourceSchema("OS::Nova::Server", {}, {})
    registry = Registry.from_providers(
        [HeatProvider(), StaticProvider("cloud", {"OS::Nova::Server": StaticType(server_schema)})],
        plugins=False,
    )
    # implemented: the implementation's schema wins over the catalog's
    assert registry.has_provider("OS::Nova::Server")
    assert registry.schema("OS::Nova::Server") is server_schema
    # known to Heat but not implemented: the catalog's schema, no implementation
    assert registry.is_known("OS::Neutron::Net") and not registry.has_provider("OS::Neutron::Net")
    assert registry.implementation("OS::Neutron::Net") is None
    assert registry.schema("OS::Neutron::Net") is heat_schema("OS::Neutron::Net")
    # unknown everywhere
    assert not registry.is_known("OS::Nova::Sever")
    assert registry.schema("OS::Nova::Sever") is None
    assert registry.implementation("OS::Nova::Sever") is None
    # built-ins
    value = registry.implementation("OS::Heat::Value")
    assert value is not None and registry.schema("OS::Heat::Value") is value.schema


def test_types_beyond_heat_are_known_through_their_provider() -> None:
    registry = Registry.from_providers(
        [StaticProvider("acme", {"Acme::Thing": custom_type("Acme::Thing")})], plugins=False
    )
    assert registry.is_known("Acme::Thing") and registry.has_provider("Acme::Thing")
    names = registry.type_names()
    assert "Acme::Thing" in names and known_types() <= set(names)
    assert names == sorted(names)


def test_two_providers_of_one_type_is_a_configuration_error() -> None:
    with pytest.raises(ProviderConfigError, match="both provider `heat` and provider `other`"):
        Registry.from_providers(
            [HeatProvider(), StaticProvider("other", {"OS::Heat::Value": custom_type("x")})],
            plugins=False,
        )


def test_close_closes_every_provider() -> None:
    one, two = StaticProvider("one", {}), StaticProvider("two", {})
    Registry.from_providers([one, two], plugins=False).close()
    assert one.closed and two.closed


@pytest.fixture
def plugin_path(tmp_path: Path) -> Iterator[Path]:
    """A real installed distribution (a dist-info with entry points) on sys.path."""
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("atonix_test_plugin")]:
        del sys.modules[name]


def install_plugin(root: Path, entry_points: str, module_source: str) -> None:
    (root / "atonix_test_plugin.py").write_text(textwrap.dedent(module_source))
    dist_info = root / "atonix_test_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: atonix-test-plugin\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n{textwrap.dedent(entry_points)}"
    )


PLUGIN_MODULE = """
    from atonix_iac.providers.base import Provider, ResourceSchema
    from atonix_iac.providers.heat.value import ValueResource

    class PluginValue(ValueResource):
        def __init__(self, type_name):
            super().__init__()
            self.schema = ResourceSchema(type_name, self.schema.properties, {})

    class AcmeProvider(Provider):
        name = "acme"

        def resource_types(self):
            return {"Acme::Value": PluginValue("Acme::Value"),
                    "OS::Heat::Value": PluginValue("OS::Heat::Value")}

    def not_a_provider():
        return 42

    def broken():
        raise RuntimeError("no credentials")
"""


def test_plugins_are_discovered_through_entry_points(plugin_path: Path) -> None:
    install_plugin(plugin_path, "acme = atonix_test_plugin:AcmeProvider\n", PLUGIN_MODULE)
    (provider,) = discover_providers()
    assert provider.name == "acme"
    registry = Registry.from_providers([HeatProvider()])
    assert registry.has_provider("Acme::Value")
    assert [p.name for p in registry.providers] == ["heat", "acme"]
    # the composition root's providers win over plugins for the same type
    heat_value = HeatProvider().resource_types()["OS::Heat::Value"]
    assert type(registry.implementation("OS::Heat::Value")) is type(heat_value)
    assert (
        Registry.from_providers([HeatProvider()], plugins=False).has_provider("Acme::Value")
        is False
    )


def test_plugin_that_fails_to_load(plugin_path: Path) -> None:
    install_plugin(plugin_path, "bad = atonix_test_plugin:broken\n", PLUGIN_MODULE)
    with pytest.raises(ProviderConfigError, match="`bad`.*RuntimeError: no credentials"):
        Registry.from_providers([])


def test_plugin_that_is_not_a_provider(plugin_path: Path) -> None:
    install_plugin(plugin_path, "odd = atonix_test_plugin:not_a_provider\n", PLUGIN_MODULE)
    with pytest.raises(ProviderConfigError, match="returned int, not an atonix Provider"):
        discover_providers()


def test_plugin_with_a_missing_module(plugin_path: Path) -> None:
    install_plugin(plugin_path, "gone = atonix_no_such_module:Provider\n", PLUGIN_MODULE)
    with pytest.raises(ProviderConfigError, match="ModuleNotFoundError"):
        discover_providers()


def test_the_entry_point_precheck_finds_a_plugin_where_importlib_metadata_does(
    plugin_path: Path,
) -> None:
    """The cheap look before ``entry_points()`` may say "maybe" too often, never "no" wrongly."""
    assert may_declare_entry_points(ENTRY_POINT_GROUP) is False  # nothing declares it yet
    assert may_declare_entry_points("console_scripts") is True  # pip and pytest do
    (plugin_path / "other-1.0.dist-info").mkdir()  # a distribution without entry points
    (plugin_path / "loose.egg-info").write_text("Name: loose\n")  # PKG-INFO as a file
    assert may_declare_entry_points(ENTRY_POINT_GROUP) is False
    install_plugin(plugin_path, "acme = atonix_test_plugin:AcmeProvider\n", PLUGIN_MODULE)
    assert may_declare_entry_points(ENTRY_POINT_GROUP) is True
    assert [p.name for p in discover_providers()] == ["acme"]


def test_an_archive_on_the_path_leaves_discovery_to_importlib_metadata(
    plugin_path: Path,
) -> None:
    archive = plugin_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("acme-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: acme\n")
        zipped.writestr("acme-1.0.dist-info/entry_points.txt", "[x]\n")
    sys.path.append(str(archive))
    try:
        assert may_declare_entry_points(ENTRY_POINT_GROUP) is True
        assert discover_providers() == []  # importlib.metadata looked, and found none
    finally:
        sys.path.remove(str(archive))
