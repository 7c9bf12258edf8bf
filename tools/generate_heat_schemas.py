"""Regenerate ``atonix_iac/providers/schema_data/heat_schemas.json`` from Heat's schema dumps.

The shared design files (``heat_resource_schemas_all.yaml``: all 201 types, flat;
``heat_resource_schemas.yaml``: the types we implement first, with nested schemas and
constraints) are introspected from Heat itself. We ship them as compact JSON so loading needs
no YAML parser and stays cheap; where both files describe a type the detailed one wins.

The JSON carries Heat's facts only. Our curation (sensitive names, open types) is applied by
``atonix_iac.providers.catalog`` at load time, so it is reviewed in one place.

Usage: python tools/generate_heat_schemas.py [--check] [DESIGN_DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DESIGN_DIR = Path("/work/shared/design")
OUTPUT = REPO / "atonix_iac" / "providers" / "schema_data" / "heat_schemas.json"
ALL_FILE = "heat_resource_schemas_all.yaml"
DETAILED_FILE = "heat_resource_schemas.yaml"
FORMAT_VERSION = 1


def compact_property(spec: dict[str, Any]) -> dict[str, Any]:
    """One property with every value that equals the PropertySchema default left out."""
    out: dict[str, Any] = {}
    if spec.get("type", "String") != "String":
        out["type"] = spec["type"]
    for flag in ("required", "update_allowed", "immutable"):
        if spec.get(flag):
            out[flag] = True
    # Heat's has_default() is "default is not None".
    if spec.get("default") is not None:
        out["default"] = spec["default"]
    constraints = [dict(c) for c in spec.get("constraints") or []]
    if constraints:
        out["constraints"] = constraints
    if spec.get("schema"):
        out["schema"] = {name: compact_property(sub) for name, sub in spec["schema"].items()}
    if spec.get("item_schema"):
        out["item_schema"] = compact_property(spec["item_schema"])
    if spec.get("support_status", "SUPPORTED") != "SUPPORTED":
        out["support_status"] = spec["support_status"]
    return out


def compact_type(spec: dict[str, Any]) -> dict[str, Any]:
    details = spec.get("attribute_details") or {}
    attributes: dict[str, dict[str, Any]] = {}
    for name in spec.get("attributes") or []:
        detail = details.get(name) or {}
        attr: dict[str, Any] = {}
        if detail.get("type"):
            attr["type"] = detail["type"]
        if detail.get("support_status", "SUPPORTED") != "SUPPORTED":
            attr["support_status"] = detail["support_status"]
        attributes[name] = attr
    out: dict[str, Any] = {
        "properties": {
            name: compact_property(prop) for name, prop in (spec.get("properties") or {}).items()
        },
        "attributes": attributes,
    }
    if not spec.get("has_handle_update", True):
        out["has_handle_update"] = False
    if spec.get("support_status", "SUPPORTED") != "SUPPORTED":
        out["support_status"] = spec["support_status"]
    return out


def build(design_dir: Path) -> dict[str, Any]:
    def types_of(name: str) -> dict[str, Any]:
        with open(design_dir / name, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        types: dict[str, Any] = doc["types"]
        return types

    merged = dict(types_of(ALL_FILE))
    merged.update(types_of(DETAILED_FILE))
    return {
        "format": FORMAT_VERSION,
        "source": "openstack/heat plugin introspection (see tools/generate_heat_schemas.py)",
        "types": {name: compact_type(merged[name]) for name in sorted(merged)},
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("design_dir", nargs="?", type=Path, default=DEFAULT_DESIGN_DIR)
    parser.add_argument("--check", action="store_true", help="fail if the JSON is out of date")
    args = parser.parse_args(argv)
    text = render(build(args.design_dir))
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
