"""Transforms of transforms inside compiled code: `myia.vmap(myia.grad(f))(xs)`,
`myia.jvp(myia.grad(f), (x,), (t,))`, `myia.grad(myia.grad(f))(x)`.

A transform (`grad_of(h, spec)`) takes the function it transforms as a graph specialized
for the call's arguments. Where `h` is itself a transform of a function `f`, the
specializer is given a graph that calls it, `W(x1, ..., xn) = grad_of(f, inner)(x1, ...,
xn)`, made once per inner transform and number of arguments, in the scope where `f` was
made (so that a closure `f` reads the values it captures): `W` is then specialized and
expanded like any function (`myia.ad.expand`, the innermost transforms first).

Example:
    >>> # myia.jit(lambda xs: np.sum(myia.vmap(myia.grad(f))(xs)))
    >>> # vmap of  W(x) = grad_of(f, (0, False, False))(x)
"""

from __future__ import annotations

from myia.errors import MyiaTypeError
from myia.infer.abstract import AFunction, AGradient, GraphFn, describe
from myia.ir.nodes import Apply, Constant, Graph
from myia.parser import primitive_graph
from myia.prim.registry import Primitive, lookup

_grad_of = lookup("grad_of")


def wrapper(an, fn: AGradient, n: int, loc) -> GraphFn:
    """The function value calling the transform `fn` on `n` arguments (see the module)."""
    cache = an.__dict__.setdefault("nested_transforms", {})
    key = (fn, n)
    if key not in cache:
        g = Graph(f"{_name(fn)}:{n}", loc)
        params = [g.add_parameter(f"x{i}", loc) for i in range(n)]
        value, context = _value(fn, g, loc)
        g.output = Apply([value, *params], g, loc)
        cache[key] = GraphFn(g, context)
    return cache[key]


def _value(fn, g: Graph, loc):
    """The node (in `g`) of the function value of type `fn`, and the context of the
    scope the innermost function was made in."""
    if isinstance(fn, AGradient):
        inner, context = _value(fn.fn, g, loc)
        node = Apply([Constant(_grad_of, loc), inner, Constant(fn.spec, loc)], g, loc)
        return node, context
    opt = fn.single if isinstance(fn, AFunction) else None
    if isinstance(opt, Primitive):
        return Constant(primitive_graph(opt), loc), None
    if not isinstance(opt, GraphFn):
        raise MyiaTypeError(
            f"a transform needs a function known when compiling, not {describe(fn)}"
        )
    return Constant(opt.graph, loc), opt.context


def _name(fn) -> str:
    if isinstance(fn, AGradient):
        kind = fn.spec[0] if fn.spec[0] in ("vmap", "jvp") else "grad"
        return f"{kind}({_name(fn.fn)})"
    opt = fn.single if isinstance(fn, AFunction) else None
    return getattr(getattr(opt, "graph", None), "name", None) or getattr(opt, "name", "fn")
