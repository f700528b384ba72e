"""`functools.partial(f, *args, **kwargs)` inside compiled code: a nested function.

The parser lowers the call to a graph that takes the parameters of `f` that `args` leaves
(their names and defaults kept), calls `f` with `args` first, and gives the parameters
named in `kwargs` those values as defaults computed at the call of `partial` (a later
call may still pass them, as Python allows). `f` must be known when compiling: a function
of the program, a nested function or lambda, or a NumPy/math function (the parameters of
its primitive's graph, `parser.primitive_graph`).

Example:
    >>> import functools, myia
    >>> def scale(a, k):
    ...     return a * k
    >>> def f(x):
    ...     return functools.partial(scale, k=3.0)(x)
    >>> myia.grad(f)(2.0)
    3.0
"""

from __future__ import annotations

import ast

from myia.errors import MyiaSyntaxError, MyiaTypeError
from myia.ir.nodes import Constant, Graph
from myia.prim.defaults import MISSING
from myia.prim.registry import Primitive


def _callee_graph(lowerer, region, expr: ast.Call, loc) -> tuple[Constant, Graph]:
    """The node of the function `partial` binds, and the graph giving its parameters."""
    if not expr.args or isinstance(expr.args[0], ast.Starred):
        raise MyiaTypeError("functools.partial needs the function as its first argument", loc)
    node = lowerer.lower_expr(region, expr.args[0])
    value = node.value if isinstance(node, Constant) else None
    if isinstance(value, Primitive):  # a NumPy or math function: its parameters' graph
        from myia.parser import primitive_graph

        return node, primitive_graph(value)
    if not isinstance(value, Graph) or "argnames" not in value.flags:
        raise MyiaSyntaxError(
            f"functools.partial of `{ast.unparse(expr.args[0])}`: the function must be known "
            "when compiling (a function of the program, a nested function or lambda), not a "
            "function passed as a value; write a lambda instead",
            loc,
        )
    return node, value


def partial_macro(lowerer, region, expr: ast.Call, loc) -> Constant:
    """Lower `functools.partial(f, ...)` as the lambda
    `lambda <f's other parameters>, .bound0=args[0], ...: f(.bound0, ..., <parameters>)`,
    whose defaults are computed where `partial` is called (see the module)."""
    _, fgraph = _callee_graph(lowerer, region, expr, loc)
    names = list(fgraph.flags["argnames"])
    fixed = expr.args[1:]
    if any(isinstance(a, ast.Starred) for a in fixed) or any(k.arg is None for k in expr.keywords):
        raise MyiaSyntaxError("`*` and `**` unpacking in functools.partial are not supported", loc)
    if len(fixed) > len(names):
        raise MyiaTypeError(
            f"functools.partial: `{fgraph.name}` takes {len(names)} arguments, {len(fixed)} given",
            loc,
        )
    rest = names[len(fixed) :]
    keywords = {kw.arg: kw.value for kw in expr.keywords}
    for k in keywords:
        if k not in rest:
            raise MyiaTypeError(
                f"functools.partial: `{fgraph.name}` has no parameter `{k}` left to bind", loc
            )
    defaults = fgraph.flags.get("defaults") or {}
    values: list[ast.expr] = []
    for n in rest:
        if n in keywords:
            values.append(keywords[n])
        elif n in defaults and defaults[n] is not MISSING:
            values.append(ast.Constant(defaults[n]))
        elif values:
            raise MyiaSyntaxError(
                f"functools.partial: parameter `{n}` of `{fgraph.name}` comes after a parameter "
                "bound by keyword and has no default; bind it by keyword too, or write a lambda",
                loc,
            )
    hidden = [f".bound{i}" for i in range(len(fixed))]
    params = [ast.arg(n) for n in rest + hidden]
    body = ast.Call(expr.args[0], [ast.Name(n, ast.Load()) for n in hidden + rest], [])
    lam = ast.Lambda(
        ast.arguments(
            posonlyargs=[],
            args=params,
            kwonlyargs=[],
            kw_defaults=[],
            defaults=values + list(fixed),
        ),
        body,
    )
    for n in ast.walk(lam):
        if not hasattr(n, "lineno"):
            ast.copy_location(n, expr)
    graph = lowerer.nested_function(region, lam, f"partial:{fgraph.name}")
    return Constant(graph, loc)


class _Partial:
    """What `functools.partial` is in compiled code."""

    __myia_macro__ = staticmethod(partial_macro)


PARTIAL = _Partial()
