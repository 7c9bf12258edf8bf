"""Is a service answering? Plain HTTP probes of the unauthenticated version documents."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from .procs import DevcloudError


def answers(url: str, timeout_s: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as reply:
            return 200 <= int(reply.status) < 400
    except urllib.error.HTTPError as err:
        # Version documents may answer 300 Multiple Choices; 401 still proves it is serving.
        return err.code in (300, 401)
    except OSError:
        return False


def wait_until_answers(name: str, url: str, alive: object, timeout_s: float = 180.0) -> float:
    """Poll ``url`` until it answers; ``alive()`` says whether the process still runs."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if answers(url):
            return time.monotonic() - started
        if callable(alive) and not alive():
            raise DevcloudError(f"{name} exited before answering on {url}")
        time.sleep(0.5)
    raise DevcloudError(f"{name} did not answer on {url} within {timeout_s:.0f} s")
