"""``atonix fmt``: rewrite HOT templates and environment files in the canonical layout.

As ``terraform fmt``: files are rewritten in place and their names printed; ``-check`` writes
nothing and exits 1 if any file would change (for CI); ``-diff`` prints what changes; ``-``
reads standard input and writes standard output. A file that does not parse is reported
(``path:line:col``) and left as it is; the others are still formatted.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from atonix_iac.errors import TemplateError, UsageError
from atonix_iac.template.fmt import format_text
from atonix_iac.template.source import decode_text

from . import exitcodes
from .options import flag_names

YAML_SUFFIXES = (".yaml", ".yml")
STDIN = "-"


@click.command("fmt")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    *flag_names("check"),
    "check",
    is_flag=True,
    help="Write nothing; exit 1 if any file would change.",
)
@click.option(
    *flag_names("diff"), "show_diff", is_flag=True, help="Print a unified diff of changes."
)
@click.option(
    *flag_names("recursive"), "recursive", is_flag=True, help="Also format files in subdirectories."
)
@click.option(*flag_names("list"), "list_files", type=click.BOOL, default=True, hidden=True)
def fmt_command(
    paths: tuple[str, ...], check: bool, show_diff: bool, recursive: bool, list_files: bool
) -> None:
    """Rewrite templates (*.yaml, *.yml) in the canonical layout, keeping comments.

    PATH is a file or a directory (default: the current directory); `-` formats standard
    input to standard output. Jinja2 templates (.j2) are left alone.
    """
    if STDIN in paths:
        if len(paths) > 1:
            raise UsageError("`-` (standard input) cannot be combined with other paths")
        _format_stdin(check, show_diff)
        return
    failed = False
    changed = False
    for path in list(_files(paths or (".",), recursive)):
        if path.name.endswith(".j2"):
            click.echo(
                f"{path}: left alone (a Jinja2 template is not YAML until rendered)", err=True
            )
            continue
        try:
            original = decode_text(str(path), path.read_bytes())
            result = format_text(str(path), original)
        except OSError as err:
            click.echo(f"{path}: error: cannot read: {err.strerror}", err=True)
            failed = True
            continue
        except TemplateError as err:
            click.echo(err.format(), err=True)
            failed = True
            continue
        if result.kind is None:
            if path in _named(paths):
                click.echo(
                    f"{path}: left alone (neither a HOT template nor an environment file)", err=True
                )
            continue
        if not result.changed(original):
            continue
        changed = True
        if list_files:
            click.echo(str(path))
        if show_diff:
            click.echo(_diff(str(path), original, result.text), nl=False)
        if not check:
            path.write_text(result.text, encoding="utf-8")
    if failed or (check and changed):
        sys.exit(exitcodes.ExitCode.ERROR)


def _format_stdin(check: bool, show_diff: bool) -> None:
    original = decode_text("<stdin>", sys.stdin.buffer.read())
    result = format_text("<stdin>", original)  # a TemplateError: reported by the group
    if show_diff:
        click.echo(_diff("<stdin>", original, result.text), nl=False)
    elif not check:
        click.echo(result.text, nl=False)
    if check and result.changed(original):
        sys.exit(exitcodes.ExitCode.ERROR)


def _diff(name: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"old/{name}",
            tofile=f"new/{name}",
        )
    )


def _named(paths: tuple[str, ...]) -> set[Path]:
    return {Path(p) for p in paths}


def _files(paths: tuple[str, ...], recursive: bool) -> Iterator[Path]:
    for name in paths:  # every path checked before any file is touched
        if not Path(name).exists():
            raise UsageError(f"no file or directory at {name}")
    for name in paths:
        path = Path(name)
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from _walk(path, recursive)
        else:
            raise UsageError(f"no file or directory at {name}")


def _walk(directory: Path, recursive: bool) -> Iterator[Path]:
    """YAML files (and ``.j2`` ones, to say they are skipped) in sorted order; hidden
    directories and ``.atonix/`` are never entered."""
    entries = sorted(directory.iterdir())
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_file() and (
            entry.suffix in YAML_SUFFIXES
            or entry.name.endswith(tuple(s + ".j2" for s in YAML_SUFFIXES))
        ):
            yield entry
    if recursive:
        for entry in entries:
            if entry.is_dir() and not entry.name.startswith("."):
                yield from _walk(entry, recursive)
