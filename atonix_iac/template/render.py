"""The optional Jinja2 pass over ``*.j2`` templates, run before YAML parsing.

``StrictUndefined`` makes a missing variable an error instead of an empty string that would
silently change the template. Errors point at the template file and line, read from Jinja's
own traceback information.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from atonix_iac.errors import SourceLocation, TemplateError, suggest

if TYPE_CHECKING:
    import jinja2

JINJA_SUFFIX = ".j2"


def needs_rendering(path: str) -> bool:
    return path.endswith(JINJA_SUFFIX)


def _error_line(exc: BaseException, template_name: str) -> int:
    """The template line an exception was raised on, from Jinja's rewritten traceback."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == template_name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def template_variables(text: str) -> frozenset[str]:
    """The variables a Jinja2 template reads from outside (none if it does not parse; the
    render reports that)."""
    import jinja2  # only .j2 templates pay for Jinja2's import
    import jinja2.meta

    env = jinja2.Environment(autoescape=False)
    try:
        return frozenset(jinja2.meta.find_undeclared_variables(env.parse(text)))
    except jinja2.TemplateSyntaxError:
        return frozenset()


def render_template(path: str, text: str, variables: Mapping[str, Any] | None) -> str:
    """Render ``text`` (read from ``path``); every failure is a located TemplateError."""
    import jinja2  # only .j2 templates pay for Jinja2's import

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # the output is YAML, not HTML
    )
    values = dict(variables or {})
    try:
        template = env.from_string(text)
        template.name = path
        template.filename = path
        return template.render(values)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError.at(
            SourceLocation(path, exc.lineno or 0, 1 if exc.lineno else 0),
            f"Jinja2 syntax error: {exc.message}",
        ) from None
    except jinja2.UndefinedError as exc:
        name = _undefined_name(exc)
        hint = suggest(name, values) if name else None
        hint = hint or "pass it with -var NAME=VALUE"
        line = _error_line(exc, path)
        raise TemplateError.at(
            SourceLocation(path, line, 1 if line else 0),
            f"Jinja2: {exc.message}",
            hint,
        ) from None
    except jinja2.TemplateError as exc:
        line = _error_line(exc, path)
        raise TemplateError.at(
            SourceLocation(path, line, 1 if line else 0), f"Jinja2: {exc.message}"
        ) from None
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        # Errors raised by expressions inside the template ({{ 1 / 0 }}, bad filters args).
        line = _error_line(exc, path)
        raise TemplateError.at(
            SourceLocation(path, line, 1 if line else 0),
            f"Jinja2: {type(exc).__name__}: {exc}",
        ) from None


def _undefined_name(exc: jinja2.UndefinedError) -> str | None:
    message = exc.message or ""
    if message.startswith("'") and "' is undefined" in message:
        return message[1 : message.index("' is undefined")]
    return None
