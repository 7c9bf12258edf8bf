"""requests' key/value lists for plain mappings without a typing-Protocol check per call.

``Session.prepare_request`` merges the session's and the request's headers, params and
hooks through ``merge_setting``, which turns each mapping into a list with
``to_key_val_list``; ``PreparedRequest`` does the same for the query parameters. From
requests 2.34 that function asks ``isinstance(value, SupportsItems)``, a
``runtime_checkable`` Protocol, and on Python 3.11 each such check walks the protocol's
MRO: ~5 µs, five or six times per request, 80 of the ~210 µs ``prepare_request`` takes for
a keystoneauth request (micro-benchmark; the whole client-side request is ~0.6 ms). For the
mapping types requests itself passes there (``dict``, ``OrderedDict`` and its
``CaseInsensitiveDict``, exact types only) the answer is fixed: the list of its items, which
is what requests' function returns for them. Every other value goes to requests' function.

``install()`` puts the fast function in place of ``to_key_val_list`` in ``requests.sessions``
and ``requests.models`` (the names those modules call), once per process and only where the
name still is requests' own function; otherwise requests runs as shipped.
``tests/providers_openstack/test_requests_kv.py`` compares both.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from requests import models as requests_models
from requests import sessions as requests_sessions
from requests import utils as requests_utils
from requests.structures import CaseInsensitiveDict

_PLAIN: frozenset[type] = frozenset({dict, OrderedDict, CaseInsensitiveDict})
_lock = threading.Lock()


def _fast_of(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def to_key_val_list(value: Any) -> Any:
        if type(value) in _PLAIN:
            return list(value.items())
        return original(value)

    to_key_val_list.__doc__ = original.__doc__
    return to_key_val_list


def install() -> bool:
    """Use the fast function where requests calls ``to_key_val_list``; False if neither
    module still calls requests' own function."""
    original = requests_utils.to_key_val_list
    done = False
    with _lock:
        fast = _fast_of(original)
        for module in (requests_sessions, requests_models):
            current = getattr(module, "to_key_val_list", None)
            if current is original:
                module.to_key_val_list = fast  # type: ignore[attr-defined]
                done = True
            elif getattr(current, "__qualname__", "") == fast.__qualname__:
                done = True  # installed before
    return done
