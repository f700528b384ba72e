"""Array constructors: `np.full`, `np.full_like` (canonicalized to `full`), `np.eye`,
`np.arange` and `np.linspace` (see `myia.prim.shapes` for the rest of the family).

Shapes given by constants are exact; one that depends on a run-time value
(`np.arange(n)`, `np.linspace(0, 1, n)`) has an unknown dimension (None). The shape
arguments have no sensitivity; the fill value of `np.full` / `np.full_like` has the sum of
the result's, the endpoints of `np.linspace` their weights in each point.
"""

from __future__ import annotations

import ast
import math

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer import abstract as A
from myia.infer.abstract import AArray, AScalar, ATuple, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim import typing as T
from myia.prim.arrays import attr_shape, reshape
from myia.prim.jvp import linear, tangent_sum
from myia.prim.registry import primitive
from myia.prim.shapes import _as_array, _compatible, _count, _is_int, _np_call, _sens


@primitive("full", py=[np.full], fresh=True)
def full(shape, fill_value, dtype=None):
    """`np.full(shape, fill_value, dtype)`; the sensitivity of `fill_value` is the sum of
    the result's (over the broadcast dimensions of an array)."""
    return np.full(shape, fill_value, dtype)


@full.definfer
def _infer_full(shape, fill, dtype):
    dims = T.tuple_of_ints(shape)
    if dims is None:
        raise MyiaTypeError(f"a shape must be an int or a tuple of ints, got {describe(shape)}")
    T.number_or_array(fill, "np.full")
    if isinstance(fill, AArray) and (
        fill.ndim > len(dims) or not _compatible(T.broadcast_shapes(fill.shape, dims), dims)
    ):
        raise MyiaShapeError(f"np.full: cannot broadcast {describe(fill)} to the shape {dims}")
    return AArray(fill.dtype if T.is_none(dtype) else np.dtype(T.const_value(dtype, "dtype")), dims)


full.defvjp(lambda r: [None, _sens(r.b, r.dout, r.types[1]), None])
full.defemit(_np_call("full", 2, dtype=None))


@primitive("full_like", py=[np.full_like], fresh=True)
def full_like(a, fill_value, dtype=None):
    """`np.full_like(a, fill_value, dtype)` (a 0-d array for a number `a`): `np.full` of
    `a`'s shape and dtype."""
    return np.full_like(a, fill_value, dtype)


def _full_like_args(a, fill, dtype):
    """(type of `a` as an array, the dtype argument of the `np.full` it is)."""
    x = _as_array(a, "np.full_like")
    dt = x.dtype if T.is_none(dtype) else np.dtype(T.const_value(dtype, "dtype"))
    return x, dt.type if dt != getattr(fill, "dtype", None) else None


@full_like.definfer
def _infer_full_like(a, fill, dtype):
    x, dt = _full_like_args(a, fill, dtype)
    shape = ATuple([AScalar(int) if d is None else AScalar(int, d) for d in x.shape])
    return _infer_full(shape, fill, A.AConst(dt) if dt is not None else A.NONE)


@full_like.defcanon
def _canon_full_like(b, args):
    x, dt = _full_like_args(*(type_of(a) for a in args))
    shape = x.shape if x.known_shape else b.apply(attr_shape, args[0])
    return b.apply(full, shape, args[1], dt)


@primitive("eye", py=[np.eye], nondiff=True, fresh=True)
def eye(N, M=None, k=0, dtype=float):
    """`np.eye(N, M, k, dtype)`."""
    return np.eye(N, M, k, dtype)


@eye.definfer
def _infer_eye(N, M, k, dtype):
    n = _count(N, "N")
    if not _is_int(k):
        raise MyiaTypeError(f"np.eye: k must be an int, got {describe(k)}")
    m = n if T.is_none(M) else _count(M, "M")
    return AArray(np.dtype(T.const_value(dtype, "dtype")), (n, m))


eye.defemit(_np_call("eye", 1, M=None, k=0, dtype=float))


@primitive("arange", py=[np.arange], nondiff=True, fresh=True)
def arange(start, stop=None, step=None, dtype=None):
    """`np.arange([start,] stop[, step], dtype)`: `np.arange(5)` counts from 0 to 4."""
    return np.arange(start, stop, step, dtype=dtype)


@arange.definfer
def _infer_arange(start, stop, step, dtype):
    bounds = [t for t in (start, stop, step) if not T.is_none(t)]
    for t in bounds:
        if not (isinstance(t, AScalar) and np.dtype(t.kind).kind in "biuf"):
            raise MyiaTypeError(f"np.arange needs real numbers, got {describe(t)}")
    if not T.is_none(dtype):
        dt = np.dtype(T.const_value(dtype, "dtype"))
    else:
        dt = np.dtype(np.float64 if any(t.dtype.kind == "f" for t in bounds) else np.int64)
    n = None
    if all(t.known for t in bounds):
        lo, hi = (0, start.value) if T.is_none(stop) else (start.value, stop.value)
        st = 1 if T.is_none(step) else step.value
        if st == 0:
            raise MyiaShapeError("np.arange: the step must not be 0")
        n = max(0, math.ceil((hi - lo) / st))
    return AArray(dt, (n,))


@arange.defemit
def _emit_arange(e, args):
    n = 3
    while n > 1 and e.const(n - 1) == (True, None):
        n -= 1
    call = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "arange", ast.Load()), args[:n], [])
    if e.const(3) != (True, None):
        call.keywords.append(ast.keyword("dtype", args[3]))
    return call


@primitive("linspace", py=[np.linspace], fresh=True)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`np.linspace(start, stop, num, endpoint, dtype=dtype)` of numbers or arrays (new
    axis first); point i is `start + w_i (stop - start)`, `w = np.linspace(0, 1, num,
    endpoint)`, so the sensitivity of `stop` is `sum(dout * w)` and that of `start` is
    `sum(dout * (1 - w))`."""
    return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)


@linspace.definfer
def _infer_linspace(start, stop, num, endpoint, retstep, dtype, axis):
    if T.const_value(retstep, "retstep") or T.const_int(axis, "axis") != 0:
        raise MyiaTypeError("np.linspace with retstep=True or an axis is not supported")
    T.number_or_array(start, "np.linspace")
    T.number_or_array(stop, "np.linspace")
    if T.is_none(dtype):
        dt = T.ufunc_dtype(np.add, [start, stop])
        dt = dt if dt.kind in "fc" else np.dtype(np.float64)
    else:
        dt = np.dtype(T.const_value(dtype, "dtype"))
    shape = T.broadcast_shapes(T.shape_of(start), T.shape_of(stop))
    return AArray(dt, (_count(num, "num"), *shape))


def _weights(b, num, endpoint, ndim: int):
    """`w` of `linspace(start, stop, ...) = start (1 - w) + stop w`, along the new first
    axis of an output of `ndim` dimensions."""
    w = b.apply(linspace, 0.0, 1.0, num, endpoint, False, None, 0)
    return b.apply(reshape, w, (-1,) + (1,) * (ndim - 1)) if ndim > 1 else w


@linspace.defvjp
def _vjp_linspace(r):
    b = r.b
    w = _weights(b, r.x(2), r.x(3), r.out_type.ndim)
    out = [None] * 7
    if r.wants(0):
        out[0] = _sens(b, b.apply(O.mul, r.dout, b.apply(O.sub, 1.0, w)), r.types[0])
    if r.wants(1):
        out[1] = _sens(b, b.apply(O.mul, r.dout, w), r.types[1])
    return out


linspace.defemit(_np_call("linspace", 3, endpoint=True, retstep=False, dtype=None, axis=0))


# Tangents (forward mode): `full` is linear in its fill value, `linspace` in its two ends
# (each point is `start (1 - w_i) + stop w_i`, as in its backpropagator).
full.defjvp(linear(1))


@linspace.defjvp
def _jvp_linspace(r):
    b = r.b
    w = _weights(b, r.x(2), r.x(3), r.node.abstract.ndim)
    parts = [
        None if r.t(0) is None else b.apply(O.mul, r.t(0), b.apply(O.sub, 1.0, w)),
        None if r.t(1) is None else b.apply(O.mul, r.t(1), w),
    ]
    return tangent_sum(b, parts)
