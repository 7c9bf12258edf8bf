"""``atonix fmt`` through the installed entry point: in place, -check, -diff, -recursive, `-`."""

from __future__ import annotations

import subprocess

from _cli_kit import ATONIX, Project

MESSY = """\
resources:
  app:
    properties:
      value: hello   # greeting
    type: OS::Heat::Value
heat_template_version: 2018-08-31
"""
CANONICAL = """\
heat_template_version: 2018-08-31
resources:
  app:
    type: OS::Heat::Value
    properties:
      value: hello   # greeting
"""


def test_fmt_rewrites_in_place_and_lists_the_file(project: Project) -> None:
    project.write("stack.yaml", MESSY)
    done = project.process("fmt")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "stack.yaml\n"
    assert (project.root / "stack.yaml").read_text() == CANONICAL
    again = project.process("fmt")
    assert again.returncode == 0 and again.stdout == ""


def test_check_writes_nothing_and_exits_1(project: Project) -> None:
    project.write("stack.yaml", MESSY)
    project.write("ok.yaml", CANONICAL)
    done = project.process("fmt", "-check")
    assert done.returncode == 1
    assert done.stdout == "stack.yaml\n"
    assert (project.root / "stack.yaml").read_text() == MESSY
    (project.root / "stack.yaml").write_text(CANONICAL)
    assert project.process("fmt", "-check").returncode == 0


def test_diff_prints_a_unified_diff(project: Project) -> None:
    project.write("stack.yaml", MESSY)
    done = project.process("fmt", "-diff", "-check", "stack.yaml")
    assert done.returncode == 1
    assert "--- old/stack.yaml" in done.stdout and "+++ new/stack.yaml" in done.stdout
    assert "+heat_template_version: 2018-08-31" in done.stdout


def test_recursive_skips_hidden_and_state_directories_and_notes_j2(project: Project) -> None:
    for sub in ("nested", ".atonix", ".hidden"):
        (project.root / sub).mkdir()
        project.write(f"{sub}/t.yml", MESSY)
    project.write("web.yaml.j2", "{% if x %}\n" + MESSY + "{% endif %}\n")
    plain = project.process("fmt")
    assert plain.returncode == 0 and plain.stdout == ""
    assert "web.yaml.j2: left alone" in plain.stderr
    done = project.process("fmt", "-recursive")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "nested/t.yml\n"
    assert (project.root / ".atonix" / "t.yml").read_text() == MESSY
    assert (project.root / ".hidden" / "t.yml").read_text() == MESSY
    assert (project.root / "web.yaml.j2").read_text().startswith("{% if x %}")


def test_stdin_to_stdout() -> None:
    done = subprocess.run(
        [str(ATONIX), "fmt", "-"], input=MESSY, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == CANONICAL


def test_a_file_that_does_not_parse_is_one_located_error_and_untouched(project: Project) -> None:
    bad = "heat_template_version: 2018-08-31\nresources:\n  a: {type: [x\n"
    project.write("bad.yaml", bad)
    project.write("stack.yaml", MESSY)
    done = project.process("fmt")
    assert done.returncode == 1
    assert done.stderr.startswith("bad.yaml:") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (project.root / "bad.yaml").read_text() == bad
    assert (project.root / "stack.yaml").read_text() == CANONICAL


def test_a_missing_path_is_a_usage_error(project: Project) -> None:
    done = project.process("fmt", "nowhere.yaml")
    assert done.returncode == 1
    assert "no file or directory at nowhere.yaml" in done.stderr
    assert "Traceback" not in done.stderr
