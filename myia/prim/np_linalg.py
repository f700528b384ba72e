"""The functions of `np.linalg` besides the products: `np.linalg.norm`, `np.linalg.inv`,
`np.linalg.det` and `np.linalg.solve` (stacks of matrices, batch dimensions broadcast).

Gradient conventions (docs/numerics.md): the 2-norm and the Frobenius norm have gradient
0 at 0 (not NaN); the 1-norm uses the derivative of `abs` (0 at 0); the extrema of the
±inf norms (and of the matrix ±1 norms) share the gradient equally between ties; `inv`,
and `solve` differentiate as in autograd/JAX (`d inv = -inv^T g inv^T`, `d b = solve(a^T,
g)`, `d a = -d b x^T`); `det` by the cofactor matrix (`myia.prim.decompositions`).
"""

from __future__ import annotations

import math

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim.arrays import expand_dims, squeeze
from myia.prim.emitting import template
from myia.prim.jvp import tangent_sum
from myia.prim.linalg import _array, _dims, _emit_call, _result, _swap, matmul
from myia.prim.registry import REGISTRY, primitive
from myia.prim.sens import unbroadcast
from myia.prim.typing import broadcast_shapes, const_value

# ---------------------------------------------------------------------------------------
# norm


def _norm_form(x, ord_t, axis_t, keepdims_t):
    """(array type, ord, reduced axes in the given order, vector or matrix, keepdims)."""
    from myia.prim.typing import is_none

    a = _array(x, "np.linalg.norm")
    ord = None if is_none(ord_t) else const_value(ord_t, "the ord of np.linalg.norm")
    keep = bool(const_value(keepdims_t, "keepdims"))
    if is_none(axis_t):
        if ord is None:
            return a, None, tuple(range(a.ndim)), "flat", keep
        axes = tuple(range(a.ndim))
    else:
        v = const_value(axis_t, "the axis of np.linalg.norm")
        axes = tuple(v) if isinstance(v, (tuple, list)) else (v,)
        for i in axes:
            if not -a.ndim <= i < a.ndim:
                raise MyiaShapeError(
                    f"axis {i} is out of bounds for an array of dimension {a.ndim}"
                )
        axes = tuple(int(i) % a.ndim for i in axes)
        if len(set(axes)) != len(axes):
            raise MyiaShapeError("np.linalg.norm: duplicate axes")
    if len(axes) == 1:
        if isinstance(ord, str):
            raise MyiaTypeError(f"np.linalg.norm: invalid norm order {ord!r} for vectors")
        return a, ord, axes, "vector", keep
    if len(axes) == 2:
        if ord not in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
            raise MyiaTypeError(f"np.linalg.norm: invalid norm order {ord!r} for matrices")
        return a, ord, axes, "matrix", keep
    raise MyiaShapeError("np.linalg.norm: improper number of dimensions to norm")


@primitive("norm", py=[np.linalg.norm], fresh=True)
def norm(x, ord=None, axis=None, keepdims=False):
    """`np.linalg.norm(x, ord, axis, keepdims)`. Gradients: the 2-norm and Frobenius norm
    (0 at 0, not NaN), the 1-norm (`abs`, 0 at 0), other vector p-norms, and the maxima and
    minima (vector ±inf, matrix ±1 and ±inf) with ties sharing the gradient equally; the
    0-"norm" (a count) has gradient 0; the matrix ±2-norms and the nuclear norm, those of
    `svd` (distinct non-zero singular values)."""
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@norm.definfer
def _infer_norm(x, ord, axis, keepdims):
    a, _, axes, _, keep = _norm_form(x, ord, axis, keepdims)
    dt = a.dtype
    dt = np.empty(0, dt).real.dtype if dt.kind in "fc" else np.dtype(np.float64)
    if keep:
        return AArray(dt, tuple(1 if i in axes else d for i, d in enumerate(a.shape)))
    return _result(dt, tuple(d for i, d in enumerate(a.shape) if i not in axes))


def _norm_weight(r, ord, axes, kind, keep):
    """The derivative of the norm with respect to each element of `x` (broadcastable
    against it), None where it is 0 (the 0-"norm"): `d x = d * w`, `t norm = sum(t * w)`."""
    b = r.b
    if ord == 0 and kind == "vector":
        return None
    x = r.x(0)
    o = r.out()
    if not (keep or isinstance(type_of(o), AScalar)):  # reduced, broadcastable against x
        o = b.apply(expand_dims, o, tuple(sorted(axes)))
    if ord is None or ord == "fro" or ord == 2 and kind == "vector":
        safe = b.apply(O.add, o, b.apply(O.eq, o, 0.0))  # 0 at 0
        return b.apply(O.truediv, x, safe)
    sign = b.apply(REGISTRY.lookup("sign"), x)
    mag = b.apply(REGISTRY.lookup("abs"), x)
    if kind == "vector" and ord == 1:
        return sign
    if kind == "vector" and not math.isinf(ord):
        safe = b.apply(O.add, o, b.apply(O.eq, o, 0.0))
        scale = b.apply(O.pow_, b.apply(O.truediv, mag, safe), float(ord) - 1.0)
        return b.apply(O.mul, sign, scale)
    if kind == "vector" or ord in (1, -1, np.inf, -np.inf):
        inner_v = mag
        if kind == "matrix":  # ±1: sums down the columns; ±inf: along the rows
            summed = axes[0] if ord in (1, -1) else axes[1]
            inner_v = b.apply(REGISTRY.lookup("sum"), mag, summed, None, True)
        hit = b.apply(O.eq, inner_v, o)
        count = b.apply(REGISTRY.lookup("sum"), hit, tuple(sorted(axes)), None, True)
        return b.apply(O.mul, sign, b.apply(O.truediv, hit, count))
    return _spectral_weight(b, x, ord, axes)


def _spectral_weight(b, x, ord, axes):
    """The derivative of a norm of the singular values of the matrices of `x` (on `axes`):
    `U Vh` for the nuclear norm, `u v^T` of the largest (`ord=2`) or smallest (`ord=-2`)
    singular value; where the singular values are distinct and non-zero, as for `svd`."""
    from myia.prim.decompositions import svd
    from myia.prim.shapes import transpose
    from myia.prim.structures import getitem

    ndim = type_of(x).ndim
    perm = (*(p for p in range(ndim) if p not in axes), *axes)  # the matrices last
    usv = b.apply(svd, b.apply(transpose, x, perm), False, True, False)
    u, vh = b.apply(getitem, usv, 0), b.apply(getitem, usv, 2)
    if ord != "nuc":
        k = slice(0, 1) if ord == 2 else slice(-1, None)
        u = b.apply(getitem, u, (Ellipsis, slice(None), k))
        vh = b.apply(getitem, vh, (Ellipsis, k, slice(None)))
    back = tuple(int(p) for p in np.argsort(perm))
    return b.apply(transpose, b.apply(matmul, u, vh), back)


@norm.defvjp
def _vjp_norm(r):
    b = r.b
    a, ord, axes, kind, keep = _norm_form(*r.types)
    w = _norm_weight(r, ord, axes, kind, keep) if r.wants(0) else None
    if w is None:
        return [None] * 4
    d = r.dout
    if not (keep or isinstance(type_of(d), AScalar)):
        d = b.apply(expand_dims, d, tuple(sorted(axes)))
    return [unbroadcast(b, b.apply(O.mul, d, w), r.types[0]), None, None, None]


@norm.defjvp
def _jvp_norm(r):
    a, ord, axes, kind, keep = _norm_form(*r.types)
    w = _norm_weight(r, ord, axes, kind, keep)
    if w is None:
        return None
    t = r.b.apply(O.mul, r.t(0), w)
    return r.b.apply(REGISTRY.lookup("sum"), t, tuple(sorted(axes)), None, keep)


norm.defemit(_emit_call("np.linalg.norm", ("ord", "axis", "keepdims"), (None, None, False)))


# ---------------------------------------------------------------------------------------
# inv, det, solve


def _linalg_dtype(*types) -> np.dtype:
    dts = []
    for t in types:
        dt = _array(t, "np.linalg").dtype
        if dt == np.float16:
            raise MyiaTypeError("array type float16 is unsupported in linalg")
        if dt.kind not in "fc":
            if dt.kind not in "biu":
                raise MyiaTypeError(f"np.linalg does not support {describe(t)}")
            dt = np.dtype(np.float64)
        dts.append(dt)
    return np.result_type(*dts)


def _square(t, what: str) -> AArray:
    a = _array(t, what)
    if a.ndim < 2:
        raise MyiaShapeError(
            f"{what}: {a.ndim}-dimensional array given. Array must be at least two-dimensional"
        )
    n1, n2 = a.shape[-2:]
    if n1 is not None and n2 is not None and n1 != n2:
        raise MyiaShapeError(
            f"{what}: last 2 dimensions of the array must be square, got {_dims(a)}"
        )
    return a


@primitive("inv", py=[np.linalg.inv], fresh=True)
def inv(a):
    """`np.linalg.inv(a)` (stacks of square matrices); `d a = -inv(a)^T g inv(a)^T`."""
    return np.linalg.inv(a)


@inv.definfer
def _infer_inv(a):
    return AArray(_linalg_dtype(a), _square(a, "np.linalg.inv").shape)


@inv.defvjp
def _vjp_inv(r):
    b = r.b
    t = _swap(b, r.out())
    return [
        unbroadcast(b, b.apply(O.neg, b.apply(matmul, b.apply(matmul, t, r.dout), t)), r.types[0])
    ]


inv.defemit(template("np.linalg.inv({0})"))


@primitive("det", py=[np.linalg.det], fresh=True)
def det(a):
    """`np.linalg.det(a)` (stacks of square matrices); `d a = g cofactor(a)`, finite at
    singular matrices (its rules are in `myia.prim.decompositions`, with `cofactor`)."""
    return np.linalg.det(a)


@det.definfer
def _infer_det(a):
    return _result(_linalg_dtype(a), _square(a, "np.linalg.det").shape[:-2])


det.defemit(template("np.linalg.det({0})"))


@inv.defjvp
def _jvp_inv(r):
    out = r.out()
    return r.b.apply(O.neg, r.b.apply(matmul, r.b.apply(matmul, out, r.t(0)), out))


@primitive("solve", py=[np.linalg.solve], fresh=True)
def solve(a, b):
    """`np.linalg.solve(a, b)`: `b` a vector (M,) or (stacks of) matrices (..., M, K), batch
    dimensions broadcast; `d b = solve(a^T, g)`, `d a = -d b x^T`."""
    return np.linalg.solve(a, b)


@solve.definfer
def _infer_solve(a, b):
    ta = _square(a, "np.linalg.solve")
    tb = _array(b, "np.linalg.solve")
    dtype = _linalg_dtype(a, b)
    if tb.ndim == 0:
        raise MyiaShapeError("np.linalg.solve: b must be an array of one dimension or more")
    m = tb.shape[0] if tb.ndim == 1 else tb.shape[-2]
    if m is not None and ta.shape[-1] is not None and m != ta.shape[-1]:
        raise MyiaShapeError(f"np.linalg.solve: the shapes {_dims(ta)} and {_dims(tb)} don't match")
    if tb.ndim == 1:
        return AArray(dtype, ta.shape[:-1])
    return AArray(dtype, (*broadcast_shapes(ta.shape[:-2], tb.shape[:-2]), *tb.shape[-2:]))


@solve.defvjp
def _vjp_solve(r):
    b = r.b
    ta, tb = r.types
    d = r.dout
    at = _swap(b, r.x(0))
    if tb.ndim == 1 and ta.ndim > 2:  # stacked vectors: solve columns
        db = b.apply(squeeze, b.apply(solve, at, b.apply(expand_dims, d, -1)), -1)
    else:
        db = b.apply(solve, at, d)
    da = None
    if r.wants(0):
        x = r.out()
        if tb.ndim == 1:
            da = b.apply(O.mul, b.apply(expand_dims, db, -1), b.apply(expand_dims, x, -2))
        else:
            da = b.apply(matmul, db, _swap(b, x))
        da = b.apply(O.neg, da)
    return [unbroadcast(b, da, ta), unbroadcast(b, db, tb) if r.wants(1) else None]


solve.defemit(template("np.linalg.solve({0}, {1})"))


@solve.defjvp
def _jvp_solve(r):
    """`solve(a, t_b - t_a x)` for `x = solve(a, b)`."""
    b = r.b
    ta, tb = r.types
    stacked_vectors = tb.ndim == 1 and ta.ndim > 2  # b a vector, `a` a stack of matrices
    x = r.out()
    rhs = []
    if r.t(1) is not None:
        rhs.append(r.t(1))
    if r.t(0) is not None:
        if stacked_vectors:
            dax = b.apply(squeeze, b.apply(matmul, r.t(0), b.apply(expand_dims, x, -1)), -1)
        else:
            dax = b.apply(matmul, r.t(0), x)
        rhs.append(b.apply(O.neg, dax))
    rhs = tangent_sum(b, rhs)
    if stacked_vectors:
        return b.apply(squeeze, b.apply(solve, r.x(0), b.apply(expand_dims, rhs, -1)), -1)
    return b.apply(solve, r.x(0), rhs)
