"""NumPy functions written with other primitives: `np.rot90` (flips and a transposition),
`np.diagonal` (an index by two integer arrays) and `np.nan_to_num` (`np.where`).

Each is a primitive whose canonical form (applied when specializing) is made of
differentiable primitives, so its gradient, tangent and higher orders are theirs: the
gradient of `nan_to_num` is 1 where the input is finite and 0 where it is replaced. `k`,
`axes`, `offset` and `axis1`/`axis2` are constants known when compiling, and so are the
shapes `diagonal` takes.

Example:
    >>> import myia
    >>> myia.jit(np.rot90)(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim import typing as T
from myia.prim.arrays import asarray
from myia.prim.elementwise import isnan, where_
from myia.prim.registry import primitive
from myia.prim.shapes import _as_array, _axis, copy, flip, transpose
from myia.prim.structures import getitem

# ---------------------------------------------------------------------------------------
# rot90


@primitive("rot90", py=[np.rot90])
def rot90(m, k=1, axes=(0, 1)):
    """`np.rot90(m, k, axes)`: `m` rotated by `k` quarter turns in the plane of `axes`,
    from the first axis towards the second."""
    return np.rot90(m, k, axes)


def _rot90_plan(m, k, axes):
    """(array type, quarter turns modulo 4, first axis, second axis, the permutation that
    swaps them)."""
    x = _as_array(m, "np.rot90")
    turns = T.const_int(k, "the k of np.rot90") % 4
    pair = T.const_value(axes, "the axes of np.rot90")
    if len(pair) != 2:
        raise MyiaShapeError("np.rot90: len(axes) must be 2")
    if x.ndim < 2:
        raise MyiaShapeError("np.rot90: the array must have at least 2 dimensions")
    a0, a1 = (_axis(AScalar(int, int(a)), x.ndim, "np.rot90 axis") for a in pair)
    if a0 == a1:
        raise MyiaShapeError("np.rot90: the axes must be different")
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = a1, a0
    return x, turns, a0, a1, tuple(perm)


@rot90.definfer
def _infer_rot90(m, k, axes):
    x, turns, _, _, perm = _rot90_plan(m, k, axes)
    if turns % 2 == 0:
        return AArray(x.dtype, x.shape)
    return AArray(x.dtype, tuple(x.shape[p] for p in perm))


@rot90.defcanon
def _canon_rot90(b, args):
    m = args[0]
    _, turns, a0, a1, perm = _rot90_plan(*(type_of(a) for a in args))
    if turns == 0:
        return b.apply(copy, m)
    if turns == 2:
        return b.apply(flip, b.apply(flip, m, a0), a1)
    if turns == 1:
        return b.apply(transpose, b.apply(flip, m, a1), perm)
    return b.apply(flip, b.apply(transpose, m, perm), a1)


# ---------------------------------------------------------------------------------------
# diagonal


@primitive("diagonal", py=[np.diagonal])
def diagonal(a, offset=0, axis1=0, axis2=1):
    """`np.diagonal(a, offset, axis1, axis2)`: the diagonal `offset` of the matrices in
    the plane of `axis1` and `axis2`, along a last axis (a copy, not a view)."""
    return np.diagonal(a, offset, axis1, axis2).copy()


def _diagonal_plan(a, offset, axis1, axis2):
    """(array type, axis1, axis2, the rows and the columns of the diagonal's elements)."""
    x = _as_array(a, "np.diagonal")
    if x.ndim < 2:
        raise MyiaShapeError("np.diagonal: the array must have at least 2 dimensions")
    k = T.const_int(offset, "the offset of np.diagonal")
    i = _axis(axis1, x.ndim, "np.diagonal axis1")
    j = _axis(axis2, x.ndim, "np.diagonal axis2")
    if i == j:
        raise MyiaShapeError("np.diagonal: axis1 and axis2 cannot be the same")
    rows, cols = x.shape[i], x.shape[j]
    if rows is None or cols is None:
        raise MyiaShapeError("np.diagonal needs the sizes of axis1 and axis2 known when compiling")
    n = max(0, min(rows - max(-k, 0), cols - max(k, 0)))
    return x, i, j, np.arange(n) + max(-k, 0), np.arange(n) + max(k, 0)


@diagonal.definfer
def _infer_diagonal(a, offset, axis1, axis2):
    x, i, j, r, _ = _diagonal_plan(a, offset, axis1, axis2)
    rest = tuple(d for p, d in enumerate(x.shape) if p not in (i, j))
    return AArray(x.dtype, (*rest, len(r)))


@diagonal.defcanon
def _canon_diagonal(b, args):
    _, i, j, r, c = _diagonal_plan(*(type_of(a) for a in args))
    ndim = type_of(args[0]).ndim
    perm = (*(p for p in range(ndim) if p not in (i, j)), i, j)
    return b.apply(getitem, b.apply(transpose, args[0], perm), (Ellipsis, r, c))


# ---------------------------------------------------------------------------------------
# nan_to_num


@primitive("nan_to_num", py=[np.nan_to_num])
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """`np.nan_to_num(x, copy, nan, posinf, neginf)`: NaN replaced by `nan`, infinities by
    `posinf` and `neginf` (by default the largest and smallest finite floats of the
    dtype); real numbers and arrays."""
    return np.nan_to_num(x, copy=copy, nan=nan, posinf=posinf, neginf=neginf)


def _nan_to_num_type(x):
    """The type of `np.nan_to_num(x)`: an array of `x`'s type, a NumPy float for a float.
    Complex numbers and integer or boolean numbers (not arrays) are refused."""
    t = _as_array(x, "np.nan_to_num")
    if t.dtype.kind == "c":
        raise MyiaTypeError("np.nan_to_num of complex numbers is not supported")
    if isinstance(x, AArray):
        return x
    if t.dtype.kind != "f":
        raise MyiaTypeError(f"np.nan_to_num of {describe(x)}: pass an array or a float")
    return AScalar(x.kind, np=True)


@nan_to_num.definfer
def _infer_nan_to_num(x, copy, nan, posinf, neginf):
    return _nan_to_num_type(x)


@nan_to_num.defcanon
def _canon_nan_to_num(b, args):
    x, _, nan, posinf, neginf = args
    t = type_of(x)
    if isinstance(t, AArray) and t.dtype.kind != "f":
        return b.apply(copy, x)  # nothing to replace
    a = x if isinstance(t, AArray) else b.apply(asarray, x, None)
    big = float(np.finfo(_as_array(t, "np.nan_to_num").dtype).max)
    high = big if T.is_none(type_of(posinf)) else posinf
    low = -big if T.is_none(type_of(neginf)) else neginf
    out = b.apply(where_, b.apply(O.eq, a, -np.inf), low, a)
    out = b.apply(where_, b.apply(O.eq, a, np.inf), high, out)
    out = b.apply(where_, b.apply(isnan, a), nan, out)
    return out if isinstance(t, AArray) else b.apply(getitem, out, ())
