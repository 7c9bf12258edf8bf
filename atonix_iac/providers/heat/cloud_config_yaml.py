"""cloud-config text as Heat writes it: ``yaml.dump`` with Heat's safe dumper (keys sorted,
flow style for leaf collections). Writing YAML for a guest is this module's one job; reading
templates stays the template layer's."""

from __future__ import annotations

from typing import Any

import yaml

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def cloud_config_text(cloud_config: Any) -> str:
    return str(yaml.dump(cloud_config, Dumper=_Dumper))
