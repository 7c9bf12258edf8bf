"""Template loading: HOT text (+ environment files, Jinja2 variables) -> ``Template``.

The public API other layers call. Loading never needs parameter values; binding them is
``bind_parameters``; conditions are evaluated with ``resolve_conditions`` once bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atonix_iac.lazy import lazy_getattr

if TYPE_CHECKING:
    from atonix_iac.template.files import FileReader
    from atonix_iac.template.functions import evaluate
    from atonix_iac.template.heat_stack import EXPANDED_TYPES
    from atonix_iac.template.model import Template
    from atonix_iac.template.parameters import (
        BoundParameters,
        bind_parameters,
        load_var_file,
        parse_var_assignments,
    )

# The rest of the public API, imported when first used (PEP 562): importing any
# ``atonix_iac.template.*`` module runs this file, and the loader (PyYAML, the functions,
# environments) and the model are not needed by those that only read values or nodes.
_LAZY = {
    "EXPANDED_TYPES": "atonix_iac.template.heat_stack",
    "BoundParameters": "atonix_iac.template.parameters",
    "bind_parameters": "atonix_iac.template.parameters",
    "load_var_file": "atonix_iac.template.parameters",
    "parse_var_assignments": "atonix_iac.template.parameters",
    "evaluate": "atonix_iac.template.functions",
    "Template": "atonix_iac.template.model",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


__all__ = [
    "EXPANDED_TYPES",
    "BoundParameters",
    "Template",
    "bind_parameters",
    "evaluate",
    "load_template",
    "load_template_from_files",
    "load_template_from_request",
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
    from atonix_iac.template.environment import load_environments
    from atonix_iac.template.loader import TemplateLoader

    env = load_environments(list(env_files), reader.read, reader.naming)
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
    from atonix_iac.template.files import FileReader

    return _load(FileReader(), str(path), [str(p) for p in env_files], template_vars)


def load_template_from_files(
    root: str,
    files: Mapping[str, str],
    env_files: Sequence[str] = (),
    *,
    template_vars: Mapping[str, Any] | None = None,
) -> Template:
    """Re-load exactly what a saved plan carries (``Template.files``), reading no disk."""
    from atonix_iac.template.files import FileReader

    return _load(FileReader(files), root, list(env_files), template_vars)


def load_template_from_request(
    root: str, files: Mapping[str, str], env_files: Sequence[str] = ()
) -> Template:
    """Load a Heat API request's template as Heat does: every file it names (get_file, a
    template type, a registry target, in nested templates too) is the key, as written, of
    ``files`` (which also holds ``root`` and ``env_files``); nothing is read from disk."""
    from atonix_iac.template.files import FileReader

    return _load(FileReader.for_request(files), root, list(env_files), None)


def resolve_conditions(template: Template, params: BoundParameters) -> dict[str, bool]:
    """The truth of every condition (nested ones as ``parent.name``) under bound parameters."""
    from atonix_iac.template.conditions import resolve_conditions as _resolve_conditions

    return _resolve_conditions(template, params.values)
