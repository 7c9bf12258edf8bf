"""String functions: list_join, str_replace (+ _strict, _vstrict), str_split, digest, make_url,
and the CFN string functions of 2013-05-23 (Fn::Join, Fn::Replace, Fn::Split, Fn::Base64,
Fn::Select).

A secret going in (``Sensitive`` anywhere in the arguments) makes the result ``Sensitive``.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Final
from urllib.parse import quote, urlencode, urlunsplit

from atonix_iac.errors import SourceLocation, TemplateError, suggest
from atonix_iac.template.expr import ResolveContext
from atonix_iac.template.functions.base import (
    Function,
    Parser,
    conceal,
    describe,
    evaluate,
    item_loc,
    loc_of,
    needs_version,
    parse_items,
    resolve_arg,
    reveal,
    to_json,
)
from atonix_iac.template.values import UNKNOWN, contains_unknown

# --------------------------------------------------------------------------- list_join


class ListJoin(Function):
    """``list_join: [delimiter, list, list...]`` (one list before 2015-10-15, strings only)."""

    __slots__ = ("delimiter", "lists", "multi")

    def __init__(
        self,
        name: str,
        location: SourceLocation,
        args: Any,
        delimiter: Any,
        lists: list[Any],
        multi: bool,
    ) -> None:
        super().__init__(name, location, args)
        self.delimiter = delimiter
        self.lists = lists
        self.multi = multi

    def resolve(self, ctx: ResolveContext) -> Any:
        delimiter = resolve_arg(self.delimiter, ctx)
        lists = [resolve_arg(x, ctx) for x in self.lists]
        if delimiter is UNKNOWN or contains_unknown(lists):
            return UNKNOWN
        (delimiter, lists), sensitive = reveal((delimiter, lists))
        if not isinstance(delimiter, str):
            raise self.fail(
                f"the `{self.name}` delimiter must be a string, not {describe(delimiter)}"
            )
        items: list[Any] = []
        for value in lists:
            if self.multi and not value:
                continue
            if value is None:
                continue
            if not isinstance(value, list):
                raise self.fail(f"`{self.name}` joins lists, not {describe(value)}")
            items.extend(value)
        return conceal(delimiter.join([self._text(item) for item in items]), sensitive)

    def _text(self, item: Any) -> str:
        if item is None:
            return ""
        if isinstance(item, str):
            return item
        if self.multi and isinstance(item, dict | list):
            try:
                return to_json(item)
            except (TypeError, ValueError) as exc:
                raise self.fail(f"`{self.name}` cannot write an item as JSON: {exc}") from None
        kinds = "strings, maps or lists" if self.multi else "strings"
        hint = None
        if isinstance(item, dict | list):
            hint = "joining maps and lists (as JSON) needs heat_template_version 2015-10-15"
        elif isinstance(item, int | float):
            hint = "quote the number to join it as text"
        raise self.fail(f"`{self.name}` joins {kinds}, not {describe(item)}", hint)


def parse_list_join(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    multi = name == "list_join" and p.supports("list_join_multiple")
    aloc = loc_of(args, loc)
    form = "[delimiter, list, list, ...]" if multi else "[delimiter, list]"
    example = f"e.g. `{name}: [', ', [a, b]]`"
    if not isinstance(args, list):
        return p.invalid(
            name, aloc, args, f"`{name}` takes a list {form}, not {describe(args)}", example
        )
    if len(args) < 2:
        return p.invalid(name, aloc, args, f"`{name}` takes a list {form}", example)
    if len(args) > 2 and not multi:
        if name == "list_join":
            return p.invalid(
                name,
                aloc,
                args,
                needs_version("`list_join` with several lists", "2015-10-15", p.version),
            )
        return p.invalid(name, aloc, args, f"`{name}` takes a list {form}", example)
    parsed = parse_items(p, args, aloc)
    delimiter = parsed[0]
    if not isinstance(delimiter, str | Function):
        return p.invalid(
            name,
            item_loc(args, 0, aloc),
            args,
            f"the `{name}` delimiter must be a string, not {describe(delimiter)}",
        )
    for i, value in enumerate(parsed[1:], start=1):
        if not isinstance(value, list | Function) and value is not None:
            return p.invalid(
                name,
                item_loc(args, i, aloc),
                args,
                f"`{name}` joins lists, not {describe(value)}",
                example,
            )
    return ListJoin(name, loc, parsed, delimiter, parsed[1:], multi)


# --------------------------------------------------------------------------- str_replace


class StrReplace(Function):
    """``str_replace: {template, params}`` and its strict variants; ``Fn::Replace``.

    Every key is replaced in one pass: the template is split on the longest key first (ties in
    lexicographic order), so substituted text is never scanned again (Heat's ``Replace``).
    """

    __slots__ = ("template", "params", "json", "strict", "allow_empty")

    def __init__(
        self,
        name: str,
        location: SourceLocation,
        args: Any,
        template: Any,
        params: Any,
        *,
        json_values: bool,
        strict: bool,
        allow_empty: bool,
    ) -> None:
        super().__init__(name, location, args)
        self.template = template
        self.params = params
        self.json = json_values
        self.strict = strict
        self.allow_empty = allow_empty

    def resolve(self, ctx: ResolveContext) -> Any:
        template = resolve_arg(self.template, ctx)
        params = resolve_arg(self.params, ctx)
        if template is UNKNOWN or params is UNKNOWN:
            return UNKNOWN
        (template, params), sensitive = reveal((template, params))
        if not isinstance(template, str):
            raise self.fail(
                f"the `{self.name}` template must be a string, not {describe(template)}"
            )
        if not isinstance(params, dict):
            raise self.fail(f"the `{self.name}` params must be a map, not {describe(params)}")
        for key in params:
            if not isinstance(key, str) or not key:
                raise self.fail(
                    f"`{self.name}` param placeholders must be non-empty strings, not {key!r}"
                )
        for key, value in params.items():
            if key in template and contains_unknown(value):
                return UNKNOWN
        keys = sorted(sorted(params), key=len, reverse=True)
        values = [self.replacement(key, params[key]) for key in keys]
        result, found = replace_all(template, keys, values)
        if self.strict and len(found) != len(keys):
            missing = [k for k in keys if k not in found]
            raise self.fail(
                f"`{self.name}`: these params do not occur in the template: "
                + ", ".join(f"`{k}`" for k in missing)
            )
        return conceal(result, sensitive)

    def replacement(self, key: str, value: Any) -> str:
        if value is UNKNOWN:  # only for a key the template does not contain
            return ""
        if value is None:
            if not self.allow_empty:
                raise self.fail(f"`{self.name}` param `{key}` has no value (null)")
            return ""
        if isinstance(value, str | int | float):
            text = str(value)
        elif self.json and isinstance(value, dict | list):
            if not self.allow_empty and not value:
                raise self.fail(f"`{self.name}` param `{key}` is empty")
            try:
                text = to_json(value)
            except (TypeError, ValueError) as exc:
                raise self.fail(
                    f"`{self.name}` cannot write param `{key}` as JSON: {exc}"
                ) from None
        else:
            kinds = "strings, numbers, lists or maps" if self.json else "strings or numbers"
            hint = None
            if isinstance(value, dict | list):
                hint = "list and map params (written as JSON) need heat_template_version 2015-10-15"
            raise self.fail(
                f"`{self.name}` params must be {kinds}; param `{key}` is {describe(value)}", hint
            )
        if not self.allow_empty and not text:
            raise self.fail(f"`{self.name}` param `{key}` is empty")
        return text


def replace_all(template: str, keys: list[str], values: list[str]) -> tuple[str, set[str]]:
    """Heat's one-pass replacement: split on each key in order; values are never rescanned.

    Returns the text and the keys that occurred.
    """
    # segments alternate: (True, text still to scan) / (False, substituted text)
    segments: list[tuple[bool, str]] = [(True, template)]
    found: set[str] = set()
    for key, value in zip(keys, values, strict=True):
        if not any(raw and key in text for raw, text in segments):
            continue
        found.add(key)
        new: list[tuple[bool, str]] = []
        for raw, text in segments:
            if raw and key in text:
                parts = text.split(key)
                new.append((True, parts[0]))
                for part in parts[1:]:
                    new.append((False, value))
                    new.append((True, part))
            else:
                new.append((raw, text))
        segments = new
    return "".join(text for _, text in segments), found


def parse_str_replace(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    strict = name in ("str_replace_strict", "str_replace_vstrict")
    allow_empty = name != "str_replace_vstrict"
    json_values = name != "Fn::Replace" and p.supports("str_replace_json")
    if name == "Fn::Replace":
        example = f"e.g. `{name}: [{{'$var': value}}, 'text with $var']`"
        if not isinstance(args, list) or len(args) != 2:
            return p.invalid(
                name,
                aloc,
                args,
                f"`{name}` takes a list [params, template], not {describe(args)}",
                example,
            )
        params_node, template_node = args[0], args[1]
        ploc, tloc = item_loc(args, 0, aloc), item_loc(args, 1, aloc)
        params = p.value(params_node, ploc)
        template = p.value(template_node, tloc)
        parsed: Any = [params, template]
    else:
        example = f"e.g. `{name}: {{template: 'Hello NAME', params: {{NAME: world}}}}`"
        if not isinstance(args, dict):
            return p.invalid(
                name,
                aloc,
                args,
                f"`{name}` takes a map with `template` and `params`, not {describe(args)}",
                example,
            )
        missing = [k for k in ("template", "params") if k not in args]
        if missing:
            return p.invalid(
                name,
                aloc,
                args,
                f"`{name}` needs " + " and ".join(f"`{k}`" for k in missing),
                example,
            )
        extra = sorted(str(k) for k in args if k not in ("template", "params"))
        if extra:
            p.warning(
                item_loc(args, next(k for k in args if k not in ("template", "params")), aloc),
                f"`{name}` ignores " + ", ".join(f"`{k}`" for k in extra),
                suggest(extra[0], ["template", "params"]),
            )
        tloc, ploc = item_loc(args, "template", aloc), item_loc(args, "params", aloc)
        template = p.value(args["template"], tloc)
        params = p.value(args["params"], ploc)
        parsed = {"template": template, "params": params}
    if not isinstance(template, str | Function):
        return p.invalid(
            name, tloc, args, f"the `{name}` template must be a string, not {describe(template)}"
        )
    if not isinstance(params, dict | Function):
        return p.invalid(
            name, ploc, args, f"the `{name}` params must be a map, not {describe(params)}"
        )
    fn = StrReplace(
        name,
        loc,
        parsed,
        template,
        params,
        json_values=json_values,
        strict=strict,
        allow_empty=allow_empty,
    )
    if isinstance(params, dict):
        for key, value in params.items():
            kloc = item_loc(params, key, ploc)
            if not isinstance(key, str) or not key:
                return p.invalid(
                    name,
                    kloc,
                    args,
                    f"`{name}` param placeholders must be non-empty strings, not {key!r}",
                )
            if isinstance(value, Function):
                continue
            try:
                fn.replacement(str(key), value)
            except TemplateError as exc:
                first = exc.diagnostics[0]
                return p.invalid(name, kloc, args, first.message, first.hint)
        if strict and isinstance(template, str):
            missing = [str(k) for k in params if isinstance(k, str) and k not in template]
            if missing:
                return p.invalid(
                    name,
                    item_loc(params, missing[0], ploc),
                    args,
                    f"`{name}`: these params do not occur in the template: "
                    + ", ".join(f"`{k}`" for k in missing),
                )
    return fn


# --------------------------------------------------------------------------- str_split


class StrSplit(Function):
    """``str_split: [delimiter, string, (index)]``; ``Fn::Split: [delimiter, string]``."""

    __slots__ = ("delimiter", "string", "index")

    def __init__(
        self,
        name: str,
        location: SourceLocation,
        args: Any,
        delimiter: Any,
        string: Any,
        index: Any,
    ) -> None:
        super().__init__(name, location, args)
        self.delimiter = delimiter
        self.string = string
        self.index = index  # None = the whole list

    def resolve(self, ctx: ResolveContext) -> Any:
        delimiter = resolve_arg(self.delimiter, ctx)
        string = resolve_arg(self.string, ctx)
        index = resolve_arg(self.index, ctx) if self.index is not None else None
        if contains_unknown((delimiter, string, index)):
            return UNKNOWN
        (delimiter, string, index), sensitive = reveal((delimiter, string, index))
        if string is None and self.name == "str_split":
            return None
        if not isinstance(delimiter, str) or not delimiter:
            raise self.fail(
                f"the `{self.name}` delimiter must be a non-empty string, not {describe(delimiter)}"
            )
        if not isinstance(string, str):
            raise self.fail(f"`{self.name}` splits a string, not {describe(string)}")
        parts = string.split(delimiter)
        if self.index is None:
            return conceal(parts, sensitive)
        if isinstance(index, bool) or not isinstance(index, int | str | float):
            raise self.fail(f"the `{self.name}` index must be an integer, not {describe(index)}")
        try:
            position = int(index)
        except (ValueError, OverflowError):
            raise self.fail(
                f"the `{self.name}` index must be an integer, not {describe(index)}"
            ) from None
        if not -len(parts) <= position < len(parts):
            raise self.fail(
                f"`{self.name}` index {position} is out of range: the string splits into "
                f"{len(parts)} part{'s' if len(parts) != 1 else ''} (0 to {len(parts) - 1})"
            )
        return conceal(parts[position], sensitive)


def parse_str_split(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    cfn = name == "Fn::Split"
    form = "[delimiter, string]" if cfn else "[delimiter, string, (index)]"
    example = f"e.g. `{name}: [',', 'a,b,c']`"
    if not isinstance(args, list) or not (2 <= len(args) <= (2 if cfn else 3)):
        return p.invalid(
            name, aloc, args, f"`{name}` takes a list {form}, not {describe(args)}", example
        )
    parsed = parse_items(p, args, aloc)
    delimiter = parsed[0]
    if cfn and not isinstance(delimiter, str):
        return p.invalid(
            name,
            item_loc(args, 0, aloc),
            args,
            f"the `{name}` delimiter must be a string, not {describe(delimiter)}",
        )
    if not isinstance(delimiter, str | Function) or delimiter == "":
        return p.invalid(
            name,
            item_loc(args, 0, aloc),
            args,
            f"the `{name}` delimiter must be a non-empty string, not {describe(delimiter)}",
        )
    string = parsed[1]
    if not isinstance(string, str | Function) and not (string is None and not cfn):
        return p.invalid(
            name, item_loc(args, 1, aloc), args, f"`{name}` splits a string, not {describe(string)}"
        )
    index = parsed[2] if len(parsed) > 2 else None
    if len(parsed) > 2:
        bad = isinstance(index, bool) or not isinstance(index, int | str | Function)
        if isinstance(index, str):
            try:
                int(index)
            except ValueError:
                bad = True
        if bad:
            return p.invalid(
                name,
                item_loc(args, 2, aloc),
                args,
                f"the `{name}` index must be an integer, not {describe(index)}",
            )
    return StrSplit(name, loc, parsed, delimiter, string, index)


# --------------------------------------------------------------------------- digest


class Digest(Function):
    """``digest: [algorithm, value]``: the hex digest (hashlib names; value hashed as Latin-1)."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        args = resolve_arg(self.args, ctx)
        if contains_unknown(args):
            return UNKNOWN
        args, sensitive = reveal(args)
        if not isinstance(args, list) or len(args) != 2:
            raise self.fail(f"`{self.name}` takes a list [algorithm, value], not {describe(args)}")
        algorithm, value = args
        if not isinstance(algorithm, str) or not isinstance(value, str):
            raise self.fail(f"`{self.name}` takes two strings: [algorithm, value]")
        return conceal(_digest(self, algorithm, value), sensitive)


_SHAKE: Final = frozenset({"shake_128", "shake_256"})


def _digest(fn: Function, algorithm: str, value: str) -> str:
    import hashlib  # here: loading OpenSSL is for templates that use `digest`

    name = algorithm.lower()
    if name not in hashlib.algorithms_available or name in _SHAKE:
        raise fn.fail(f"unknown `{fn.name}` algorithm `{algorithm}`", _algorithm_hint(name))
    try:
        data = value.encode("latin-1")
    except UnicodeEncodeError:
        raise fn.fail(
            f"`{fn.name}` hashes its value as Latin-1, and the value has other characters"
        ) from None
    try:
        h = hashlib.new(name)
    except ValueError:
        raise fn.fail(f"the `{fn.name}` algorithm `{algorithm}` is not available here") from None
    h.update(data)
    return h.hexdigest()


def _algorithm_hint(name: str) -> str:
    import hashlib

    usable = sorted(a for a in hashlib.algorithms_available if a not in _SHAKE)
    return suggest(name, usable) or "e.g. md5, sha1, sha256, sha512"


def parse_digest(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if isinstance(args, dict):
        parsed = p.value(args, aloc)
        if isinstance(parsed, Function):
            return Digest(name, loc, parsed)
    if not isinstance(args, list) or len(args) != 2:
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a list [algorithm, value], not {describe(args)}",
            "e.g. `digest: [sha256, {get_param: text}]`",
        )
    parsed = parse_items(p, args, aloc)
    for i, item in enumerate(parsed):
        if not isinstance(item, str | Function):
            return p.invalid(
                name,
                item_loc(args, i, aloc),
                args,
                f"`{name}` takes two strings, not {describe(item)}",
            )
    algorithm = parsed[0]
    if isinstance(algorithm, str):
        import hashlib

        lowered = algorithm.lower()
        if lowered not in hashlib.algorithms_available or lowered in _SHAKE:
            return p.invalid(
                name,
                item_loc(args, 0, aloc),
                args,
                f"unknown `{name}` algorithm `{algorithm}`",
                _algorithm_hint(lowered),
            )
    return Digest(name, loc, parsed)


# --------------------------------------------------------------------------- make_url

_URL_KEYS: Final = ("scheme", "username", "password", "host", "port", "path", "query", "fragment")


class MakeURL(Function):
    """``make_url: {scheme, username, password, host, port, path, query, fragment}``."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        args = evaluate(self.args, ctx)
        if contains_unknown(args):
            return UNKNOWN
        args, sensitive = reveal(args)
        if not isinstance(args, dict):
            raise self.fail(f"`{self.name}` takes a map, not {describe(args)}")
        problem = _check_url_args(self.name, args)
        if problem is not None:
            raise self.fail(problem)
        scheme = args.get("scheme", "")
        if ":" in scheme:
            raise self.fail(f"the `{self.name}` scheme must not contain ':' (got {scheme!r})")
        return conceal(_make_url(args), sensitive)


def _check_url_args(name: str, args: dict[Any, Any]) -> str | None:
    for key in _URL_KEYS:
        if key not in args:
            continue
        value = args[key]
        if key == "query":
            if not isinstance(value, dict):
                return f"the `query` argument to `{name}` must be a map, not {describe(value)}"
        elif key == "port":
            if isinstance(value, bool) or not isinstance(value, int | str):
                return f"invalid `{name}` port: {describe(value)}"
            try:
                port = int(value)
            except ValueError:
                return f"invalid `{name}` port {value!r}: not a number"
            if not 0 < port <= 65535:
                return f"invalid `{name}` port {port}: must be in range 1-65535"
        elif not isinstance(value, str):
            return f"the `{key}` argument to `{name}` must be a string, not {describe(value)}"
    return None


def _make_url(args: dict[str, Any]) -> str:
    netloc: list[str] = []
    username = quote(args.get("username", ""), safe="")
    password = quote(args.get("password", ""), safe="")
    if username or password:
        netloc.append(username)
        if password:
            netloc.append(":")
            netloc.append(password)
        netloc.append("@")
    host = args.get("host", "")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = quote(host, safe=":")
    if ":" in host:
        host = f"[{host}]"
    netloc.append(host)
    port = args.get("port", "")
    if port:
        netloc.append(":")
        netloc.append(str(port))
    path = quote(args.get("path", ""))
    query = urlencode(args.get("query", {})).replace("%2F", "/")
    fragment = quote(args.get("fragment", ""))
    return str(urlunsplit((args.get("scheme", ""), "".join(netloc), path, query, fragment)))


def parse_make_url(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, dict):
        return p.invalid(
            name,
            aloc,
            args,
            f"`{name}` takes a map with keys from {', '.join(_URL_KEYS)}, not {describe(args)}",
        )
    invalid = [k for k in args if k not in _URL_KEYS]
    if invalid:
        first = invalid[0]
        return p.invalid(
            name,
            item_loc(args, first, aloc),
            args,
            f"invalid `{name}` argument(s): " + ", ".join(f"`{k}`" for k in invalid),
            suggest(str(first), _URL_KEYS) or f"the arguments are {', '.join(_URL_KEYS)}",
        )
    parsed = p.value(args, aloc)
    if "query" in parsed and not isinstance(parsed["query"], dict | Function):
        return p.invalid(
            name,
            item_loc(args, "query", aloc),
            args,
            f"the `query` argument to `{name}` must be a map, not {describe(parsed['query'])}",
        )
    static = {k: v for k, v in parsed.items() if k != "query" and not isinstance(v, Function)}
    problem = _check_url_args(name, static)
    if problem is not None:
        return p.invalid(name, aloc, args, problem)
    return MakeURL(name, loc, parsed)


# --------------------------------------------------------------------------- Fn::Base64


class Base64(Function):
    """``Fn::Base64: string`` (2013-05-23): the string itself, as in Heat (no encoding)."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        value = resolve_arg(self.args, ctx)
        if value is UNKNOWN:
            return UNKNOWN
        plain, _ = reveal(value)
        if not isinstance(plain, str):
            raise self.fail(f"`{self.name}` takes a string, not {describe(plain)}")
        return value


def parse_base64(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    parsed = p.value(args, loc_of(args, loc))
    if not isinstance(parsed, str | Function):
        return p.invalid(
            name, loc_of(args, loc), args, f"`{name}` takes a string, not {describe(parsed)}"
        )
    return Base64(name, loc, parsed)


# --------------------------------------------------------------------------- Fn::Select


class Select(Function):
    """``Fn::Select: [index, list or map]`` (2013-05-23 to 2015-04-30); a miss gives ''."""

    __slots__ = ()

    def resolve(self, ctx: ResolveContext) -> Any:
        index, collection = (resolve_arg(a, ctx) for a in self.args)
        if contains_unknown(index) or contains_unknown(collection):
            return UNKNOWN
        (index, collection), sensitive = reveal((index, collection))
        if collection == "":
            return ""
        if isinstance(collection, str):
            try:
                collection = json.loads(collection)
            except (ValueError, RecursionError) as exc:
                raise self.fail(
                    f"`{self.name}`: the string to select from is not JSON: {exc}"
                ) from None
        if isinstance(collection, dict):
            if not isinstance(index, str):
                raise self.fail(
                    f"the `{self.name}` index into a map must be a string, not {describe(index)}"
                )
            return conceal(collection.get(index, ""), sensitive)
        if isinstance(index, str | float):
            with contextlib.suppress(ValueError, OverflowError):
                index = int(index)
        if isinstance(collection, list):
            if not isinstance(index, int):
                raise self.fail(
                    f"the `{self.name}` index into a list must be an integer, not {describe(index)}"
                )
            if not -len(collection) <= index < len(collection):
                return ""
            return conceal(collection[index], sensitive)
        if collection is None:
            return ""
        raise self.fail(f"`{self.name}` selects from a list or a map, not {describe(collection)}")


def parse_select(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    aloc = loc_of(args, loc)
    if not isinstance(args, list) or len(args) != 2:
        return p.invalid(
            name, aloc, args, f"`{name}` takes a list [index, list or map], not {describe(args)}"
        )
    return Select(name, loc, parse_items(p, args, aloc))


__all__ = [
    "Base64",
    "Digest",
    "ListJoin",
    "MakeURL",
    "Select",
    "StrReplace",
    "StrSplit",
    "parse_base64",
    "parse_digest",
    "parse_list_join",
    "parse_make_url",
    "parse_select",
    "parse_str_replace",
    "parse_str_split",
    "replace_all",
]
