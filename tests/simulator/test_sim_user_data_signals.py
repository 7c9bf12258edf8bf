"""The requests a booting server's user_data would send, as the simulator finds and sends them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from http.server import BaseHTTPRequestHandler

import pytest
from _http_kit import serving

from atonix_iac.simulator.user_data_signals import find_signal_calls, perform

CURL = (
    "curl -i -X POST -H 'X-Auth-Token: tok' -H 'Content-Type: application/json'"
    " -H 'Accept: application/json' http://127.0.0.1:9/v1/p/stacks/s/1/resources/h/signal"
)
SCRIPT = f"""#!/bin/sh
set -e
# {CURL} --data-binary '{{"status": "FAILURE"}}'
{CURL} --data-binary '{{"status": "SUCCESS", "reason": "one"}}'
yum install -y httpd && {CURL} \\
  --data-binary '{{"status": "SUCCESS", "id": "web"}}'
echo done
"""


def test_curl_commands_are_found_in_order_and_comments_skipped() -> None:
    calls = find_signal_calls(SCRIPT)
    assert [json.loads(c.body) for c in calls] == [
        {"status": "SUCCESS", "reason": "one"},
        {"status": "SUCCESS", "id": "web"},
    ]
    first = calls[0]
    assert first.method == "POST"
    assert first.url == "http://127.0.0.1:9/v1/p/stacks/s/1/resources/h/signal"
    assert first.headers["X-Auth-Token"] == "tok"


def test_base64_and_multipart_user_data_are_read() -> None:
    encoded = base64.b64encode(SCRIPT.encode()).decode()
    assert len(find_signal_calls(encoded)) == 2
    message = MIMEMultipart()
    message.attach(MIMEText("#cloud-config\npackages: [curl]\n", "cloud-config"))
    message.attach(MIMEText(SCRIPT, "x-shellscript"))
    mime = base64.b64encode(message.as_string().encode()).decode()
    assert len(find_signal_calls(mime)) == 2


def test_user_data_without_curl_sends_nothing() -> None:
    assert find_signal_calls(None) == []
    assert find_signal_calls("#!/bin/sh\necho 'curl is not run here'\n") == []


@pytest.fixture
def listener() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    seen: list[tuple[str, str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, self.headers["X-Auth-Token"], body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    with serving(Handler) as base:
        yield base, seen


def test_the_requests_are_sent_as_curl_would_send_them(
    listener: tuple[str, list[tuple[str, str, bytes]]],
) -> None:
    url, seen = listener
    perform(find_signal_calls(SCRIPT.replace("http://127.0.0.1:9", url)))
    assert [(path, token) for path, token, _ in seen] == [
        ("/v1/p/stacks/s/1/resources/h/signal", "tok")
    ] * 2
    assert json.loads(seen[1][2]) == {"status": "SUCCESS", "id": "web"}
