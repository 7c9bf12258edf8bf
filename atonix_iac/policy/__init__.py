"""The policy gate: declarative rules judged on a plan before it may be applied.

It sits above the planner (it reads Plans) and below the CLI and apply. See docs/policy.md.
"""

from atonix_iac.policy.evaluate import (
    PolicyReport,
    Violation,
    evaluate_policies,
    evaluate_policy,
    policy_actions,
)
from atonix_iac.policy.load import LocatedRule, Policy, load_policy, parse_policy

__all__ = [
    "LocatedRule",
    "Policy",
    "PolicyReport",
    "Violation",
    "evaluate_policies",
    "evaluate_policy",
    "load_policy",
    "parse_policy",
    "policy_actions",
]
