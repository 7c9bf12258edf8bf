"""Command-line mistakes as Terraform users make them, answered plainly.

click reads ``-auto-aprove`` as the short option ``-a`` followed by ``uto-aprove``, so its own
message names ``-a``; Terraform's single-dash long flags deserve the same "did you mean" as
double-dash ones. Boolean flags take ``=true`` / ``=false`` as Terraform's do. And a usage
error exits 1, like every other error: 2 means "changes present" to ``plan
-detailed-exitcode``, and a CI gate must never read a typo as changes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from . import exitcodes

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def option_names(command: click.Command) -> list[str]:
    """Every spelling of every visible option of ``command`` (``-var``, ``--var`` ...)."""
    names: list[str] = []
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            names += [*param.opts, *param.secondary_opts]
    return names


def normalize_args(command: click.Command, args: Sequence[str]) -> list[str]:
    """Terraform's ``-flag=true`` / ``-flag=false`` for boolean flags, as click spells them
    (the flag alone, or its ``--no-`` form; a false flag whose default is off is dropped)."""
    flags: dict[str, click.Option] = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.is_flag and not param.count:
            for name in param.opts:
                flags[name] = param
    out: list[str] = []
    for position, arg in enumerate(args):
        if arg == "--":
            out += args[position:]
            break
        name, equals, value = arg.partition("=")
        option = flags.get(name) if equals else None
        if option is None:
            out.append(arg)
            continue
        wanted = value.strip().lower()
        if wanted in _TRUE:
            out.append(name)
        elif wanted in _FALSE and option.secondary_opts:
            out.append(option.secondary_opts[0])
        elif wanted in _FALSE and not option.default:
            continue
        else:
            raise CommandLineError(f"{name} takes true or false, not {value!r}")
    return out


def suggestions(token: str, candidates: Iterable[str]) -> list[str]:
    """Close spellings of ``token`` (an option or command name), single- and double-dash
    forms compared alike; each suggestion in Terraform's single-dash spelling first."""
    by_bare: dict[str, str] = {}
    for name in candidates:
        bare = name.lstrip("-")
        if len(bare) > 1 and (bare not in by_bare or len(name) < len(by_bare[bare])):
            by_bare[bare] = name
    close = difflib.get_close_matches(token.lstrip("-").split("=")[0], by_bare, n=3, cutoff=0.6)
    return [by_bare[bare] for bare in close]


def explain_no_such_option(
    err: click.NoSuchOption, command: click.Command, args: Sequence[str]
) -> click.UsageError:
    """Name the whole token the user typed (``-auto-aprove``, not ``-a``) and what was
    probably meant."""
    known = set(option_names(command)) | {
        n for p in command.params if isinstance(p, click.Option) for n in p.opts
    }
    token = err.option_name
    for arg in args:
        if arg == "--":
            break
        head = arg.split("=", 1)[0]
        if arg.startswith(err.option_name) and head not in known and arg.startswith("-"):
            token = head
            break
    hint = suggestions(token, option_names(command))
    text = f"No such option: {token}"
    if hint:
        text += f" (did you mean {' or '.join(hint)}?)"
    elif err.ctx is not None:
        text += f"; see '{err.ctx.command_path} -help'"
    return usage_error(err, text)


class CommandLineError(click.UsageError):
    """A usage error that exits 1, as every atonix error does."""

    exit_code = int(exitcodes.ExitCode.ERROR)


def usage_error(err: click.UsageError, message: str | None = None) -> click.UsageError:
    """``err`` (or its text replaced by ``message``) as a CommandLineError."""
    if isinstance(err, CommandLineError) and message is None:
        return err
    return CommandLineError(message or err.format_message(), err.ctx)


# What a stack template's file name ends with (a .json file is more often a state document).
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".j2", ".template", ".hot")


def template_first(command: click.Command, args: Sequence[str]) -> list[str]:
    """``atonix output web.yaml url`` / ``atonix state list web.yaml``: commands whose
    positionals are output names or addresses take the template as ``-template FILE``; a
    first positional that is an existing template file is read as that, as the stack
    commands read it."""
    takes_template = any(
        isinstance(p, click.Option) and p.name == "template" for p in command.params
    )
    if not takes_template:
        return list(args)
    with_values = {
        name
        for p in command.params
        if isinstance(p, click.Option) and not p.is_flag
        for name in p.opts
    }
    skip = False
    for position, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "--":
            return list(args)
        if arg.startswith("-"):
            head = arg.split("=", 1)[0]
            if head in ("-template", "--template"):
                return list(args)  # named already
            skip = head in with_values and "=" not in arg
            continue
        if arg.endswith(TEMPLATE_SUFFIXES) and Path(arg).is_file():
            return [*args[:position], "-template", arg, *args[position + 1 :]]
        return list(args)
    return list(args)


class TemplateAwareGroup(click.Group):
    """A command group whose subcommands take the template first as well (``state``)."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            rest = template_first(command, normalize_args(command, rest))
        return name, command, rest
