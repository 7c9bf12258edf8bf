"""``atonix state``: inspect and repair the stack's state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from atonix_iac.apply import admin
from atonix_iac.errors import StateError, UsageError, suggest
from atonix_iac.state.model import State
from atonix_iac.state.transfer import state_to_document

from .options import StackOptions, flag_names, stack_options
from .read_commands import template_option
from .render import resource_text, state_text
from .session import as_json as as_json_text
from .session import open_session
from .state_history import diff_command, history_command, rollback_command
from .usage import TemplateAwareGroup


@click.group("state", cls=TemplateAwareGroup)
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
@click.argument("address", required=False)
@template_option
@stack_options
@click.option(
    *flag_names("serial"),
    "serial",
    type=int,
    metavar="N",
    help="The state as it was at serial N (see `state history`).",
)
@click.option(*flag_names("json"), "as_json", is_flag=True, help="The masked state document.")
def state_show(address: str | None, serial: int | None, as_json: bool, **kwargs: Any) -> None:
    """One resource as recorded in state, or the whole state (secrets masked)."""
    with open_session(_stack(kwargs)) as session:
        store = session.store
        state = store.load(session.key) if serial is None else store.state_at(session.key, serial)
        resource = None
        if address is not None:
            found = [r for r in state.resources.values() if r.address == address]
            if not found:
                # The store's "no such resource, did you mean" error, for this state.
                raise _missing_resource(state, address)
            resource = found[0]
    if as_json:
        document = state_to_document(state, include_secrets=False)
        if address is not None:
            document = next(r for r in document["resources"] if r["address"] == address)
        click.echo(as_json_text(document))
        return
    if resource is not None:
        click.echo(resource_text(resource))
        return
    if serial is not None:
        click.echo(f"# {session.key} at serial {state.serial} (lineage {state.lineage})\n")
    click.echo(state_text(state))


def _missing_resource(state: State, address: str) -> StateError:
    hint = suggest(address, [r.address for r in state.resources.values()])
    where = f"the state of {state.key} at serial {state.serial}"
    return StateError(f"no resource {address} in {where}" + (f"; {hint}" if hint else ""))


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
    click.echo(as_json_text(document))


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


state_group.add_command(history_command)
state_group.add_command(diff_command)
state_group.add_command(rollback_command)
