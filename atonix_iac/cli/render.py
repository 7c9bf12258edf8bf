"""Plain-text renderings of state and outputs; stable, so tests and scripts can read them.

Secret values never reach these strings: they become ``(sensitive value)`` (state) or
``<sensitive>`` (outputs, as Terraform prints them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from atonix_iac.state.model import ResourceState, State

SENSITIVE_VALUE = "(sensitive value)"
SENSITIVE_OUTPUT = "<sensitive>"


def value_text(value: Any) -> str:
    """One value as Terraform shows it: strings quoted, everything else as JSON."""
    return json.dumps(value, sort_keys=True, default=str)


def masked(values: Mapping[str, Any], secret: Iterable[str]) -> dict[str, Any]:
    hidden = set(secret)
    return {k: SENSITIVE_VALUE if k in hidden else v for k, v in values.items()}


def _block(title: str, values: Mapping[str, Any], indent: str = "  ") -> list[str]:
    if not values:
        return []
    width = max(len(k) for k in values)
    lines = [f"{indent}{title}:"]
    for name in sorted(values):
        value = values[name]
        text = value if value == SENSITIVE_VALUE else value_text(value)
        lines.append(f"{indent}  {name.ljust(width)} = {text}")
    return lines


def resource_text(resource: ResourceState) -> str:
    """``state show ADDR``."""
    who = resource.address + (f" (deposed {resource.deposed})" if resource.deposed else "")
    lines = [
        f"# {who}: {resource.type}",
        f"  id     = {resource.physical_id or '(none)'}",
        f"  status = {resource.status.value}",
    ]
    if resource.dependencies:
        lines.append(f"  depends on: {', '.join(resource.dependencies)}")
    lines += _block("properties", masked(resource.properties, resource.sensitive_properties))
    lines += _block("attributes", masked(resource.attributes, resource.sensitive_attributes))
    return "\n".join(lines)


def state_text(state: State) -> str:
    """``show`` without a plan file: every resource, then the outputs."""
    if not state.exists or not (state.resources or state.outputs):
        return "The state is empty: no resources."
    parts = [resource_text(r) for _, r in sorted(state.resources.items())]
    if state.outputs:
        parts.append("Outputs:\n\n" + outputs_text(state.outputs, state.sensitive_outputs))
    return "\n\n".join(parts)


def outputs_text(outputs: Mapping[str, Any], sensitive: Iterable[str]) -> str:
    """``name = value`` lines; secret outputs show ``<sensitive>``."""
    hidden = set(sensitive)
    return "\n".join(
        f"{name} = {SENSITIVE_OUTPUT if name in hidden else value_text(outputs[name])}"
        for name in sorted(outputs)
    )


def outputs_json(outputs: Mapping[str, Any], sensitive: Iterable[str]) -> str:
    """``output -json``: Terraform's shape; secret values are masked when listing them all."""
    hidden = set(sensitive)
    doc = {
        name: {
            "sensitive": name in hidden,
            "type": _type_name(outputs[name]),
            "value": SENSITIVE_OUTPUT if name in hidden else outputs[name],
        }
        for name in sorted(outputs)
    }
    return json.dumps(doc, indent=2, sort_keys=True, default=str)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "null" if value is None else type(value).__name__
