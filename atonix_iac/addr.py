"""Addresses of resources and property paths, shared by every layer.

A resource address is the logical name in the root template, dotted through nested stacks
(``net_tier.router``); it is what users type after ``-target`` and what state is keyed by.
"""

from __future__ import annotations

from dataclasses import dataclass

PathPart = str | int


@dataclass(frozen=True, slots=True, order=True)
class ResourceAddress:
    """``net_tier.router`` = resource ``router`` in the nested stack ``net_tier``."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> ResourceAddress:
        parts = tuple(text.split("."))
        if not text or any(not p for p in parts):
            raise ValueError(f"not a resource address: {text!r}")
        return cls(parts)

    @property
    def name(self) -> str:
        return self.parts[-1]

    @property
    def module(self) -> tuple[str, ...]:
        return self.parts[:-1]

    def child(self, name: str) -> ResourceAddress:
        return ResourceAddress((*self.parts, name))

    def is_within(self, other: ResourceAddress) -> bool:
        """True if self is other or nested under it."""
        return self.parts[: len(other.parts)] == other.parts

    def __str__(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class PropertyPath:
    """A path into a property value: ``networks[0].port``."""

    parts: tuple[PathPart, ...]

    def child(self, part: PathPart) -> PropertyPath:
        return PropertyPath((*self.parts, part))

    @property
    def top(self) -> str:
        head = self.parts[0] if self.parts else ""
        return str(head)

    def __str__(self) -> str:
        out = ""
        for p in self.parts:
            if isinstance(p, int):
                out += f"[{p}]"
            else:
                out += f".{p}" if out else p
        return out
