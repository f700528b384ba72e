"""Reduction primitives: `np.sum`, `np.mean`, `np.prod`, `np.max`/`np.min` (and `amax`/`amin`),
`np.var`, `np.std`, `np.argmax`/`np.argmin`, `np.all`/`np.any`, `np.cumsum`, `np.cumprod`,
and the helpers their backpropagators use to undo a reduction.

`axis` is an int (possibly negative), a tuple of ints or None (every axis), as in NumPy. The
sensitivity of a reduced input is the output sensitivity with the reduced axes re-inserted
(when `keepdims` is False) and broadcast back to the input's shape, dtype and type.
"""

from __future__ import annotations

import numpy as np

from myia.prim.registry import primitive
from myia.prim.sens import ZERO, sum_to


def _axes(ndim, axis):
    """The reduced axes as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(ax) % ndim for ax in axes))


def _kept_shape(shape, axis):
    """`shape` with the reduced axes set to 1 (the `keepdims=True` shape)."""
    axes = _axes(len(shape), axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# Helpers undoing a reduction


@primitive("expand_reduced")
def expand_reduced(x, a, axis, keepdims):
    """`x`, a reduction of `a` over `axis`, with the reduced axes re-inserted as size-1 axes."""
    return np.reshape(x, _kept_shape(np.shape(a), axis))


@expand_reduced.defbprop
def bprop_expand_reduced(x, a, axis, keepdims, out, dout):
    return (sum_to(np.sum(dout, axis=axis, keepdims=keepdims), x), ZERO, ZERO, ZERO)


@primitive("unreduce")
def unreduce(d, a, axis, keepdims):
    """Broadcast `d`, shaped like a reduction of `a` over `axis`, back to `a`'s shape.

    The result has `a`'s dtype and type (a Python float for a float; ZERO for an int or bool).
    """
    shape = np.shape(a)
    expanded = np.reshape(d, _kept_shape(shape, axis))
    if isinstance(a, np.ndarray) and a.dtype.kind in "fc":
        out = np.empty(shape, a.dtype)
        out[...] = expanded
        return out
    return sum_to(np.array(np.broadcast_to(expanded, shape)), a)


@unreduce.defbprop
def bprop_unreduce(d, a, axis, keepdims, out, dout):
    return (sum_to(np.sum(dout, axis=axis, keepdims=keepdims), d), ZERO, ZERO, ZERO)


@primitive("reduced_count", nondiff=True)
def reduced_count(a, axis):
    """The number of elements of `a` that each element of its reduction over `axis` combines."""
    shape = np.shape(a)
    return int(np.prod([shape[i] for i in _axes(len(shape), axis)], dtype=np.int64))


# Sums and means


@primitive("np.sum", py=[np.sum])
def np_sum(a, axis=None, keepdims=False):
    """`np.sum(a, axis, keepdims)`."""
    return np.sum(a, axis=axis, keepdims=keepdims)


@np_sum.defbprop
def bprop_np_sum(a, axis, keepdims, out, dout):
    return (unreduce(dout, a, axis, keepdims), ZERO, ZERO)


@primitive("np.mean", py=[np.mean])
def np_mean(a, axis=None, keepdims=False):
    """`np.mean(a, axis, keepdims)`."""
    return np.mean(a, axis=axis, keepdims=keepdims)


@np_mean.defbprop
def bprop_np_mean(a, axis, keepdims, out, dout):
    return (unreduce(dout / reduced_count(a, axis), a, axis, keepdims), ZERO, ZERO)


@primitive("np.var", py=[np.var])
def np_var(a, axis=None, ddof=0, keepdims=False):
    """`np.var(a, axis, ddof=ddof, keepdims=keepdims)`."""
    return np.var(a, axis=axis, ddof=ddof, keepdims=keepdims)


@np_var.defbprop
def bprop_np_var(a, axis, ddof, keepdims, out, dout):
    centered = a - np.mean(a, axis=axis, keepdims=True)
    g = unreduce(dout, a, axis, keepdims) * centered * 2.0 / (reduced_count(a, axis) - ddof)
    return (sum_to(g, a), ZERO, ZERO, ZERO)


@primitive("np.std", py=[np.std])
def np_std(a, axis=None, ddof=0, keepdims=False):
    """`np.std(a, axis, ddof=ddof, keepdims=keepdims)`; its gradient is infinite where it is 0."""
    return np.std(a, axis=axis, ddof=ddof, keepdims=keepdims)


@np_std.defbprop
def bprop_np_std(a, axis, ddof, keepdims, out, dout):
    centered = a - np.mean(a, axis=axis, keepdims=True)
    g = unreduce(dout / out, a, axis, keepdims) * centered / (reduced_count(a, axis) - ddof)
    return (sum_to(g, a), ZERO, ZERO, ZERO)


# Products


@primitive("np.prod", py=[np.prod])
def np_prod(a, axis=None, keepdims=False):
    """`np.prod(a, axis, keepdims)`.

    The gradient is exact with zeros: with one zero in a reduced slice, the zero gets the
    product of the others and the rest 0; with two or more, all get 0 (no division by zero).
    Second-order gradients are exact away from zeros.
    """
    return np.prod(a, axis=axis, keepdims=keepdims)


@np_prod.defbprop
def bprop_np_prod(a, axis, keepdims, out, dout):
    is_zero = a == 0
    zeros = np.sum(is_zero, axis=axis, keepdims=True)
    safe = a * (a != 0) + is_zero
    coef = (zeros == 0) / safe + (zeros == 1) * is_zero
    g = unreduce(dout, a, axis, keepdims) * np.prod(safe, axis=axis, keepdims=True) * coef
    return (sum_to(g, a), ZERO, ZERO)


# Extrema


@primitive("np.max", py=[np.max])
def np_max(a, axis=None, keepdims=False):
    """`np.max(a, axis, keepdims)`; ties divide the gradient equally among all tied maxima."""
    return np.max(a, axis=axis, keepdims=keepdims)


@primitive("np.amax", py=[np.amax])
def np_amax(a, axis=None, keepdims=False):
    """`np.amax(a, axis, keepdims)`; ties divide the gradient equally among all tied maxima."""
    return np.amax(a, axis=axis, keepdims=keepdims)


@primitive("np.min", py=[np.min])
def np_min(a, axis=None, keepdims=False):
    """`np.min(a, axis, keepdims)`; ties divide the gradient equally among all tied minima."""
    return np.min(a, axis=axis, keepdims=keepdims)


@primitive("np.amin", py=[np.amin])
def np_amin(a, axis=None, keepdims=False):
    """`np.amin(a, axis, keepdims)`; ties divide the gradient equally among all tied minima."""
    return np.amin(a, axis=axis, keepdims=keepdims)


@np_amin.defbprop
@np_min.defbprop
@np_amax.defbprop
@np_max.defbprop
def bprop_np_extremum(a, axis, keepdims, out, dout):
    hit = a == expand_reduced(out, a, axis, keepdims)
    share = dout / np.sum(hit, axis=axis, keepdims=keepdims)
    return (sum_to(unreduce(share, a, axis, keepdims) * hit, a), ZERO, ZERO)


@primitive("np.argmax", py=[np.argmax], nondiff=True)
def np_argmax(a, axis=None):
    """`np.argmax(a, axis)`."""
    return np.argmax(a, axis=axis)


@primitive("np.argmin", py=[np.argmin], nondiff=True)
def np_argmin(a, axis=None):
    """`np.argmin(a, axis)`."""
    return np.argmin(a, axis=axis)


# Logical reductions


@primitive("np.all", py=[np.all], nondiff=True)
def np_all(a, axis=None, keepdims=False):
    """`np.all(a, axis, keepdims)`."""
    return np.all(a, axis=axis, keepdims=keepdims)


@primitive("np.any", py=[np.any], nondiff=True)
def np_any(a, axis=None, keepdims=False):
    """`np.any(a, axis, keepdims)`."""
    return np.any(a, axis=axis, keepdims=keepdims)


# Cumulative reductions


@primitive("reverse_cumsum")
def reverse_cumsum(d, a, axis):
    """The adjoint of `np.cumsum(a, axis)` applied to `d`: sums from the end, shaped like `a`.

    With `axis=None`, `d` is flat (like the cumsum of the flattened `a`).
    """
    if axis is None:
        flat = np.cumsum(np.ravel(d)[::-1])[::-1]
        return sum_to(np.reshape(flat, np.shape(a)), a)
    return sum_to(np.flip(np.cumsum(np.flip(d, axis), axis=axis), axis), a)


@reverse_cumsum.defbprop
def bprop_reverse_cumsum(d, a, axis, out, dout):
    return (sum_to(np.cumsum(dout, axis=axis), d), ZERO, ZERO)


@primitive("np.cumsum", py=[np.cumsum])
def np_cumsum(a, axis=None):
    """`np.cumsum(a, axis)` (flattened when `axis` is None)."""
    return np.cumsum(a, axis=axis)


@np_cumsum.defbprop
def bprop_np_cumsum(a, axis, out, dout):
    return (reverse_cumsum(dout, a, axis), ZERO)


@primitive("np.cumprod", py=[np.cumprod])
def np_cumprod(a, axis=None):
    """`np.cumprod(a, axis)`; the gradient divides by `a`, so it is only valid without zeros
    (a zero input gives inf or NaN gradients)."""
    return np.cumprod(a, axis=axis)


@np_cumprod.defbprop
def bprop_np_cumprod(a, axis, out, dout):
    return (sum_to(reverse_cumsum(dout * out, a, axis) / a, a), ZERO)
