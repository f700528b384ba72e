"""`myia.grad(h, ...)(x)` and `myia.jvp(h, primals, tangents)` written inside compiled
code: the macros the parser expands.

`myia.grad(h, ...)` becomes `grad_of(h, spec)` (`spec`: argnums, has_aux, with_value);
`myia.jvp(h, (x, ...), (t, ...))` becomes `grad_of(h, ("jvp",))(x, ..., t, ...)`. The
specializer types their calls and `expand` replaces them by the gradient (or tangent)
program of `h`.
"""

from __future__ import annotations

import ast

from myia.errors import MyiaSyntaxError
from myia.ir.nodes import Constant


def _constant(lowerer, region, node: ast.expr, what: str, loc):
    """The value of an option: a literal, or the name of a constant (a global, a cell)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    value = lowerer.lower_expr(region, node)
    if not isinstance(value, Constant):
        raise MyiaSyntaxError(f"`{what}` of myia.grad inside compiled code must be a constant", loc)
    return value.value


def make_grad_macro(with_value: bool):
    """The parser macro of `myia.grad(...)` (or `myia.value_and_grad(...)`) in compiled code."""

    def expand(lowerer, region, expr: ast.Call, loc):
        name = "value_and_grad" if with_value else "grad"
        if len(expr.args) != 1:
            raise MyiaSyntaxError(
                f"myia.{name} inside compiled code takes the function as its only positional "
                f"argument: write myia.{name}(f, argnums=...)(x)",
                loc,
            )
        options = {"argnums": 0, "has_aux": False}
        for kw in expr.keywords:
            if kw.arg not in options:
                raise MyiaSyntaxError(f"myia.{name} got an unexpected keyword `{kw.arg}`", loc)
            options[kw.arg] = _constant(lowerer, region, kw.value, kw.arg, loc)
        fn = lowerer.lower_expr(region, expr.args[0])
        spec = (options["argnums"], bool(options["has_aux"]), with_value)
        return lowerer.prim(region, "grad_of", [fn, Constant(spec, loc)], loc)

    return expand


def jvp_macro(lowerer, region, expr: ast.Call, loc):
    """The parser macro of `myia.jvp(f, primals, tangents)` in compiled code."""
    shape_ok = len(expr.args) == 3 and not expr.keywords
    displays = expr.args[1:] if shape_ok else []
    if not shape_ok or not all(
        isinstance(a, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in a.elts)
        for a in displays
    ):
        raise MyiaSyntaxError(
            "myia.jvp inside compiled code takes the function and two tuples written out: "
            "myia.jvp(f, (x, y), (tx, ty))",
            loc,
        )
    primals, tangents = displays
    if len(primals.elts) != len(tangents.elts):
        raise MyiaSyntaxError(
            f"myia.jvp needs one tangent per primal value: {len(primals.elts)} primals, "
            f"{len(tangents.elts)} tangents",
            loc,
        )
    fn = lowerer.lower_expr(region, expr.args[0])
    transform = lowerer.prim(region, "grad_of", [fn, Constant(("jvp",), loc)], loc)
    args = [lowerer.lower_expr(region, e) for e in (*primals.elts, *tangents.elts)]
    return lowerer.apply(region, [transform, *args], loc)
