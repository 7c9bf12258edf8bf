"""Retired property names (Heat's translation rules, kept as data for every type) read as
their replacements: in validate, in the plan, and for state written with the old names."""

from __future__ import annotations

from pathlib import Path

from atonix_iac.errors import Severity
from atonix_iac.planner.translate import translate_values, translation_diagnostics
from atonix_iac.providers.translations import property_translations, translated_types
from atonix_iac.template import load_template


def _rules(type_name: str) -> set[tuple[str, str]]:
    return {(r.old_path, r.new_path) for r in property_translations(type_name)}


def test_the_data_carries_heats_replace_rules() -> None:
    assert ("network_id", "network") in _rules("OS::Neutron::Port")
    assert ("fixed_ips.subnet_id", "fixed_ips.subnet") in _rules("OS::Neutron::Port")
    assert ("network_id", "network") in _rules("OS::Neutron::Subnet")
    assert ("router_id", "router") in _rules("OS::Neutron::VPNService")
    assert ("networks.uuid", "networks.network") in _rules("OS::Nova::Server")
    assert ("imageRef", "image") in _rules("OS::Cinder::Volume")
    assert len(translated_types()) >= 10
    assert property_translations("OS::Heat::Value") == ()


def test_translate_values_top_level_nested_and_both_given() -> None:
    port = {
        "network_id": "n1",
        "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.5"}, {"subnet": "s2"}, "x"],
    }
    assert translate_values("OS::Neutron::Port", port) == {
        "network": "n1",
        "fixed_ips": [{"subnet": "s1", "ip_address": "10.0.0.5"}, {"subnet": "s2"}, "x"],
    }
    assert translate_values("OS::Neutron::Subnet", {"network": "a", "network_id": "b"}) == {
        "network": "a"
    }
    assert translate_values("OS::Neutron::Subnet", {"network_id": None}) == {}
    assert translate_values("OS::Neutron::Port", {"fixed_ips": "not a list"}) == {
        "fixed_ips": "not a list"
    }


def test_diagnostics_are_located_warnings_and_a_conflict_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(
        """heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties:
      image: cirros
      flavor: m1.tiny
      networks:
        - uuid: abc
        - network: def
          uuid: ghi
"""
    )
    spec = load_template(str(path)).resources["server"]
    found = translation_diagnostics(spec)
    assert [(d.severity, str(d.location)) for d in found] == [
        (Severity.WARNING, f"{path}:9:11"),
        (Severity.ERROR, f"{path}:11:11"),
    ]
    assert "`networks.uuid` of OS::Nova::Server is deprecated" in found[0].message
    assert found[1].message.startswith(
        "Cannot define the following properties at the same time: networks.network, networks.uuid"
    )


def test_state_and_refresh_holding_old_names_compare_equal_to_the_new_ones() -> None:
    from atonix_iac.planner.observed import observe
    from atonix_iac.providers.base import ResourceResult
    from atonix_iac.state.model import ResourceState

    prior = ResourceState(
        "subnet", "OS::Neutron::Subnet", "s-1", properties={"network_id": "n-1", "cidr": "c"}
    )
    read = ResourceResult("s-1", {}, {"network_id": "n-2", "cidr": "c"})
    seen = observe(prior, {"subnet": read})
    assert seen.properties == {"network": "n-2", "cidr": "c"}
    assert seen.drift == ("network",)
    assert observe(prior, {}).properties == {"network": "n-1", "cidr": "c"}
