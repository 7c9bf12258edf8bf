"""The packaged translation rules are what ``tools/generate_heat_translations.py`` reads out of
Heat's source (checked when a clone of openstack/heat is at hand: HEAT_SOURCE, a checkout or a
bare clone)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from atonix_iac.providers.translations import property_translations

REPO = Path(__file__).resolve().parents[2]
HEAT_SOURCE = Path(os.environ.get("HEAT_SOURCE", "/work/.mirror/openstack+heat/repo"))


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "generate_heat_translations", REPO / "tools" / "generate_heat_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not HEAT_SOURCE.exists(), reason="no clone of openstack/heat here")
def test_packaged_rules_match_heats_source() -> None:
    generator = _generator()
    bare = not (HEAT_SOURCE / "heat" / "engine").is_dir()
    args = ["--check", *(["--git"] if bare else []), str(HEAT_SOURCE)]
    assert generator.main(args) == 0  # type: ignore[attr-defined]


def test_the_generator_reads_replace_rules_from_source() -> None:
    source = """
from heat.engine import translation

class Thing(object):
    PROPERTIES = (NET, NET_ID, ITEMS) = ('net', 'net_id', 'items')
    ITEM_KEYS = (NEW, OLD) = ('new', 'old')

    def translation_rules(self, props):
        return [
            translation.TranslationRule(props, translation.TranslationRule.REPLACE,
                                        [self.NET], value_path=[self.NET_ID]),
            translation.TranslationRule(props, translation.TranslationRule.REPLACE,
                                        translation_path=[self.ITEMS, self.NEW],
                                        value_name=self.OLD),
            translation.TranslationRule(props, translation.TranslationRule.RESOLVE,
                                        [self.NET]),
        ]

class Child(Thing):
    pass

def resource_mapping():
    return {'Acme::Thing': Thing, 'Acme::Child': Child}
"""
    found = _generator().translations({"heat/engine/resources/acme.py": source})  # type: ignore[attr-defined]
    expected = [
        {"parent": [], "new": "net", "old": "net_id"},
        {"parent": ["items"], "new": "new", "old": "old"},
    ]
    assert found == {"Acme::Child": expected, "Acme::Thing": expected}
    assert property_translations("OS::Neutron::Port")[0].old_path == "network_id"
