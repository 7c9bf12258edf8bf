"""``plan``/``apply --remote URL``: the template is loaded and checked here, the stack service
plans and applies it (``atonix serve``, Heat's API with plans first).

A saved remote plan (``-out``) is a small JSON file naming the service, the stack and the
service's plan id (for a stack not created yet: the request that creates it), written 0600."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from atonix_iac.errors import UsageError
from atonix_iac.state.files import write_private_file

from . import exitcodes
from .options import InputOptions, StackOptions
from .planning import ask_approval
from .project import resolve_project
from .session import load_stack_template, parameter_values

if TYPE_CHECKING:  # keystoneauth is imported only when a remote run needs it
    from .remote_client import StackService

REMOTE_ENV = "ATONIX_REMOTE"
SAVED_MARK = "atonix-remote-plan"
_SYMBOLS = {
    ("create",): ("+", "will be created"),
    ("update",): ("~", "will be updated in-place"),
    ("delete",): ("-", "will be destroyed"),
    ("delete", "create"): ("-/+", "must be replaced"),
    ("create", "delete"): ("+/-", "must be replaced"),
    ("read",): ("<=", "will be read"),
}


# Flags of a local plan the service's plans do not take (yet): refused, never ignored.
_LOCAL_ONLY = {
    "destroy": "-destroy",
    "targets": "-target",
    "excludes": "-exclude",
    "replace": "-replace",
    "refresh_only": "-refresh-only",
    "policies": "-policy",
    "json_events": "-json",
    "json_into": "-json-into",
}


def refuse_local_only(kwargs: dict[str, Any]) -> None:
    """A flag only a local run honours, given with ``--remote``: a usage error naming it."""
    given = [flag for name, flag in _LOCAL_ONLY.items() if kwargs.get(name)]
    if kwargs.get("refresh") is False:
        given.append("-refresh=false")
    if given:
        raise UsageError(
            f"{', '.join(given)} cannot be used with --remote yet (the stack service plans"
            " the whole stack); drop it, or run without --remote"
        )


@dataclass(frozen=True)
class RemotePlan:
    """A plan the service made (``plan_id``), or the create request of a new stack."""

    url: str
    stack: str
    workspace: str
    environment: str
    stack_id: str | None
    plan_id: str | None
    create_body: dict[str, Any] | None

    def to_json(self) -> str:
        return json.dumps({SAVED_MARK: 1, **self.__dict__}, indent=2, sort_keys=True)


def request_body(stack: StackOptions, inputs: InputOptions) -> dict[str, Any]:
    """Heat's create/update body as heatclient sends it: the template's text, the files it
    uses (``get_file`` targets, nested templates) and the environment files, by name."""
    template = load_stack_template(stack, inputs)  # located errors here, before any call
    loaded = dict(template.files)
    text = loaded.pop(template.source, None)
    if text is None:
        text = stack.template.read_text()
    # Keys as the root template writes the names (relative to its directory): what the
    # service looks up, as Heat does.
    root_dir = posixpath.dirname(template.source) or "."
    files = {posixpath.relpath(key, root_dir): content for key, content in loaded.items()}
    for name in inputs.env_files:
        files[name] = Path(name).read_text()
    body: dict[str, Any] = {"template": text, "files": files}
    if inputs.env_files:
        body["environment_files"] = list(inputs.env_files)
    values = parameter_values(inputs)
    if values:
        body["parameters"] = values
    return body


def connect_service(
    url: str, stack: StackOptions, workspace: str | None = None, environment: str | None = None
) -> tuple[StackService, str, str]:
    """The service, authenticated with the binding's cloud credentials (else ``OS_*``)."""
    from atonix_iac.providers.openstack.connect import CloudTarget
    from atonix_iac.providers.openstack.service_session import service_session

    from .remote_client import StackService

    binding = resolve_project(stack, workspace=workspace, environment=environment).binding
    target = CloudTarget.from_binding(binding) if binding.cloud else None
    return StackService(url, service_session(target)), binding.workspace, binding.environment


def render(document: dict[str, Any]) -> tuple[str, bool]:
    """The service's plan (Terraform's ``show -json``) as the local plan reads, and whether
    it changes anything."""
    lines: list[str] = []
    counts = {"add": 0, "change": 0, "destroy": 0}
    for change in document.get("resource_changes", []):
        actions = tuple(change.get("change", {}).get("actions", ["no-op"]))
        if actions == ("no-op",):
            continue
        symbol, words = _SYMBOLS.get(actions, ("~", f"will be {'/'.join(actions)}"))
        lines.append(f"  {symbol} {change['address']} ({change.get('type', '')}) {words}")
        counts["add"] += "create" in actions
        counts["change"] += actions == ("update",)
        counts["destroy"] += "delete" in actions
    outputs = [
        name
        for name, change in (document.get("output_changes") or {}).items()
        if tuple(change.get("actions", ["no-op"])) != ("no-op",)
    ]
    if not lines and not outputs:
        return "No changes. Your infrastructure matches the configuration.\n", False
    text = ""
    if lines:
        text += "atonix will perform the following actions:\n\n" + "\n".join(lines) + "\n\n"
    if outputs:
        text += "Changes to Outputs: " + ", ".join(sorted(outputs)) + "\n\n"
    text += (
        f"Plan: {counts['add']} to add, {counts['change']} to change,"
        f" {counts['destroy']} to destroy.\n"
    )
    return text, True


def make_remote_plan(
    url: str, stack: StackOptions, inputs: InputOptions
) -> tuple[RemotePlan, bool, StackService]:
    body = request_body(stack, inputs)
    service, workspace, environment = connect_service(url, stack)
    name = stack.stack_name
    stack_id = service.find_stack(name)
    if stack_id is None:
        document = service.preview(name, body)
        plan = RemotePlan(url, name, workspace, environment, None, None, body)
    else:
        document = service.plan(name, stack_id, body)
        plan_id = str(document.get("atonix", {}).get("plan_id", ""))
        plan = RemotePlan(url, name, workspace, environment, stack_id, plan_id, None)
    text, changes = render(document)
    click.echo(text, nl=False)
    return plan, changes, service


def remote_plan(
    url: str, stack: StackOptions, inputs: InputOptions, out: str | None, detailed: bool
) -> int:
    plan, changes, _ = make_remote_plan(url, stack, inputs)
    if out:
        try:
            write_private_file(Path(out), plan.to_json().encode())
        except OSError as exc:
            raise UsageError(f"cannot write the plan file {out}: {exc.strerror or exc}") from exc
        click.echo(f"\nSaved the plan to: {out}\n")
        click.echo(f"To perform exactly these actions, run:\n    atonix apply {out}")
    return exitcodes.for_plan(has_changes=changes, detailed=detailed)


def read_remote_plan(path: Path) -> RemotePlan | None:
    """The saved remote plan at ``path``; None when it is not one."""
    try:
        head = path.read_bytes()[:4096]
        if SAVED_MARK.encode() not in head:
            return None
        doc = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or doc.pop(SAVED_MARK, None) != 1:
        return None
    try:
        return RemotePlan(**doc)
    except TypeError:
        raise UsageError(f"{path}: not a readable remote plan (plan again)") from None


def remote_apply(
    url: str | None, stack: StackOptions, inputs: InputOptions, auto_approve: bool
) -> None:
    saved = read_remote_plan(stack.template) if stack.template.is_file() else None
    if saved is not None:
        if url and url.rstrip("/") != saved.url.rstrip("/"):
            raise UsageError(
                f"the plan was made by the stack service at {saved.url}, not {url}; plan again"
            )
        service = connect_service(saved.url, stack, saved.workspace, saved.environment)[0]
        plan = saved
    else:
        if not url:
            raise UsageError(f"--remote (or {REMOTE_ENV}) names no stack service")
        plan, changes, service = make_remote_plan(url, stack, inputs)
        if not changes:
            return
        ask_approval(destroying=False, auto_approve=auto_approve)
    stack_id = _start(service, plan)
    for line in service.follow(plan.stack, stack_id):
        click.echo(line)
    click.echo(f"\nApply complete: stack `{plan.stack}` ({stack_id}) on {plan.url}.")


def _start(service: StackService, plan: RemotePlan) -> str:
    if plan.stack_id is None:
        assert plan.create_body is not None  # a new stack's plan carries its request
        return service.create(plan.stack, plan.create_body)
    assert plan.plan_id is not None
    service.apply_plan(plan.stack, plan.stack_id, plan.plan_id)
    return plan.stack_id
