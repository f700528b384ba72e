"""Gathering: `np.take` and `a.take(...)` (canonicalized to indexing), `np.take_along_axis`
and `a.item()`, with `along_axis_sens`, the helper primitive of the gradient of
`np.take_along_axis` (see `myia.prim.shapes` for the rest of the family).

Elements gathered more than once sum their sensitivities (`np.add.at`).
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer import abstract as A
from myia.infer.abstract import AArray, AList, AScalar, ATuple, describe
from myia.infer.build import type_of
from myia.prim import typing as T
from myia.prim.arrays import asarray, attr_size
from myia.prim.emitting import template
from myia.prim.indexing import index_type
from myia.prim.jvp import linear
from myia.prim.registry import REGISTRY, primitive
from myia.prim.shapes import (
    _along,
    _as_array,
    _axis,
    _dims,
    _flat,
    _helper,
    _like,
    _np_call,
    _sens,
    _shape_arg,
)
from myia.prim.structures import getitem, index_sens


@primitive("take", py=[np.take])
def take(a, indices, axis=None):
    """`np.take(a, indices, axis)` and `a.take(...)`: indexing, `a[:, indices]` (of the
    flattened `a` when `axis` is None); repeated indices sum their sensitivities."""
    return np.take(a, indices, axis)


@take.definfer
def _infer_take(a, indices, axis):
    x = _as_array(a, "np.take")
    ind = asarray.infer(indices, A.NONE) if isinstance(indices, (ATuple, AList)) else indices
    ok = isinstance(ind, (AArray, AScalar)) and ind.dtype.kind in "iu"
    if not ok or (isinstance(ind, AScalar) and ind.kind is bool):
        raise MyiaTypeError(f"np.take needs integer indices, got {describe(indices)}")
    if T.is_none(axis):
        return index_type(AArray(x.dtype, (x.size,)), ind)
    k = _axis(axis, x.ndim)
    return index_type(x, ATuple([A.AConst(slice(None))] * k + [ind]))


@take.defcanon
def _canon_take(b, args):
    a, ind, axis = args
    if isinstance(type_of(ind), (ATuple, AList)):
        ind = b.apply(asarray, ind, None)
    if T.is_none(type_of(axis)):
        return b.apply(getitem, _flat(b, a), ind)
    return b.apply(getitem, a, _along(b, _axis(type_of(axis), type_of(a).ndim), ind))


@primitive("take_along_axis", py=[np.take_along_axis], fresh=True)
def take_along_axis(arr, indices, axis=-1):
    """`np.take_along_axis(arr, indices, axis)` (of the flattened `arr` when `axis` is
    None); repeated indices sum their sensitivities."""
    return np.take_along_axis(arr, indices, axis)


@take_along_axis.definfer
def _infer_take_along_axis(arr, indices, axis):
    x = _as_array(arr, "np.take_along_axis")
    if not (isinstance(indices, AArray) and indices.dtype.kind in "iu"):
        raise MyiaTypeError(f"np.take_along_axis needs an integer array, got {describe(indices)}")
    if T.is_none(axis):
        if indices.ndim != 1:
            raise MyiaShapeError("when axis=None, `indices` must have a single dimension.")
        return AArray(x.dtype, indices.shape)
    if indices.ndim != x.ndim:
        raise MyiaShapeError("`indices` and `arr` must have the same number of dimensions")
    k = _axis(axis, x.ndim)
    pairs = enumerate(zip(x.shape, indices.shape))
    return AArray(
        x.dtype, tuple(m if i == k else T.broadcast_shapes((n,), (m,))[0] for i, (n, m) in pairs)
    )


@take_along_axis.defvjp
def _vjp_take_along_axis(r):
    b, t = r.b, r.types[0]
    shape = _shape_arg(b, _dims(b, r.x(0), t))
    g = b.apply(along_axis_sens, shape, _as_array(t, "").dtype, r.x(1), r.x(2), r.dout)
    return [_sens(b, g, t), None, None]


take_along_axis.defemit(_np_call("take_along_axis", 2, axis=-1))


@primitive("along_axis_sens", fresh=True)
def along_axis_sens(shape, dtype, indices, axis, d):
    """Zeros of `shape` and `dtype` with `d` added where `np.take_along_axis(., indices,
    axis)` takes its elements (repeated indices accumulate)."""
    out = np.zeros(shape, dtype)
    if axis is None:
        np.add.at(out.reshape(-1), indices, d)
        return out
    nd = len(shape)
    where = [
        np.arange(n).reshape([n if i == j else 1 for i in range(nd)]) for j, n in enumerate(shape)
    ]
    where[axis % nd] = indices
    np.add.at(out, tuple(where), d)
    return out


along_axis_sens.definfer(
    lambda shape, dtype, i, axis, d: AArray(dtype.value, T.tuple_of_ints(shape))
)
along_axis_sens.defvjp(
    lambda r: [None, None, None, None, r.b.apply(take_along_axis, r.dout, r.x(2), r.x(3))]
)
along_axis_sens.defemit(_helper("along_axis_sens"))


@primitive("item")
def item(a, index=None):
    """`a.item()` (`a.item(i)`: the element at the flat index or the index tuple `i`): a
    Python number."""
    return a.item() if index is None else a.item(index)


@item.definfer
def _infer_item(a, index):
    if isinstance(a, AScalar) and a.python:
        raise MyiaTypeError(f"{describe(a)} has no method .item()")
    x = _as_array(a, ".item()")
    if T.is_none(index) and x.size not in (None, 1):
        raise MyiaShapeError("can only convert an array of size 1 to a Python scalar")
    return AScalar({"f": float, "i": int, "u": int, "b": bool, "c": complex}[x.dtype.kind])


@item.defvjp
def _vjp_item(r):
    b, t, d = r.b, r.types[0], r.dout
    x = _as_array(t, ".item()")
    if isinstance(r.types[1], ATuple):
        d = b.apply(index_sens, _shape_arg(b, _dims(b, r.x(0), t)), x.dtype, r.x(1), d)
    elif not T.is_none(r.types[1]):  # a flat index
        dims = [x.size if x.size is not None else b.apply(attr_size, r.x(0))]
        d = b.apply(index_sens, _shape_arg(b, dims), x.dtype, r.x(1), d)
    return [_like(b, d, t, lambda: r.x(0)), None]


@item.defemit
def _emit_item(e, args):
    return template("{0}.item()" if e.const(1) == (True, None) else "{0}.item({1})")(e, args)


for _name, _p in [("take", take), ("item", item)]:
    REGISTRY.method(_name, _p)


# Tangents (forward mode): gathering is linear in the array gathered from.
take_along_axis.defjvp(linear(0))
along_axis_sens.defjvp(linear(4))
item.defjvp(linear(0))
