"""The project file ``atonix.yaml``: where state lives and which cloud each environment uses.

```yaml
state: sqlite:///.atonix/state.db          # any SQLAlchemy URL; this is the default
workspaces:
  devops-team:
    environments:
      dev:
        cloud: mycloud                      # a clouds.yaml entry
        project: devops-dev                 # the OpenStack project the token is scoped to
        region: RegionOne
        quotas: {vcpus: 20, ram_gb: 80, storage_gb: 500, instances: 10}
        policy: policies/dev.rego           # optional
        on_failure: rollback                # optional: stop (default) | continue | rollback
```

The file holds no credentials: those come from clouds.yaml / ``OS_*`` only. Mistakes in the file
are reported at their ``line:col``. Without a project file every stack runs in an implicit
``default``/``default`` binding with no cloud, so cloud-free stacks keep working.

Only commands that find a project file import this module (and with it pydantic); ``Binding``
and ``find_project_file`` live in ``workspace.binding`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from atonix_iac.errors import Diagnostic, SourceLocation, WorkspaceError, suggest
from atonix_iac.workspace.binding import (
    DEFAULT_ENVIRONMENT,
    DEFAULT_STATE_URL,
    DEFAULT_WORKSPACE,
    ENVIRONMENT_ENV_VAR,
    PROJECT_FILE_NAME,
    WORKSPACE_ENV_VAR,
    Binding,
    chosen_names,
    find_project_file,
    implicit_binding,
)

__all__ = [
    "DEFAULT_ENVIRONMENT",
    "DEFAULT_STATE_URL",
    "DEFAULT_WORKSPACE",
    "ENVIRONMENT_ENV_VAR",
    "PROJECT_FILE_NAME",
    "WORKSPACE_ENV_VAR",
    "Binding",
    "EnvironmentConfig",
    "ProjectConfig",
    "QuotaLimits",
    "WorkspaceConfig",
    "find_project_file",
    "implicit_config",
    "load_project_file",
    "parse_project_text",
    "select_binding",
]


class QuotaLimits(BaseModel):
    """A budget an environment may not exceed, whatever the project itself allows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instances: int | None = Field(default=None, ge=0)
    vcpus: int | None = Field(default=None, ge=0)
    ram_gb: int | None = Field(default=None, ge=0)
    storage_gb: int | None = Field(default=None, ge=0)
    volumes: int | None = Field(default=None, ge=0)
    floating_ips: int | None = Field(default=None, ge=0)
    networks: int | None = Field(default=None, ge=0)
    subnets: int | None = Field(default=None, ge=0)
    ports: int | None = Field(default=None, ge=0)
    routers: int | None = Field(default=None, ge=0)
    security_groups: int | None = Field(default=None, ge=0)
    load_balancers: int | None = Field(default=None, ge=0)
    clusters: int | None = Field(default=None, ge=0)
    shares: int | None = Field(default=None, ge=0)
    share_gb: int | None = Field(default=None, ge=0)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class EnvironmentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: str | None = None
    project: str | None = None
    region: str | None = None
    quotas: QuotaLimits = Field(default_factory=QuotaLimits)
    policy: str | None = None
    # What apply does when a step fails, unless -on-failure says otherwise.
    on_failure: Literal["stop", "continue", "rollback"] | None = None


class WorkspaceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    environments: dict[str, EnvironmentConfig] = Field(default_factory=dict)
    description: str | None = None


class ProjectConfig(BaseModel):
    """The parsed project file. ``root`` is the directory holding it (None: implicit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str = DEFAULT_STATE_URL
    workspaces: dict[str, WorkspaceConfig] = Field(default_factory=dict)
    root: Path | None = Field(default=None, exclude=True)
    source: str | None = Field(default=None, exclude=True)

    @field_validator("state")
    @classmethod
    def _state_is_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(f"state must be a SQLAlchemy URL such as {DEFAULT_STATE_URL}")
        return value

    def state_url(self) -> str:
        """The state URL, a relative SQLite path anchored at the project file's directory
        (so every command finds the same database wherever it is run from)."""
        prefix = "sqlite:///"
        if self.root is None or not self.state.startswith(prefix):
            return self.state
        path = self.state[len(prefix) :]
        if not path or path.startswith("/") or path == ":memory:":
            return self.state
        return prefix + str(self.root / path)

    def bound(self) -> list[tuple[str, str]]:
        """Every (workspace, environment) the file binds, in file order."""
        return [(w, e) for w, ws in self.workspaces.items() for e in ws.environments]


def implicit_config() -> ProjectConfig:
    """The configuration used when no project file exists."""
    return ProjectConfig()


# A project file names a handful of workspaces; aliases beyond this are refused before the
# document is built (each alias can multiply what validation walks: a "billion laughs").
MAX_PROJECT_ALIASES = 100


def load_project_file(path: Path) -> ProjectConfig:
    """Parse ``path``; every problem becomes a located diagnostic in one WorkspaceError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        location = _offset_location(str(path), data, exc.start)
        raise WorkspaceError(
            diagnostics=[
                Diagnostic(
                    f"not UTF-8 text (byte {exc.start}: {data[exc.start]:#04x})",
                    location,
                    hint="is this a binary file? atonix.yaml is UTF-8 text",
                )
            ]
        ) from None
    return parse_project_text(text, str(path), root=path.parent)


class _ProjectLoader(yaml.SafeLoader):
    """The safe loader, counting aliases as it composes (before anything is built)."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.source = source
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_PROJECT_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise WorkspaceError(
                    diagnostics=[
                        Diagnostic(
                            f"more than {MAX_PROJECT_ALIASES} YAML aliases (the limit for a"
                            " project file)",
                            _mark_location(self.source, mark),
                            hint="write the repeated settings out, or anchor fewer of them",
                        )
                    ]
                )
        return super().compose_node(parent, index)


def _read_yaml(text: str, source: str) -> tuple[Any, Any]:
    """(the root node, the data built from it): one parse, aliases bounded."""
    loader = _ProjectLoader(text, source)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        return node, data
    finally:
        loader.dispose()


def parse_project_text(text: str, source: str, root: Path | None = None) -> ProjectConfig:
    try:
        node, data = _read_yaml(text, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = _mark_location(source, mark)
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise WorkspaceError(diagnostics=[Diagnostic(message, location)]) from exc
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        location = _offset_location(source, text, exc.position)
        message = f"invalid YAML: the character {code:#06x} is not allowed ({exc.reason})"
        raise WorkspaceError(diagnostics=[Diagnostic(message, location)]) from None
    except yaml.YAMLError as exc:
        raise WorkspaceError(diagnostics=[Diagnostic(f"invalid YAML: {exc}", None)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        location = _mark_location(source, node.start_mark if node else None)
        raise WorkspaceError(
            diagnostics=[Diagnostic("the project file must be a mapping", location)]
        )
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        raise WorkspaceError(diagnostics=_diagnostics(exc, node, source)) from None
    return config.model_copy(update={"root": root, "source": source})


def select_binding(
    config: ProjectConfig,
    workspace: str | None = None,
    environment: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Binding:
    """The binding for the chosen workspace/environment.

    Unset choices fall back to ``ATONIX_WORKSPACE`` / ``ATONIX_ENVIRONMENT``, then to the only
    one bound (or ``default``). Without any workspaces (no project file) the implicit
    ``default``/``default`` binding has no cloud.
    """
    workspace, environment = chosen_names(workspace, environment, env)
    if not config.workspaces:
        return implicit_binding(workspace, environment, env={}, source=config.source)
    ws_name = workspace or _only_or_default(list(config.workspaces), "workspace", config)
    ws = config.workspaces.get(ws_name)
    if ws is None:
        raise WorkspaceError(_unbound_message("workspace", ws_name, config))
    env_name = environment or _only_or_default(list(ws.environments), "environment", config)
    env_config = ws.environments.get(env_name)
    if env_config is None:
        raise WorkspaceError(_unbound_message("environment", f"{ws_name}/{env_name}", config))
    return Binding(
        workspace=ws_name,
        environment=env_name,
        cloud=env_config.cloud,
        project=env_config.project,
        region=env_config.region,
        quotas=env_config.quotas.as_dict(),
        policy=env_config.policy,
        on_failure=env_config.on_failure,
    )


def _only_or_default(names: Sequence[str], what: str, config: ProjectConfig) -> str:
    if len(names) == 1:
        return names[0]
    if DEFAULT_WORKSPACE in names:
        return DEFAULT_WORKSPACE
    flag = "-w/--workspace" if what == "workspace" else "-E/--environment"
    env_var = WORKSPACE_ENV_VAR if what == "workspace" else ENVIRONMENT_ENV_VAR
    raise WorkspaceError(
        f"no {what} selected; choose one with {flag} or {env_var} (bound: {_bound_list(config)})"
    )


def _unbound_message(what: str, name: str, config: ProjectConfig) -> str:
    bound = [f"{w}/{e}" for w, e in config.bound()]
    hint = suggest(name, bound if what == "environment" else list(config.workspaces))
    text = f"{what} `{name}` is not bound in {config.source or PROJECT_FILE_NAME}"
    text += f" (bound: {_bound_list(config)})"
    if hint:
        text += f"; {hint}"
    return text


def _bound_list(config: ProjectConfig) -> str:
    return ", ".join(f"{w}/{e}" for w, e in config.bound()) or "none"


def _offset_location(source: str, text: str | bytes, offset: int) -> SourceLocation:
    newline: Any = "\n" if isinstance(text, str) else b"\n"
    line_start = text.rfind(newline, 0, offset) + 1
    return SourceLocation(source, text.count(newline, 0, offset) + 1, offset - line_start + 1)


def _mark_location(source: str, mark: Any) -> SourceLocation:
    if mark is None:
        return SourceLocation(source)
    return SourceLocation(source, mark.line + 1, mark.column + 1)


def _diagnostics(exc: ValidationError, root: Any, source: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        node, key_node = _walk(root, loc)
        field_name = ".".join(str(p) for p in loc) or "file"
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        hint = None
        if err["type"] == "extra_forbidden":
            message = f"unknown key `{loc[-1]}`"
            node = key_node or node
            hint = _known_keys_hint(loc)
        else:
            message = f"{field_name}: {message}"
        location = _mark_location(source, node.start_mark if node is not None else None)
        out.append(Diagnostic(message, location, hint=hint))
    return out


def _known_keys_hint(loc: tuple[Any, ...]) -> str | None:
    # The model that owns an unknown key, by the key's depth in the file.
    owner: dict[int, type[BaseModel]] = {
        1: ProjectConfig,
        3: WorkspaceConfig,
        5: EnvironmentConfig,
        6: QuotaLimits,
    }
    model = owner.get(len(loc))
    if model is None:
        return None
    known = [n for n, f in model.model_fields.items() if not f.exclude]
    return suggest(str(loc[-1]), known) or f"known keys: {', '.join(known)}"


def _walk(node: Any, loc: tuple[Any, ...]) -> tuple[Any, Any]:
    """The YAML node at ``loc`` (or its nearest existing ancestor), and its key node."""
    key_node = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    key_node, node = k, v
                    break
            else:
                return node, key_node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node, key_node
            node, key_node = node.value[part], None
        else:
            return node, key_node
    return node, key_node
