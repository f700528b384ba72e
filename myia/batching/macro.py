"""`myia.vmap(h, in_axes, out_axes)(x)` written inside compiled code.

The parser macro makes `grad_of(h, ("vmap", in_axes, out_axes))`, the function value the
call applies; the specializer types the call (`call_type`: `h` is specialized for one
example) and `myia.ad.expand` replaces it by the batched program of `h`
(`myia.batching.program.call_program`), before reverse mode, so that `grad` of a function
that calls `vmap` differentiates plain typed code.

Example:
    >>> # def loss(w, xs): return np.sum(myia.vmap(f, in_axes=(None, 0))(w, xs))
"""

from __future__ import annotations

from myia.ad.macro import _constant
from myia.errors import MyiaSyntaxError
from myia.ir.nodes import Constant


def hashable_axes(axes, loc=None):
    """`in_axes` or `out_axes` as the constant of a program (tuples of ints and Nones;
    dicts of axes are taken by `myia.vmap` called outside compiled code only)."""
    if isinstance(axes, (tuple, list)):
        return tuple(hashable_axes(a, loc) for a in axes)
    if axes is None or (isinstance(axes, int) and not isinstance(axes, bool)):
        return axes
    raise MyiaSyntaxError(
        f"vmap inside compiled code takes in_axes and out_axes of ints, None and tuples of "
        f"them, not {axes!r}; call the mapped function outside compiled code for dicts",
        loc,
    )


def vmap_macro(lowerer, region, expr, loc):
    """The parser macro of `myia.vmap(f, in_axes=0, out_axes=0)` in compiled code."""
    names = ("in_axes", "out_axes")
    if not 1 <= len(expr.args) <= 3:
        raise MyiaSyntaxError(
            "myia.vmap inside compiled code takes the function, then in_axes and out_axes: "
            "myia.vmap(f, in_axes=(0, None))(xs, w)",
            loc,
        )
    options = {"in_axes": 0, "out_axes": 0}
    for name, node in zip(names, expr.args[1:]):
        options[name] = _constant(lowerer, region, node, name, loc)
    for kw in expr.keywords:
        if kw.arg not in options:
            raise MyiaSyntaxError(f"myia.vmap got an unexpected keyword `{kw.arg}`", loc)
        options[kw.arg] = _constant(lowerer, region, kw.value, kw.arg, loc)
    fn = lowerer.lower_expr(region, expr.args[0])
    spec = ("vmap", hashable_axes(options["in_axes"], loc), hashable_axes(options["out_axes"], loc))
    return lowerer.prim(region, "grad_of", [fn, Constant(spec, loc)], loc)
