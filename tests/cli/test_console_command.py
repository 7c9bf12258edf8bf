"""``atonix console`` through the installed entry point, expressions piped on stdin."""

from __future__ import annotations

import hashlib
import os
import pty
import subprocess

from _cli_kit import ATONIX, STACK, Project

SECRET_PARAM = STACK.replace(
    "parameters:\n",
    "parameters:\n  db_password:\n    type: string\n    hidden: true\n    default: s3cret\n",
)


def console(
    project: Project, *lines: str, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ATONIX), "console", *args],
        cwd=project.root,
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )


def _digest(project: Project) -> str:
    return hashlib.sha256((project.root / ".atonix" / "state.db").read_bytes()).hexdigest()


def test_values_from_state_and_parameters(project: Project) -> None:
    project.write("stack.yaml", STACK)
    applied = project.process("apply", "-auto-approve")
    assert applied.returncode == 0, applied.stderr
    before = _digest(project)
    done = console(
        project,
        "{get_param: greeting}",
        "{get_attr: [app, value]}",
        '{str_replace: {template: "http://HOST/", params: {HOST: {get_attr: [web, output]}}}}',
        '{list_join: [",", [a, b]]}',
        "{get_attr: [secret, value]}",
        "{get_resource: app}",
        "",
        '{"get_param": "greeting"}',
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    app_id = project.state().resources["app"].physical_id
    assert lines == [
        '"hello"',
        '"hello world"',
        '"http://hello world/"',
        '"a,b"',
        "(sensitive value)",
        f'"{app_id}"',
        '"hello"',
    ]
    assert "> " not in done.stdout  # no prompt when piped
    assert _digest(project) == before  # read only: not even the serial moves


def test_unknown_until_applied_and_var_flags(project: Project) -> None:
    project.write("stack.yaml", STACK)
    done = console(
        project,
        "{get_attr: [app, value]}",
        "[{get_param: greeting}, {get_resource: web}]",
        args=("-var", "greeting=hi"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "(known after apply)",
        '["hi", (known after apply)]',
    ]


def test_hidden_parameter_is_masked(project: Project) -> None:
    project.write("stack.yaml", SECRET_PARAM)
    done = console(
        project, "{get_param: db_password}", "{list_join: [x, [{get_param: db_password}]]}"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["(sensitive value)", "(sensitive value)"]
    assert "s3cret" not in done.stdout + done.stderr


def test_each_error_is_one_located_message_and_the_session_goes_on(project: Project) -> None:
    project.write("stack.yaml", STACK)
    done = console(
        project,
        "{get_attr: [nope, value]}",
        "[1, 2",
        "{get_param: greeting}",
        "{get_param: nothing}",
        "exit",
        "{get_param: greeting}",
    )
    assert done.returncode == 1
    assert done.stdout.splitlines() == ['"hello"']
    errors = done.stderr.splitlines()
    assert len(errors) == 3, done.stderr
    assert errors[0].startswith("<stdin>:1:") and "unknown resource `nope`" in errors[0]
    assert errors[1].startswith("<stdin>:2:") and "YAML syntax error" in errors[1]
    assert errors[2].startswith("<stdin>:4:") and "nothing" in errors[2]
    assert "Traceback" not in done.stderr


def test_a_missing_template_is_one_message(project: Project) -> None:
    done = console(project, "{get_param: x}", args=("nowhere.yaml",))
    assert done.returncode == 1
    assert "no template at nowhere.yaml" in done.stderr and "Traceback" not in done.stderr


def test_a_terminal_gets_a_prompt_and_errors_do_not_end_the_session(project: Project) -> None:
    project.write("stack.yaml", STACK)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [str(ATONIX), "console"],
            cwd=project.root,
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(leader, b"{get_param: nothing}\n{get_param: greeting}\nexit\n")
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(leader)
        os.close(follower)
    assert proc.returncode == 0  # interactive: a mistake is only reported
    assert out.startswith("> ") and '"hello"' in out
    assert "nothing" in err
