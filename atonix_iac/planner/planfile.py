"""Saved plans: the Plan plus everything needed to apply exactly what was planned.

A plan file is one JSON document: the plan, the text of every template file, the root path,
the environment files and template variables, the parameter values, the prior state's lineage
and serial, and a sha256 over the whole document so that corruption or an edit is caught.

On disk the document is compact JSON, gzip-compressed (``zcat plan.out | jq`` reads it):
indented JSON of 10,000 resources was ~10 MB, this is well under 1 MB. The digest comes
first and covers the exact text of the rest, so reading checks it without serialising the
document again. Plain JSON files (as written before) are still read.

Plan files hold no plaintext secrets. Sensitive values inside the plan are written as a
redaction marker (apply re-resolves properties anyway), and a sensitive parameter's value is
replaced by a salted sha256 of it: at apply time the CLI must supply the value again (the same
-var, -var-file or environment variable) and ``SavedPlan.verify_sensitive_parameters`` checks
it is the value the plan was made with. UNKNOWN ("known after apply") round-trips as a tagged
object, as does a user map that happens to use the tag key.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import secrets
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.errors import (
    Diagnostic,
    PlanError,
    Severity,
    SourceLocation,
    StalePlanError,
)
from atonix_iac.planner.plan import (
    Action,
    OutputChange,
    Plan,
    PlanMode,
    PropertyChange,
    ResourceChange,
)
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.state.model import StackKey
from atonix_iac.template.model import Template
from atonix_iac.template.nodes import LocatedStr
from atonix_iac.template.values import UNKNOWN, Sensitive, contains_sensitive, unwrap

FORMAT = "atonix-plan"
FORMAT_VERSION = 1
_TAG = "__atonix__"
GZIP_MAGIC = b"\x1f\x8b"
# Fast (level 1): the file shrinks ~15x; higher levels add CPU for a few percent less.
_COMPRESS_LEVEL = 1
# How a written file's text begins: the digest of everything after it.
_DIGEST_PREFIX = re.compile(rb'\{"digest":"(sha256:[0-9a-f]{64})",')


@dataclass(frozen=True)
class SavedPlan:
    """What a plan file gives back."""

    plan: Plan
    root: str
    files: dict[str, str]
    env_files: tuple[str, ...] = ()
    template_vars: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)  # non-sensitive values only
    sensitive_digests: dict[str, str] = field(default_factory=dict)
    sensitive_salt: str = ""
    atonix_version: str = ""

    def verify_sensitive_parameters(self, values: Mapping[str, Any]) -> None:
        """Check the re-supplied secret parameter values are those the plan was made with."""
        missing = sorted(n for n in self.sensitive_digests if n not in values)
        if missing:
            raise PlanError(
                "the saved plan needs the sensitive parameter(s) "
                f"{', '.join(missing)} again: supply them as when planning (-var, -var-file "
                "or environment)"
            )
        changed = sorted(
            name
            for name, digest in self.sensitive_digests.items()
            if _secret_digest(self.sensitive_salt, values[name]) != digest
        )
        if changed:
            raise StalePlanError(
                f"sensitive parameter(s) {', '.join(changed)} differ from the values the plan "
                "was made with; plan again"
            )


def plan_to_bytes(
    plan: Plan,
    template: Template,
    params: BoundParams,
    *,
    env_files: Sequence[str] = (),
    template_vars: Mapping[str, Any] | None = None,
) -> bytes:
    """The plan file's bytes (UTF-8 JSON)."""
    salt = secrets.token_hex(16)
    plain_values: dict[str, Any] = {}
    digests: dict[str, str] = {}
    for name, value in sorted(params.values.items()):
        if name in params.sensitive or contains_sensitive(value):
            digests[name] = _secret_digest(salt, value)
        else:
            plain_values[name] = _encode_value(value)
    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "atonix_version": _atonix_version(),
        "plan": _encode_plan(plan),
        "template": {
            "root": template.source,
            "files": dict(sorted(template.files.items())),
            "env_files": list(env_files),
            "vars": _encode_value(
                dict(template.template_vars if template_vars is None else template_vars)
            ),
            "digest": template.digest,
        },
        "parameters": {"values": plain_values, "sensitive": digests, "salt": salt},
        "prior_lineage": plan.prior_lineage,
        "prior_serial": plan.prior_serial,
    }
    rest = _canonical(body)[1:]  # the body's members and its closing brace
    digest = "sha256:" + hashlib.sha256(b"{" + rest).hexdigest()
    text = b'{"digest":"' + digest.encode() + b'",' + rest + b"\n"
    return gzip.compress(text, compresslevel=_COMPRESS_LEVEL, mtime=0)


def plan_from_bytes(data: bytes) -> SavedPlan:
    """Read a plan file; PlanError if it is not one, is corrupt, or was edited."""
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise PlanError(f"not an atonix plan file (damaged or truncated: {err})") from err
    checked = _checked_text(data)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PlanError(f"not an atonix plan file (not JSON: {err})") from err
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PlanError("not an atonix plan file")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise PlanError("not an atonix plan file (no format_version)")
    if version > FORMAT_VERSION:
        raise PlanError(
            f"plan file format {version!r} is newer than this atonix understands "
            f"({FORMAT_VERSION}); use the atonix version that wrote it"
        )
    recorded = document.pop("digest", None)
    if not checked:  # an indented file (older writers): the digest of the canonical form
        try:
            actual = _digest(document)
        except (UnicodeEncodeError, TypeError) as err:  # lone surrogates, mixed-type keys
            raise PlanError("plan file is corrupt or was modified after it was written") from err
        if recorded != actual:
            raise PlanError("plan file is corrupt or was modified after it was written")
    try:
        return _decode_saved(document)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise PlanError(f"plan file is malformed: {err!r}") from err


def _checked_text(data: bytes) -> bool:
    """True if ``data`` is as written (digest first, then the exact text it covers); a
    PlanError if it claims to be and the text does not match; False for another layout."""
    head = _DIGEST_PREFIX.match(data)
    if head is None:
        return False
    rest = data[head.end() :].rstrip(b"\n")
    actual = "sha256:" + hashlib.sha256(b"{" + rest).hexdigest()
    if actual != head.group(1).decode():
        raise PlanError("plan file is corrupt or was modified after it was written")
    return True


def _decode_saved(document: dict[str, Any]) -> SavedPlan:
    template = document["template"]
    parameters = document["parameters"]
    return SavedPlan(
        plan=_decode_plan(document["plan"]),
        root=str(template["root"]),
        files={str(k): str(v) for k, v in template["files"].items()},
        env_files=tuple(str(p) for p in template["env_files"]),
        template_vars=_decode_value(template["vars"]),
        parameters={k: _decode_value(v) for k, v in parameters["values"].items()},
        sensitive_digests={str(k): str(v) for k, v in parameters["sensitive"].items()},
        sensitive_salt=str(parameters["salt"]),
        atonix_version=str(document["atonix_version"]),
    )


def _atonix_version() -> str:
    # Imported here: ~15 ms that only a saved plan needs (plan, apply and show import this).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("atonix-iac")
    except PackageNotFoundError:
        return "unknown"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _digest(body: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(body)).hexdigest()


def _secret_digest(salt: str, value: Any) -> str:
    payload = _canonical(_encode_value(unwrap(value)))
    return "sha256:" + hashlib.sha256(salt.encode() + b"\0" + payload).hexdigest()


# Values ----------------------------------------------------------------------------------
def _encode_value(value: Any) -> Any:
    if value is UNKNOWN:
        return {_TAG: "unknown"}
    if isinstance(value, Sensitive):
        return {_TAG: "sensitive"}
    if isinstance(value, LocatedStr):
        return str(value)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        items = {str(k): _encode_value(v) for k, v in value.items()}
        return {_TAG: "map", "items": items} if _TAG in items else items
    if isinstance(value, list | tuple):
        return [_encode_value(v) for v in value]
    raise PlanError(f"cannot save a value of type {type(value).__name__} in a plan file")


def _decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: _decode_value(v) for k, v in value.items()}
    if tag == "unknown":
        return UNKNOWN
    if tag == "sensitive":
        return Sensitive(UNKNOWN)  # the secret itself was never written
    if tag == "map":
        return {k: _decode_value(v) for k, v in value["items"].items()}
    raise ValueError(f"unknown value tag {tag!r}")


# Plan ------------------------------------------------------------------------------------
def _encode_location(location: SourceLocation | None) -> Any:
    if location is None:
        return None
    return [location.file, location.line, location.column]


def _decode_location(data: Any) -> SourceLocation | None:
    if data is None:
        return None
    file, line, column = data
    return SourceLocation(str(file), int(line), int(column))


def _encode_property(change: PropertyChange) -> dict[str, Any]:
    return {
        "name": change.name,
        "before": _encode_value(change.before),
        "after": _encode_value(change.after),
        "forces_replacement": change.forces_replacement,
        "sensitive": change.sensitive,
    }


def _decode_property(data: Mapping[str, Any]) -> PropertyChange:
    return PropertyChange(
        name=str(data["name"]),
        before=_decode_value(data["before"]),
        after=_decode_value(data["after"]),
        forces_replacement=bool(data["forces_replacement"]),
        sensitive=bool(data["sensitive"]),
    )


def _encode_change(change: ResourceChange) -> dict[str, Any]:
    return {
        "address": change.address,
        "type": change.type,
        "action": change.action.value,
        "before": _encode_value(change.before),
        "after": _encode_value(change.after),
        "changes": [_encode_property(p) for p in change.changes],
        "replace_paths": list(change.replace_paths),
        "reason": change.reason,
        "location": _encode_location(change.location),
        "dependencies": list(change.dependencies),
        "sensitive_properties": sorted(change.sensitive_properties),
        "physical_id": change.physical_id,
        "drift": [_encode_property(p) for p in change.drift],
        "gone": change.gone,
        "deposed": change.deposed,
        "forget_only": change.forget_only,
    }


def _decode_change(data: Mapping[str, Any]) -> ResourceChange:
    return ResourceChange(
        address=str(data["address"]),
        type=str(data["type"]),
        action=Action(data["action"]),
        before=_decode_value(data["before"]),
        after=_decode_value(data["after"]),
        changes=tuple(_decode_property(p) for p in data["changes"]),
        replace_paths=tuple(str(p) for p in data["replace_paths"]),
        reason=data["reason"],
        location=_decode_location(data["location"]),
        dependencies=tuple(str(d) for d in data["dependencies"]),
        sensitive_properties=frozenset(data["sensitive_properties"]),
        physical_id=data["physical_id"],
        drift=tuple(_decode_property(p) for p in data["drift"]),
        gone=bool(data["gone"]),
        deposed=data["deposed"],
        forget_only=bool(data["forget_only"]),
    )


def _encode_output(change: OutputChange) -> dict[str, Any]:
    return {
        "name": change.name,
        "action": change.action.value,
        "before": _encode_value(change.before),
        "after": _encode_value(change.after),
        "sensitive": change.sensitive,
    }


def _decode_output(data: Mapping[str, Any]) -> OutputChange:
    return OutputChange(
        name=str(data["name"]),
        action=Action(data["action"]),
        before=_decode_value(data["before"]),
        after=_decode_value(data["after"]),
        sensitive=bool(data["sensitive"]),
    )


def _encode_diagnostic(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "message": diagnostic.message,
        "location": _encode_location(diagnostic.location),
        "severity": diagnostic.severity.value,
        "hint": diagnostic.hint,
        "related": [[_encode_location(loc), note] for loc, note in diagnostic.related],
    }


def _decode_diagnostic(data: Mapping[str, Any]) -> Diagnostic:
    related = []
    for location, note in data["related"]:
        decoded = _decode_location(location)
        if decoded is not None:
            related.append((decoded, str(note)))
    return Diagnostic(
        message=str(data["message"]),
        location=_decode_location(data["location"]),
        severity=Severity(data["severity"]),
        hint=data["hint"],
        related=tuple(related),
    )


def _encode_plan(plan: Plan) -> dict[str, Any]:
    return {
        "key": [plan.key.workspace, plan.key.environment, plan.key.stack],
        "mode": plan.mode.value,
        "changes": [_encode_change(c) for c in plan.changes],
        "output_changes": [_encode_output(o) for o in plan.output_changes],
        "template_digest": plan.template_digest,
        "prior_lineage": plan.prior_lineage,
        "prior_serial": plan.prior_serial,
        "diagnostics": [_encode_diagnostic(d) for d in plan.diagnostics],
        "parameters": _encode_value(plan.parameters),
        "sensitive_parameters": sorted(plan.sensitive_parameters),
        "extra": _encode_value(plan.extra),
    }


def _decode_plan(data: Mapping[str, Any]) -> Plan:
    workspace, environment, stack = data["key"]
    return Plan(
        key=StackKey(str(workspace), str(environment), str(stack)),
        mode=PlanMode(data["mode"]),
        changes=tuple(_decode_change(c) for c in data["changes"]),
        output_changes=tuple(_decode_output(o) for o in data["output_changes"]),
        template_digest=str(data["template_digest"]),
        prior_lineage=data["prior_lineage"],
        prior_serial=int(data["prior_serial"]),
        diagnostics=tuple(_decode_diagnostic(d) for d in data["diagnostics"]),
        parameters=_decode_value(data["parameters"]),
        sensitive_parameters=frozenset(data["sensitive_parameters"]),
        extra=_decode_value(data["extra"]),
    )
