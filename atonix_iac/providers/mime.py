"""MIME multipart user data as Heat builds it (multi_part.py, nova.py's build_userdata), with
Python's ``email`` package, so that cloud-init reads the parts exactly as it would from Heat.

Shared by OS::Heat::MultipartMime and OS::Nova::Server; pure (no I/O).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, NamedTuple

# ``email`` (~7 ms with socket and calendar) is imported by the functions that build or read a
# message: the Heat provider imports this module for every run, few stacks have such configs.
if TYPE_CHECKING:
    from email.mime.text import MIMEText

_UUID: Final = re.compile(
    r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.IGNORECASE
)


def is_uuid_like(value: object) -> bool:
    """oslo_utils.uuidutils.is_uuid_like: how Heat tells a config id from inline content."""
    return isinstance(value, str) and bool(_UUID.match(value.strip("{}").replace("urn:uuid:", "")))


class Part(NamedTuple):
    """One part: its content, cloud-init's content subtype ("" = plain) and filename."""

    content: str
    subtype: str = ""
    filename: str = ""


def text_part(content: str | None, subtype: str, filename: str) -> MIMEText:
    """A text/<subtype> part in us-ascii when it fits, else utf-8 (Heat's _create_message)."""
    from email.mime.text import MIMEText

    body = content or ""
    try:
        body.encode("us-ascii")
        charset = "us-ascii"
    except UnicodeEncodeError:
        charset = "utf-8"
    msg = (
        MIMEText(body, _subtype=subtype, _charset=charset)
        if subtype
        else MIMEText(body, _charset=charset)
    )
    if filename:
        msg.add_header("Content-Disposition", "attachment", filename=filename)
    return msg


def subtype_from_filename(subtype: str, filename: str) -> str:
    """Heat's rule: with no subtype, a filename's stem is the subtype ("cloud-config")."""
    if not subtype and filename:
        return os.path.splitext(filename)[0]
    return subtype


def multipart(parts: Iterable[Part]) -> str:
    """multipart/mixed of the parts, in order, as ``MIMEMultipart.as_string()`` writes it."""
    from email.message import Message
    from email.mime.multipart import MIMEMultipart

    subparts: list[Message] = [text_part(p.content, p.subtype, p.filename) for p in parts]
    return MIMEMultipart(_subparts=subparts).as_string()


def split_multipart(text: str) -> list[Part] | None:
    """The parts of a multipart message (content, subtype, filename), or None if ``text`` is
    not one; how Heat unpacks a referenced MultipartMime into another message."""
    import email
    from email.message import Message

    try:
        message = email.message_from_string(text)
    except Exception:  # noqa: BLE001 - Heat treats anything unparsable as "not multipart"
        return None
    if not message.is_multipart():
        return None
    found = []
    for part in message.get_payload():
        if isinstance(part, Message):
            payload = part.get_payload()
            found.append(
                Part(
                    payload if isinstance(payload, str) else "",
                    part.get_content_subtype(),
                    part.get_filename() or "",
                )
            )
    return found
