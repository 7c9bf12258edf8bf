"""``format_text``: Heat's section and resource-key order, comments kept, meaning unchanged,
idempotent; checked on the compatibility corpus (copies) and on generated templates."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atonix_iac.errors import AtonixError, SourceLocation, TemplateError
from atonix_iac.template import load_template
from atonix_iac.template.fmt import format_text
from atonix_iac.template.nodes import LocatedStr

CORPUS = Path("/work/shared/corpus/heat-templates")

MESSY = """\
# the stack's comment
description: my stack{TRAIL}
heat_template_version: 2013-05-23
outputs:
  ip:
    value: {get_attr: [server, value]}  # shown after apply
resources:
  server:
    properties:
      value: |
        kept{TRAIL}
        as written
      items:
      - one
      - two
    depends_on: [port]
    type: OS::Heat::Value
  port:
    type: OS::Heat::None
parameters:
  flavor:   # the flavor
    type: string
    default: m1.small
""".replace("{TRAIL}", "  ")


def test_sections_and_resource_keys_take_heats_order_and_comments_survive() -> None:
    out = format_text("t.yaml", MESSY).text
    tops = [line.split(":")[0] for line in out.splitlines() if line and line[0].isalpha()]
    assert tops == ["heat_template_version", "description", "parameters", "resources", "outputs"]
    server = out.split("  server:\n")[1]
    assert server.index("type:") < server.index("depends_on:") < server.index("properties:")
    for comment in ("# the stack's comment", "# shown after apply", "# the flavor"):
        assert comment in out
    assert out.startswith("# the stack's comment\nheat_template_version: 2013-05-23\n")
    assert "      items:\n        - one\n        - two\n" in out
    assert "description: my stack\n" in out
    assert "        kept  \n" in out  # a block scalar's content is not whitespace to strip
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_formatting_is_idempotent_and_keeps_the_meaning() -> None:
    once = format_text("t.yaml", MESSY).text
    assert format_text("t.yaml", once).text == once
    assert (
        yaml.safe_load(once)["heat_template_version"]
        == yaml.safe_load(MESSY)["heat_template_version"]
    )


def test_version_date_stays_text_as_written() -> None:
    out = format_text("t.yaml", "heat_template_version: 2018-08-31\nresources: {}\n").text
    assert out == "heat_template_version: 2018-08-31\nresources: {}\n"


def test_environment_sections_are_ordered() -> None:
    text = "resource_registry:\n  My::Type: x.yaml\nparameters:\n  a: 1\n"
    result = format_text("env.yaml", text)
    assert result.kind == "environment"
    assert result.text == "parameters:\n  a: 1\nresource_registry:\n  My::Type: x.yaml\n"


def test_other_yaml_is_left_alone() -> None:
    text = "workspaces:\n    team: {}\n"
    result = format_text("atonix.yaml", text)
    assert result.kind is None and result.text == text


def test_syntax_error_is_one_located_error() -> None:
    with pytest.raises(TemplateError) as info:
        format_text("bad.yaml", "heat_template_version: 2018-08-31\nresources:\n  a: [1,\n")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.location is not None and diagnostic.location.file == "bad.yaml"
    assert diagnostic.location.line >= 3


# --------------------------------------------------------------------------- corpus


def _norm(value: Any) -> Any:
    """A loaded model without locations, for comparing what two texts mean."""
    if isinstance(value, SourceLocation):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            {
                f.name: _norm(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.name not in ("digest", "files", "source")
            },
        )
    if isinstance(value, dict):
        return {_norm(k): _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    if isinstance(value, LocatedStr):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(map(repr, value))
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return (type(value).__name__, repr(value))


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the compatibility corpus is not here")
def test_corpus_templates_validate_and_mean_the_same_after_fmt(tmp_path: Path) -> None:
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    files = sorted(p for p in copy.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    before: dict[Path, Any] = {}
    for path in files:
        with contextlib.suppress(AtonixError):
            before[path] = _norm(load_template(path))
    formatted = 0
    for path in files:
        text = path.read_text()
        result = format_text(str(path), text)
        if result.kind is None:
            continue
        formatted += 1
        assert format_text(str(path), result.text).text == result.text, path
        assert sorted(_comments(result.text)) == sorted(_comments(text)), path
        path.write_text(result.text)
    assert formatted >= 90
    assert len(before) >= 90
    for path, model in before.items():
        assert _norm(load_template(path)) == model, path


# --------------------------------------------------------------------------- generated

_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_scalars = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.integers(-1000, 1000),
    st.booleans(),
    st.none(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_names, inner, max_size=3),
    max_leaves=8,
)
_resource = st.fixed_dictionaries(
    {"type": st.just("OS::Heat::Value")},
    optional={
        "properties": st.fixed_dictionaries({"value": _values}),
        "metadata": st.dictionaries(_names, _values, max_size=2),
        "deletion_policy": st.sampled_from(["Delete", "Retain"]),
    },
)
_template = st.fixed_dictionaries(
    {
        "heat_template_version": st.just("2018-08-31"),
        "resources": st.dictionaries(_names, _resource, min_size=1, max_size=3),
    },
    optional={"description": st.text(max_size=30), "outputs": st.just({"o": {"value": 1}})},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _template,
    st.booleans(),
    st.sampled_from([None, 2, 4]),
    st.data(),
)
def test_fmt_is_idempotent_on_generated_templates(
    template: dict[str, Any], flow: bool, indent: int | None, data: st.DataObject
) -> None:
    keys = list(template)
    order = data.draw(st.permutations(keys))
    shuffled = {k: template[k] for k in order}
    text = yaml.safe_dump(shuffled, default_flow_style=flow, indent=indent, sort_keys=False)
    if not flow:
        head, sep, tail = ("\n" + text).partition("\nresources:")
        text = (head + sep + "  # the resources" + tail)[1:] if sep else text
    text = "# generated\n" + text
    once = format_text("g.yaml", text).text
    assert format_text("g.yaml", once).text == once
    assert yaml.safe_load(once) == yaml.safe_load(text)
    assert "# generated" in once
    assert ("# the resources" in once) == ("# the resources" in text)
    assert once.startswith("# generated\nheat_template_version:")


def test_comment_lines_follow_the_indentation_of_their_line_but_block_content_is_kept() -> None:
    text = (
        "heat_template_version: 2018-08-31\n"
        "resources:\n"
        "  app:\n"
        "    type: OS::Heat::Value\n"
        "    properties:\n"
        "      value:\n"
        "      # the first\n"
        "      - one\n"
        "      - |\n"
        "        #!/bin/sh\n"
        "          # indented content  \n"
        "        echo hi\n"
        "# the end\n"
    )
    out = format_text("t.yaml", text).text
    assert "        # the first\n        - one\n" in out
    assert "          #!/bin/sh\n            # indented content  \n          echo hi\n" in out
    assert out.endswith("# the end\n")
    assert format_text("t.yaml", out).text == out
