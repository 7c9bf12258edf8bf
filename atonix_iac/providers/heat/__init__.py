"""Heat's resource types that need no cloud (OS::Heat::None, Value, RandomString,
TestResource)."""

from atonix_iac.providers.heat.provider import HeatProvider

__all__ = ["HeatProvider"]
