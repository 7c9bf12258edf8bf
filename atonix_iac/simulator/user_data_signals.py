"""A booting server's signals: the ``curl`` commands in its user_data, run as the server would.

Opt-in (``SimConfig.run_user_data_signals``): when a server goes ACTIVE, the simulator finds
in its user_data (base64 as Nova keeps it, plain text, or the parts of a multipart MIME
document) each ``curl ... -X POST ... URL --data-binary '<json>'`` command (Heat's
``curl_cli`` form, which ``wc_notify`` stands for in Heat's templates once substituted) and
performs those requests in order, on a background thread, so that the API never waits.
Comment lines are skipped, as the shell would skip them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email
import shlex
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Final

_SEPARATORS: Final = frozenset({";", "&&", "||", "|", "&", "(", ")"})
_DATA_FLAGS: Final = frozenset({"-d", "--data", "--data-binary", "--data-raw", "--data-ascii"})
_VALUE_FLAGS: Final = frozenset(
    {"-o", "--output", "-m", "--max-time", "--connect-timeout", "--retry", "-u", "--user", "-w"}
)
TIMEOUT_S: Final = 10.0


@dataclass
class SignalCall:
    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def decode_user_data(user_data: str | None) -> str:
    """The user_data's text: base64 decoded when it is base64, MIME parts joined."""
    if not user_data:
        return ""
    text = user_data
    with contextlib.suppress(binascii.Error, ValueError):
        text = base64.b64decode(user_data, validate=True).decode("utf-8")
    if text.lstrip().startswith(("Content-Type:", "MIME-Version:")):
        message = email.message_from_string(text)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parts.append(payload.decode("utf-8", errors="replace"))
        return "\n".join(parts)
    return text


def _logical_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\\\n", " ").splitlines()]


def find_signal_calls(user_data: str | None) -> list[SignalCall]:
    """Every curl request the script would send, in script order."""
    calls = []
    for line in _logical_lines(decode_user_data(user_data)):
        if not line or line.startswith("#") or "curl" not in line:
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:
            continue  # unbalanced quotes: not a command the shell would run either
        command: list[str] = []
        for token in [*tokens, ";"]:
            if token in _SEPARATORS:
                call = _curl_call(command)
                if call is not None:
                    calls.append(call)
                command = []
            else:
                command.append(token)
    return calls


def _curl_call(command: list[str]) -> SignalCall | None:
    starts = [i for i, token in enumerate(command) if token.rsplit("/", 1)[-1] == "curl"]
    if not starts:
        return None
    args = command[starts[0] + 1 :]
    call = SignalCall(url="")
    method = None
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg in ("-X", "--request"):
            method, i = value.upper(), i + 2
        elif arg in ("-H", "--header"):
            name, _, header = value.partition(":")
            call.headers[name.strip()] = header.strip()
            i += 2
        elif arg in _DATA_FLAGS:
            call.body, i = value.encode(), i + 2
        elif arg in _VALUE_FLAGS:
            i += 2
        elif arg.startswith(("http://", "https://")):
            call.url, i = arg, i + 1
        else:
            i += 1
    if not call.url:
        return None
    call.method = method or ("POST" if call.body else "GET")
    return call


def perform(calls: list[SignalCall]) -> None:
    """Send each request in turn; failures are ignored, as a boot script's curl would be."""
    for call in calls:
        request = urllib.request.Request(
            call.url, data=call.body or None, headers=call.headers, method=call.method
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            continue


def run_after(delay: float, user_data: str | None) -> threading.Thread | None:
    """Perform the user_data's signals ``delay`` seconds from now (when the server is ACTIVE)."""
    calls = find_signal_calls(user_data)
    if not calls:
        return None
    timer = threading.Timer(max(delay, 0.0), perform, args=(calls,))
    timer.daemon = True
    timer.name = "sim-user-data-signals"
    timer.start()
    return timer
