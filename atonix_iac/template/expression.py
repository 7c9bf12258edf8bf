"""One HOT expression written on its own (``atonix console``), parsed as a template value.

``{get_attr: [server, first_address]}`` typed at a prompt is parsed exactly as the same text
under a resource's ``properties`` would be: the template's version decides which functions
exist, and names are checked against its resources, parameters and conditions.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from atonix_iac.errors import Severity, SourceLocation, TemplateError
from atonix_iac.template.functions import PSEUDO_PARAMETERS, ParseContext, parse_value
from atonix_iac.template.model import Template
from atonix_iac.template.source import parse_document


def parse_expression(text: str, template: Template, *, source: str, line: int = 1) -> Any:
    """``text`` (YAML or JSON) as a value holding function objects; a located TemplateError
    (``source:line:col``) if it does not parse or names what the template does not have."""
    # Leading newlines put the parser's own positions on the right line of ``source``.
    try:
        node = parse_document(source, "\n" * (line - 1) + text, limit_size=False)
    except TemplateError as err:  # "unexpected end" is found past the line: point at its end
        raise TemplateError(
            diagnostics=[
                replace(d, location=SourceLocation(source, line, len(text) + 1))
                if d.location is not None and d.location.line > line
                else d
                for d in err.diagnostics
            ]
        ) from None
    ctx = ParseContext(
        version=template.version,
        source=source,
        read_file=None,
        diagnostics=[],
        files={},
        condition_names=frozenset(template.conditions),
        resource_names=frozenset(template.resources) | frozenset(template.nested_stacks),
        parameter_names=frozenset(template.parameters) | PSEUDO_PARAMETERS,
    )
    value = parse_value(node, ctx, loc=SourceLocation(source, line, 1))
    errors = [d for d in ctx.diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise TemplateError(diagnostics=errors)
    return value
