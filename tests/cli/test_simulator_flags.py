"""The simulator's one command line: ``atonix simulator serve`` and ``python -m
atonix_iac.simulator serve`` take the same flags (--quota included), one implementation."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import openstack
import pytest
from _cli_kit import ATONIX

from atonix_iac.simulator.cli import project_names


def test_projects_from_both_flags_each_once_in_order() -> None:
    assert project_names(("demo",), ("a,b", " c ,demo,")) == ["demo", "a", "b", "c"]
    assert project_names((), ("x",)) == ["x"]


def test_demo_when_none_named() -> None:
    assert project_names((), ()) == ["demo"]
    assert project_names((), (",",)) == ["demo"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    "command",
    [[str(ATONIX), "simulator", "serve"], [sys.executable, "-m", "atonix_iac.simulator", "serve"]],
    ids=["atonix", "python-m"],
)
def test_both_command_lines_serve_with_the_same_flags(command: list[str], tmp_path: Path) -> None:
    port = _free_port()
    flags = ["-port", str(port), "--project", "demo", "--projects", "team2"]
    flags += ["--quota", "compute.instances=3", "--build-delay", "0"]
    proc = subprocess.Popen(
        [*command, *flags],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        clouds = tmp_path / ".atonix" / "simulator" / "clouds.yaml"
        assert f"export OS_CLIENT_CONFIG_FILE={clouds.resolve()}\n" in lines
        assert "export OS_CLOUD=atonix-sim\n" in lines
        assert (tmp_path / ".atonix" / ".gitignore").read_text() == "*\n"
        os.environ["OS_CLIENT_CONFIG_FILE"] = str(clouds)
        try:
            conn = openstack.connect(cloud="atonix-sim-team2")
            assert conn.compute.get_quota_set(conn.current_project_id).instances == 3
            conn.close()
        finally:
            del os.environ["OS_CLIENT_CONFIG_FILE"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize(
    "command",
    [[str(ATONIX), "simulator", "serve"], [sys.executable, "-m", "atonix_iac.simulator", "serve"]],
    ids=["atonix", "python-m"],
)
def test_both_refuse_a_bad_quota_alike(command: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [*command, "--quota", "instances=3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == "error: --quota expects SERVICE.KEY=N, not 'instances=3'\n"
    assert not (tmp_path / ".atonix").exists()


def test_a_usage_error_exits_1_as_every_atonix_usage_error_does(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ATONIX), "simulator", "serve", "-port", "eighty"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "argument --port/-port: invalid int value: 'eighty'" in result.stderr
