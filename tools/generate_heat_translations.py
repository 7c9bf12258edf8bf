"""Regenerate ``atonix_iac/providers/schema_data/heat_translations.json`` from Heat's source.

Heat still accepts retired property names (``network_id`` on OS::Neutron::Port, ``uuid`` in an
OS::Nova::Server's ``networks``...) through each plugin's ``translation_rules``: a REPLACE rule
moves the old name's value to the new name before anything else sees the properties. The schema
dumps only say such properties are HIDDEN or DEPRECATED; the rules themselves live in code, so
this script reads them out of Heat's source with ``ast`` (nothing of Heat is imported):

* every class under ``heat/engine/resources`` with a ``translation_rules`` method, its REPLACE
  rules' ``translation_path`` and ``value_path`` / ``value_name``, with ``self.X`` resolved to
  the class constants (inherited ones included);
* every module's ``resource_mapping()`` (or ``available_resource_mapping()``), to name the
  types each class (or a subclass of it) implements.

Rules whose path is computed at run time (Mistral's per-task policies) are left out.

Usage: python tools/generate_heat_translations.py [--check] HEAT_SOURCE_DIR
(a checkout of https://opendev.org/openstack/heat, or a bare clone: then pass --git).
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "atonix_iac" / "providers" / "schema_data" / "heat_translations.json"
RESOURCES_DIR = "heat/engine/resources"
FORMAT_VERSION = 1


@dataclass
class ClassInfo:
    name: str
    module: str
    bases: list[str]
    constants: dict[str, Any] = field(default_factory=dict)
    rules: list[tuple[list[ast.expr], ast.expr | None, ast.expr | None]] = field(
        default_factory=list
    )
    has_rules_method: bool = False


def _read_sources(heat_dir: Path, git: bool) -> dict[str, str]:
    if not git:
        return {
            str(p.relative_to(heat_dir)): p.read_text(encoding="utf-8")
            for p in sorted((heat_dir / RESOURCES_DIR).rglob("*.py"))
        }
    names = subprocess.run(
        ["git", "-C", str(heat_dir), "ls-tree", "-r", "--name-only", "HEAD", RESOURCES_DIR],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {
        name: subprocess.run(
            ["git", "-C", str(heat_dir), "show", f"HEAD:{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for name in names
        if name.endswith(".py")
    }


def _constants(body: list[ast.stmt]) -> dict[str, Any]:
    """Class-level ``NAME = 'x'`` and ``(A, B) = ('a', 'b')`` (chained too)."""
    found: dict[str, Any] = {}
    for stmt in body:
        if not isinstance(stmt, ast.Assign):
            continue
        try:
            value = ast.literal_eval(stmt.value)
        except ValueError:
            continue
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                found[target.id] = value
            elif isinstance(target, ast.Tuple) and isinstance(value, tuple):
                for element, item in zip(target.elts, value, strict=False):
                    if isinstance(element, ast.Name):
                        found[element.id] = item
    return found


def _is_replace(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "REPLACE"


def _rules(
    method: ast.FunctionDef,
) -> list[tuple[list[ast.expr], ast.expr | None, ast.expr | None]]:
    rules = []
    for node in ast.walk(method):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "TranslationRule"):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        positional = list(node.args)
        rule = positional[1] if len(positional) > 1 else keywords.get("rule")
        if rule is None or not _is_replace(rule):
            continue
        path = positional[2] if len(positional) > 2 else keywords.get("translation_path")
        value_path = positional[4] if len(positional) > 4 else keywords.get("value_path")
        value_name = keywords.get("value_name")
        if "custom_value_path" in keywords or not isinstance(path, ast.List):
            continue
        rules.append((list(path.elts), value_path, value_name))
    return rules


def _base_name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _collect(sources: dict[str, str]) -> tuple[dict[str, ClassInfo], dict[str, str]]:
    classes: dict[str, ClassInfo] = {}
    mapping: dict[str, str] = {}  # type name -> class name
    for module, text in sources.items():
        tree = ast.parse(text)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                info = ClassInfo(
                    node.name,
                    module,
                    [
                        b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")
                        for b in node.bases
                    ],
                    _constants(node.body),
                )
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "translation_rules":
                        info.has_rules_method = True
                        info.rules = _rules(item)
                classes.setdefault(node.name, info)
                classes[f"{module}:{node.name}"] = info
            elif isinstance(node, ast.FunctionDef) and node.name in (
                "resource_mapping",
                "available_resource_mapping",
            ):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Dict):
                        for key, value in zip(sub.keys, sub.values, strict=True):
                            if isinstance(key, ast.Constant) and isinstance(value, ast.Name):
                                mapping[str(key.value)] = f"{module}:{value.id}"
    return classes, mapping


def _lineage(classes: dict[str, ClassInfo], start: ClassInfo) -> list[ClassInfo]:
    """The class and its bases, nearest first (bases found by name, same module first)."""
    chain: list[ClassInfo] = []
    queue = [start]
    while queue:
        info = queue.pop(0)
        if info in chain:
            continue
        chain.append(info)
        for base in info.bases:
            parent = classes.get(f"{info.module}:{base}") or classes.get(base)
            if parent is not None:
                queue.append(parent)
    return chain


def _resolve(node: ast.expr | None, constants: dict[str, Any]) -> Any:
    if node is None:
        return None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return constants.get(node.attr)
    if isinstance(node, ast.List):
        return [_resolve(e, constants) for e in node.elts]
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def translations(sources: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    classes, mapping = _collect(sources)
    out: dict[str, list[dict[str, Any]]] = {}
    for type_name, class_key in sorted(mapping.items()):
        info = classes.get(class_key)
        if info is None:
            continue
        chain = _lineage(classes, info)
        owner = next((c for c in chain if c.has_rules_method), None)
        if owner is None:
            continue
        constants: dict[str, Any] = {}
        for cls in reversed(chain):
            constants.update(cls.constants)
        rules = []
        for path_nodes, value_path, value_name in owner.rules:
            path = [_resolve(e, constants) for e in path_nodes]
            old_path = _resolve(value_path, constants)
            old_name = _resolve(value_name, constants)
            if not path or not all(isinstance(p, str) for p in path):
                continue
            if isinstance(old_name, str):
                old = old_name
            elif isinstance(old_path, list) and len(old_path) == len(path) == 1:
                old = old_path[0]
            else:
                continue
            if not isinstance(old, str) or old == path[-1]:
                continue
            rules.append({"parent": path[:-1], "new": path[-1], "old": old})
        if rules:
            out[type_name] = rules
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("heat_dir", type=Path)
    parser.add_argument("--git", action="store_true", help="read HEAD of a (bare) git clone")
    parser.add_argument("--check", action="store_true", help="fail if the JSON is out of date")
    args = parser.parse_args(argv)
    document = {
        "format": FORMAT_VERSION,
        "source": "openstack/heat translation_rules (REPLACE rules), by " + Path(__file__).name,
        "types": translations(_read_sources(args.heat_dir, args.git)),
    }
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(document['types'])} types)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
