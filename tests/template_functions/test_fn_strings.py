"""list_join, str_replace (+ strict variants), str_split, digest, make_url, CFN string
functions."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from atonix_iac.errors import SourceLocation
from atonix_iac.template.values import UNKNOWN, Sensitive
from tests.template_functions.fn_helpers import (
    ev,
    ev_error,
    parse,
    parse_error,
    parse_ok,
)

# ---------------------------------------------------------------- list_join


@pytest.mark.parametrize(
    ("text", "params", "expected"),
    [
        ("{list_join: [',', [a, b, c]]}", {}, "a,b,c"),
        ("{list_join: ['', []]}", {}, ""),
        ("{list_join: [', ', [a, null, c]]}", {}, "a, , c"),
        ("{list_join: [',', [a], [b, c], null, []]}", {}, "a,b,c"),
        ("{list_join: ['-', {get_param: l}]}", {"l": ["x", "y"]}, "x-y"),
        ("{list_join: ['-', [{a: 1, b: [2]}, [1, x]]]}", {}, '{"a": 1, "b": [2]}-[1, "x"]'),
        ("{list_join: ['-', [{b: 1, a: 2}]]}", {}, '{"a": 2, "b": 1}'),  # sorted keys
        ("{list_join: [{get_param: d}, [a, b]]}", {"d": "/"}, "a/b"),
    ],
)
def test_list_join(text: str, params: dict[str, Any], expected: str) -> None:
    assert ev(text, params) == expected


def test_list_join_2013_joins_one_list_of_strings() -> None:
    assert ev("{list_join: [',', [a, b]]}", version="2013-05-23") == "a,b"
    d = parse_error("v: {list_join: [',', [a], [b]]}", "2015-04-30")
    assert d.message == (
        "`list_join` with several lists needs heat_template_version 2015-10-15 or later "
        "(this template is 2015-04-30)"
    )
    assert d.location == SourceLocation("t.yaml", 1, 16)
    e = ev_error("{list_join: [',', [a, [b]]]}", version="2015-04-30")
    assert e.message == "`list_join` joins strings, not a list"
    assert e.hint == "joining maps and lists (as JSON) needs heat_template_version 2015-10-15"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{list_join: [',', [1, 2]]}",
            "`list_join` joins strings, maps or lists, not the number 1",
        ),
        (
            "{list_join: [',', [true]]}",
            "`list_join` joins strings, maps or lists, not the boolean true",
        ),
        (
            "{list_join: [{get_param: n}, [a]]}",
            "the `list_join` delimiter must be a string, not the number 3",
        ),
        ("{list_join: [',', {get_param: s}]}", "`list_join` joins lists, not the string 'abc'"),
    ],
)
def test_list_join_runtime_errors(text: str, message: str) -> None:
    assert ev_error(text, {"n": 3, "s": "abc"}).message == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{list_join: ','}",
            "`list_join` takes a list [delimiter, list, list, ...], not the string ','",
        ),
        ("{list_join: [',']}", "`list_join` takes a list [delimiter, list, list, ...]"),
        ("{list_join: [3, [a]]}", "the `list_join` delimiter must be a string, not the number 3"),
        ("{list_join: [',', abc]}", "`list_join` joins lists, not the string 'abc'"),
    ],
)
def test_list_join_argument_errors(text: str, message: str) -> None:
    assert parse_error(text).message == message


def test_list_join_unknown_and_sensitive() -> None:
    assert ev("{list_join: [',', [a, {get_attr: [s, ip]}]]}") is UNKNOWN
    secret = ev("{list_join: [':', [user, {get_param: pw}]]}", {"pw": Sensitive("hunter2")})
    assert isinstance(secret, Sensitive)
    assert secret.value == "user:hunter2"
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret)


# ---------------------------------------------------------------- str_replace


@pytest.mark.parametrize(
    ("params", "template", "expected"),
    [
        ({"$a": "1"}, "x$ay$a", "x1y1"),
        # longest key first: $ab is replaced before $a
        ({"$a": "A", "$ab": "AB"}, "$ab $a", "AB A"),
        # one pass: a substituted value is never scanned again
        ({"$a": "$b", "$b": "B"}, "$a $b", "$b B"),
        # equal length: lexicographic order decides
        ({"bc": "2", "ab": "1"}, "abc", "1c"),
        ({"x": None}, "axb", "ab"),
        ({"n": 3, "f": 1.5, "t": True}, "n f t", "3 1.5 True"),
        ({"L": [1, "a"], "M": {"b": 1, "a": None}}, "L M", '[1, "a"] {"a": null, "b": 1}'),
        ({"unused": "z"}, "same", "same"),
    ],
)
def test_str_replace(params: dict[str, Any], template: str, expected: str) -> None:
    value = ev(
        "{str_replace: {template: {get_param: t}, params: {get_param: p}}}",
        {"t": template, "p": params},
    )
    assert value == expected


def test_str_replace_with_functions_inside() -> None:
    text = """
    str_replace:
      template: |
        #!/bin/sh
        echo $NAME in $REGION
      params:
        $NAME: {get_param: name}
        $REGION: {get_param: 'OS::region'}
    """
    assert ev(text, {"name": "web"}) == "#!/bin/sh\necho web in RegionOne\n"


def test_str_replace_2013_refuses_lists_and_maps() -> None:
    d = parse_error("{str_replace: {template: x, params: {x: [1]}}}", "2015-04-30")
    assert d.message == ("`str_replace` params must be strings or numbers; param `x` is a list")
    assert d.hint == "list and map params (written as JSON) need heat_template_version 2015-10-15"
    e = ev_error(
        "{str_replace: {template: x, params: {x: {get_param: l}}}}", {"l": [1]}, "2015-04-30"
    )
    assert e.message == d.message


def test_str_replace_strict_params_must_occur() -> None:
    assert ev("{str_replace_strict: {template: 'a $x', params: {$x: 1}}}") == "a 1"
    d = parse_error("v:\n  str_replace_strict: {template: 'a $x', params: {$x: 1, $y: 2}}\n")
    assert d.message == "`str_replace_strict`: these params do not occur in the template: `$y`"
    assert d.location == SourceLocation("t.yaml", 2, 58)
    e = ev_error(
        "{str_replace_strict: {template: {get_param: t}, params: {$x: 1, $yy: 2}}}", {"t": "none"}
    )
    assert e.message == (
        "`str_replace_strict`: these params do not occur in the template: `$yy`, `$x`"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("null", "`str_replace_vstrict` param `$x` has no value (null)"),
        ("''", "`str_replace_vstrict` param `$x` is empty"),
        ("[]", "`str_replace_vstrict` param `$x` is empty"),
        ("{}", "`str_replace_vstrict` param `$x` is empty"),
    ],
)
def test_str_replace_vstrict_refuses_empty_values(value: str, message: str) -> None:
    assert (
        parse_error(
            f"{{str_replace_vstrict: {{template: 'a $x', params: {{$x: {value}}}}}}}"
        ).message
        == message
    )
    e = ev_error(
        "{str_replace_vstrict: {template: 'a $x', params: {$x: {get_param: v}}}}",
        {"v": {"null": None, "''": "", "[]": [], "{}": {}}[value]},
    )
    assert e.message == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{str_replace: [a, b]}",
            "`str_replace` takes a map with `template` and `params`, not a list",
        ),
        ("{str_replace: {template: a}}", "`str_replace` needs `params`"),
        ("{str_replace: {params: {}, x: 1}}", "`str_replace` needs `template`"),
        (
            "{str_replace: {template: [a], params: {}}}",
            "the `str_replace` template must be a string, not a list",
        ),
        (
            "{str_replace: {template: a, params: [a]}}",
            "the `str_replace` params must be a map, not a list",
        ),
        (
            "{str_replace: {template: a, params: {1: a}}}",
            "`str_replace` param placeholders must be non-empty strings, not 1",
        ),
        (
            "{str_replace: {template: a, params: {'': a}}}",
            "`str_replace` param placeholders must be non-empty strings, not ''",
        ),
    ],
)
def test_str_replace_argument_errors(text: str, message: str) -> None:
    assert parse_error(text).message == message


def test_str_replace_ignored_key_is_a_warning() -> None:
    _, diagnostics = parse("{str_replace: {template: a, params: {}, parms: {}}}")
    (d,) = diagnostics
    assert d.severity.value == "warning"
    assert d.message == "`str_replace` ignores `parms`"
    assert d.hint == "did you mean `params`?"


def test_str_replace_runtime_errors() -> None:
    e = ev_error("{str_replace: {template: {get_param: t}, params: {}}}", {"t": 5})
    assert e.message == "the `str_replace` template must be a string, not the number 5"
    e = ev_error("{str_replace: {template: a, params: {get_param: p}}}", {"p": "x"})
    assert e.message == "the `str_replace` params must be a map, not the string 'x'"


def test_str_replace_unknown_and_sensitive() -> None:
    unknown = "{str_replace: {template: 'ip=$ip', params: {$ip: {get_attr: [s, ip]}}}}"
    assert ev(unknown) is UNKNOWN
    # an unknown value for a key the template lacks does not matter
    assert ev("{str_replace: {template: 'x', params: {$ip: {get_attr: [s, ip]}}}}") == "x"
    secret = ev(
        "{str_replace: {template: 'pw=$pw', params: {$pw: {get_param: pw}}}}",
        {"pw": Sensitive("hunter2")},
    )
    assert isinstance(secret, Sensitive)
    assert secret.value == "pw=hunter2"


# ---------------------------------------------------------------- str_split


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{str_split: [',', 'a,b,c']}", ["a", "b", "c"]),
        ("{str_split: [',', 'a,b,c', 1]}", "b"),
        ("{str_split: [',', 'a,b,c', '2']}", "c"),
        ("{str_split: [',', 'a,b,c', -1]}", "c"),
        ("{str_split: [',', '']}", [""]),
        ("{str_split: [',', null]}", None),
        ("{str_split: ['::', 'a::b']}", ["a", "b"]),
    ],
)
def test_str_split(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_str_split_errors() -> None:
    e = ev_error("{str_split: [',', 'a,b', 2]}")
    assert e.message == (
        "`str_split` index 2 is out of range: the string splits into 2 parts (0 to 1)"
    )
    e = ev_error("{str_split: [',', {get_param: l}]}", {"l": ["a"]})
    assert e.message == "`str_split` splits a string, not a list"
    for text, message in [
        (
            "{str_split: ','}",
            "`str_split` takes a list [delimiter, string, (index)], not the string ','",
        ),
        (
            "{str_split: [',', a, 1, 2]}",
            "`str_split` takes a list [delimiter, string, (index)], not a list",
        ),
        (
            "{str_split: ['', abc]}",
            "the `str_split` delimiter must be a non-empty string, not the string ''",
        ),
        (
            "{str_split: [',', a, x]}",
            "the `str_split` index must be an integer, not the string 'x'",
        ),
        ("{str_split: [',', [a]]}", "`str_split` splits a string, not a list"),
    ]:
        assert parse_error(text).message == message


def test_str_split_sensitive_and_unknown() -> None:
    secret = ev("{str_split: [':', {get_param: c}, 1]}", {"c": Sensitive("user:pw")})
    assert isinstance(secret, Sensitive) and secret.value == "pw"
    assert ev("{str_split: [':', {get_attr: [s, a]}]}") is UNKNOWN


# ---------------------------------------------------------------- digest


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512", "SHA256"])
def test_digest(algorithm: str) -> None:
    expected = hashlib.new(algorithm.lower(), b"hello").hexdigest()
    assert ev(f"{{digest: [{algorithm}, hello]}}") == expected


def test_digest_hashes_latin_1_like_heat() -> None:
    assert (
        ev("{digest: [md5, 'caf\u00e9']}") == hashlib.md5("caf\u00e9".encode("latin-1")).hexdigest()
    )
    e = ev_error("{digest: [md5, {get_param: v}]}", {"v": "\u20ac"})
    assert e.message == "`digest` hashes its value as Latin-1, and the value has other characters"


def test_digest_errors() -> None:
    d = parse_error("{digest: [sha265, x]}")
    assert (d.message, d.hint) == ("unknown `digest` algorithm `sha265`", "did you mean `sha256`?")
    assert (
        parse_error("{digest: [shake_128, x]}").message == "unknown `digest` algorithm `shake_128`"
    )
    assert (
        parse_error("{digest: sha256}").message
        == "`digest` takes a list [algorithm, value], not the string 'sha256'"
    )
    assert (
        parse_error("{digest: [sha256, 1]}").message
        == "`digest` takes two strings, not the number 1"
    )
    e = ev_error("{digest: [{get_param: a}, x]}", {"a": "nope"})
    assert e.message == "unknown `digest` algorithm `nope`"


def test_digest_of_a_secret_stays_secret() -> None:
    value = ev("{digest: [sha256, {get_param: pw}]}", {"pw": Sensitive("hunter2")})
    assert isinstance(value, Sensitive)
    assert value.value == hashlib.sha256(b"hunter2").hexdigest()


# ---------------------------------------------------------------- make_url


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("{scheme: https, host: example.com}", "https://example.com"),
        ("{scheme: http, host: h, port: 8080, path: /a b/c}", "http://h:8080/a%20b/c"),
        ("{scheme: http, host: h, port: '8080'}", "http://h:8080"),
        ("{scheme: http, host: 'fe80::1', path: /}", "http://[fe80::1]/"),
        ("{scheme: http, host: '[::1]', port: 80}", "http://[::1]:80"),
        (
            "{scheme: https, username: 'a@b', password: 'p:w/x', host: h}",
            "https://a%40b:p%3Aw%2Fx@h",
        ),
        ("{scheme: https, username: u, host: h}", "https://u@h"),
        ("{scheme: http, host: h, query: {a: 'x/y', b: 'c d'}}", "http://h?a=x/y&b=c+d"),
        ("{scheme: http, host: h, fragment: 'x y'}", "http://h#x%20y"),
        ("{host: h, path: /p}", "//h/p"),
    ],
)
def test_make_url(args: str, expected: str) -> None:
    assert ev(f"{{make_url: {args}}}") == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            "[a]",
            "`make_url` takes a map with keys from scheme, username, password, host, port, "
            "path, query, fragment, not a list",
        ),
        ("{scheme: http, hots: h}", "invalid `make_url` argument(s): `hots`"),
        ("{scheme: http, port: 0}", "invalid `make_url` port 0: must be in range 1-65535"),
        ("{scheme: http, port: 65536}", "invalid `make_url` port 65536: must be in range 1-65535"),
        ("{scheme: http, port: http}", "invalid `make_url` port 'http': not a number"),
        (
            "{scheme: http, query: [a]}",
            "the `query` argument to `make_url` must be a map, not a list",
        ),
        (
            "{scheme: http, host: 1}",
            "the `host` argument to `make_url` must be a string, not the number 1",
        ),
    ],
)
def test_make_url_argument_errors(args: str, message: str) -> None:
    assert parse_error(f"{{make_url: {args}}}").message == message


def test_make_url_hint_for_a_misspelt_key() -> None:
    assert parse_error("{make_url: {scheme: http, hots: h}}").hint == "did you mean `host`?"


def test_make_url_runtime_checks_unknown_and_sensitive() -> None:
    e = ev_error("{make_url: {scheme: {get_param: s}, host: h}}", {"s": "http:"})
    assert e.message == "the `make_url` scheme must not contain ':' (got 'http:')"
    assert ev("{make_url: {scheme: http, host: {get_attr: [lb, ip]}}}") is UNKNOWN
    url = ev(
        "{make_url: {scheme: https, username: u, password: {get_param: pw}, host: h}}",
        {"pw": Sensitive("s3cret")},
    )
    assert isinstance(url, Sensitive) and url.value == "https://u:s3cret@h"
    omitted = ev("{make_url: {scheme: http, host: h, port: {if: [disabled, 80]}}}")
    assert omitted == "http://h"


# ---------------------------------------------------------------- CFN string functions


@pytest.mark.parametrize(
    ("text", "params", "expected"),
    [
        ("{'Fn::Join': [',', [a, b]]}", {}, "a,b"),
        ("{'Fn::Split': [',', 'a,b']}", {}, ["a", "b"]),
        ("{'Fn::Replace': [{$x: X}, 'a $x']}", {}, "a X"),
        ("{'Fn::Base64': abc}", {}, "abc"),
        ("{'Fn::Select': [1, [a, b]]}", {}, "b"),
        ("{'Fn::Select': ['1', [a, b]]}", {}, "b"),
        ("{'Fn::Select': [5, [a, b]]}", {}, ""),
        ("{'Fn::Select': [k, {k: v}]}", {}, "v"),
        ("{'Fn::Select': [z, {k: v}]}", {}, ""),
        ("{'Fn::Select': [0, '[\"j\"]']}", {}, "j"),
        ("{'Fn::Select': [0, '']}", {}, ""),
        ("{'Fn::Select': [0, null]}", {}, ""),
    ],
)
def test_cfn_functions(text: str, params: dict[str, Any], expected: Any) -> None:
    assert ev(text, params, "2013-05-23") == expected


def test_fn_select_lives_until_2015_04_30() -> None:
    assert ev("{'Fn::Select': [0, [a]]}", version="2015-04-30") == "a"
    d = parse_error("{'Fn::Select': [0, [a]]}", "2015-10-15")
    assert d.message == (
        "`Fn::Select` is not available in heat_template_version 2015-10-15 "
        "(it was removed after 2015-04-30)"
    )


def test_cfn_errors() -> None:
    assert parse_error("{'Fn::Join': [',', [a], [b]]}", "2013-05-23").message == (
        "`Fn::Join` takes a list [delimiter, list]"
    )
    assert parse_error("{'Fn::Split': [{get_param: d}, 'a']}", "2013-05-23").message == (
        "the `Fn::Split` delimiter must be a string, not a `get_param` call"
    )
    assert parse_error("{'Fn::Replace': {a: b}}", "2013-05-23").message == (
        "`Fn::Replace` takes a list [params, template], not a map"
    )
    assert ev_error("{'Fn::Select': [a, [x]]}", version="2013-05-23").message == (
        "the `Fn::Select` index into a list must be an integer, not the string 'a'"
    )
    assert ev_error("{'Fn::Select': [0, '{x']}", version="2013-05-23").message.startswith(
        "`Fn::Select`: the string to select from is not JSON"
    )
    assert parse_ok("{'Fn::Base64': {get_param: x}}", "2013-05-23") is not None
