"""A state resource as the plan sees it: state, overlaid by what refresh just read.

Drift (the cloud differs from what state recorded) is kept so the plan can show it, and the
plan is made from the refreshed values so that it corrects the drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from atonix_iac.planner.diff import drifted_properties, property_changes
from atonix_iac.planner.masking import mask_change
from atonix_iac.planner.plan import PropertyChange
from atonix_iac.planner.translate import translate_values
from atonix_iac.providers.base import ResourceResult
from atonix_iac.providers.translations import property_translations
from atonix_iac.state.model import ResourceState


@dataclass(slots=True)
class Observed:
    """A resource as the plan sees it now: the prior state merged with what refresh read."""

    prior: ResourceState
    properties: dict[str, Any]
    attributes: Mapping[str, Any]
    physical_id: str | None
    drift: tuple[str, ...] = ()  # property names the cloud reports differently
    gone: bool = False  # refresh found it deleted outside atonix


def observe(prior: ResourceState, refreshed: Mapping[str, ResourceResult | None]) -> Observed:
    """``prior`` as refresh last saw it; as state says if it was not refreshed. Retired
    property names state may hold are read as their replacements, as the template's are."""
    if property_translations(prior.type):
        prior = replace(prior, properties=translate_values(prior.type, prior.properties))
    if prior.address not in refreshed:
        return Observed(prior, prior.properties, prior.attributes, prior.physical_id)
    result = refreshed[prior.address]
    if result is None:
        return Observed(prior, prior.properties, prior.attributes, prior.physical_id, gone=True)
    properties = prior.properties
    drift: tuple[str, ...] = ()
    if result.properties is not None:
        reported = result.properties
        if property_translations(prior.type):  # a read echoes the names state gave it
            reported = translate_values(prior.type, reported)
        drift = tuple(drifted_properties(prior.properties, reported))
        properties = {**prior.properties, **reported}
    # A read may report only some attributes (a random string cannot be read back).
    attributes = {**prior.attributes, **result.attributes}
    physical_id = result.physical_id or prior.physical_id
    return Observed(prior, properties, attributes, physical_id, drift)


def drift_changes(observed: Observed | None, secret: frozenset[str]) -> tuple[PropertyChange, ...]:
    """The drift as property changes (state -> cloud), secrets masked."""
    if observed is None or not observed.drift:
        return ()
    changes = property_changes(
        observed.prior.properties, observed.properties, observed.drift, sensitive=secret
    )
    return tuple(mask_change(c) for c in changes)
