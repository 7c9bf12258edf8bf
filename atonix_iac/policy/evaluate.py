"""Judge a plan against a policy: every violation names its rule, resource and location.

Evaluation is pure (Plan in, report out) so that ``plan --policy`` and the re-check before
applying a saved plan reach the same verdict. Values that are secret or only known after apply
cannot be judged here and are skipped; messages never print a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from atonix_iac.errors import Diagnostic, PolicyDeniedError, Severity, SourceLocation
from atonix_iac.planner.plan import Action, Plan, ResourceChange
from atonix_iac.policy.load import LocatedRule, Policy
from atonix_iac.policy.model import Limit, PolicyAction, Rule, Selector
from atonix_iac.policy.model import Severity as RuleSeverity
from atonix_iac.template.values import UNKNOWN, Sensitive

_LISTED = 5  # addresses named in a count violation before "and N more"


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    severity: RuleSeverity
    message: str
    address: str | None  # None for plan-wide checks (max_changes, max_deletions)
    location: SourceLocation | None  # the resource in the template
    rule_location: SourceLocation

    def diagnostic(self) -> Diagnostic:
        level = Severity.ERROR if self.severity is RuleSeverity.DENY else Severity.WARNING
        who = f"{self.address}: " if self.address else ""
        return Diagnostic(
            f"policy rule `{self.rule}` ({self.severity.value}): {who}{self.message}",
            self.location or self.rule_location,
            severity=level,
            related=((self.rule_location, f"rule `{self.rule}` is defined here"),),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "address": self.address,
            "location": str(self.location) if self.location else None,
            "rule_location": str(self.rule_location),
        }


@dataclass(frozen=True)
class PolicyReport:
    source: str
    rules: tuple[str, ...]
    violations: tuple[Violation, ...]

    @property
    def denials(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is RuleSeverity.DENY)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is RuleSeverity.WARN)

    @property
    def denied(self) -> bool:
        return bool(self.denials)

    def summary(self) -> str:
        verdict = "DENIED" if self.denied else "passed"
        return (
            f"Policy {self.source}: {verdict} ({len(self.rules)} rules, "
            f"{len(self.denials)} denials, {len(self.warnings)} warnings)."
        )

    def as_dict(self) -> dict[str, Any]:
        """For the JSON plan's ``atonix.policy`` and the Markdown summary."""
        return {
            "source": self.source,
            "rules": list(self.rules),
            "denied": self.denied,
            "summary": self.summary(),
            "violations": [v.as_dict() for v in self.violations],
        }

    def enforce(self) -> None:
        """Raise ``PolicyDeniedError`` listing every violation if any rule denies."""
        if self.denied:
            raise PolicyDeniedError(diagnostics=[v.diagnostic() for v in self.violations])


def evaluate_policy(policy: Policy, plan: Plan) -> PolicyReport:
    violations: list[Violation] = []
    for located in policy.rules:
        violations.extend(_check_rule(located, plan))
    return PolicyReport(policy.source, tuple(r.rule.name for r in policy.rules), tuple(violations))


def evaluate_policies(policies: Iterable[Policy], plan: Plan) -> list[PolicyReport]:
    return [evaluate_policy(p, plan) for p in policies]


# Matching -----------------------------------------------------------------------------------
def policy_actions(change: ResourceChange) -> frozenset[PolicyAction]:
    """The names a change answers to in ``forbid`` and ``when.actions``."""
    action = change.action
    if action.is_replace:
        return frozenset({PolicyAction.REPLACE, PolicyAction.DESTROY})
    if action is Action.DELETE:
        if change.forget_only:
            return frozenset({PolicyAction.FORGET})
        return frozenset({PolicyAction.DELETE, PolicyAction.DESTROY})
    return frozenset({PolicyAction(action.value)})


def _globs(patterns: tuple[str, ...], value: str) -> bool:
    return not patterns or any(fnmatchcase(value, p) for p in patterns)


def _plan_selected(selector: Selector, plan: Plan) -> bool:
    key = plan.key
    return (
        _globs(selector.environments, key.environment)
        and _globs(selector.workspaces, key.workspace)
        and _globs(selector.stacks, key.stack)
    )


def _resource_selected(selector: Selector, change: ResourceChange) -> bool:
    return _globs(selector.types, change.type) and _globs(selector.addresses, change.address)


def _check_rule(located: LocatedRule, plan: Plan) -> Iterator[Violation]:
    rule = located.rule
    if not _plan_selected(rule.when, plan):
        return
    chosen = [c for c in plan.changes if _resource_selected(rule.when, c)]
    checked = set(rule.when.actions)

    def violation(message: str, change: ResourceChange | None = None) -> Violation:
        return Violation(
            rule.name,
            rule.severity,
            message,
            change.address if change else None,
            change.location if change else None,
            located.location,
        )

    for change in chosen:
        actions = policy_actions(change)
        if actions & set(rule.forbid):
            yield violation(f"{_gerund(change)} a {change.type} is forbidden", change)
        if not actions & checked or change.after is None:
            continue
        for message in _requirement_problems(rule, change.after):
            yield violation(message, change)
        for name, limit in sorted(rule.limit.items()):
            if name.split(".")[0] in change.sensitive_properties:
                continue  # a secret is never judged, so never echoed
            problem = _limit_problem(name, limit, change.after)
            if problem:
                yield violation(problem, change)
    yield from _count_checks(rule, chosen, violation)


def _gerund(change: ResourceChange) -> str:
    if change.action.is_replace:
        return "replacing"
    if change.forget_only:
        return "forgetting (dropping from state)"
    return {
        Action.CREATE: "creating",
        Action.UPDATE: "updating",
        Action.DELETE: "deleting",
        Action.NOOP: "keeping",
        Action.READ: "adopting (reading)",
    }[change.action]


def _count_checks(
    rule: Rule, chosen: list[ResourceChange], violation: Callable[..., Violation]
) -> Iterator[Violation]:
    """``max_changes``/``max_deletions`` count every change of the selected types and
    addresses, whatever ``when.actions`` says."""
    if rule.max_changes is not None:
        changing = [c for c in chosen if c.action is not Action.NOOP]
        if len(changing) > rule.max_changes:
            yield violation(
                f"{len(changing)} resources change, more than the {rule.max_changes} allowed "
                f"({_listing(changing)})"
            )
    if rule.max_deletions is not None:
        destroying = [c for c in chosen if PolicyAction.DESTROY in policy_actions(c)]
        if len(destroying) > rule.max_deletions:
            yield violation(
                f"{len(destroying)} resources are destroyed (deleted or replaced), more than "
                f"the {rule.max_deletions} allowed ({_listing(destroying)})"
            )


def _listing(changes: list[ResourceChange]) -> str:
    names = [c.address for c in changes[:_LISTED]]
    more = len(changes) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")


# Checks on values ---------------------------------------------------------------------------
_MISSING = object()


def _lookup(properties: dict[str, Any], path: str) -> Any:
    value: Any = properties
    for part in path.split("."):
        if isinstance(value, Sensitive):
            return value  # cannot look inside a secret; it is set
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _is_set(value: Any) -> bool:
    return value is not _MISSING and value is not None and value != "" and value != []


def _requirement_problems(rule: Rule, after: dict[str, Any]) -> Iterator[str]:
    need = rule.require
    if need is None:
        return
    for path in need.properties:
        if not _is_set(_lookup(after, path)):
            yield f"property `{path}` must be set"
    metadata = after.get("metadata")
    for key in need.metadata:
        if isinstance(metadata, Sensitive) or metadata is UNKNOWN:
            continue
        if not isinstance(metadata, dict) or key not in metadata:
            yield f"metadata key `{key}` is required"
    tags = after.get("tags")
    for tag in need.tags:
        if isinstance(tags, Sensitive) or tags is UNKNOWN:
            continue
        if not isinstance(tags, list) or not any(_tag_matches(t, tag) for t in tags):
            yield f"tag `{tag}` is required"


def _tag_matches(item: Any, wanted: str) -> bool:
    """Tags are strings (``owner`` or ``owner=team``) or ``{key: ..., value: ...}`` maps."""
    if isinstance(item, str):
        return item == wanted or item.split("=", 1)[0] == wanted
    if isinstance(item, dict):
        return item.get("key") == wanted or wanted in item
    return False


def _limit_problem(path: str, limit: Limit, after: dict[str, Any]) -> str | None:
    value = _lookup(after, path)
    if value is _MISSING or value is None or value is UNKNOWN or isinstance(value, Sensitive):
        return None  # nothing to judge (absent, known only after apply, or secret)
    if limit.allowed is not None and value not in limit.allowed:
        allowed = ", ".join(str(a) for a in limit.allowed)
        return f"`{path}` is {value!r}, not one of the allowed values ({allowed})"
    if limit.min is None and limit.max is None:
        return None
    number = _number(value)
    if number is None:
        return f"`{path}` is {value!r}, not a number to compare with the limit"
    if limit.max is not None and number > limit.max:
        return f"`{path}` is {_show(number)}, above the maximum of {_show(limit.max)}"
    if limit.min is not None and number < limit.min:
        return f"`{path}` is {_show(number)}, below the minimum of {_show(limit.min)}"
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _show(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)
