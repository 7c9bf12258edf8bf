"""Small helpers shared by the service modules: ids, timestamps, lists and filters."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError
from .protocol import Rec, Request

#: Query parameters that control listing rather than filter records.
LIST_CONTROLS = frozenset(
    {"limit", "marker", "sort_key", "sort_dir", "page_reverse", "fields", "offset"}
)


def new_id() -> str:
    return str(uuid.uuid4())


def hex_id() -> str:
    return uuid.uuid4().hex


def now() -> float:
    return time.time()


def iso(ts: float | None = None, micro: bool = False) -> str:
    """UTC timestamp in the format the services emit (Cinder adds microseconds)."""
    moment = datetime.fromtimestamp(now() if ts is None else ts, tz=UTC)
    if micro:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def mac_address() -> str:
    return "fa:16:3e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))


def public(rec: Rec) -> Rec:
    """The record without internal (underscore) keys."""
    return {k: v for k, v in rec.items() if not k.startswith("_")}


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    return None


def parse_limit(req: Request) -> int | None:
    raw = req.arg("limit")
    if raw is None:
        return None
    try:
        limit = int(raw)
    except ValueError as exc:
        raise ApiError(400, f"limit param must be an integer, not {raw!r}") from exc
    if limit < 0:
        raise ApiError(400, "limit param must be positive")
    return limit


def paginate(req: Request, items: list[Rec], key: str = "id") -> tuple[list[Rec], str | None]:
    """Apply ``marker``/``limit``; return the page and the marker for a next link (if any).

    The SDK keeps asking with ``marker=<last id>`` until an empty page, so an unknown
    marker is an error (as in the services) and a marker at the end yields ``[]``.
    """
    marker = req.arg("marker")
    if marker:
        for index, item in enumerate(items):
            if str(item.get(key)) == marker:
                items = items[index + 1 :]
                break
        else:
            raise ApiError(400, f"marker [{marker}] not found", "BadRequest")
    limit = parse_limit(req)
    if limit is None or limit == 0 or len(items) <= limit:
        return items, None
    page = items[:limit]
    return page, str(page[-1].get(key))


def next_links(req: Request, marker: str | None) -> list[dict[str, str]]:
    if marker is None:
        return []
    return [{"rel": "next", "href": req.url_with(marker=marker)}]


def value_matches(actual: Any, wanted: str) -> bool:
    """Compare a stored value with a query-string value the way the services do."""
    if isinstance(actual, bool):
        return parse_bool(wanted) is actual
    if actual is None:
        return wanted in ("", "None", "null")
    if isinstance(actual, list):
        return wanted in [str(a) for a in actual]
    return str(actual) == wanted


def filter_records(
    req: Request,
    items: Iterable[Rec],
    skip: Iterable[str] = (),
    special: dict[str, Callable[[Rec, list[str]], bool]] | None = None,
) -> list[Rec]:
    """Exact-match filtering on every query parameter that names a record field.

    Several values for one key mean "any of". Unknown keys are ignored, as the
    services do for attributes they do not filter on.
    """
    skipped = LIST_CONTROLS | set(skip)
    special = special or {}
    checks: list[tuple[str, list[str], Callable[[Rec, list[str]], bool] | None]] = [
        (key, values, special.get(key)) for key, values in req.query.items() if key not in skipped
    ]

    def keep(rec: Rec) -> bool:
        for key, values, fn in checks:
            if fn is not None:
                if not fn(rec, values):
                    return False
            elif key in rec and not any(value_matches(rec[key], v) for v in values):
                return False
        return True

    return [rec for rec in items if keep(rec)]


def regex_match(pattern: str, value: str | None) -> bool:
    """Nova's ``name``/``ip`` filters are regular expressions (``re.search``)."""
    if value is None:
        return False
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return pattern in value


def select_fields(req: Request, rec: Rec) -> Rec:
    fields = [f for v in req.args("fields") for f in v.split(",") if f]
    if not fields:
        return rec
    return {k: v for k, v in rec.items() if k in fields}
