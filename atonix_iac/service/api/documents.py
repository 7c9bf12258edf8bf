"""Request bodies -> stack records: templates, environments, files, parameters, checks.

A create or update is checked before it is queued, as Heat does: the template loads, the
parameters bind and the resources validate, or the request fails with 400 at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from atonix_iac.errors import AtonixError, Diagnostic, Severity
from atonix_iac.planner import validate_stack
from atonix_iac.state.records import StackRecord
from atonix_iac.template.source import parse_document
from atonix_iac.workspace.binding import Binding

from ..engine import Engine, bind_record, load_stack_template
from ..settings import Settings
from ..urlfetch import TemplateFetchError, fetch_template
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


def parse_tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [t.strip() for t in str(value).split(",") if t.strip()]


def apply_body(
    record: StackRecord, body: dict[str, Any], *, patch: bool, settings: Settings
) -> None:
    """Fill ``record`` from a create/update body; a PATCH keeps what it does not name.

    The template comes inline (``template``) or from ``template_url`` (fetched as Heat
    fetches it); ``environment_files`` (names in ``files``), when given, are merged in order
    into the environment instead of ``environment``, as Heat's engine merges them. A PATCH
    keeps the template when it names none (heatclient's --existing sends null) and adds its
    files to the stack's, as Heat's engine does."""
    template = _template(body, settings)
    if template is not None:
        record.template = template
    elif not patch:
        raise bad_request("No template specified")
    if "files" in body or not patch:
        files = body.get("files") or {}
        if not isinstance(files, dict):
            raise bad_request("files must be a mapping of names to contents")
        sent = {str(k): str(v) for k, v in files.items()}
        record.files = {**record.files, **sent} if patch else sent
    env_files = body.get("environment_files")
    if env_files:
        record.environment_doc = merged_environment_files(env_files, record.files)
    elif "environment" in body or not patch:
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


def _template(body: dict[str, Any], settings: Settings) -> Any:
    """The body's template as a mapping (None when it names none), within Heat's size
    limit: inline, else fetched from ``template_url``."""
    limit = settings.max_template_size
    inline = body.get("template")
    if inline is not None:
        size = len(str(inline))
        if size > limit:
            raise bad_request(
                f"Request limit exceeded: Template size ({size} bytes) exceeds maximum"
                f" allowed size ({limit} bytes).",
                "RequestLimitExceeded",
            )
        return plain_document(inline, "template")
    url = body.get("template_url")
    if not url:
        return None
    try:
        text = fetch_template(str(url), max_size=limit, timeout_s=settings.template_fetch_timeout_s)
    except TemplateFetchError as err:
        raise bad_request(f"Could not retrieve template: {err.message}") from None
    return plain_document(text, "template")


def merged_environment_files(names: Any, files: dict[str, str]) -> dict[str, Any]:
    """Heat's ``merge_environments``: each named file of ``files`` parsed as an environment
    and merged over the ones before it, section by section (a later key wins)."""
    if not isinstance(names, list):
        raise bad_request("environment_files must be a list of names in files")
    merged: dict[str, Any] = {}
    for name in names:
        if str(name) not in files:
            raise bad_request(
                f"Environment file {name} is not in files: send its contents in `files`",
                "StackValidationFailed",
            )
        environment = plain_document(files[str(name)], "environment") or {}
        if not isinstance(environment, dict):
            raise bad_request(f"Environment file {name} is not a mapping")
        environment.pop("parameter_merge_strategies", None)
        for section, value in environment.items():
            if isinstance(value, dict) and isinstance(merged.get(section), dict):
                merged[section] = {**merged[section], **value}
            elif value:
                merged[section] = value
    return merged


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
        raise bad_request(heat_validation_text(errors), "StackValidationFailed")


def check_in_cloud(engine: Engine, record: StackRecord, binding: Binding) -> None:
    """400 when the cloud cannot take the stack: a flavor, image, network ... that does not
    exist, a quota the stack would exceed (checked after ``check_record``)."""
    try:
        engine.check_in_cloud(record, binding)
    except AtonixError as err:
        text = heat_validation_text(err.diagnostics) if err.diagnostics else err.message
        raise bad_request(text, "StackValidationFailed") from None


def heat_validation_text(diagnostics: Sequence[Diagnostic]) -> str:
    """Heat's ``StackValidationFailed`` wording, one problem a line: a problem located in
    the template reads ``Property error: resources.<name>.properties.<prop>: <message>``
    (heatclient users know it); others keep atonix's located form."""
    located = [d for d in diagnostics if d.path]
    others = [d for d in diagnostics if not d.path]
    return "\n".join([*(_heat_line(d) for d in located), *(d.format() for d in others)])


def _heat_line(diagnostic: Diagnostic) -> str:
    dotted = ""
    for part in diagnostic.path:
        if isinstance(part, int) or part.isdigit():
            dotted += f"[{part}]"
        else:
            dotted += f".{part}" if dotted else part
    error = "Property error: " if "properties" in diagnostic.path else ""
    return f"{error}{dotted}: {diagnostic.heat_message or diagnostic.message}"
