"""The schema a pushed state document must meet, checked before anything is written.

``state push`` takes a JSON file a person may have edited; each field is checked against
what the database can hold (column widths, a serial PostgreSQL's INTEGER fits) so a bad
document is one clear ``StateError`` naming every bad field, never a driver traceback.
Imported only when a document is pushed: it loads pydantic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from atonix_iac.errors import StateError
from atonix_iac.state.model import ResourceStatus

# Serials are INTEGER columns (32-bit on PostgreSQL); a push writes the document's serial + 1.
MAX_SERIAL = 2**31 - 2
MAX_ERRORS_SHOWN = 5


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _nul_free(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Name = Annotated[StrictStr, Field(min_length=1, max_length=255), AfterValidator(_printable)]
Address = Annotated[StrictStr, Field(min_length=1, max_length=1024), AfterValidator(_printable)]


OptionalName = Annotated[StrictStr | None, Field(max_length=255), AfterValidator(_nul_free)]
# Lineages and create tokens are uuids we minted: letters, digits and dashes only, so a pushed
# document can never smuggle a line break or a control character into an error message.
Lineage = Annotated[StrictStr | None, Field(max_length=36, pattern=r"^[0-9A-Za-z-]*$")]
Deposed = Annotated[StrictStr | None, Field(max_length=64), AfterValidator(_nul_free)]
Digest = Annotated[StrictStr | None, Field(max_length=128), AfterValidator(_nul_free)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StackDocument(_Strict):
    workspace: Name
    environment: Name
    name: Name


class ResourceDocument(_Strict):
    address: Address
    type: Name
    deposed: Deposed = None
    physical_id: OptionalName = None
    status: ResourceStatus = ResourceStatus.READY
    properties: dict[str, Any] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=dict)
    sensitive_properties: list[StrictStr] = Field(default_factory=list)
    sensitive_attributes: list[StrictStr] = Field(default_factory=list)
    dependencies: list[StrictStr] = Field(default_factory=list)
    deletion_policy: Literal["Delete", "Retain", "Snapshot"] = "Delete"
    create_before_destroy: StrictBool = False
    prevent_destroy: StrictBool = False
    updated_at: datetime | None = None
    create_token: Lineage = None  # a uuid, as the lineage is
    external: StrictBool = False


class StateDocument(_Strict):
    format_version: Literal[1]
    stack: StackDocument
    lineage: Lineage = None
    serial: StrictInt = Field(ge=0, le=MAX_SERIAL)
    secrets: Literal["included"]
    template_digest: Digest = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    sensitive_outputs: list[StrictStr] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    sensitive_parameters: list[StrictStr] = Field(default_factory=list)
    resources: list[ResourceDocument] = Field(default_factory=list)


def validate_document(document: Any) -> StateDocument:
    """The document checked field by field; one StateError listing what is wrong."""
    try:
        parsed = StateDocument.model_validate(document)
    except ValidationError as exc:
        problems = [_problem(err) for err in exc.errors()]
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        raise StateError(f"malformed state document: {text}") from None
    seen: set[tuple[str, str | None]] = set()
    for index, resource in enumerate(parsed.resources):
        key = (resource.address, resource.deposed or None)
        if key in seen:
            deposed = f" (deposed {resource.deposed})" if resource.deposed else ""
            raise StateError(
                f"malformed state document: resources[{index}]: `{resource.address}`{deposed}"
                " appears twice"
            )
        seen.add(key)
    return parsed


def _problem(err: Any) -> str:
    where = ""
    for part in err["loc"]:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if err["type"] == "missing":
        message = "missing"
    elif err["type"] == "extra_forbidden":
        message = "unknown field"
    elif where == "serial":
        message = f"must be a whole number from 0 to {MAX_SERIAL}"
    return f"{where or 'document'}: {message}"
