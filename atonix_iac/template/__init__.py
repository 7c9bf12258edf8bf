"""Template loading: HOT text (+ environment files, Jinja2 variables) -> ``Template``.

The public API other layers call. Loading never needs parameter values; binding them is
``bind_parameters``; conditions are evaluated with ``resolve_conditions`` once bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from atonix_iac.template.conditions import resolve_conditions as _resolve_conditions
from atonix_iac.template.environment import load_environments
from atonix_iac.template.files import FileReader
from atonix_iac.template.functions import evaluate
from atonix_iac.template.heat_stack import EXPANDED_TYPES
from atonix_iac.template.loader import TemplateLoader
from atonix_iac.template.model import Template
from atonix_iac.template.parameters import (
    BoundParameters,
    bind_parameters,
    load_var_file,
    parse_var_assignments,
)

__all__ = [
    "EXPANDED_TYPES",
    "BoundParameters",
    "Template",
    "bind_parameters",
    "evaluate",
    "load_template",
    "load_template_from_files",
    "load_var_file",
    "parse_var_assignments",
    "resolve_conditions",
]


def _load(
    reader: FileReader,
    root: str,
    env_files: Sequence[str],
    template_vars: Mapping[str, Any] | None,
) -> Template:
    env = load_environments(list(env_files), reader.read, reader.sent_url)
    # Environment files are recorded by the environment, not as template files.
    for key in env.files:
        reader.files.pop(key, None)
    return TemplateLoader(reader, env, template_vars).load_root(root)


def load_template(
    path: str | Path,
    env_files: Sequence[str | Path] = (),
    *,
    template_vars: Mapping[str, Any] | None = None,
) -> Template:
    """Load, check and flatten the template at ``path``; raises one TemplateError listing all."""
    return _load(FileReader(), str(path), [str(p) for p in env_files], template_vars)


def load_template_from_files(
    root: str,
    files: Mapping[str, str],
    env_files: Sequence[str] = (),
    *,
    template_vars: Mapping[str, Any] | None = None,
) -> Template:
    """Re-load exactly what a saved plan carries (``Template.files``), reading no disk."""
    return _load(FileReader(files), root, list(env_files), template_vars)


def resolve_conditions(template: Template, params: BoundParameters) -> dict[str, bool]:
    """The truth of every condition (nested ones as ``parent.name``) under bound parameters."""
    return _resolve_conditions(template, params.values)
