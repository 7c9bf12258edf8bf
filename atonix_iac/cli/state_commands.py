"""``atonix state``: inspect and repair the stack's state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from atonix_iac.apply import admin
from atonix_iac.errors import UsageError

from .options import StackOptions, flag_names, stack_options
from .read_commands import template_option
from .render import resource_text
from .session import as_json, open_session


@click.group("state")
def state_group() -> None:
    """Inspect and repair the stack's state."""


def _stack(kwargs: dict[str, Any]) -> StackOptions:
    return StackOptions.from_kwargs(kwargs)


@state_group.command("list")
@template_option
@stack_options
def state_list(**kwargs: Any) -> None:
    """Every resource address in state."""
    with open_session(_stack(kwargs)) as session:
        resources = list(session.store.iter_resources(session.key))
    for resource in sorted(resources, key=lambda r: (r.address, r.deposed or "")):
        suffix = f" (deposed {resource.deposed})" if resource.deposed else ""
        click.echo(resource.address + suffix)


@state_group.command("show")
@click.argument("address")
@template_option
@stack_options
def state_show(address: str, **kwargs: Any) -> None:
    """One resource as recorded in state (secrets masked)."""
    with open_session(_stack(kwargs)) as session:
        resource = session.store.get_resource(session.key, address)
    click.echo(resource_text(resource))


@state_group.command("rm")
@click.argument("addresses", nargs=-1, required=True, metavar="ADDRESS...")
@template_option
@stack_options
def state_rm(addresses: tuple[str, ...], **kwargs: Any) -> None:
    """Forget resources; the cloud objects stay."""
    with open_session(_stack(kwargs)) as session:
        for address in addresses:
            admin.forget_resource(session.store, session.key, address)
            click.echo(f"Removed {address}")
    click.echo(f"Successfully removed {len(addresses)} resource(s).")


@state_group.command("mv")
@click.argument("source")
@click.argument("destination")
@template_option
@stack_options
def state_mv(source: str, destination: str, **kwargs: Any) -> None:
    """Rename a resource (or a nested stack's resources) in state."""
    with open_session(_stack(kwargs)) as session:
        admin.move_resource(session.store, session.key, source, destination)
    click.echo(f'Move "{source}" to "{destination}"')
    click.echo("Successfully moved.")


@state_group.command("pull")
@template_option
@stack_options
@click.option(
    *flag_names("include-secrets"),
    "include_secrets",
    is_flag=True,
    help="Put secret values in the document (needed to push it back).",
)
def state_pull(include_secrets: bool, **kwargs: Any) -> None:
    """The state as a JSON document on stdout (secrets masked unless asked for)."""
    with open_session(_stack(kwargs)) as session:
        document = session.store.export_state(session.key, include_secrets=include_secrets)
    click.echo(as_json(document))


@state_group.command("push")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@template_option
@stack_options
@click.option(*flag_names("force"), "force", is_flag=True, help="Skip lineage/serial checks.")
def state_push(path: str, force: bool, **kwargs: Any) -> None:
    """Replace the state with a document from `state pull -include-secrets`."""
    document = _read_document(path)
    with open_session(_stack(kwargs)) as session:
        serial = admin.push_state(session.store, session.key, document, force=force)
    click.echo(f"State pushed (serial {serial}).")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _read_document(path: str) -> dict[str, Any]:
    """The JSON document at ``path``; UsageError (nothing written) when it is not one."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=_no_constant)
    except OSError as err:
        raise UsageError(f"{path}: cannot read it ({err.strerror or err})") from None
    except RecursionError:
        raise UsageError(f"{path}: not a JSON state document (nested too deeply)") from None
    except ValueError as err:  # bad JSON, or bytes that are not UTF-8
        raise UsageError(f"{path}: not a JSON state document ({err})") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path}: not a JSON state document")
    return document


@state_group.command("force-unlock")
@click.argument("lock_id", metavar="LOCK_ID")
@template_option
@stack_options
def state_force_unlock(lock_id: str, **kwargs: Any) -> None:
    """Break the stack's lock when its holder is gone."""
    with open_session(_stack(kwargs)) as session:
        info = admin.force_unlock(session.store, session.key, lock_id)
    click.echo(f"Lock {info.lock_id} ({info.operation} by {info.who}) released.")
