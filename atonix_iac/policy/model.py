"""The policy file's schema: named rules, each a selector (``when``) and one or more checks.

```yaml
version: 1
rules:
  - name: keep-volumes-in-prod
    severity: deny                  # deny (exit code 3) or warn; default deny
    when:
      environments: [prod]
      types: ["OS::Cinder::Volume"]
    forbid: [delete, replace]
  - name: servers-have-an-owner
    severity: warn
    when: {types: ["OS::Nova::*"]}
    require: {properties: [key_name], metadata: [owner], tags: [managed]}
  - name: small-servers
    when: {types: ["OS::Nova::Server"]}
    limit: {flavor: {allowed: [m1.small, m1.medium]}}
  - name: change-budget
    max_changes: 25
    max_deletions: 0
```

Kept small on purpose: every key is documented in docs/policy.md, and anything else is an
error at its ``line:col``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

POLICY_VERSION = 1


class PolicyAction(StrEnum):
    """What a rule can name. ``replace`` covers both replacement orders; ``destroy`` means
    any change that destroys an object (delete or replace); ``forget`` is a delete that only
    drops the resource from state (deletion_policy Retain, or already gone)."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    DESTROY = "destroy"
    FORGET = "forget"
    NOOP = "no-op"
    READ = "read"  # adopting an existing object through external_id


DEFAULT_CHECKED_ACTIONS = (PolicyAction.CREATE, PolicyAction.UPDATE, PolicyAction.REPLACE)


class Severity(StrEnum):
    DENY = "deny"
    WARN = "warn"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(_Strict):
    """Which changes a rule looks at; every list holds globs, and an empty list means any."""

    types: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    workspaces: tuple[str, ...] = ()
    stacks: tuple[str, ...] = ()
    # For require/limit checks and the max_* counts; default: what the plan writes.
    actions: tuple[PolicyAction, ...] = DEFAULT_CHECKED_ACTIONS


class Requirements(_Strict):
    properties: tuple[str, ...] = ()  # dotted paths that must be set
    metadata: tuple[str, ...] = ()  # keys of the ``metadata`` property
    tags: tuple[str, ...] = ()  # items of the ``tags`` property


class Limit(_Strict):
    allowed: tuple[str | int | float | bool, ...] | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _says_something(self) -> Limit:
        if self.allowed is None and self.min is None and self.max is None:
            raise ValueError("a limit needs `allowed`, `min` or `max`")
        return self


class Rule(_Strict):
    name: str = Field(min_length=1)
    description: str | None = None
    severity: Severity = Severity.DENY
    when: Selector = Field(default_factory=Selector)
    forbid: tuple[PolicyAction, ...] = ()
    require: Requirements | None = None
    limit: dict[str, Limit] = Field(default_factory=dict)
    max_changes: int | None = Field(default=None, ge=0)
    max_deletions: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _has_a_check(self) -> Rule:
        if not (
            self.forbid
            or self.require
            or self.limit
            or self.max_changes is not None
            or self.max_deletions is not None
        ):
            raise ValueError(
                f"rule `{self.name}` checks nothing: give it forbid, require, limit, "
                "max_changes or max_deletions"
            )
        return self


class PolicyFile(_Strict):
    version: int = POLICY_VERSION
    rules: tuple[Rule, ...] = ()

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != POLICY_VERSION:
            raise ValueError(f"policy version {value} is not supported (this atonix reads 1)")
        return value

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen:
                raise ValueError(f"two rules are named `{rule.name}`; names must be unique")
            seen.add(rule.name)
        return rules
