"""Products: one primitive, `matmul`, that `@`, `np.matmul`, `np.dot`, `x.dot`, `np.inner`
and `np.outer` reach wherever their semantics coincide with it (their `canon` rules), with
a backpropagator chosen by the ranks of the operands.

`np.dot` of arrays of more than two dimensions (a sum over the last axis of `a` and the
second-to-last of `b`, not a batched product) keeps a primitive of its own.
"""

from __future__ import annotations

import operator

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.next.infer.abstract import AArray, AScalar, describe
from myia.next.infer.build import type_of
from myia.next.prim import arith as O
from myia.next.prim.arrays import expand_dims, transpose
from myia.next.prim.emitting import template
from myia.next.prim.registry import REGISTRY, primitive
from myia.next.prim.sens import unbroadcast
from myia.next.prim.typing import broadcast_shapes, scalar_of_dtype, ufunc_dtype


@primitive("matmul", py=[operator.matmul, np.matmul], fresh=True)
def matmul(a, b):
    """`a @ b`: vectors, matrices and stacks of matrices with broadcast batch dimensions."""
    return a @ b


@matmul.definfer
def _infer_matmul(a, b):
    for t in (a, b):
        if not isinstance(t, AArray) or t.ndim == 0:
            raise MyiaTypeError(
                f"matmul: operands must be arrays of one dimension or more, got {describe(t)}"
            )
    dtype = ufunc_dtype(np.matmul, [a, b])
    sa = a.shape if a.ndim > 1 else (1, a.shape[0])
    sb = b.shape if b.ndim > 1 else (b.shape[0], 1)
    k1, k2 = sa[-1], sb[-2]
    if k1 is not None and k2 is not None and k1 != k2:
        raise MyiaShapeError(
            f"matmul: the shapes {_dims(a)} and {_dims(b)} are not aligned ({k1} != {k2})"
        )
    batch = broadcast_shapes(sa[:-2], sb[:-2])
    shape = (*batch, *(sa[-2:-1] if a.ndim > 1 else ()), *(sb[-1:] if b.ndim > 1 else ()))
    return AArray(dtype, shape) if shape else scalar_of_dtype(dtype)


def _dims(t):
    return str(tuple(t.shape)).replace("None", "?")


matmul.defemit(template("{0} @ {1}"))


def _swap(b, x):
    """The transpose of the last two axes."""
    n = type_of(x).ndim
    if n == 2:
        return b.apply(transpose, x, None)
    perm = (*range(n - 2), n - 1, n - 2)
    return b.apply(transpose, x, perm)


@matmul.defvjp
def _vjp_matmul(r):
    b = r.b
    ta, tb = r.types
    d = r.dout
    da = db = None
    if ta.ndim == 1 and tb.ndim == 1:
        if r.wants(0):
            da = b.apply(O.mul, d, r.x(1))
        if r.wants(1):
            db = b.apply(O.mul, r.x(0), d)
        return [unbroadcast(b, da, ta), unbroadcast(b, db, tb)]
    if ta.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        if r.wants(0):
            da = b.apply(matmul, r.x(1), b.apply(expand_dims, d, -1))
            da = b.apply(REGISTRY.lookup("squeeze"), da, -1)
        if r.wants(1):
            db = b.apply(O.mul, b.apply(expand_dims, r.x(0), -1), b.apply(expand_dims, d, -2))
        return [unbroadcast(b, da, ta), unbroadcast(b, db, tb)]
    if tb.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        if r.wants(0):
            da = b.apply(O.mul, b.apply(expand_dims, d, -1), r.x(1))
        if r.wants(1):
            db = b.apply(matmul, b.apply(expand_dims, d, -2), r.x(0))
            db = b.apply(REGISTRY.lookup("squeeze"), db, -2)
        return [unbroadcast(b, da, ta), unbroadcast(b, db, tb)]
    if r.wants(0):
        da = b.apply(matmul, d, _swap(b, r.x(1)))
    if r.wants(1):
        db = b.apply(matmul, _swap(b, r.x(0)), d)
    return [unbroadcast(b, da, ta), unbroadcast(b, db, tb)]


@primitive("dot", py=[np.dot], fresh=True)
def dot(a, b):
    """`np.dot(a, b)` and `a.dot(b)`."""
    return np.dot(a, b)


REGISTRY.method("dot", dot)


@dot.definfer
def _infer_dot(a, b):
    if isinstance(a, AScalar) or isinstance(b, AScalar) or a.ndim == 0 or b.ndim == 0:
        from myia.next.prim.typing import ufunc_type

        return ufunc_type(np.multiply, [a, b])
    if a.ndim <= 2 and b.ndim <= 2:
        return _infer_matmul(a, b)
    raise MyiaTypeError(
        "np.dot of arrays of more than 2 dimensions is not supported; use np.matmul or np.tensordot"
    )


@dot.defcanon
def _canon_dot(b, args):
    ta, tb = (type_of(x) for x in args)
    if isinstance(ta, AScalar) or isinstance(tb, AScalar) or ta.ndim == 0 or tb.ndim == 0:
        return b.apply(O.mul, *args)
    return b.apply(matmul, *args)


@primitive("inner", py=[np.inner], fresh=True)
def inner(a, b):
    """`np.inner(a, b)`: a sum over the last axes."""
    return np.inner(a, b)


@inner.definfer
def _infer_inner(a, b):
    if isinstance(a, AArray) and isinstance(b, AArray) and a.ndim >= 1 and b.ndim >= 1:
        return _infer_matmul(
            a, b if b.ndim == 1 else AArray(b.dtype, (*b.shape[:-2], b.shape[-1], b.shape[-2]))
        )
    return _infer_dot(a, b)


@inner.defcanon
def _canon_inner(b, args):
    ta, tb = (type_of(x) for x in args)
    if (
        isinstance(ta, AArray)
        and isinstance(tb, AArray)
        and ta.ndim >= 1
        and tb.ndim in (1, 2)
        and ta.ndim <= 2
    ):
        other = args[1] if tb.ndim == 1 else b.apply(transpose, args[1], None)
        return b.apply(matmul, args[0], other)
    return _canon_dot(b, args)


@primitive("outer", py=[np.outer], fresh=True)
def outer(a, b):
    """`np.outer(a, b)` of flattened inputs."""
    return np.outer(a, b)


@outer.definfer
def _infer_outer(a, b):
    from myia.next.prim.typing import ufunc_type

    na = a.size if isinstance(a, AArray) else 1
    nb = b.size if isinstance(b, AArray) else 1
    dtype = ufunc_type(np.multiply, [a, b])
    dtype = dtype.dtype if isinstance(dtype, AArray) else np.dtype(dtype.kind)
    return AArray(dtype, (na, nb))


@outer.defcanon
def _canon_outer(b, args):
    from myia.next.prim.arrays import reshape

    col = b.apply(reshape, args[0], (-1, 1))
    row = b.apply(reshape, args[1], (1, -1))
    return b.apply(O.mul, col, row)
