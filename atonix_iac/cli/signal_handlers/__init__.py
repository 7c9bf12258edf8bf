"""``atonix signal``'s dispatch: resource type -> what signalling a resource of it does.

One handler per module; a new signallable type is one module and one line in ``HANDLERS``.
A handler receives the session (state store, registry, stack key), the resource as state
records it, and the parsed ``--data`` (None when none was given), does the work and returns
the line to print.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from . import mistral_workflow, scaling_policy, wait_condition_handle

if TYPE_CHECKING:
    from atonix_iac.state.model import ResourceState

    from ..session import Session

SignalHandler = Callable[["Session", "ResourceState", Any], str]

HANDLERS: Final[Mapping[str, SignalHandler]] = {
    "OS::Heat::WaitConditionHandle": wait_condition_handle.signal,
    "OS::Heat::UpdateWaitConditionHandle": wait_condition_handle.signal,
    "AWS::CloudFormation::WaitConditionHandle": wait_condition_handle.signal,
    # A software deployment's signal carries its output values (deploy_status_code, ...).
    "OS::Heat::SoftwareDeployment": wait_condition_handle.signal,
    "OS::Heat::StructuredDeployment": wait_condition_handle.signal,
    "OS::Heat::ScalingPolicy": scaling_policy.signal,
    "AWS::AutoScaling::ScalingPolicy": scaling_policy.signal,
    "OS::Mistral::Workflow": mistral_workflow.signal,
}
