"""The error tree every layer raises, and the located diagnostics users read.

The CLI catches ``AtonixError`` only; anything else escaping is a bug. Errors carry
``Diagnostic`` values so that template loading can collect every problem before raising.

    AtonixError
    ├── TemplateError          (syntax, validation, unknown type/property, references, cycles)
    │   └── DependencyCycleError
    ├── ParameterError         (missing or invalid parameter values; a TemplateError)
    ├── PlanError
    │   ├── StalePlanError     (saved plan no longer matches state or template)
    │   ├── PreventDestroyError
    │   └── QuotaExceededError
    ├── StateError
    │   ├── StateLockedError
    │   ├── StateVersionError
    │   └── StateConflictError
    ├── ProviderError
    │   ├── ProviderConfigError
    │   ├── ProviderTimeoutError
    │   ├── ResourceFailedError
    │   └── TransientProviderError (5xx, busy 409, throttling, dropped connections: retried)
    ├── WorkspaceError
    ├── PolicyError            (invalid policy file)
    │   └── PolicyDeniedError  (the plan breaks a deny rule of the policy gate; exit code 3)
    ├── ApplyError             (what applied, failed and was skipped)
    ├── UsageError             (bad command-line input)
    └── RemoteServiceError     (the stack service behind --remote failed a request)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """A 1-based position in a source file; prints as ``file:line:col``."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located message: ``path:line:col: error: message (hint)``."""

    message: str
    location: SourceLocation | None = None
    severity: Severity = Severity.ERROR
    hint: str | None = None
    # Further locations that explain the message (e.g. every edge of a cycle).
    related: tuple[tuple[SourceLocation, str], ...] = ()
    # Where in the template the problem is, as Heat names it (``resources``, name,
    # ``properties``, property, key or index ...), when known: the stack service words its
    # errors as Heat does with it. Not part of equality.
    path: tuple[str | int, ...] = field(default=(), compare=False)
    # Heat's own wording of the same problem, when it differs and shows no secret.
    heat_message: str | None = field(default=None, compare=False)

    def format(self) -> str:
        head = f"{self.location}: " if self.location is not None else ""
        text = f"{head}{self.severity.value}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        for loc, note in self.related:
            text += f"\n  {loc}: note: {note}"
        return text

    def __str__(self) -> str:
        return self.format()


class AtonixError(Exception):
    """Root of every error atonix raises on purpose."""

    def __init__(self, message: str = "", diagnostics: Iterable[Diagnostic] = ()) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        if not message and self.diagnostics:
            message = "\n".join(d.format() for d in self.diagnostics)
        super().__init__(message)
        self.message = message

    def format(self) -> str:
        """The text the CLI prints: every diagnostic, or the message."""
        if self.diagnostics:
            return "\n".join(d.format() for d in self.diagnostics)
        return f"error: {self.message}"


class TemplateError(AtonixError):
    """A problem in a template, environment file or parameter value; always located."""

    # What could still be built despite the problems (a Template, when loading got that far),
    # so that validation can go on and report later phases' problems in the same run.
    partial: object | None = None

    @classmethod
    def at(
        cls, location: SourceLocation | None, message: str, hint: str | None = None
    ) -> TemplateError:
        return cls(diagnostics=[Diagnostic(message, location, hint=hint)])


class DependencyCycleError(TemplateError):
    """Resources depend on each other in a loop; every edge is a related location."""


class ParameterError(TemplateError):
    """A parameter value is missing or breaks its constraints."""


class PlanError(AtonixError):
    """The plan cannot be made or used."""


class StalePlanError(PlanError):
    """A saved plan no longer matches the state or the template it was made from."""


class PreventDestroyError(PlanError):
    """The plan would delete or replace a resource whose lifecycle forbids it."""


class QuotaExceededError(PlanError):
    """Applying the plan would exceed a quota of the binding or the project."""


class StateError(AtonixError):
    """The state store cannot be read or written as asked."""


class StateLockedError(StateError):
    """Another run holds the stack's lock."""


class StateVersionError(StateError):
    """The state schema is newer than this atonix understands."""


class StateConflictError(StateError):
    """The state changed underneath a writer (lineage or serial mismatch)."""


class ProviderError(AtonixError):
    """A provider failed; the SDK's exception, if any, is kept as ``__cause__``."""

    def __init__(
        self,
        message: str = "",
        diagnostics: Iterable[Diagnostic] = (),
        *,
        address: str | None = None,
        location: SourceLocation | None = None,
        physical_id: str | None = None,
    ) -> None:
        super().__init__(message, diagnostics)
        self.address = address
        self.location = location
        # Set when a create failed after the cloud object came to exist (e.g. status ERROR):
        # apply then keeps the object in state as tainted instead of forgetting it.
        self.physical_id = physical_id

    def format(self) -> str:
        if self.diagnostics:
            return super().format()
        where = f"{self.location}: " if self.location else ""
        who = f"{self.address}: " if self.address else ""
        return f"{where}error: {who}{self.message}"


class ProviderConfigError(ProviderError):
    """The provider cannot be configured (credentials, endpoints, unknown cloud)."""


class ProviderTimeoutError(ProviderError):
    """A resource did not reach the wanted state in time."""


class ResourceFailedError(ProviderError):
    """The cloud reports the resource failed (e.g. status ERROR)."""


class TransientProviderError(ProviderError):
    """The cloud may well succeed if asked again: a 5xx, a 409 that means busy or in use,
    throttling, a dropped connection. Apply retries these with backoff; anything else (400,
    403, quota) fails at once."""


class WorkspaceError(AtonixError):
    """The workspace file or the selected workspace/environment is wrong."""


class PolicyError(AtonixError):
    """A policy file cannot be read or is invalid; located like template errors."""


class PolicyDeniedError(PolicyError):
    """The plan breaks at least one ``deny`` rule of the policy gate (its own exit code)."""


class UsageError(AtonixError):
    """Bad command-line input."""


class RemoteServiceError(AtonixError):
    """The stack service (``--remote``) could not be reached, refused the request or failed it."""


@dataclass(frozen=True)
class RollbackOutcome:
    """What undoing a failed run's work did (``-on-failure=rollback``)."""

    destroyed: Sequence[str] = ()  # objects this run created, deleted again
    restored: Sequence[str] = ()  # prior properties or prior objects current again
    forgotten: Sequence[str] = ()  # created, deletion_policy Retain: dropped from state only
    not_rolled_back: Sequence[tuple[str, str]] = ()  # (address, why)

    @property
    def complete(self) -> bool:
        return not self.not_rolled_back

    def summary(self) -> str:
        forgotten = f", {len(self.forgotten)} forgotten" if self.forgotten else ""
        left = f"; {len(self.not_rolled_back)} not rolled back" if self.not_rolled_back else ""
        return (
            f"rolled back: {len(self.destroyed)} destroyed, {len(self.restored)} restored"
            f"{forgotten}{left}"
        )


@dataclass(frozen=True)
class ApplyOutcome:
    """What an apply run did; carried by ``ApplyError`` when it failed part-way."""

    applied: Sequence[str] = ()
    failed: Sequence[tuple[str, str]] = ()  # (address, message)
    skipped: Sequence[str] = ()
    errors: Sequence[AtonixError] = field(default_factory=tuple)
    # skipped step -> the failed step it depends on (the others were skipped by stopping)
    blocked_by: Mapping[str, str] = field(default_factory=dict)
    rollback: RollbackOutcome | None = None  # set when the run's work was rolled back
    cancelled: bool = False  # the run stopped because it was asked to (Heat's cancel_update)


class ApplyError(AtonixError):
    """Apply stopped on a failure; says what applied, failed and was skipped."""

    def __init__(self, message: str, outcome: ApplyOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome

    def format(self) -> str:
        lines = [f"error: {self.message}"]
        for err in self.outcome.errors:
            lines.append(err.format())
        o = self.outcome
        lines.append(
            f"applied: {len(o.applied)}, failed: {len(o.failed)}, skipped: {len(o.skipped)}"
        )
        for addr, msg in o.failed:
            lines.append(f"  failed  {addr}: {msg}")
        for addr in o.skipped:
            cause = o.blocked_by.get(addr)
            why = f"depends on failed {cause}" if cause else "not started: the run stopped"
            lines.append(f"  skipped {addr} ({why})")
        if o.rollback is not None:
            lines.extend(_rollback_lines(o.rollback))
        return "\n".join(lines)


def _rollback_lines(rollback: RollbackOutcome) -> list[str]:
    lines = [rollback.summary()]
    lines += [f"  destroyed {address}" for address in rollback.destroyed]
    lines += [f"  restored  {address}" for address in rollback.restored]
    lines += [f"  forgotten {address} (deletion_policy Retain)" for address in rollback.forgotten]
    lines += [f"  not rolled back {address}: {why}" for address, why in rollback.not_rolled_back]
    return lines


def merge_diagnostics(*groups: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Several phases' diagnostics as one list: duplicates dropped, in source order."""
    seen: set[tuple[SourceLocation | None, str]] = set()
    merged: list[Diagnostic] = []
    for group in groups:
        for diagnostic in group:
            key = (diagnostic.location, diagnostic.message)
            if key not in seen:
                seen.add(key)
                merged.append(diagnostic)
    nowhere = SourceLocation("")
    return sorted(merged, key=lambda d: d.location or nowhere)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or None."""
    import difflib

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None
