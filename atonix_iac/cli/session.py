"""The composition root: which store, which providers, which template and parameter values.

Commands ask this module for a ``Session`` (state store + provider registry + stack key) and
for the loaded template with its bound parameters; nothing else in the CLI builds them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atonix_iac.errors import UsageError
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.state import open_store
from atonix_iac.state.model import StackKey
from atonix_iac.template import (
    BoundParameters,
    bind_parameters,
    load_template,
    load_var_file,
    parse_var_assignments,
)
from atonix_iac.template.model import Template

from .options import InputOptions, StackOptions

if TYPE_CHECKING:  # the SQL store loads SQLAlchemy: only when a command opens it
    from atonix_iac.state.sql import SqlStateStore

DEFAULT_PROJECT_ID = ""
DEFAULT_REGION = "RegionOne"


@dataclass
class Session:
    key: StackKey
    store: SqlStateStore
    registry: Registry

    @property
    def identity_base(self) -> ResourceIdentity:
        return ResourceIdentity(self.key.workspace, self.key.environment, self.key.stack, "")


def stack_key(options: StackOptions) -> StackKey:
    return StackKey(options.workspace, options.environment, options.stack_name)


def make_registry() -> Registry:
    """The providers every stack can use. The OpenStack provider joins once a workspace binds a
    cloud; cloud-free types (OS::Heat::*) always work."""
    return Registry.from_providers([HeatProvider()])


@contextmanager
def open_session(options: StackOptions, key: StackKey | None = None) -> Iterator[Session]:
    store = open_store(options.state_url, project_dir=Path.cwd())
    try:
        yield Session(key or stack_key(options), store, make_registry())
    finally:
        store.close()


def stack_id(key: StackKey) -> str:
    """A stable ``OS::stack_id``: the same stack gets the same id on every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"atonix:{key}"))


def load_stack_template(options: StackOptions, inputs: InputOptions) -> Template:
    if not options.template.exists():
        raise UsageError(
            f"no template at {options.template} (name one as the first argument, e.g."
            " `atonix plan my-stack.yaml`)"
        )
    return load_template(options.template, inputs.env_files)


def parameter_values(inputs: InputOptions) -> dict[str, Any]:
    """``-var-file`` values, then ``-var`` values over them (command-line order wins)."""
    values: dict[str, Any] = {}
    for path in inputs.var_files:
        values.update(load_var_file(path))
    values.update(parse_var_assignments(inputs.variables))
    return values


def bind(
    template: Template,
    key: StackKey,
    values: dict[str, Any],
    *,
    check_required: bool = True,
) -> BoundParameters:
    return bind_parameters(
        template,
        values,
        stack_name=key.stack,
        stack_id=stack_id(key),
        project_id=DEFAULT_PROJECT_ID,
        region=DEFAULT_REGION,
        check_required=check_required,
    )


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
