"""Common factors in adjoints: `a * b + a * c => a * (b + c)`.

An adjoint adds the contributions of every use of a value, and each is the incoming
sensitivity times a local derivative: `d * 0.1 * cos(x) + d * 0.9` for
`x * 0.9 + sin(x) * 0.1`. Factoring the sensitivity out makes one product fewer per sum,
as a person writing the adjoint does (`d * (0.1 * cos(x) + 0.9)`).

Factoring is exact up to rounding only (the products and the sum round differently), so
`common_factor` is used on gradient programs only (`adjoint_only`, like
`normalized_sum`), on values known to be floats or complex. It factors out a value that
both products multiply by, at any depth of their products (`(d * 0.1) * cos(x)`), when
each product is used only in the sum (otherwise no product is saved), and what remains of
each product is a float (the product with a float was what made `v > 0` a number).

Example:
    d * 0.1 * cos(x) + d * 0.9   ==>   d * (0.1 * cos(x) + 0.9)
"""

from __future__ import annotations

from myia.ir.nodes import Apply, Constant, Node
from myia.opt.rewrites import prim_of, rewrite
from myia.opt.scaling import inexact
from myia.prim import lookup as P

_mul = P("mul")


def _factors(opt, node: Node, depth: int = 4) -> list[Node]:
    """The factors of the product `node`, through the products used only in it."""
    out: list[Node] = []
    for a in node.inputs[1:]:
        if depth > 0 and prim_of(a) is _mul and len(opt.mng.uses.get(a, ())) == 1:
            out.extend(_factors(opt, a, depth - 1))
        else:
            out.append(a)
    return out


def _product(node: Node, factors: list[Node], loc) -> Node:
    out = factors[0]
    for f in factors[1:]:
        out = Apply([Constant(_mul), out, f], node.graph, loc)
    return out


@rewrite(prims=("add", "sub"), adjoint_only=True)
def common_factor(opt, node):
    """a * b + a * c => a * (b + c), and the same of a difference, when both products
    multiply by the same value `a` (see the module docstring)."""
    x, y = node.inputs[1], node.inputs[2]
    if prim_of(x) is not _mul or prim_of(y) is not _mul or x is y:
        return None
    if len(opt.mng.uses.get(x, ())) != 1 or len(opt.mng.uses.get(y, ())) != 1:
        return None
    if not inexact(opt, node):
        return None
    fx, fy = _factors(opt, x), _factors(opt, y)
    for f in fx:
        if isinstance(f, Constant) or not any(g is f for g in fy):
            continue
        rx = list(fx)
        rx.pop(next(k for k, g in enumerate(rx) if g is f))
        ry = list(fy)
        ry.pop(next(k for k, g in enumerate(ry) if g is f))
        if not all(any(inexact(opt, g) for g in rest) for rest in (rx, ry)):
            return None  # `(v > 0) - (v < 0)` of bools: the products were what made floats
        # The line of the products: a sum of contributions has the line of the variable.
        loc = x.loc or node.loc
        inner = Apply(
            [node.inputs[0], _product(node, rx, loc), _product(node, ry, loc)], node.graph, loc
        )
        return Apply([Constant(_mul), f, inner], node.graph, loc)
    return None
