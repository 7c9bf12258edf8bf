"""A method patch goes in once, only over the method it was written for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from atonix_iac.providers.openstack import _http_env
from atonix_iac.providers.openstack._method_patch import MethodPatch, shipped_session_method


def _doubled(shipped: Callable[..., Any]) -> Callable[..., Any]:
    def replacement(*args: Any) -> Any:
        return 2 * shipped(*args)

    return replacement


def test_a_function_is_replaced_once_and_under_its_aliases() -> None:
    class Owner:
        def value(self, x: int) -> int:
            return x

        alias = value

    shipped = Owner.__dict__["value"]
    patch = MethodPatch(Owner, "value", ["self", "x"], _doubled, aliases=("alias",))
    assert patch.original is None
    assert patch.install()
    assert Owner().value(3) == 6
    assert Owner().alias(3) == 6
    assert patch.original is shipped
    assert patch.install()  # once: not doubled again
    assert Owner().value(3) == 6


def test_a_classmethod_stays_a_classmethod() -> None:
    class Owner:
        @classmethod
        def value(cls, x: int) -> int:
            return x

    patch = MethodPatch(Owner, "value", ["cls", "x"], _doubled)
    assert patch.install()
    assert isinstance(Owner.__dict__["value"], classmethod)
    assert Owner.value(4) == 8


def test_a_method_of_another_shape_is_left_as_shipped() -> None:
    class Owner:
        def value(self, x: int, y: int = 0) -> int:
            return x + y

    shipped = Owner.__dict__["value"]
    patch = MethodPatch(Owner, "value", ["self", "x"], _doubled)
    assert not patch.install()
    assert Owner.__dict__["value"] is shipped
    assert patch.original is None
    assert not MethodPatch(Owner, "missing", ["self"], _doubled).install()


def test_a_session_method_is_known_only_as_requests_ships_it() -> None:
    parameters = ["self", "url", "proxies", "stream", "verify", "cert"]
    assert shipped_session_method(requests.Session(), "merge_environment_settings", parameters)
    assert not shipped_session_method(requests.Session(), "merge_environment_settings", ["self"])
    assert not shipped_session_method(object(), "merge_environment_settings", parameters)

    class Own(requests.Session):
        def merge_environment_settings(self, *args: Any, **kwargs: Any) -> Any:
            return super().merge_environment_settings(*args, **kwargs)

    own = Own()
    assert not shipped_session_method(own, "merge_environment_settings", parameters)
    assert not _http_env.install(own)  # a subclass's own method is not shadowed
    assert "merge_environment_settings" not in vars(own)
