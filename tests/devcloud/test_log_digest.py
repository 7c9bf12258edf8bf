"""The digest of service errors that a failing realcloud run prints."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "devcloud" / "_devcloud" / "log_digest.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("log_digest", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_errors_since_the_tier_began_each_once(tmp_path: Path) -> None:
    req = "[req-1 u p - - default default]"
    (tmp_path / "manila-share.log").write_text(
        "2026-12-07 10:00:00.100 8532 ERROR manila.share.manager [-] before the tier\n"
        f"2026-12-07 10:05:00.100 8532 INFO manila.share.access {req} fine\n"
        f"2026-12-07 10:05:01.200 8532 ERROR manila.share.access {req} stuck: syncing\n"
        f"2026-12-07 10:05:02.300 8532 ERROR manila.share.access {req} stuck: syncing\n"
        "2026-12-07 10:05:03.400 8532 ERROR oslo.messaging [-] " + "x" * 400 + "\n"
    )
    (tmp_path / "nova-api.log").write_text("2026-12-07 10:05:00.000 1 INFO nova.api [-] ok\n")
    (tmp_path / "setup-manila.log").write_text("2026-12-07 10:06:00.000 1 ERROR setup [-] no\n")
    since = datetime(2026, 12, 7, 10, 5).timestamp()
    lines = _module().digest(tmp_path, since, 4)
    assert lines == [
        "manila-share: 3 ERROR lines; the last distinct ones:",
        "  manila.share.access: stuck: syncing",
        "  oslo.messaging: " + "x" * (240 - len("oslo.messaging: ")),
    ]


def test_nothing_to_say(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keystone.log").write_text("2026-12-07 10:05:00.000 1 INFO keystone [-] ok\n")
    assert _module().main(["log_digest.py", str(tmp_path), "0"]) == 0
    assert capsys.readouterr().out == "no service logged an ERROR\n"
