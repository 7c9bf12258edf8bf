"""The ``-json`` event stream: Terraform's envelope and message types, pinned by a golden file
(timestamps come from a fixed clock) and free of secrets."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from gating_kit import Planned, assert_no_secrets, check_golden

from atonix_iac import __version__
from atonix_iac.apply.events import ApplyEvent, ApplyResult, EventKind, Operation
from atonix_iac.cli.events import JsonEventWriter
from atonix_iac.errors import Diagnostic, PolicyDeniedError, Severity, SourceLocation, TemplateError

FIXED = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _writer() -> tuple[JsonEventWriter, io.StringIO, Clock]:
    stream, clock = io.StringIO(), Clock()
    return JsonEventWriter(stream, now=lambda: FIXED, monotonic=clock), stream, clock


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _run(writer: JsonEventWriter, clock: Clock, planned: Planned) -> None:
    """version, the plan, then an apply with a progress tick, a failure and the summary."""
    writer.version()
    writer.plan(planned.plan)
    start = clock.now
    writer.on_apply_event(
        ApplyEvent(EventKind.START, "old", Operation.DELETE, start, None, "id-old")
    )
    writer.on_apply_event(ApplyEvent(EventKind.START, "fresh", Operation.CREATE, start))
    clock.now += 12.4
    writer.progress()
    writer.on_apply_event(
        ApplyEvent(EventKind.DONE, "old", Operation.DELETE, clock.now, 12.4, "id-old")
    )
    writer.on_apply_event(
        ApplyEvent(EventKind.DONE, "fresh", Operation.CREATE, clock.now, 12.6, "id-fresh")
    )
    writer.on_apply_event(ApplyEvent(EventKind.START, "settings", Operation.UPDATE, clock.now))
    writer.on_apply_event(
        ApplyEvent(EventKind.FAILED, "settings", Operation.UPDATE, clock.now, 0.2, None, "boom")
    )
    writer.error(TemplateError.at(SourceLocation("stack.yaml", 16, 3), "settings failed", "why"))
    writer.apply_summary(
        ApplyResult(
            created=("fresh",),
            deleted=("old",),
            outputs={"greeting": "hello green", "token_value": "tok-0123456789-secret"},
            sensitive_outputs=frozenset({"token_value"}),
        ),
        destroy=False,
    )


def test_golden_event_stream(every_action: Planned) -> None:
    writer, stream, clock = _writer()

    _run(writer, clock, every_action)

    text = stream.getvalue().replace(f'"{__version__}"', '"<version>"')
    text = text.replace(f"atonix {__version__}", "atonix <version>")
    assert_no_secrets(text)
    check_golden(every_action.case_dir / "expected.events.jsonl", text)


def test_every_line_has_terraforms_envelope(every_action: Planned) -> None:
    writer, stream, clock = _writer()
    _run(writer, clock, every_action)

    lines = _lines(stream)

    for line in lines:
        assert {"@level", "@message", "@module", "@timestamp", "type"} <= line.keys()
        assert line["@module"] == "atonix.ui"
        assert line["@timestamp"] == "2024-01-02T03:04:05.678901+00:00"
    kinds = {line["type"] for line in lines}
    assert kinds == {
        "version",
        "planned_change",
        "change_summary",
        "outputs",
        "apply_start",
        "apply_progress",
        "apply_complete",
        "apply_errored",
        "diagnostic",
    }


def test_planned_changes_carry_terraforms_actions_and_reasons(every_action: Planned) -> None:
    writer, stream, _ = _writer()
    writer.plan(every_action.plan)

    changes = {
        line["change"]["resource"]["addr"]: line["change"]
        for line in _lines(stream)
        if line["type"] == "planned_change"
    }

    assert {a: c["action"] for a, c in changes.items()} == {
        "old": "delete",
        "rotated": "replace",
        "fresh": "create",
        "settings": "update",
        "token": "replace",
    }
    assert changes["token"]["reason"] == "cannot_update"
    assert changes["old"]["reason"] == "delete_because_no_resource_config"
    assert changes["fresh"]["resource"]["resource_type"] == "OS::Heat::TestResource"


def test_progress_reports_only_operations_still_running(every_action: Planned) -> None:
    writer, stream, clock = _writer()
    writer.track(every_action.plan)
    writer.on_apply_event(ApplyEvent(EventKind.START, "fresh", Operation.CREATE, clock.now))
    clock.now += 20
    writer.progress()
    writer.on_apply_event(ApplyEvent(EventKind.DONE, "fresh", Operation.CREATE, clock.now, 20.0))
    writer.progress()

    progress = [line for line in _lines(stream) if line["type"] == "apply_progress"]

    assert [p["@message"] for p in progress] == ["fresh: Still creating... [20s elapsed]"]
    assert progress[0]["hook"]["elapsed_seconds"] == 20


def test_diagnostics_carry_the_template_range_and_severity() -> None:
    writer, stream, _ = _writer()
    writer.diagnostic(
        Diagnostic("unused", SourceLocation("stack.yaml", 4, 7), Severity.WARNING, "remove it")
    )
    denied = PolicyDeniedError(
        diagnostics=[
            Diagnostic(
                "policy rule `x` (deny): token: replacing is forbidden",
                SourceLocation("stack.yaml", 21, 3),
                related=((SourceLocation("policy.yaml", 2, 5), "rule `x` is defined here"),),
            )
        ]
    )
    writer.error(denied)

    warning, error = _lines(stream)

    assert warning["@level"] == "warn"
    assert warning["diagnostic"]["range"] == {
        "filename": "stack.yaml",
        "start": {"line": 4, "column": 7},
        "end": {"line": 4, "column": 8},
    }
    assert warning["diagnostic"]["detail"] == "remove it"
    assert error["@level"] == "error"
    assert error["diagnostic"]["detail"] == "policy.yaml:2:5: rule `x` is defined here"
