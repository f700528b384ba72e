"""Reductions with `initial=` and `where=`: `np.sum prod max min` (and their methods)
take both, `np.mean` takes `where=`.

Each is a primitive of the full NumPy signature whose canonical form (`canon`, applied
when specializing) is the plain reduction of `reductions.py` on `np.where(where, a,
identity)`, combined with `initial`: `sum(where(w, a, 0)) + initial`, `prod(where(w, a, 1))
* initial`, `maximum(max(where(w, a, initial)), initial)`, `sum(where(w, a, 0)) /
sum(w)`. Gradients, tangents and second order are those of the primitives it becomes; a
masked element gets a zero gradient. Without `initial` and `where` the canonical form is
the plain reduction itself.

Example:
    >>> import myia
    >>> myia.jit(lambda x: np.sum(x, where=x > 1.0, initial=0.5))(np.array([1.0, 2.0]))
    np.float64(2.5)
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.infer.build import type_of
from myia.ir.nodes import Node
from myia.prim import arith as O
from myia.prim import reductions as R
from myia.prim.arrays import attr_shape, broadcast_to
from myia.prim.elementwise import maximum, minimum, where_
from myia.prim.registry import REGISTRY, primitive
from myia.prim.typing import broadcast_shapes, is_none


def _given(v):
    return np._NoValue if v is None else v


def _check_mask(name: str, x, where) -> None:
    if is_none(where):
        return
    kind = where.dtype if isinstance(where, AArray) else getattr(where, "kind", None)
    if np.dtype(kind) != np.bool_:
        raise MyiaTypeError(f"np.{name}: `where` must be a boolean mask, got {describe(where)}")
    shape = R.array_of(x).shape
    mask = where.shape if isinstance(where, AArray) else ()
    if broadcast_shapes(shape, mask) != shape:
        raise MyiaTypeError(
            f"np.{name}: the mask {describe(where)} does not broadcast to the array's shape {shape}"
        )


def _check_initial(name: str, out, initial) -> None:
    if is_none(initial):
        return
    if not isinstance(initial, AScalar):
        raise MyiaTypeError(f"np.{name}: `initial` must be a number, got {describe(initial)}")
    dtype = out.dtype if isinstance(out, AArray) else np.dtype(out.kind)
    if np.result_type(dtype, np.dtype(initial.kind)) != dtype:
        raise MyiaTypeError(
            f"np.{name}: an `initial` of type {initial.kind.__name__} for {dtype} values is "
            "not supported (NumPy casts it); give an initial of the values' dtype, or cast them first (`x.astype(float)`)"
        )


def _masked(b, x, where, fill):
    """`np.where(where, x, fill)` (`fill` of x's dtype: a constant of a float array's
    tangent type), or `x` without a mask."""
    if is_none(type_of(where)):
        return x
    if not isinstance(fill, Node):
        fill = R.array_of(type_of(x)).dtype.type(fill)
    return b.apply(where_, where, x, fill)


def _summing(name: str, base, combine, identity: int):
    """`np.sum` or `np.prod` with `initial` and `where` (see the module)."""
    numpy_fn = getattr(np, name)

    def impl(a, axis=None, dtype=None, keepdims=False, initial=None, where=None):
        return numpy_fn(
            a,
            axis=axis,
            dtype=dtype,
            keepdims=keepdims,
            initial=_given(initial),
            where=True if where is None else where,
        )

    impl.__doc__ = f"`np.{name}(a, axis, dtype, keepdims, initial, where)` and `a.{name}(...)`."
    prim = primitive(f"{name}_masked", py=[numpy_fn])(impl)

    @prim.definfer
    def infer(x, axis, dtype, keepdims, initial, where):
        result = base.infer(x, axis, dtype, keepdims)
        _check_mask(name, x, where)
        _check_initial(name, result, initial)
        return result

    @prim.defcanon
    def canon(b, args):
        x, axis, dtype, keepdims, initial, where = args
        r = b.apply(base, _masked(b, x, where, identity), axis, dtype, keepdims)
        return r if is_none(type_of(initial)) else b.apply(combine, r, initial)

    REGISTRY.method(name, prim)
    return prim


def _extreme(name: str, base, combine):
    """`np.max` or `np.min` with `initial` and `where` (see the module)."""
    numpy_fn = getattr(np, name)

    def impl(a, axis=None, keepdims=False, initial=None, where=None):
        return numpy_fn(
            a,
            axis=axis,
            keepdims=keepdims,
            initial=_given(initial),
            where=True if where is None else where,
        )

    impl.__doc__ = f"`np.{name}(a, axis, keepdims, initial, where)` and `a.{name}(...)`."
    prim = primitive(f"{name}_masked", py=[numpy_fn, getattr(np, "a" + name)])(impl)

    @prim.definfer
    def infer(x, axis, keepdims, initial, where):
        result = base.infer(x, axis, keepdims)
        _check_mask(name, x, where)
        _check_initial(name, result, initial)
        if not is_none(where) and is_none(initial):
            raise MyiaTypeError(
                f"np.{name} with `where=` needs `initial=` (the value of a slice with no "
                "element selected), as in NumPy"
            )
        return result

    @prim.defcanon
    def canon(b, args):
        x, axis, keepdims, initial, where = args
        r = b.apply(base, _masked(b, x, where, initial), axis, keepdims)
        return r if is_none(type_of(initial)) else b.apply(combine, r, initial)

    REGISTRY.method(name, prim)
    return prim


def _mean_impl(a, axis=None, dtype=None, keepdims=False, where=None):
    """`np.mean(a, axis, dtype, keepdims, where)` and `a.mean(...)`."""
    return np.mean(
        a, axis=axis, dtype=dtype, keepdims=keepdims, where=True if where is None else where
    )


mean_masked = primitive("mean_masked", py=[np.mean])(_mean_impl)
REGISTRY.method("mean", mean_masked)


@mean_masked.definfer
def _infer_mean(x, axis, dtype, keepdims, where):
    _check_mask("mean", x, where)
    return R.mean.infer(x, axis, dtype, keepdims)


@mean_masked.defcanon
def _canon_mean(b, args):
    x, axis, dtype, keepdims, where = args
    if is_none(type_of(where)):
        return b.apply(R.mean, x, axis, dtype, keepdims)
    total = b.apply(R.sum_, _masked(b, x, where, 0), axis, dtype, keepdims)
    ones = b.apply(where_, where, 1.0, 0.0)
    if type_of(ones).shape != type_of(x).shape:
        ones = b.apply(broadcast_to, ones, b.apply(attr_shape, x))
    count = b.apply(R.sum_, ones, axis, None, keepdims)
    return b.apply(O.truediv, total, count)


sum_masked = _summing("sum", R.sum_, O.add, 0)
prod_masked = _summing("prod", R.prod, O.mul, 1)
max_masked = _extreme("max", R.amax, maximum)
min_masked = _extreme("min", R.amin, minimum)
