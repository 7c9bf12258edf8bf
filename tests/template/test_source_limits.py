"""Hostile YAML is refused cheaply: alias bombs before any expansion, binary input located."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from atonix_iac.errors import TemplateError
from atonix_iac.template.source import MAX_ALIAS_NODES, decode_text, parse_document


def _bomb(levels: int, fanout: int = 9) -> str:
    """The "billion laughs": each level lists the previous one ``fanout`` times."""
    words = ", ".join(['"lol"'] * fanout)
    lines = ["heat_template_version: 2018-08-31", f"l0: &a0 [{words}]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * fanout)
        lines.append(f"l{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\nresources: {}\n"


@pytest.mark.parametrize("levels", [6, 9, 30])
def test_an_alias_bomb_is_refused_before_it_expands(levels: int) -> None:
    text = _bomb(levels)
    assert len(text) < 2500
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TemplateError) as info:
            parse_document("bomb.yaml", text)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = info.value.format()
    # Located at the first level whose aliases cross the limit (9**6 > 100,000).
    assert message.startswith("bomb.yaml:7:5: error: YAML aliases here expand the document")
    assert f"more than {MAX_ALIAS_NODES} nodes (the limit on alias expansion)" in message
    assert elapsed < 0.5
    assert peak < 5_000_000


def test_a_small_bomb_under_the_old_node_limit_is_refused_too() -> None:
    # 9**5 * 2 nodes: under the 2,000,000-node build limit, still far too many aliases.
    text = _bomb(5, fanout=9) + "x: [*a5, *a5]\n"
    with pytest.raises(TemplateError, match="the limit on alias expansion"):
        parse_document("bomb.yaml", text)


def test_modest_aliases_and_merges_still_load() -> None:
    text = "common: &c {flavor: m1.small, image: cirros, tags: [a, b, c]}\n" + "".join(
        f"r{i}: {{<<: *c, name: n{i}}}\n" for i in range(2_000)
    )
    doc = parse_document("ok.yaml", text)
    assert doc["r1999"] == {
        "flavor": "m1.small",
        "image": "cirros",
        "tags": ["a", "b", "c"],
        "name": "n1999",
    }


def test_recursive_aliases_stay_a_located_error() -> None:
    with pytest.raises(TemplateError, match="recursive YAML alias"):
        parse_document("s.yaml", "a: &x {b: [*x, *x]}\n")


def test_a_control_character_is_located_by_line_and_column() -> None:
    with pytest.raises(TemplateError) as info:
        parse_document("s.yaml", "a: 1\nb: x\x00y\n")
    assert info.value.format().startswith(
        "s.yaml:2:5: error: YAML cannot hold the character 0x0000"
    )


def test_undecodable_bytes_are_located() -> None:
    with pytest.raises(TemplateError) as info:
        decode_text("s.yaml", b"a: 1\nb: \xc3\x28\n")
    assert info.value.format().startswith("s.yaml:2:4: error: not UTF-8 text (byte 8: 0xc3)")
