"""Joining: `np.concatenate`, `np.stack`, `np.hstack` and `np.vstack` (canonicalized to
`concatenate`, `stack` and reshapes), with `unconcat` and `unstack`, the helper primitives
of their gradients for lists of run-time length (see `myia.prim.shapes` for the rest
of the family).

The arrays joined are the items of a tuple or a list (of known or run-time length), or the
sub-arrays of an array along its first axis (a join of an array is a transpose and a
reshape). The sensitivity of the input has its structure: a tuple or list of the same
length with each item's shape and dtype, or an array.
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaShapeError
from myia.infer.abstract import (
    AArray,
    AList,
    AScalar,
    ATuple,
    AZero,
)
from myia.infer.build import type_of
from myia.infer.sensitivity import sens_type
from myia.prim import typing as T
from myia.prim.arrays import reshape, transpose, zeros_like
from myia.prim.jvp import linear
from myia.prim.registry import primitive
from myia.prim.shapes import (
    _along,
    _as_array,
    _axis,
    _common_shape,
    _dims,
    _flat,
    _helper,
    _items,
    _joined,
    _like,
    _maker,
    _np_call,
    _sens,
    _shape_arg,
)
from myia.prim.structures import ZERO, getitem


def _sequence(t):
    """The type of the sequence of arrays a join reads: `t`, or the sub-arrays of an array
    along its first axis."""
    if isinstance(t, AArray) and t.ndim:
        item = AArray(t.dtype, t.shape[1:])
        return AList(None, item) if t.shape[0] is None else ATuple([item] * t.shape[0])
    return t


def _moved_first(b, x, k: int):
    """The array `x` with its first axis moved to position `k`."""
    order = list(range(1, type_of(x).ndim))
    order.insert(k, 0)
    return x if order == sorted(order) else b.apply(transpose, x, tuple(order))


def _join_array(b, x, k):
    """`np.concatenate(x, k)` of an array `x` (flattened when `k` is None): its first axis
    moved to `k`, then merged with the next one."""
    if k is None:
        return _flat(b, x)
    y = _moved_first(b, x, k)
    dims = _dims(b, y, type_of(y))
    n, m = dims[k], dims[k + 1]
    dims[k : k + 2] = [n * m if isinstance(n, int) and isinstance(m, int) else -1]
    return b.apply(reshape, y, _shape_arg(b, dims))


@primitive("concatenate", py=[np.concatenate], fresh=True)
def concatenate(arrays, axis=0):
    """`np.concatenate(arrays, axis)` (flattened when `axis` is None); each array's
    sensitivity is its slice of the result's."""
    return np.concatenate(arrays, axis)


@concatenate.definfer
def _infer_concatenate(arrays, axis):
    arrays = _sequence(arrays)
    xs = _items(arrays, "np.concatenate")
    dtype = np.result_type(*[x.dtype for x in xs])
    known = arrays.items is not None
    if T.is_none(axis):
        sizes = [x.size for x in xs]
        return AArray(dtype, (sum(sizes) if known and None not in sizes else None,))
    if xs[0].ndim == 0:
        raise MyiaShapeError("zero-dimensional arrays cannot be concatenated")
    k = _axis(axis, xs[0].ndim)
    message = "np.concatenate: the arrays must match exactly except along the axis"
    shape = _common_shape([x.shape for x in xs], k, message)
    sizes = [x.shape[k] for x in xs]
    shape[k] = sum(sizes) if known and None not in sizes else None
    return AArray(dtype, tuple(shape))


@concatenate.defcanon
def _canon_concatenate(b, args):
    x, axis = args
    if not isinstance(type_of(x), AArray):
        return b.apply(concatenate, x, axis)
    ndim = type_of(x).ndim - 1
    return _join_array(b, x, None if T.is_none(type_of(axis)) else _axis(type_of(axis), ndim))


@concatenate.defvjp
def _vjp_concatenate(r):
    if not r.wants(0):
        return [None, None]
    b, seq = r.b, r.types[0]
    flat = T.is_none(r.types[1])
    k = 0 if flat else _axis(r.types[1], r.out_type.ndim)
    sizes = [x.size if flat else x.shape[k] for x in _items(seq, "")]
    if seq.items is None or None in sizes:
        parts = b.apply(unconcat, r.dout, r.x(0), None if flat else k)
        if seq.items is None:
            return [parts, None]
        pieces = [b.apply(getitem, parts, i) for i in range(len(sizes))]
    else:
        cuts = np.cumsum([0, *sizes]).tolist()
        pieces = [
            b.apply(getitem, r.dout, _along(b, k, slice(s, e))) for s, e in zip(cuts, cuts[1:])
        ]
    out = [
        ZERO if sens_type(t) is AZero else _like(b, p, t, lambda i=i: b.apply(getitem, r.x(0), i))
        for i, (p, t) in enumerate(zip(pieces, seq.items))
    ]
    return [b.apply(_maker(seq), *out), None]


concatenate.defemit(_np_call("concatenate", 1, axis=0))


@primitive("unconcat")
def unconcat(d, like, axis):
    """The pieces of `d` along `axis` with the sizes of the arrays of `like` (pieces of the
    flattened `d`, reshaped to them, when `axis` is None), as a list: the sensitivity of
    `like` when `np.concatenate(like, axis)` has sensitivity `d`."""
    if axis is None:
        cuts = np.cumsum([np.size(x) for x in like])[:-1]
        return [np.reshape(p, np.shape(x)) for p, x in zip(np.split(d, cuts), like)]
    return np.split(d, np.cumsum([np.shape(x)[axis] for x in like])[:-1], axis)


@unconcat.definfer
def _infer_unconcat(d, like, axis):
    pieces = [AArray(d.dtype, x.shape) for x in _items(like, "unconcat")]
    return AList(None, pieces[0]) if like.items is None else AList(pieces)


unconcat.defvjp(
    lambda r: [r.b.apply(concatenate, _joined(r.b, r.dout, r.out_type, r.out), r.x(2)), None, None]
)
unconcat.defemit(_helper("unconcat"))


@primitive("stack", py=[np.stack], fresh=True)
def stack(arrays, axis=0):
    """`np.stack(arrays, axis)` of arrays (or numbers) of one shape; each item's
    sensitivity is its slice of the result's."""
    return np.stack(arrays, axis)


@stack.definfer
def _infer_stack(arrays, axis):
    arrays = _sequence(arrays)
    xs = _items(arrays, "np.stack")
    message = "np.stack: all input arrays must have the same shape"
    shape = _common_shape([x.shape for x in xs], None, message)
    n = len(arrays.items) if arrays.items is not None else None
    shape.insert(_axis(axis, len(shape) + 1), n)
    return AArray(np.result_type(*[x.dtype for x in xs]), tuple(shape))


@stack.defcanon
def _canon_stack(b, args):
    x, axis = args
    if not isinstance(type_of(x), AArray):
        return b.apply(stack, x, axis)
    return _moved_first(b, x, _axis(type_of(axis), type_of(x).ndim))


@stack.defvjp
def _vjp_stack(r):
    if not r.wants(0):
        return [None, None]
    b, seq = r.b, r.types[0]
    k = _axis(r.types[1], r.out_type.ndim)
    if seq.items is None:
        return [b.apply(unstack, r.dout, k), None]
    out = [
        ZERO if sens_type(t) is AZero else _sens(b, b.apply(getitem, r.dout, _along(b, k, i)), t)
        for i, t in enumerate(seq.items)
    ]
    return [b.apply(_maker(seq), *out), None]


stack.defemit(_np_call("stack", 1, axis=0))


@primitive("unstack")
def unstack(d, axis):
    """The slices of `d` along `axis`, as a list: the sensitivity of a list of run-time
    length when `np.stack(list, axis)` has sensitivity `d`."""
    return list(np.moveaxis(d, axis, 0))


@unstack.definfer
def _infer_unstack(d, axis):
    k = _axis(axis, d.ndim)
    rest = d.shape[:k] + d.shape[k + 1 :]
    return AList(None, AArray(d.dtype, rest) if rest else T.scalar_of_dtype(d.dtype))


unstack.defvjp(lambda r: [r.b.apply(stack, r.dout, r.x(1)), None])
unstack.defemit(_helper("unstack"))


@primitive("hstack", py=[np.hstack])
def hstack(tup):
    """`np.hstack(tup)`: a concatenation along axis 1 (axis 0 of numbers and 1-d arrays)."""
    return np.hstack(tup)


@primitive("vstack", py=[np.vstack])
def vstack(tup):
    """`np.vstack(tup)`: a concatenation along axis 0, 1-d arrays as rows and numbers as
    1x1 arrays."""
    return np.vstack(tup)


def _promoted(t, nd: int) -> AArray:
    x = _as_array(t, "np.hstack")
    return x if x.ndim >= nd else AArray(x.dtype, (1,) * (nd - x.ndim) + x.shape)


def _hv(seq, nd: int):
    """(type of the sequence of items with `nd` dimensions or more, axis of their
    concatenation) for `np.hstack` (nd=1) and `np.vstack` (nd=2)."""
    seq = _sequence(seq)
    _items(seq, "np.vstack" if nd == 2 else "np.hstack")
    if seq.items is None:
        p = AList(None, _promoted(seq.elem, nd))
    else:
        p = type(seq)([_promoted(t, nd) for t in seq.items])
    first = p.elem if p.items is None else p.items[0]
    return p, AScalar(int, 0 if nd == 2 or first.ndim == 1 else 1)


def _stacking(prim, nd: int):
    def canon(b, args):
        x = args[0]
        seq = type_of(x)
        p, axis = _hv(seq, nd)
        axis = axis.value
        ndims = {t.ndim for t in _items(_sequence(seq), "")}
        if isinstance(seq, AArray):
            if seq.ndim - 1 >= nd:
                return _join_array(b, x, axis)
            return x if seq.ndim == nd else b.apply(reshape, x, (-1, 1))
        if min(ndims) >= nd:
            return b.apply(concatenate, x, axis)
        if ndims == {nd - 1}:  # each item gets one leading axis: a stack
            return b.apply(stack, x, 0)
        if seq.items is None:  # numbers, as rows of one
            return b.apply(reshape, b.apply(stack, x, 0), (-1, 1))
        parts = []
        for i, (t, pt) in enumerate(zip(seq.items, p.items)):
            item = b.apply(getitem, x, i)
            if _as_array(t, "").ndim < nd:
                item = b.apply(reshape, item, pt.shape if pt.known_shape else (1, -1)[2 - nd :])
            parts.append(item)
        return b.apply(concatenate, b.apply(_maker(seq), *parts), axis)

    prim.definfer(lambda tup: _infer_concatenate(*_hv(tup, nd)))
    prim.defcanon(canon)


_stacking(hstack, 1)
_stacking(vstack, 2)


# ---------------------------------------------------------------------------------------
# Tangents (forward mode): a join is linear in the arrays it joins.


def _jvp_join(r):
    """The join of the tangents of the arrays (zeros of the result's dtype for those that
    have none: ints, bools) along the same axis."""
    b, seq = r.b, r.types[0]
    t = r.full(0)
    if seq.items is not None and any(sens_type(x) is AZero for x in seq.items):
        dtype = r.out_type.dtype.type
        t = b.apply(
            _maker(seq),
            *[
                b.apply(zeros_like, b.apply(getitem, r.x(0), i), dtype)
                if sens_type(x) is AZero
                else b.apply(getitem, t, i)
                for i, x in enumerate(seq.items)
            ],
        )
    return b.apply(r.node.inputs[0].value, t, r.x(1))


concatenate.defjvp(_jvp_join)
stack.defjvp(_jvp_join)
unconcat.defjvp(linear(0))
unstack.defjvp(linear(0))
