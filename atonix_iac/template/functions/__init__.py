"""HOT intrinsic functions: parse located YAML into data with ``Expr`` calls, evaluate later.

    ctx = ParseContext(version="2018-08-31", source="stack.yaml", read_file=..., diagnostics=[],
                       files={}, resource_names=..., parameter_names=...)
    props = parse_value(node, ctx)          # plain data; each call is a Function (an Expr)
    ...
    value = evaluate(props, resolve_ctx)    # plain data; UNKNOWN where not yet known

Parsing never raises for a user's mistake: it appends a located ``Diagnostic`` to
``ctx.diagnostics`` and puts an ``InvalidCall`` in place of the call (evaluating that raises the
same error). Evaluation raises ``TemplateError`` located at the call.

A mapping with exactly one key that names a function of the template's version is a call; a
name from another version is an error naming the version that has it; any other mapping is
data. Per-function modules: ``references`` (get_param, get_resource, get_attr, get_file,
resource_facade, Ref), ``strings`` (list_join, str_replace*, str_split, digest, make_url, CFN
string functions), ``collections`` (repeat, map_merge, map_replace, filter, list_concat*,
contains), ``conditions`` (if, equals, not, and, or); ``table`` has the per-version tables.
"""

from __future__ import annotations

from typing import Any

from atonix_iac.errors import SourceLocation
from atonix_iac.template.functions.base import (
    PSEUDO_PARAMETERS,
    ConditionRef,
    Function,
    InvalidCall,
    Parser,
    evaluate,
    loc_of,
    unparse,
    walk,
)
from atonix_iac.template.functions.conditions import (
    If,
    evaluate_condition,
    iter_condition_names,
)
from atonix_iac.template.functions.context import ParseContext
from atonix_iac.template.functions.table import (
    CONDITION_TABLES,
    VALUE_TABLES,
    condition_function_names,
    function_names,
    unavailable,
)
from atonix_iac.template.versions import canonical_version


def _parser(ctx: ParseContext) -> Parser:
    # One Parser per ParseContext (kept on it), rebuilt if its version is changed.
    cached = ctx.__dict__.get("_parser")
    if isinstance(cached, Parser) and cached.ctx is ctx and cached.written_version == ctx.version:
        return cached
    version = canonical_version(ctx.version)
    if version is None:
        raise ValueError(f"ParseContext.version {ctx.version!r} is not a HOT version")
    parser = Parser(ctx, version, VALUE_TABLES[version], CONDITION_TABLES[version], unavailable)
    parser.written_version = ctx.version
    ctx.__dict__["_parser"] = parser
    return parser


def parse_value(node: Any, ctx: ParseContext, *, loc: SourceLocation | None = None) -> Any:
    """Located YAML node -> plain data (Located* containers may stay) with a Function for
    each call. Containers without calls are returned as they came, not copied.

    ``loc`` is where node is, for nodes that carry no location (plain dict/list/str).
    """
    fallback = loc if loc is not None else SourceLocation(ctx.source)
    return _parser(ctx).value(node, loc_of(node, fallback))


def parse_condition(node: Any, ctx: ParseContext, *, loc: SourceLocation | None = None) -> Any:
    """A condition expression: a declared condition's name (-> ``ConditionRef``), a boolean,
    or a call from the version's condition-function table (get_param, equals, not, and, or,
    and from 2017-09-01 contains; yaql is refused). Returns bool or an Expr."""
    fallback = loc if loc is not None else SourceLocation(ctx.source)
    return _parser(ctx).condition(node, loc_of(node, fallback))


__all__ = [
    "PSEUDO_PARAMETERS",
    "ConditionRef",
    "Function",
    "If",
    "InvalidCall",
    "ParseContext",
    "condition_function_names",
    "evaluate",
    "evaluate_condition",
    "function_names",
    "iter_condition_names",
    "parse_condition",
    "parse_value",
    "unparse",
    "walk",
]
