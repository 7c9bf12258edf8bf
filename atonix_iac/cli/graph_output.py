"""Where ``atonix graph`` sends its picture: text formats to stdout or a file; svg and png
through Graphviz's ``dot`` program when it is installed, with a plain message when not."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import click

from atonix_iac.errors import UsageError
from atonix_iac.planner.graph import ResourceGraph
from atonix_iac.planner.plan import Action

GRAPH_FORMATS = ("dot", "mermaid", "svg", "png")
_DOT_TIMEOUT_S = 120


def write_graph(
    graph: ResourceGraph, fmt: str, actions: Mapping[str, Action] | None, out: Path | None
) -> None:
    # Imported here, as shutil and subprocess below: the stack commands' module loads this one
    # for GRAPH_FORMATS, and only `atonix graph` draws.
    from atonix_iac.planner.render.graph import render_graph

    source = render_graph(graph, "mermaid" if fmt == "mermaid" else "dot", actions)
    if fmt in ("dot", "mermaid"):
        if out is None:
            click.echo(source, nl=False)
        else:
            out.write_text(source, encoding="utf-8")
        return
    if out is None and fmt == "png" and sys.stdout.isatty():
        raise UsageError("-format=png writes binary data: name a file with -o FILE")
    picture = _graphviz(source, fmt)
    if out is None:
        sys.stdout.buffer.write(picture)
        sys.stdout.flush()
    else:
        out.write_bytes(picture)


def _graphviz(source: str, fmt: str) -> bytes:
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise UsageError(
            f"-format={fmt} needs Graphviz's `dot` program, which is not on PATH (install the"
            " graphviz package); -format=mermaid and -format=dot need nothing"
        )
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=_DOT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise UsageError(f"Graphviz's dot could not draw the graph: {err}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise UsageError(f"Graphviz's dot could not draw the graph: {reason}")
    return done.stdout
