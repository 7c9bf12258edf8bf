"""Shared command-line flags, spelled as Terraform spells them (``-var``) and with two dashes.

Each flag group is a decorator that adds its options; commands receive the values through
``**kwargs`` and build the small option records below, so a new flag (``-w/--workspace``)
is added here once and reaches every stack command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_TEMPLATE = "stack.yaml"
STATE_URL_ENV = "ATONIX_STATE_URL"
WORKSPACE_ENV = "ATONIX_WORKSPACE"
ENVIRONMENT_ENV = "ATONIX_ENVIRONMENT"
CONFIG_ENV = "ATONIX_CONFIG"


def flag_names(name: str, *short: str) -> tuple[str, ...]:
    """``-name`` (Terraform's spelling) and ``--name``, plus any short forms."""
    return (*short, f"-{name}", f"--{name}")


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


if TYPE_CHECKING:
    _DurationBase = click.ParamType[float, Any]
else:  # click < 8.2 has no generic ParamType
    _DurationBase = click.ParamType


class DurationType(_DurationBase):
    """Terraform's (Go's) durations: ``10s``, ``2m``, ``1h``, ``1m30s``, ``1h2m3.5s``,
    ``500ms``, or plain seconds."""

    name = "duration"
    _PLAIN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")
    _WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?(?:ms|s|m|h))+\s*$")
    _PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
    _SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, int | float):
            return float(value)
        text = str(value)
        plain = self._PLAIN.match(text)
        if plain:
            return float(plain.group(1))
        if not self._WHOLE.match(text):
            self.fail(f"{value!r} is not a duration such as 30s, 5m, 1m30s or 1h", param, ctx)
        return sum(float(n) * self._SCALE[unit] for n, unit in self._PART.findall(text))


DURATION = DurationType()


@dataclass(frozen=True)
class StackOptions:
    """Which stack a command works on, and where its state lives."""

    template: Path
    stack: str | None
    state_url: str | None
    # None: ATONIX_WORKSPACE / ATONIX_ENVIRONMENT, else what atonix.yaml makes the default.
    workspace: str | None = None
    environment: str | None = None
    # The project file; None: the nearest atonix.yaml up from the template's directory.
    config: Path | None = None
    # --os-cloud: a clouds.yaml entry for a binding that names no cloud (else OS_CLOUD, OS_*).
    os_cloud: str | None = None

    @property
    def stack_name(self) -> str:
        if self.stack:
            return self.stack
        # web.yaml.j2 is the stack `web`, as web.yaml is.
        name = self.template.name.removesuffix(".j2")
        return Path(name).stem if name != self.template.name else self.template.stem

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> StackOptions:
        config = kwargs.pop("config_path", None)
        return cls(
            template=Path(kwargs.pop("template")),
            stack=kwargs.pop("stack"),
            state_url=kwargs.pop("state_url"),
            workspace=kwargs.pop("workspace", None) or None,
            environment=kwargs.pop("environment", None) or None,
            config=Path(config) if config else None,
            os_cloud=kwargs.pop("os_cloud", None) or None,
        )


@dataclass(frozen=True)
class InputOptions:
    """Where parameter values and environments come from."""

    variables: tuple[str, ...]
    var_files: tuple[str, ...]
    env_files: tuple[str, ...]

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> InputOptions:
        return cls(
            variables=tuple(kwargs.pop("variables")),
            var_files=tuple(kwargs.pop("var_files")),
            env_files=tuple(kwargs.pop("env_files")),
        )


@dataclass(frozen=True)
class RunOptions:
    """How a run behaves: locking, parallelism, colour."""

    lock_timeout_s: float
    parallelism: int
    no_color: bool

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> RunOptions:
        return cls(
            lock_timeout_s=kwargs.pop("lock_timeout"),
            parallelism=kwargs.pop("parallelism"),
            no_color=kwargs.pop("no_color"),
        )


@dataclass(frozen=True)
class PlanOptions:
    """What to plan: destroy mode, refresh, targeting and forced replacement."""

    destroy: bool
    refresh: bool
    targets: tuple[str, ...]
    excludes: tuple[str, ...]
    replace: tuple[str, ...]
    # Terraform's -refresh-only: show (and with apply, record) what refresh found; no actions.
    refresh_only: bool = False

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any], *, destroy: bool | None = None) -> PlanOptions:
        planned_destroy = kwargs.pop("destroy", False)
        return cls(
            destroy=planned_destroy if destroy is None else destroy,
            refresh=kwargs.pop("refresh"),
            targets=tuple(kwargs.pop("targets")),
            excludes=tuple(kwargs.pop("excludes")),
            replace=tuple(kwargs.pop("replace")),
            refresh_only=kwargs.pop("refresh_only", False),
        )


def template_argument(func: F) -> F:
    return click.argument(
        "template", required=False, default=DEFAULT_TEMPLATE, type=click.Path(dir_okay=False)
    )(func)


stack_options = _compose(
    click.option(
        *flag_names("stack"),
        "stack",
        metavar="NAME",
        help="Stack name (default: the template file's name without extension).",
    ),
    click.option(
        *flag_names("state-url"),
        "state_url",
        envvar=STATE_URL_ENV,
        metavar="URL",
        help="State store URL (default: atonix.yaml's `state:`, else sqlite .atonix/state.db).",
    ),
    click.option(
        "-w",
        *flag_names("workspace"),
        "workspace",
        envvar=WORKSPACE_ENV,
        metavar="NAME",
        help=f"Workspace bound in atonix.yaml (default: ${WORKSPACE_ENV}, else the only one).",
    ),
    click.option(
        "-E",
        *flag_names("environment"),
        "environment",
        envvar=ENVIRONMENT_ENV,
        metavar="NAME",
        help=f"Environment of the workspace (default: ${ENVIRONMENT_ENV}, else the only one).",
    ),
    click.option(
        *flag_names("config"),
        "config_path",
        envvar=CONFIG_ENV,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="The project file (default: the nearest atonix.yaml up from the template).",
    ),
    click.option(
        *flag_names("os-cloud"),
        "os_cloud",
        metavar="NAME",
        help="The clouds.yaml entry, when atonix.yaml binds no cloud (default: $OS_CLOUD,"
        " else the OS_* variables).",
    ),
)

input_options = _compose(
    click.option(
        *flag_names("var"),
        "variables",
        multiple=True,
        metavar="NAME=VALUE",
        help="A parameter value; repeatable.",
    ),
    click.option(
        *flag_names("var-file"),
        "var_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A YAML/JSON file of parameter values; repeatable.",
    ),
    click.option(
        "-e",
        "--env-file",
        "-env-file",
        "env_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A Heat environment file; repeatable.",
    ),
)

run_options = _compose(
    click.option(
        *flag_names("lock-timeout"),
        "lock_timeout",
        type=DURATION,
        default="0s",
        show_default=True,
        help="How long to wait for the stack lock.",
    ),
    click.option(
        *flag_names("parallelism"),
        "parallelism",
        type=click.IntRange(min=1),
        default=10,
        show_default=True,
        help="Resources changed at once.",
    ),
    click.option(*flag_names("no-color"), "no_color", is_flag=True, help="Plain output."),
    click.option(
        *flag_names("lock"),
        type=click.BOOL,
        default=True,
        hidden=True,
        expose_value=False,
        callback=lambda ctx, param, value: _refuse_unlocked(value),
    ),
)


def _refuse_unlocked(value: bool) -> None:
    """Terraform's ``-lock=false`` runs without the state lock; atonix never does (two runs on
    one stack could create the same objects twice), so it says so instead of ignoring it."""
    if not value:
        raise click.BadParameter(
            "atonix always holds the stack's lock while it works; -lock=false is not"
            " supported (use -lock-timeout=DURATION to wait for another run)"
        )


def plan_options(*, with_destroy: bool) -> Callable[[F], F]:
    decorators: list[Callable[[F], F]] = []
    if with_destroy:
        decorators.append(
            click.option(*flag_names("destroy"), "destroy", is_flag=True, help="Plan to destroy.")
        )
        decorators.append(
            click.option(
                *flag_names("refresh-only"),
                "refresh_only",
                is_flag=True,
                help="Only show (apply: record in state) what changed outside atonix.",
            )
        )
    decorators += [
        click.option(
            *flag_names("refresh"),
            "refresh",
            type=click.BOOL,
            default=True,
            show_default=True,
            metavar="BOOL",
            help="Read every resource from the cloud first (-refresh=false to skip).",
        ),
        click.option(
            *flag_names("target"), "targets", multiple=True, metavar="ADDR", help="Only ADDR."
        ),
        click.option(
            *flag_names("exclude"),
            "excludes",
            multiple=True,
            metavar="ADDR",
            help="Everything but ADDR.",
        ),
        click.option(
            *flag_names("replace"),
            "replace",
            multiple=True,
            metavar="ADDR",
            help="Replace ADDR even if unchanged.",
        ),
    ]
    return _compose(*decorators)


ON_FAILURE_CHOICES = ("stop", "continue", "rollback")


def on_failure_option(func: F) -> F:
    """``-on-failure=stop|continue|rollback`` for apply and destroy."""
    return click.option(
        *flag_names("on-failure"),
        "on_failure",
        type=click.Choice(ON_FAILURE_CHOICES),
        default=None,
        help=(
            "When a step fails: stop (finish what is in flight, start nothing new), continue"
            " (apply all that does not depend on the failure) or rollback (then undo this"
            " run's work; not for destroy). Default: the environment's on_failure in"
            " atonix.yaml, else stop."
        ),
    )(func)
