"""The composition root: which store, which providers, which template and parameter values.

Commands ask this module for a ``Session`` (state store + provider registry + stack key) and
for the loaded template with its bound parameters; nothing else in the CLI builds them.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from atonix_iac.apply.providers import make_registry
from atonix_iac.errors import UsageError
from atonix_iac.providers.base import ResourceIdentity
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
from atonix_iac.template.groups import group_member_types
from atonix_iac.template.model import Template
from atonix_iac.workspace.binding import DEFAULT_ENVIRONMENT, DEFAULT_WORKSPACE, Binding

from . import collector
from .options import STATE_URL_ENV, InputOptions, StackOptions
from .project import ProjectContext, resolve_project

if TYPE_CHECKING:  # the SQL store loads SQLAlchemy, the provider openstacksdk: only when used
    from atonix_iac.providers.openstack import OpenStackProvider
    from atonix_iac.state.sql import SqlStateStore

DEFAULT_PROJECT_ID = ""
STATE_DIR = ".atonix"
STATE_FILE = "state.db"
DEFAULT_REGION = "RegionOne"
ANY_CLOUD = "(any cloud)"  # a binding's cloud for listing providers; never connected to


@dataclass
class Session:
    """The stack's key, and its state store and provider registry, each opened on first use
    (``validate`` never reads state, so it never opens the database)."""

    key: StackKey
    project: ProjectContext
    state_url: str | None = None
    # The command line's stack and input options, for work that loads the template again
    # (a scaling signal plans and applies its group).
    stack: StackOptions | None = None
    inputs: InputOptions | None = None
    _store: SqlStateStore | None = field(default=None, repr=False)
    _registry: Registry | None = field(default=None, repr=False)

    @property
    def store(self) -> SqlStateStore:
        if self._store is None:
            with collector.lasting():  # SQLAlchemy and the state models, imported for good
                self._store = self._legacy_store() or open_store(
                    self.state_url, project_dir=self.project.project_dir(), on_warning=_warn
                )
        return self._store

    def state_database_absent(self) -> bool:
        """True when the state is a SQLite file that does not exist yet (and no state of an
        earlier atonix in the current directory stands in for it). There is no state to read
        or lock then: a plan reads the empty state without opening the database, which would
        create it and import SQLAlchemy (~0.3 CPU s, more than planning 1,000 resources)."""
        if self._store is not None:
            return False
        path = _plain_sqlite_file(
            self.state_url or os.environ.get(STATE_URL_ENV), self.project.project_dir()
        )
        if path is None or path.exists():
            return False
        legacy = Path.cwd().resolve() / STATE_DIR / STATE_FILE
        return bool(self.state_url or os.environ.get(STATE_URL_ENV) or self.project.has_file) or (
            not legacy.exists()
        )

    def _legacy_store(self) -> SqlStateStore | None:
        """The state an earlier atonix kept in the current directory for a template elsewhere
        (before state moved beside the template), if it holds this stack and nothing is beside
        the template yet: used, with a note on stderr saying how to move it."""
        if self.state_url or os.environ.get(STATE_URL_ENV) or self.project.has_file:
            return None
        here = Path.cwd().resolve()
        home = self.project.project_dir()
        legacy = here / STATE_DIR / STATE_FILE
        if here == home or not legacy.is_file() or (home / STATE_DIR / STATE_FILE).exists():
            return None
        store = open_store(None, project_dir=here, on_warning=_warn)
        if self.key not in store.list_stacks():
            store.close()
            return None
        click.echo(
            f"Note: using the state of stack `{self.key.stack}` in {legacy}, where earlier"
            f" versions kept it; state now lives beside the template. Move it there (mkdir -p"
            f" {home / STATE_DIR} && mv {STATE_DIR}/state.* {home / STATE_DIR}/) or name it"
            " with --state-url.",
            err=True,
        )
        return store

    @property
    def binding(self) -> Binding:
        return self.project.binding

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = make_registry(self.binding)
        return self._registry

    @property
    def cloud(self) -> OpenStackProvider | None:
        """The binding's OpenStack provider (not yet connected), if it binds a cloud."""
        if not self.binding.cloud:
            return None
        from atonix_iac.providers.openstack import OpenStackProvider

        for provider in self.registry.providers:
            if isinstance(provider, OpenStackProvider):
                return provider
        return None

    @property
    def identity_base(self) -> ResourceIdentity:
        return ResourceIdentity(self.key.workspace, self.key.environment, self.key.stack, "")

    def uses_cloud(self, template: Template) -> bool:
        """Whether the stack has resources of the cloud's types (in the template or state)."""
        cloud = self.cloud
        if cloud is None:
            return False
        types = cloud.resource_types()
        if any(spec.type in types for spec in template.resources.values()):
            return True
        if any(t in types for t in group_member_types(template)):
            return True
        if self.state_database_absent():  # no state: nothing of the cloud's in it
            return False
        return any(r.type in types for r in self.store.iter_resources(self.key))

    def bind(
        self,
        template: Template,
        values: dict[str, Any],
        *,
        check_required: bool = True,
        connect: bool = True,
        value_sources: dict[str, str] | None = None,
    ) -> BoundParameters:
        """Parameter values plus the pseudo-parameters: ``OS::region`` from the binding,
        ``OS::project_id`` from the cloud's token when ``connect`` and the stack uses the cloud
        (``validate`` never connects)."""
        project_id = DEFAULT_PROJECT_ID
        cloud = self.cloud
        if connect and cloud is not None and self.uses_cloud(template):
            project_id = str(cloud.connection.current_project_id or "")
        return bind(
            template,
            self.key,
            values,
            check_required=check_required,
            project_id=project_id,
            region=self.binding.region or DEFAULT_REGION,
            value_sources=value_sources,
        )

    def close(self) -> None:
        try:
            if self._registry is not None:
                self._registry.close()
        finally:
            if self._store is not None:
                self._store.close()


def _warn(message: str) -> None:
    """The state store's warnings (a stale lock taken over, a held lock lost): one line on
    stderr, beside the plan and progress output on stdout."""
    click.echo(f"Warning: {message}", err=True)


def stack_key(options: StackOptions) -> StackKey:
    """(workspace, environment, stack): the workspace and environment as atonix.yaml binds
    them."""
    return resolve_project(options).key(options.stack_name)


def provider_registry() -> Registry:
    """Every provider atonix has (the OpenStack ones as for any cloud; nothing connects):
    what a type needs to be deployable, whatever the current binding."""
    return make_registry(Binding(DEFAULT_WORKSPACE, DEFAULT_ENVIRONMENT, cloud=ANY_CLOUD))


@contextmanager
def open_session(options: StackOptions, key: StackKey | None = None) -> Iterator[Session]:
    """The stack's session; ``key`` (a saved plan's) selects its workspace/environment."""
    if key is None:
        project = resolve_project(options)
        key = project.key(options.stack_name)
    else:
        project = resolve_project(options, workspace=key.workspace, environment=key.environment)
    session = Session(key, project, project.state_url(options.state_url), stack=options)
    try:
        yield session
    finally:
        session.close()


def _plain_sqlite_file(url: str | None, project_dir: Path) -> Path | None:
    """The database file of a state URL (None: the default beside the project) when it is a
    plain ``sqlite:///PATH``, read as ``state.engine.resolve_url`` reads it; None for anything
    else (PostgreSQL, in-memory, query strings, escapes), which takes the ordinary path."""
    if not url:
        return project_dir.resolve() / STATE_DIR / STATE_FILE
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    database = url[len(prefix) :]
    if not database or database == ":memory:" or any(c in database for c in "?#%"):
        return None
    return Path(database)


def stack_id(key: StackKey) -> str:
    """A stable ``OS::stack_id``: the same stack gets the same id on every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"atonix:{key}"))


def load_stack_template(options: StackOptions, inputs: InputOptions) -> Template:
    if not options.template.exists():
        raise UsageError(
            f"no template at {options.template} (name one as the first argument, e.g."
            " `atonix plan my-stack.yaml`)"
        )
    # -var/-var-file values are Jinja2 variables too (for a ``.j2`` template).
    with collector.lasting():  # the template is read until the run ends
        return load_template(
            options.template, inputs.env_files, template_vars=parameter_values(inputs)
        )


def parameter_sources(inputs: InputOptions) -> dict[str, str]:
    """Where each value of ``parameter_values`` came from, for messages about it."""
    sources: dict[str, str] = {}
    for path in inputs.var_files:
        sources.update(dict.fromkeys(load_var_file(path), f"-var-file {path}"))
    sources.update(dict.fromkeys(parse_var_assignments(inputs.variables), "-var"))
    return sources


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
    project_id: str = DEFAULT_PROJECT_ID,
    region: str = DEFAULT_REGION,
    value_sources: dict[str, str] | None = None,
) -> BoundParameters:
    # A value the Jinja2 pass read is not a HOT parameter unless the template declares one.
    values = {
        k: v
        for k, v in values.items()
        if k in template.parameters or k not in template.template_vars
    }
    return bind_parameters(
        template,
        values,
        stack_name=key.stack,
        stack_id=stack_id(key),
        project_id=project_id,
        region=region,
        check_required=check_required,
        value_sources=value_sources,
    )


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
