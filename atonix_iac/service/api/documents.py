"""Request bodies -> stack records: templates, environments, files, parameters, checks.

A create or update is checked before it is queued, as Heat does: the template loads, the
parameters bind and the resources validate, or the request fails with 400 at once.
"""

from __future__ import annotations

import json
from typing import Any

from atonix_iac.errors import AtonixError, Severity
from atonix_iac.planner import validate_stack
from atonix_iac.state.records import StackRecord
from atonix_iac.template.source import parse_document
from atonix_iac.workspace.binding import Binding

from ..engine import Engine, bind_record, load_stack_template
from .common import bad_request


def plain_document(value: Any, what: str) -> Any:
    """A template or environment as a mapping (text is parsed as YAML, a superset of JSON)."""
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = parse_document(f"{what}.yaml", value)
        except AtonixError as err:
            raise bad_request(err.message, "StackValidationFailed") from None
        return json.loads(json.dumps(parsed, default=str))
    raise bad_request(f"The {what} must be a mapping or text")


def request_files(value: Any) -> dict[str, str]:
    """The body's ``files``: each name a template uses (as written) -> the file's text."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request("files must be a mapping of file names to their contents")
    for name, content in value.items():
        if not isinstance(content, str):
            raise bad_request(f"files: the content of `{name}` must be text")
    return {str(k): v for k, v in value.items()}


def parse_tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [t.strip() for t in str(value).split(",") if t.strip()]


def apply_body(record: StackRecord, body: dict[str, Any], *, patch: bool) -> None:
    """Fill ``record`` from a create/update body; a PATCH keeps what it does not name."""
    if body.get("template_url") and "template" not in body:
        raise bad_request("template_url is not supported: send the template itself")
    # A PATCH keeps the template when it names none (heatclient's --existing sends null) and
    # adds its files to the stack's, as Heat's engine does.
    if body.get("template") is not None:
        record.template = plain_document(body["template"], "template")
    elif not patch:
        raise bad_request("No template specified")
    if "files" in body or not patch:
        files = request_files(body.get("files"))
        record.files = {**record.files, **files} if patch else files
    if "environment" in body or not patch:
        environment = plain_document(body.get("environment") or {}, "environment") or {}
        if patch and isinstance(record.environment_doc, dict):
            merged = dict(record.environment_doc)
            merged.update(environment)
            environment = merged
        record.environment_doc = environment
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise bad_request("parameters must be a mapping")
    if patch:
        merged_params = dict(record.parameters)
        for name in body.get("clear_parameters") or []:
            merged_params.pop(name, None)
        merged_params.update(parameters)
        record.parameters = merged_params
    else:
        record.parameters = dict(parameters)
    if "timeout_mins" in body and body["timeout_mins"] is not None:
        record.timeout_mins = int(body["timeout_mins"])
    if "disable_rollback" in body:
        record.disable_rollback = bool(body["disable_rollback"])
    if "tags" in body:
        record.tags = parse_tags(body["tags"])


def check_record(engine: Engine, record: StackRecord, binding: Binding) -> None:
    """400 unless the template loads, its parameters bind and its resources validate."""
    try:
        template = load_stack_template(record)
        params = bind_record(record, template, binding)
        problems = validate_stack(template, engine.registry(binding), params)
    except AtonixError as err:
        raise bad_request(err.message, "StackValidationFailed") from None
    errors = [d for d in problems if d.severity is Severity.ERROR]
    if errors:
        text = "\n".join(d.format() for d in errors)
        raise bad_request(text, "StackValidationFailed")


def check_in_cloud(engine: Engine, record: StackRecord, binding: Binding) -> None:
    """400 when the cloud cannot take the stack: a flavor, image, network ... that does not
    exist, a quota the stack would exceed (checked after ``check_record``)."""
    try:
        engine.check_in_cloud(record, binding)
    except AtonixError as err:
        text = err.format() if err.diagnostics else err.message
        raise bad_request(text, "StackValidationFailed") from None
