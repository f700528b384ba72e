"""Reductions: `np.sum`, `np.mean`, `np.prod`, `np.max`/`np.amax`, `np.min`/`np.amin`,
`np.argmax`, `np.argmin`, `np.var`, `np.std`, `np.all`, `np.any` and the matching
methods (`x.sum()`, ...), with `axis` (an int or a tuple, known when compiling) and
`keepdims`.

Ties of `max`/`min` share the sensitivity equally.
"""

from __future__ import annotations

import ast

import numpy as np

from myia.errors import MyiaTypeError
from myia.next.infer.abstract import AArray, AScalar, describe
from myia.next.prim import arith as O
from myia.next.prim.arrays import attr_shape, broadcast_to
from myia.next.prim.registry import REGISTRY, primitive
from myia.next.prim.typing import axes_of, const_value, is_none, scalar_of_dtype, union_map


def _reduced(x, axis, keepdims):
    """(input array type, axes reduced, output shape)."""
    a = x if isinstance(x, AArray) else AArray(x.dtype, ()) if isinstance(x, AScalar) else None
    if a is None:
        raise MyiaTypeError(f"a reduction needs an array, got {describe(x)}")
    axes = axes_of(axis, a.ndim)
    if axes is None:
        axes = tuple(range(a.ndim))
    keep = bool(const_value(keepdims, "keepdims"))
    shape = (
        tuple(1 if i in axes else d for i, d in enumerate(a.shape))
        if keep
        else tuple(d for i, d in enumerate(a.shape) if i not in axes)
    )
    return a, axes, shape


def _result(dtype, shape):
    return AArray(dtype, shape) if shape else scalar_of_dtype(dtype)


def _emit_reduction(fn: str, extra=()):
    def emit(e, args):
        call = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), fn, ast.Load()), [args[0]], [])
        names = ("axis", *extra, "keepdims")
        for k, name in enumerate(names, start=1):
            ok, v = e.const(k)
            default = False if name == "keepdims" else (0 if name == "ddof" else None)
            if ok and (v is default or (name == "ddof" and v == 0)):
                continue
            call.keywords.append(ast.keyword(name, args[k]))
        return call

    return emit


def _expand_back(r, d, axes, keep: bool):
    """`d`, of the shape of a reduction over `axes` (with `keep`: keepdims), broadcast
    back to the shape of the reduced input."""
    from myia.next.prim.arrays import expand_dims

    b = r.b
    x = r.types[0]
    a = x if isinstance(x, AArray) else AArray(x.dtype, ())
    if not a.ndim:
        return d
    if not keep and axes:
        d = b.apply(expand_dims, d, axes)
    if isinstance(d.abstract, AArray) and d.abstract.shape == a.shape and a.known_shape:
        return d
    target = a.shape if a.known_shape else b.apply(attr_shape, r.x(0))
    return b.apply(broadcast_to, d, target)


def _keep(t) -> bool:
    return bool(const_value(t, "keepdims"))


def _count(a, axes):
    n = 1
    for i in axes:
        if a.shape[i] is None:
            return None
        n *= a.shape[i]
    return n


# ---------------------------------------------------------------------------------------


@primitive("sum", py=[np.sum])
def sum_(a, axis=None, dtype=None, keepdims=False):
    """`np.sum(a, axis, dtype, keepdims)` and `a.sum(...)`."""
    return np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


REGISTRY.method("sum", sum_)


@sum_.definfer
def _infer_sum(x, axis, dtype, keepdims):
    def one(x):
        a, axes, shape = _reduced(x, axis, keepdims)
        dt = (
            np.add.reduce(np.zeros(0, a.dtype)).dtype
            if is_none(dtype)
            else np.dtype(const_value(dtype, "dtype"))
        )
        return _result(dt, shape)

    return union_map(one, x)


@sum_.defvjp
def _vjp_sum(r):
    from myia.next.prim.sens import unbroadcast

    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[3])
    d = _expand_back(r, r.dout, axes, _keep(r.types[3]))
    return [unbroadcast(r.b, d, r.types[0]), None, None, None]


sum_.defemit(_emit_reduction("sum", ("dtype",)))


@primitive("mean", py=[np.mean])
def mean(a, axis=None, dtype=None, keepdims=False):
    """`np.mean(a, axis, dtype, keepdims)` and `a.mean(...)`."""
    return np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)


REGISTRY.method("mean", mean)


@mean.definfer
def _infer_mean(x, axis, dtype, keepdims):
    def one(x):
        a, axes, shape = _reduced(x, axis, keepdims)
        if not is_none(dtype):
            dt = np.dtype(const_value(dtype, "dtype"))
        else:
            dt = a.dtype if a.dtype.kind in "fc" else np.dtype(np.float64)
        return _result(dt, shape)

    return union_map(one, x)


@mean.defvjp
def _vjp_mean(r):
    from myia.next.prim.sens import unbroadcast

    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[3])
    n = _count(a, axes)
    if n is None:
        size = b.apply(
            O.truediv,
            b.apply(REGISTRY.lookup("attr.size"), r.x(0)),
            b.apply(REGISTRY.lookup("attr.size"), r.out()),
        )
        scaled = b.apply(O.truediv, r.dout, size)
    else:
        scaled = b.apply(O.mul, r.dout, 1.0 / n) if n else r.dout
    d = _expand_back(r, scaled, axes, _keep(r.types[3]))
    return [unbroadcast(b, d, r.types[0]), None, None, None]


mean.defemit(_emit_reduction("mean", ("dtype",)))


def _extremum(name, fn, py):
    def impl(a, axis=None, keepdims=False):
        return fn(a, axis=axis, keepdims=keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"`np.{name}(a, axis, keepdims)`; tied extrema share the sensitivity equally."
    prim = primitive(name, py=py)(impl)

    @prim.definfer
    def infer(x, axis, keepdims):
        def one(x):
            a, axes, shape = _reduced(x, axis, keepdims)
            return _result(a.dtype, shape)

        return union_map(one, x)

    @prim.defvjp
    def vjp(r):
        from myia.next.prim.sens import unbroadcast

        b = r.b
        a, axes, shape = _reduced(r.types[0], r.types[1], r.types[2])
        keep = _keep(r.types[2])
        out_b = _expand_back(r, r.out(), axes, keep)
        hit = b.apply(O.eq, r.x(0), out_b)
        count = b.apply(sum_, hit, axes, None, True)
        w = b.apply(O.truediv, hit, count)
        d = _expand_back(r, r.dout, axes, keep)
        return [unbroadcast(b, b.apply(O.mul, d, w), r.types[0]), None, None]

    prim.defemit(_emit_reduction(fn.__name__))
    return prim


amax = _extremum("max", np.max, [np.max, np.amax])
amin = _extremum("min", np.min, [np.min, np.amin])
REGISTRY.method("max", amax)
REGISTRY.method("min", amin)
