"""``atonix console``'s evaluation: one parsed expression against the stack's state and
parameters, and the text it prints (Terraform's console: strings quoted, secrets masked,
values that only apply can know shown as such).

Pure: the caller reads state and binds parameters; nothing here writes or connects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError
from atonix_iac.planner.evaluation import PlanContext, resolve_value
from atonix_iac.planner.protocols import BoundParams, ResourceFacts
from atonix_iac.template.model import Template
from atonix_iac.template.values import UNKNOWN, Sensitive, contains_sensitive

SENSITIVE_TEXT = "(sensitive value)"
UNKNOWN_TEXT = "(known after apply)"


class Console:
    """Evaluates expressions against one stack: its template, bound parameters and the
    resources recorded in state (address -> what state knows of it)."""

    def __init__(
        self,
        template: Template,
        params: BoundParams,
        known: Mapping[str, ResourceFacts],
    ) -> None:
        self._ctx = PlanContext(template, params, known)

    def evaluate(self, value: Any, where: SourceLocation) -> Any:
        """``value``'s result (may hold UNKNOWN or Sensitive); an error is located at ``where``
        when it carries no location of its own."""
        try:
            return resolve_value(value, self._ctx)
        except TemplateError as err:
            raise TemplateError(
                diagnostics=[
                    d if d.location is not None else Diagnostic(d.message, where, hint=d.hint)
                    for d in err.diagnostics
                ]
            ) from None


def console_text(value: Any) -> str:
    """The value as the console prints it: JSON, strings quoted; a value holding a secret is
    ``(sensitive value)`` whole; an unknown part is ``(known after apply)``."""
    if contains_sensitive(value):
        return SENSITIVE_TEXT
    return _text(value)


def _text(value: Any) -> str:
    if value is UNKNOWN:
        return UNKNOWN_TEXT
    if isinstance(value, Sensitive):
        return SENSITIVE_TEXT
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{json.dumps(str(k))}: {_text(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return json.dumps(value, default=str, ensure_ascii=False)
