"""OS::Heat::RandomString: a random string (passwords, secrets) drawn as Heat draws it.

Each character class and sequence first contributes its ``min`` characters; the rest are drawn
from a class or sequence chosen uniformly, and the result is shuffled. The deprecated
``sequence`` property adds one class. ``salt`` is ignored by the generator: changing it (like
any property, since Heat has no handle_update here) replaces the resource, giving a new value.
The ``value`` attribute is sensitive (the catalog marks it).
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

from atonix_iac.errors import Diagnostic, ProviderError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, BuiltinType, is_plain_data, new_physical_id

# Heat's named classes (note: Heat's hexdigits are upper-case only).
CHARACTER_CLASSES: Final[Mapping[str, str]] = {
    "lettersdigits": string.ascii_letters + string.digits,
    "letters": string.ascii_letters,
    "lowercase": string.ascii_lowercase,
    "uppercase": string.ascii_uppercase,
    "digits": string.digits,
    "hexdigits": string.digits + "ABCDEF",
    "octdigits": string.octdigits,
}
DEFAULT_LENGTH: Final = 32


def character_pools(properties: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(characters, minimum count) for every class and sequence. Absent character_classes
    means Heat's default (lettersdigits, min 1); the deprecated ``sequence`` adds a class.
    ValueError if a class is unknown or a sequence malformed."""
    classes = properties.get("character_classes")
    if properties.get("sequence"):
        classes = [*(classes or []), {"class": properties["sequence"], "min": 1}]
    elif classes is None:
        classes = [{"class": "lettersdigits", "min": 1}]
    try:
        pools = [
            (CHARACTER_CLASSES[str(c.get("class") or "lettersdigits")], int(c.get("min") or 1))
            for c in classes
        ]
        pools += [
            (str(s["sequence"]), int(s.get("min") or 1))
            for s in properties.get("character_sequences") or []
        ]
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise ValueError("malformed character_classes or character_sequences") from err
    return pools


def string_length(properties: Mapping[str, Any]) -> int:
    try:
        return int(properties.get("length") or DEFAULT_LENGTH)
    except (TypeError, ValueError) as err:
        raise ValueError("`length` must be an Integer") from err


def problems(properties: Mapping[str, Any]) -> list[str]:
    """Why these properties cannot produce a string (Heat's validate), or nothing."""
    try:
        pools = character_pools(properties)
        length = string_length(properties)
    except ValueError as err:
        return [str(err)]
    found = []
    if not pools:
        found.append("character_classes and character_sequences are both empty")
    if any(not chars for chars, _ in pools):
        found.append("a character sequence is empty")
    if sum(minimum for _, minimum in pools) > length:
        found.append(
            "`length` cannot be smaller than the combined character class and character"
            " sequence minimums"
        )
    return found


def generate(pools: Sequence[tuple[str, int]], length: int) -> str:
    # The OS's generator (``secrets.SystemRandom``), imported here: a plan draws nothing.
    from secrets import SystemRandom

    _random = SystemRandom()
    chars = [_random.choice(pool) for pool, minimum in pools for _ in range(minimum)]
    while len(chars) < length:
        chars.append(_random.choice(_random.choice(pools)[0]))
    _random.shuffle(chars)
    return "".join(chars)


class RandomStringResource(BuiltinType):
    type_name = "OS::Heat::RandomString"
    runs_inline: ClassVar[bool] = True

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        # The value cannot be derived again: read reports none, state keeps the one made.
        return {SHOW: {}}

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        found = problems(properties)
        if found:
            raise ResourceFailedError("; ".join(found))
        value = generate(character_pools(properties), string_length(properties))
        return ResourceResult(new_physical_id(), {"value": value, SHOW: {}})

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise ProviderError(f"{self.type_name} cannot be updated in place; a change replaces it")

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        if not is_plain_data(dict(properties)):
            return []
        try:
            character_pools(properties)
            string_length(properties)
        except ValueError:
            return []  # the schema check reports malformed values, with their locations
        return [Diagnostic(message) for message in problems(properties)]
