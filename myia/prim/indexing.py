"""The shape rule of NumPy indexing (`x[i]`, `x[1:3, None]`, `x[idx]`, `x[mask]`).

Example:
    >>> index_type(AArray(np.float64, (4, 5)), AConst((slice(1, 3), None)))
    AArray(float64, (2, 1, 5))
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaIndexError, MyiaShapeError, MyiaTypeError
from myia.infer.abstract import (
    AArray,
    AConst,
    AList,
    AOpaque,
    AScalar,
    ASlice,
    ATuple,
    describe,
)
from myia.prim.typing import broadcast_shapes, scalar_of_dtype


def _is_int(t) -> bool:
    return isinstance(t, AScalar) and np.dtype(t.kind).kind in "iu" and t.kind is not bool


def _items(index):
    """The index as a list of abstract items (a tuple index spread out)."""
    if isinstance(index, AConst) and isinstance(index.value, tuple):
        return [
            AConst(v)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool)
            else AScalar(type(v), v)
            for v in index.value
        ]
    if isinstance(index, ATuple):
        return [_list_index(t) for t in index.items]
    return [_list_index(index)]


def _list_index(t):
    """A list in an index is the array `np.asarray` makes of it, as in NumPy (`x[[0, 2]]`;
    the specializer inserts the conversion: `prim/array_like.py`)."""
    if not isinstance(t, AList):
        return t
    from myia.prim.arrays import asarray

    return asarray.infer(t, AConst(None))


def _slice_bounds(item) -> None:
    """Refuse a slice whose bounds are not integers or None, or whose step is 0, as NumPy
    does."""
    if isinstance(item, AConst):
        bounds = [AConst(b) for b in (item.value.start, item.value.stop, item.value.step)]
    else:
        bounds = [item.start, item.stop, item.step]
    for b in bounds:
        none = isinstance(b, AConst) and b.value is None
        integer = isinstance(b, AConst) and isinstance(b.value, (int, np.integer))
        if not (none or integer or (isinstance(b, AScalar) and b.dtype.kind in "biu")):
            raise MyiaTypeError(
                f"slice indices must be integers or None, not {describe(b)}; convert the "
                "bound with int(...)"
            )
    step = bounds[2]
    if (isinstance(step, AConst) and step.value == 0) or (
        isinstance(step, AScalar) and step.known and step.value == 0
    ):
        raise MyiaIndexError("slice step cannot be zero")


def _slice_dim(item, n):
    """The length of dimension `n` sliced by `item` (None when not known)."""
    _slice_bounds(item)
    if isinstance(item, AConst) and isinstance(item.value, slice):
        if n is None:
            return None
        return len(range(*item.value.indices(n)))
    parts = []
    for p in (item.start, item.stop, item.step):
        if isinstance(p, AConst) and p.value is None:
            parts.append(None)
        elif isinstance(p, AScalar) and p.known:
            parts.append(int(p.value))
        else:
            return None
    return None if n is None else len(range(*slice(*parts).indices(n)))


def index_type(x: AArray, index) -> AArray | AScalar:
    """The type of `x[index]` for an array `x`."""
    items = _items(index)
    if sum(1 for it in items if isinstance(it, AConst) and it.value is Ellipsis) > 1:
        raise MyiaShapeError("an index can only have a single ellipsis ('...')")
    consumed = sum(
        0
        if (isinstance(it, AConst) and (it.value is None or it.value is Ellipsis))
        else (it.ndim if isinstance(it, AArray) and it.dtype.kind == "b" else 1)
        for it in items
    )
    if consumed > x.ndim:
        raise MyiaIndexError(
            f"too many indices for array: array is {x.ndim}-dimensional, but {consumed} were indexed"
        )
    shape = list(x.shape)
    out: list = []
    adv_shapes: list = []
    adv_pos = None
    adv_items: list[int] = []  # the places in `items` of the advanced indices
    # With an array in the index, an integer is an advanced index too (of shape ()).
    arrays = any(isinstance(it, AArray) and it.dtype.kind in "iub" for it in items)
    dim = 0
    for k, it in enumerate(items):
        if isinstance(it, AConst) and it.value is Ellipsis:
            rest = x.ndim - consumed
            out.extend(shape[dim : dim + rest])
            dim += rest
        elif isinstance(it, AConst) and it.value is None:
            out.append(1)
        elif _is_int(it):
            n = shape[dim]
            if it.known and n is not None and not -n <= int(it.value) < n:
                raise MyiaIndexError(
                    f"index {int(it.value)} is out of bounds for axis {dim} with size {n}"
                )
            if arrays:
                adv_pos = len(out) if adv_pos is None else adv_pos
                adv_shapes.append(())
                adv_items.append(k)
            dim += 1
        elif isinstance(it, (ASlice,)) or (isinstance(it, AConst) and isinstance(it.value, slice)):
            out.append(_slice_dim(it, shape[dim]))
            dim += 1
        elif isinstance(it, AOpaque) and it.pytype is slice:
            out.append(None)
            dim += 1
        elif isinstance(it, AArray) and it.dtype.kind in "iu":
            if adv_pos is None:
                adv_pos = len(out)
            adv_shapes.append(it.shape)
            adv_items.append(k)
            dim += 1
        elif isinstance(it, AArray) and it.dtype.kind == "b":
            if adv_pos is None:
                adv_pos = len(out)
            adv_shapes.append((None,))
            adv_items.append(k)
            dim += it.ndim
        elif isinstance(it, AScalar) and it.kind in (bool, np.bool_):
            out.append(1 if not it.known or it.value else 0)
        else:
            raise MyiaTypeError(
                f"only integers, slices, None, Ellipsis and integer or boolean arrays are valid "
                f"indices, got {describe(it)}"
            )
    out.extend(shape[dim:])
    if adv_shapes:
        adv = list(broadcast_shapes(*adv_shapes))
        if adv_items[-1] - adv_items[0] + 1 != len(adv_items):
            adv_pos = 0  # advanced indices apart (a slice between them): their axes go first
        out[adv_pos:adv_pos] = adv
    if not out:
        return scalar_of_dtype(x.dtype)
    return AArray(x.dtype, tuple(out))
