"""The Jinja2 pass over *.j2 templates."""

from __future__ import annotations

import pytest

from atonix_iac.errors import TemplateError
from atonix_iac.template.render import needs_rendering, render_template


def test_only_j2_files_are_rendered() -> None:
    assert needs_rendering("stack.yaml.j2")
    assert not needs_rendering("stack.yaml")


def test_variables_are_substituted() -> None:
    text = "{% for i in range(n) %}r{{ i }}: {{ kind }}\n{% endfor %}"
    assert render_template("s.j2", text, {"n": 2, "kind": "x"}) == "r0: x\nr1: x\n"


def test_undefined_variable_is_located_with_a_hint() -> None:
    with pytest.raises(TemplateError) as info:
        render_template("s.yaml.j2", "a: 1\nb: {{ flavour }}\n", {"flavor": "m1"})
    assert info.value.format() == (
        "s.yaml.j2:2:1: error: Jinja2: 'flavour' is undefined (did you mean `flavor`?)"
    )


def test_jinja_syntax_error_is_located() -> None:
    with pytest.raises(TemplateError) as info:
        render_template("s.yaml.j2", "a: 1\n\n{% if %}\n", {})
    assert info.value.format().startswith("s.yaml.j2:3:1: error: Jinja2 syntax error")


def test_runtime_error_in_an_expression_is_located() -> None:
    with pytest.raises(TemplateError, match=r"s.j2:2:1: error: Jinja2: ZeroDivisionError"):
        render_template("s.j2", "a\n{{ 1 / 0 }}\n", {})
