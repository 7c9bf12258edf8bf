"""Where ``state mv`` sends each address: one resource, or a whole nested stack by prefix."""

from __future__ import annotations

from collections.abc import Sequence

from atonix_iac.addr import ResourceAddress
from atonix_iac.errors import StateError, suggest
from atonix_iac.state.model import StackKey


def plan_move(
    key: StackKey, addresses: Sequence[str], source: str, destination: str
) -> dict[str, str]:
    """{old address: new address} for every address ``source`` names; StateError when
    nothing matches or a new address is already taken."""
    src = _parse(source)
    dst = _parse(destination)
    if src == dst:
        raise StateError(f"cannot move {source} onto itself")
    if dst.is_within(src):
        raise StateError(f"cannot move {source} into itself ({destination})")
    renames: dict[str, str] = {}
    for text in dict.fromkeys(addresses):
        address = ResourceAddress.parse(text)
        if address.is_within(src):
            renames[text] = str(ResourceAddress((*dst.parts, *address.parts[len(src.parts) :])))
    if not renames:
        hint = suggest(source, addresses)
        raise StateError(
            f"no resource {source} in the state of {key}" + (f"; {hint}" if hint else "")
        )
    staying = set(addresses) - renames.keys()
    taken = sorted(new for new in renames.values() if new in staying)
    if taken:
        raise StateError(
            f"cannot move {source} to {destination}: {', '.join(taken)} already in the state"
        )
    return renames


def _parse(text: str) -> ResourceAddress:
    try:
        return ResourceAddress.parse(text)
    except ValueError as exc:
        raise StateError(str(exc)) from None
