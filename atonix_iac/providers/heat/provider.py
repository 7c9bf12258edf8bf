"""The provider of Heat's cloud-free types: usable in every stack, with or without a cloud."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType

from atonix_iac.providers.base import Provider, ResourceType
from atonix_iac.providers.heat.access_policy import AccessPolicyResource
from atonix_iac.providers.heat.delay import DelayResource
from atonix_iac.providers.heat.deployed_server import DeployedServerResource
from atonix_iac.providers.heat.groups import (
    AutoScalingGroupResource,
    AwsAutoScalingGroupResource,
    AwsScalingPolicyResource,
    InstanceGroupResource,
    LaunchConfigurationResource,
    ResourceChainResource,
    ResourceGroupResource,
    ScalingPolicyResource,
)
from atonix_iac.providers.heat.none import NoneResource
from atonix_iac.providers.heat.random_string import RandomStringResource
from atonix_iac.providers.heat.retired import retired_types
from atonix_iac.providers.heat.software_config import (
    CloudConfigResource,
    MultipartMimeResource,
    SoftwareComponentResource,
    SoftwareConfigResource,
    StructuredConfigResource,
)
from atonix_iac.providers.heat.software_deployment import (
    SoftwareDeploymentResource,
    StructuredDeploymentResource,
)
from atonix_iac.providers.heat.software_deployment_group import (
    SoftwareDeploymentGroupResource,
    SoftwareDeploymentsResource,
    StructuredDeploymentGroupResource,
    StructuredDeploymentsResource,
)
from atonix_iac.providers.heat.test_resource import Sleep, TestResource
from atonix_iac.providers.heat.value import ValueResource
from atonix_iac.providers.heat.wait_condition import (
    CfnWaitCondition,
    CfnWaitConditionHandle,
    UpdateWaitConditionHandle,
    WaitCondition,
    WaitConditionHandle,
)


class HeatProvider(Provider):
    """OS::Heat::None, Value, RandomString, TestResource, Delay, the wait conditions, the
    software config types, software deployments and DeployedServer.

    ``sleep`` is what TestResource waits with (tests may pass one that records instead).
    """

    name = "heat"

    def __init__(self, *, sleep: Sleep = time.sleep) -> None:
        implementations: list[ResourceType] = [
            NoneResource(),
            ValueResource(),
            RandomStringResource(),
            TestResource(sleep=sleep),
            ResourceGroupResource(),
            AutoScalingGroupResource(),
            ResourceChainResource(),
            AccessPolicyResource(),
            ScalingPolicyResource(),
            AwsAutoScalingGroupResource(),
            AwsScalingPolicyResource(),
            InstanceGroupResource(),
            LaunchConfigurationResource(),
            WaitConditionHandle(),
            UpdateWaitConditionHandle(),
            CfnWaitConditionHandle(),
            WaitCondition(sleep=sleep),
            CfnWaitCondition(sleep=sleep),
            DelayResource(sleep=sleep),
            SoftwareConfigResource(),
            StructuredConfigResource(),
            CloudConfigResource(),
            MultipartMimeResource(),
            SoftwareComponentResource(),
            SoftwareDeploymentResource(),
            StructuredDeploymentResource(),
            SoftwareDeploymentGroupResource(),
            StructuredDeploymentGroupResource(),
            SoftwareDeploymentsResource(),
            StructuredDeploymentsResource(),
            DeployedServerResource(),
            *retired_types(),
        ]
        self._types = MappingProxyType({t.schema.type_name: t for t in implementations})

    def resource_types(self) -> Mapping[str, ResourceType]:
        return self._types
