"""Fetching a template the API is given by URL (Heat's ``template_url``), as Heat's
``common/urlfetch.py`` does: http and https only, read in chunks and cut off past the
largest template allowed (a ``Content-Length`` can lie), every failure one message.

``file://`` (and any other scheme) is refused: the service's own files are not the user's,
and a client holding a local template sends it inline (heatclient does). Like Heat, the
service fetches from wherever the URL points (its network, not the client's).
"""

from __future__ import annotations

import urllib.parse

import requests

from atonix_iac.errors import AtonixError

ALLOWED_SCHEMES = ("http", "https")
_CHUNK = 8192


class TemplateFetchError(AtonixError):
    """A template URL that cannot be used: its scheme, its size, or the fetch failed."""


def fetch_template(url: str, *, max_size: int, timeout_s: float) -> str:
    """The text at ``url``; ``TemplateFetchError`` (Heat's wording) otherwise."""
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ALLOWED_SCHEMES:
        raise TemplateFetchError(
            f"Invalid URL scheme {scheme or '(none)'}: the service fetches only"
            f" {' and '.join(ALLOWED_SCHEMES)} URLs; send a local template in the request"
            " (`template`), as heatclient does with a file"
        )
    data = b""
    try:
        with requests.get(url, stream=True, timeout=timeout_s) as response:
            response.raise_for_status()
            for chunk in response.iter_content(chunk_size=_CHUNK):
                data += chunk
                if len(data) > max_size:
                    raise TemplateFetchError(
                        f"Template exceeds maximum allowed size ({max_size} bytes)"
                    )
    except requests.RequestException:
        raise TemplateFetchError(f"Failed to retrieve template from {url}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateFetchError(f"The template at {url} is not UTF-8 text") from None
