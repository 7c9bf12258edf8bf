"""A resource's metadata as Heat's ``GET .../resources/{name}/metadata`` answers it.

Heat keeps each resource's ``metadata`` section, resolved when the resource was created or
updated; here it is resolved from the template and the state as they are now (the same
values once the resources it names exist; a value not known yet is null). A server that
software deployments of the stack target also carries ``deployments``: each deployment's
derived config (inputs with their values and the signal ``deploy_*`` inputs), ordered by
name, as Heat pushes them into the server's metadata — what an agent polling this route
(os-collect-config's ``heat`` collector) applies. Like Heat's, these carry the values the
server needs, secrets included: this route answers the stack's own project only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from atonix_iac.errors import AtonixError
from atonix_iac.planner.evaluation import PlanContext, resolve_value
from atonix_iac.state.model import ResourceState
from atonix_iac.state.records import StackRecord
from atonix_iac.template.values import is_unknown, unwrap

from .engine import Engine, bind_record, load_stack_template

log = logging.getLogger("atonix.service.metadata")

DEPLOYMENT_TYPES = frozenset({"OS::Heat::SoftwareDeployment", "OS::Heat::StructuredDeployment"})


def resource_metadata(
    engine: Engine, record: StackRecord, resource: ResourceState, resources: list[ResourceState]
) -> dict[str, Any]:
    metadata = template_metadata(engine, record, resource.address, resources)
    deployments = server_deployments(resource, resources)
    if deployments:
        metadata["deployments"] = deployments
    return metadata


def template_metadata(
    engine: Engine, record: StackRecord, address: str, resources: list[ResourceState]
) -> dict[str, Any]:
    """The resource's ``metadata`` section, resolved ({} when it has none)."""
    try:
        template = load_stack_template(record)
        spec = template.resources.get(address)
        if spec is None or spec.metadata is None:
            return {}
        binding = engine.bindings.for_key(record.workspace, record.environment)
        params = bind_record(record, template, binding, check_required=False)
        known = {r.address: r for r in resources}
        value = _known_or_null(
            unwrap(resolve_value(spec.metadata, PlanContext(template, params, known)))
        )
    except AtonixError as err:  # the stack's template was checked when it was given
        log.warning("metadata of %s unavailable: %s", address, err.message)
        return {}
    return value if isinstance(value, dict) else {}


def server_deployments(
    server: ResourceState, resources: Iterable[ResourceState]
) -> list[dict[str, Any]]:
    """The derived configs of the stack's deployments that target ``server``, by name."""
    if not server.physical_id:
        return []
    found = []
    for resource in resources:
        if resource.type not in DEPLOYMENT_TYPES:
            continue
        shown = resource.attributes.get("show")
        derived = resource.attributes.get("derived_config")
        if not isinstance(shown, dict) or not isinstance(derived, dict):
            continue
        if shown.get("server_id") == server.physical_id:
            found.append(dict(derived))
    return sorted(found, key=lambda config: str(config.get("name") or ""))


def _known_or_null(value: Any) -> Any:
    if is_unknown(value):
        return None
    if isinstance(value, dict):
        return {k: _known_or_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known_or_null(v) for v in value]
    return value
