"""Shape primitives: reshaping, axis permutation, broadcasting, joining and splitting,
tiling, diagonals, sorting and gathering by index, conversion to arrays, array
constructors, and the attributes and methods of arrays (`x.T`, `x.shape`, `x.sum()`, ...),
with the adjoint helpers their backpropagators call.

Every sensitivity is returned through `sum_to(g, x)`, so it has exactly the type, shape and
dtype of its input (a Python float for a float, float32 for float32).
"""

from __future__ import annotations

import numpy as np

from myia.prim.registry import primitive
from myia.prim.sens import ZERO, broadcast_like, instantiate, sum_to


def _promoted(shape, nd):
    """`shape` with leading ones up to `nd` dimensions (as `atleast_Nd` and `tile` do)."""
    return (1,) * (nd - len(shape)) + tuple(shape)


def _packed(args):
    """The argument of a method the parser packed (`x.reshape((2, 3))` -> `(2, 3)`)."""
    if (
        isinstance(args, (tuple, list))
        and len(args) == 1
        and (args[0] is None or isinstance(args[0], (tuple, list)))
    ):
        return args[0]
    return args


def _packed_axes(axes):
    """The permutation of `x.transpose(...)`; no axes at all means reversing them."""
    axes = _packed(axes)
    if isinstance(axes, (tuple, list)) and len(axes) == 0:
        return None
    return axes


def _reduced_axes(axis, nd):
    """The sorted non-negative axes an `axis` argument of a reduction names."""
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % nd for a in axis))
    return (axis % nd,)


# Shape queries


@primitive("np.shape", py=[np.shape], nondiff=True)
def np_shape(a):
    """`np.shape(a)`."""
    return np.shape(a)


@primitive("np.ndim", py=[np.ndim], nondiff=True)
def np_ndim(a):
    """`np.ndim(a)`."""
    return np.ndim(a)


@primitive("np.size", py=[np.size], nondiff=True)
def np_size(a, axis=None):
    """`np.size(a, axis)`."""
    return np.size(a, axis)


@primitive("inverse_axes", nondiff=True)
def inverse_axes(axes, ndim):
    """The permutation undoing `transpose(., axes)` of an `ndim`-array (None for None)."""
    axes = _packed_axes(axes)
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([a % ndim for a in axes]))


# Reshaping


@primitive("np.reshape", py=[np.reshape])
def np_reshape(a, shape):
    """`np.reshape(a, shape)`."""
    return np.reshape(a, shape)


@np_reshape.defbprop
def bprop_np_reshape(a, shape, out, dout):
    return (sum_to(np.reshape(dout, np.shape(a)), a), ZERO)


@primitive("np.ravel", py=[np.ravel])
def np_ravel(a):
    """`np.ravel(a)`."""
    return np.ravel(a)


@np_ravel.defbprop
def bprop_np_ravel(a, out, dout):
    return (sum_to(np.reshape(dout, np.shape(a)), a),)


@primitive("np.expand_dims", py=[np.expand_dims])
def np_expand_dims(a, axis):
    """`np.expand_dims(a, axis)`."""
    return np.expand_dims(a, axis)


@np_expand_dims.defbprop
def bprop_np_expand_dims(a, axis, out, dout):
    return (sum_to(np.reshape(dout, np.shape(a)), a), ZERO)


@primitive("np.squeeze", py=[np.squeeze])
def np_squeeze(a, axis=None):
    """`np.squeeze(a, axis)`."""
    return np.squeeze(a, axis)


@np_squeeze.defbprop
def bprop_np_squeeze(a, axis, out, dout):
    return (sum_to(np.reshape(dout, np.shape(a)), a), ZERO)


# Axis permutation


@primitive("np.transpose", py=[np.transpose])
def np_transpose(a, axes=None):
    """`np.transpose(a, axes)`."""
    return np.transpose(a, axes)


@np_transpose.defbprop
def bprop_np_transpose(a, axes, out, dout):
    return (sum_to(np.transpose(dout, inverse_axes(axes, np.ndim(a))), a), ZERO)


@primitive("np.swapaxes", py=[np.swapaxes])
def np_swapaxes(a, axis1, axis2):
    """`np.swapaxes(a, axis1, axis2)`."""
    return np.swapaxes(a, axis1, axis2)


@np_swapaxes.defbprop
def bprop_np_swapaxes(a, axis1, axis2, out, dout):
    return (sum_to(np.swapaxes(dout, axis1, axis2), a), ZERO, ZERO)


@primitive("np.moveaxis", py=[np.moveaxis])
def np_moveaxis(a, source, destination):
    """`np.moveaxis(a, source, destination)`."""
    return np.moveaxis(a, source, destination)


@np_moveaxis.defbprop
def bprop_np_moveaxis(a, source, destination, out, dout):
    return (sum_to(np.moveaxis(dout, destination, source), a), ZERO, ZERO)


@primitive("np.flip", py=[np.flip])
def np_flip(m, axis=None):
    """`np.flip(m, axis)`."""
    return np.flip(m, axis)


@np_flip.defbprop
def bprop_np_flip(m, axis, out, dout):
    return (sum_to(np.flip(dout, axis), m), ZERO)


# Broadcasting


@primitive("np.broadcast_to", py=[np.broadcast_to])
def np_broadcast_to(array, shape):
    """`np.broadcast_to(array, shape)` (a read-only view, as in NumPy)."""
    return np.broadcast_to(array, shape)


@np_broadcast_to.defbprop
def bprop_np_broadcast_to(array, shape, out, dout):
    return (sum_to(dout, array), ZERO)


# Joining and splitting


@primitive("split_like")
def split_like(d, like, axis):
    """Cut `d` into pieces shaped like the entries of the tuple or list `like`.

    The adjoint of joining `like` along `axis` (`concatenate`, `hstack`, `vstack`; entries
    with fewer dimensions than `d` count as having leading ones; `axis=None` joins them
    flattened). The result has `like`'s container type and each entry's type and dtype.
    """
    nd = np.ndim(d)
    if axis is None:
        sizes = [np.size(x) for x in like]
        d = np.ravel(d)
        axis = 0
    else:
        sizes = [_promoted(np.shape(x), nd)[axis] for x in like]
    pieces = np.split(d, np.cumsum(sizes)[:-1], axis=axis)
    res = [sum_to(np.reshape(p, np.shape(x)), x) for p, x in zip(pieces, like)]
    return tuple(res) if isinstance(like, tuple) else res


@split_like.defbprop
def bprop_split_like(d, like, axis, out, dout):
    return (join_like(instantiate(dout, out), d, axis), ZERO, ZERO)


@primitive("join_like")
def join_like(pieces, like, axis):
    """Join `pieces` along `axis` into an array of `like`'s shape and dtype (adjoint of
    `split_like`; pieces with fewer dimensions get leading ones; `axis=None` joins them
    flattened)."""
    nd = np.ndim(like)
    if axis is None:
        joined = np.concatenate([np.ravel(p) for p in pieces])
    else:
        joined = np.concatenate([np.reshape(p, _promoted(np.shape(p), nd)) for p in pieces], axis)
    return sum_to(np.reshape(joined, np.shape(like)), like)


@join_like.defbprop
def bprop_join_like(pieces, like, axis, out, dout):
    return (split_like(dout, pieces, axis), ZERO, ZERO)


@primitive("unstack_like")
def unstack_like(d, like, axis):
    """The sensitivity of `like` when `np.stack(like, axis)` (or `np.array(like)` with
    `axis=0`) has sensitivity `d`: nested tuples and lists are taken apart along `axis`
    (then along the first axis of each piece), keeping their container types; an array
    gets `d` with `axis` moved first; each leaf gets its leaf's type and dtype."""
    if isinstance(like, (tuple, list)):
        res = [unstack_like(np.take(d, i, axis=axis), x, 0) for i, x in enumerate(like)]
        return tuple(res) if isinstance(like, tuple) else res
    if np.ndim(like) == 0:
        return sum_to(d, like)
    return sum_to(np.moveaxis(d, axis, 0), like)


@unstack_like.defbprop
def bprop_unstack_like(d, like, axis, out, dout):
    return (restack_like(instantiate(dout, out), d, axis), ZERO, ZERO)


@primitive("restack_like")
def restack_like(s, like, axis):
    """Stack the (nested) tuple or list `s` along `axis` into `like`'s shape and dtype
    (the adjoint of `unstack_like`); an array gets its first axis moved to `axis`."""
    if isinstance(s, (tuple, list)):
        g = np.stack(s, axis)
    elif np.ndim(s) == 0:
        g = s
    else:
        g = np.moveaxis(s, 0, axis)
    return sum_to(g, like)


@restack_like.defbprop
def bprop_restack_like(s, like, axis, out, dout):
    return (unstack_like(dout, s, axis), ZERO, ZERO)


@primitive("np.concatenate", py=[np.concatenate])
def np_concatenate(arrays, axis=0):
    """`np.concatenate(arrays, axis)`; `arrays` is a tuple or list."""
    return np.concatenate(arrays, axis)


@np_concatenate.defbprop
def bprop_np_concatenate(arrays, axis, out, dout):
    return (split_like(dout, arrays, axis), ZERO)


@primitive("np.stack", py=[np.stack])
def np_stack(arrays, axis=0):
    """`np.stack(arrays, axis)`; `arrays` is a tuple or list."""
    return np.stack(arrays, axis)


@np_stack.defbprop
def bprop_np_stack(arrays, axis, out, dout):
    return (unstack_like(dout, arrays, axis), ZERO)


@primitive("np.hstack", py=[np.hstack])
def np_hstack(tup):
    """`np.hstack(tup)`: joins along axis 1, or axis 0 for 0-d and 1-d entries."""
    return np.hstack(tup)


@np_hstack.defbprop
def bprop_np_hstack(tup, out, dout):
    return (split_like(dout, tup, 0 if np.ndim(out) == 1 else 1),)


@primitive("np.vstack", py=[np.vstack])
def np_vstack(tup):
    """`np.vstack(tup)`: joins along axis 0, 0-d and 1-d entries counting as rows."""
    return np.vstack(tup)


@np_vstack.defbprop
def bprop_np_vstack(tup, out, dout):
    return (split_like(dout, tup, 0),)


@primitive("np.split", py=[np.split])
def np_split(ary, indices_or_sections, axis=0):
    """`np.split(ary, indices_or_sections, axis)`: a list of pieces."""
    return np.split(ary, indices_or_sections, axis)


@np_split.defbprop
def bprop_np_split(ary, indices_or_sections, axis, out, dout):
    return (join_like(instantiate(dout, out), ary, axis), ZERO, ZERO)


# Tiling and repetition


@primitive("untile")
def untile(d, like, reps):
    """The sensitivity of `like` when `np.tile(like, reps)` has sensitivity `d`: the sum of
    the tiles."""
    reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    shape = np.shape(like)
    nd = max(len(shape), len(reps))
    full = _promoted(shape, nd)
    reps = _promoted(reps, nd)
    interleaved = [n for pair in zip(reps, full) for n in pair]
    g = np.sum(np.reshape(d, interleaved), axis=tuple(range(0, 2 * nd, 2)))
    return sum_to(np.reshape(g, shape), like)


@untile.defbprop
def bprop_untile(d, like, reps, out, dout):
    return (sum_to(np.reshape(np.tile(dout, reps), np.shape(d)), d), ZERO, ZERO)


@primitive("np.tile", py=[np.tile])
def np_tile(A, reps):
    """`np.tile(A, reps)`."""
    return np.tile(A, reps)


@np_tile.defbprop
def bprop_np_tile(A, reps, out, dout):
    return (untile(dout, A, reps), ZERO)


@primitive("unrepeat")
def unrepeat(d, like, repeats, axis):
    """The sensitivity of `like` when `np.repeat(like, repeats, axis)` (int `repeats`) has
    sensitivity `d`: the sum of the copies of each element."""
    shape = np.shape(like)
    if axis is None:
        g = np.sum(np.reshape(d, (-1, repeats)), axis=1)
    else:
        ax = axis % len(shape)
        split = shape[:ax] + (shape[ax], repeats) + shape[ax + 1 :]
        g = np.sum(np.reshape(d, split), axis=ax + 1)
    return sum_to(np.reshape(g, shape), like)


@unrepeat.defbprop
def bprop_unrepeat(d, like, repeats, axis, out, dout):
    return (sum_to(np.repeat(dout, repeats, axis), d), ZERO, ZERO, ZERO)


@primitive("np.repeat", py=[np.repeat])
def np_repeat(a, repeats, axis=None):
    """`np.repeat(a, repeats, axis)` with an int `repeats`."""
    return np.repeat(a, repeats, axis)


@np_repeat.defbprop
def bprop_np_repeat(a, repeats, axis, out, dout):
    return (unrepeat(dout, a, repeats, axis), ZERO, ZERO)


# Diagonals and triangles


@primitive("diag_sens")
def diag_sens(d, like, k):
    """The sensitivity of `like` when `np.diag(like, k)` has sensitivity `d`: the `k`-th
    diagonal of `d` for a 1-d `like`, `d` laid on the `k`-th diagonal of zeros for a 2-d
    one."""
    if np.ndim(like) == 1:
        return sum_to(np.diag(d, k), like)
    g = np.zeros(np.shape(like), dtype=np.result_type(d))
    i = np.arange(np.size(d))
    g[i + max(-k, 0), i + max(k, 0)] = d
    return sum_to(g, like)


@diag_sens.defbprop
def bprop_diag_sens(d, like, k, out, dout):
    return (diag_sens(dout, d, k), ZERO, ZERO)


@primitive("np.diag", py=[np.diag])
def np_diag(v, k=0):
    """`np.diag(v, k)`: a 2-d array with `v` on its `k`-th diagonal, or a 2-d array's
    `k`-th diagonal."""
    return np.diag(v, k)


@np_diag.defbprop
def bprop_np_diag(v, k, out, dout):
    return (diag_sens(dout, v, k), ZERO)


@primitive("np.triu", py=[np.triu])
def np_triu(m, k=0):
    """`np.triu(m, k)`."""
    return np.triu(m, k)


@np_triu.defbprop
def bprop_np_triu(m, k, out, dout):
    return (sum_to(np.triu(dout, k), m), ZERO)


@primitive("np.tril", py=[np.tril])
def np_tril(m, k=0):
    """`np.tril(m, k)`."""
    return np.tril(m, k)


@np_tril.defbprop
def bprop_np_tril(m, k, out, dout):
    return (sum_to(np.tril(dout, k), m), ZERO)


# Sorting and gathering by index


@primitive("np.argsort", py=[np.argsort], nondiff=True)
def np_argsort(a, axis=-1):
    """`np.argsort(a, axis)`."""
    return np.argsort(a, axis)


@primitive("take_along_axis_sens")
def take_along_axis_sens(d, like, indices, axis):
    """The sensitivity of `like` when `np.take_along_axis(like, indices, axis)` has
    sensitivity `d`: `d` added at the gathered places (repeated indices accumulate)."""
    shape = np.shape(like)
    if axis is None:
        g = np.zeros(np.size(like), dtype=np.result_type(d))
        np.add.at(g, indices, d)
        return sum_to(np.reshape(g, shape), like)
    nd = len(shape)
    ax = axis % nd
    where = tuple(
        indices if j == ax else np.reshape(np.arange(n), [n if i == j else 1 for i in range(nd)])
        for j, n in enumerate(shape)
    )
    g = np.zeros(shape, dtype=np.result_type(d))
    np.add.at(g, where, d)
    return sum_to(g, like)


@take_along_axis_sens.defbprop
def bprop_take_along_axis_sens(d, like, indices, axis, out, dout):
    return (sum_to(np.take_along_axis(dout, indices, axis), d), ZERO, ZERO, ZERO)


@primitive("np.take_along_axis", py=[np.take_along_axis])
def np_take_along_axis(arr, indices, axis=-1):
    """`np.take_along_axis(arr, indices, axis)`."""
    return np.take_along_axis(arr, indices, axis)


@np_take_along_axis.defbprop
def bprop_np_take_along_axis(arr, indices, axis, out, dout):
    return (take_along_axis_sens(dout, arr, indices, axis), ZERO, ZERO)


@primitive("np.sort", py=[np.sort])
def np_sort(a, axis=-1):
    """`np.sort(a, axis)`; the gradient goes back through `np.argsort` (of tied values, to
    the order a stable sort gives them)."""
    return np.sort(a, axis)


@np_sort.defbprop
def bprop_np_sort(a, axis, out, dout):
    return (take_along_axis_sens(dout, a, np.argsort(a, axis=axis), axis), ZERO)


@primitive("take_sens")
def take_sens(d, like, indices, axis):
    """The sensitivity of `like` when `np.take(like, indices, axis)` has sensitivity `d`:
    `d` added at the taken places (repeated indices accumulate)."""
    g = np.zeros(np.shape(like), dtype=np.result_type(d))
    if axis is None:
        flat = np.zeros(np.size(like), dtype=g.dtype)
        np.add.at(flat, indices, d)
        g = np.reshape(flat, np.shape(like))
    else:
        np.add.at(g, (slice(None),) * (axis % g.ndim) + (indices,), d)
    return sum_to(g, like)


@take_sens.defbprop
def bprop_take_sens(d, like, indices, axis, out, dout):
    return (sum_to(np.take(dout, indices, axis), d), ZERO, ZERO, ZERO)


@primitive("np.take", py=[np.take])
def np_take(a, indices, axis=None):
    """`np.take(a, indices, axis)`."""
    return np.take(a, indices, axis)


@np_take.defbprop
def bprop_np_take(a, indices, axis, out, dout):
    return (take_sens(dout, a, indices, axis), ZERO, ZERO)


# Conversion to arrays


@primitive("np.array", py=[np.array])
def np_array(object, dtype=None):
    """`np.array(object, dtype)`: always a copy."""
    return np.array(object, dtype=dtype)


@np_array.defbprop
def bprop_np_array(object, dtype, out, dout):
    return (unstack_like(dout, object, 0), ZERO)


@primitive("np.asarray", py=[np.asarray])
def np_asarray(a, dtype=None):
    """`np.asarray(a, dtype)`."""
    return np.asarray(a, dtype=dtype)


@np_asarray.defbprop
def bprop_np_asarray(a, dtype, out, dout):
    return (unstack_like(dout, a, 0), ZERO)


# Constructors


@primitive("np.zeros_like", py=[np.zeros_like], nondiff=True)
def np_zeros_like(a, dtype=None):
    """`np.zeros_like(a, dtype)`."""
    return np.zeros_like(a, dtype=dtype)


@primitive("np.ones_like", py=[np.ones_like], nondiff=True)
def np_ones_like(a, dtype=None):
    """`np.ones_like(a, dtype)`."""
    return np.ones_like(a, dtype=dtype)


@primitive("np.full_like", py=[np.full_like])
def np_full_like(a, fill_value, dtype=None):
    """`np.full_like(a, fill_value, dtype)`; the gradient of `fill_value` is the sum."""
    return np.full_like(a, fill_value, dtype=dtype)


@np_full_like.defbprop
def bprop_np_full_like(a, fill_value, dtype, out, dout):
    return (ZERO, sum_to(dout, fill_value), ZERO)


@primitive("np.zeros", py=[np.zeros], nondiff=True)
def np_zeros(shape, dtype=None):
    """`np.zeros(shape, dtype)` (float64 by default)."""
    return np.zeros(shape, dtype=dtype)


@primitive("np.ones", py=[np.ones], nondiff=True)
def np_ones(shape, dtype=None):
    """`np.ones(shape, dtype)` (float64 by default)."""
    return np.ones(shape, dtype=dtype)


@primitive("np.full", py=[np.full])
def np_full(shape, fill_value, dtype=None):
    """`np.full(shape, fill_value, dtype)`; the gradient of `fill_value` is the sum."""
    return np.full(shape, fill_value, dtype=dtype)


@np_full.defbprop
def bprop_np_full(shape, fill_value, dtype, out, dout):
    return (ZERO, sum_to(dout, fill_value), ZERO)


@primitive("np.eye", py=[np.eye], nondiff=True)
def np_eye(N, M=None, k=0, dtype=float):
    """`np.eye(N, M, k, dtype)`."""
    return np.eye(N, M, k, dtype=dtype)


@primitive("np.arange", py=[np.arange], nondiff=True)
def np_arange(start, stop=None, step=1, dtype=None):
    """`np.arange(...)`: `np.arange(5)` counts from 0 to 4."""
    if stop is None:
        return np.arange(0, start, step, dtype=dtype)
    return np.arange(start, stop, step, dtype=dtype)


@primitive("np.linspace", py=[np.linspace])
def np_linspace(start, stop, num=50, endpoint=True):
    """`np.linspace(start, stop, num, endpoint)`, differentiable in both bounds."""
    return np.linspace(start, stop, num, endpoint)


@np_linspace.defbprop
def bprop_np_linspace(start, stop, num, endpoint, out, dout):
    w = linspace_weights(num, endpoint)
    return (
        sum_to(np.sum(dout * (1.0 - w)), start),
        sum_to(np.sum(dout * w), stop),
        ZERO,
        ZERO,
    )


@primitive("linspace_weights", nondiff=True)
def linspace_weights(num, endpoint):
    """The weight of `stop` in each point of `np.linspace(start, stop, num, endpoint)`."""
    return np.linspace(0.0, 1.0, num, endpoint)


# Attributes of arrays


@primitive("attr.T")
def attr_T(x):
    """`x.T` (a 1-d array is its own transpose)."""
    return x.T


@attr_T.defbprop
def bprop_attr_T(x, out, dout):
    return (sum_to(np.transpose(dout), x),)


@primitive("attr.shape", nondiff=True)
def attr_shape(x):
    """`x.shape`."""
    return x.shape


@primitive("attr.ndim", nondiff=True)
def attr_ndim(x):
    """`x.ndim`."""
    return x.ndim


@primitive("attr.dtype", nondiff=True)
def attr_dtype(x):
    """`x.dtype`."""
    return x.dtype


@primitive("attr.size", nondiff=True)
def attr_size(x):
    """`x.size`."""
    return x.size


# Methods of arrays: reductions


@primitive("method.sum")
def method_sum(self, axis=None, keepdims=False):
    """`x.sum(axis, keepdims)`."""
    return self.sum(axis=axis, keepdims=keepdims)


@method_sum.defbprop
def bprop_method_sum(self, axis, keepdims, out, dout):
    d = dout if keepdims or axis is None else np.expand_dims(dout, axis)
    return (sum_to(broadcast_like(d, self), self), ZERO, ZERO)


@primitive("method.mean")
def method_mean(self, axis=None, keepdims=False):
    """`x.mean(axis, keepdims)`."""
    return self.mean(axis=axis, keepdims=keepdims)


@method_mean.defbprop
def bprop_method_mean(self, axis, keepdims, out, dout):
    d = dout if keepdims or axis is None else np.expand_dims(dout, axis)
    return (sum_to(broadcast_like(d, self) * (np.size(out) / np.size(self)), self), ZERO, ZERO)


@primitive("method.max")
def method_max(self, axis=None, keepdims=False):
    """`x.max(axis, keepdims)`; the gradient is divided equally among tied maxima."""
    return self.max(axis=axis, keepdims=keepdims)


@method_max.defbprop
def bprop_method_max(self, axis, keepdims, out, dout):
    d = dout if keepdims or axis is None else np.expand_dims(dout, axis)
    m = out if keepdims or axis is None else np.expand_dims(out, axis)
    hit = self == m
    return (sum_to(d * hit / method_sum(hit, axis, True), self), ZERO, ZERO)


@primitive("method.min")
def method_min(self, axis=None, keepdims=False):
    """`x.min(axis, keepdims)`; the gradient is divided equally among tied minima."""
    return self.min(axis=axis, keepdims=keepdims)


@method_min.defbprop
def bprop_method_min(self, axis, keepdims, out, dout):
    d = dout if keepdims or axis is None else np.expand_dims(dout, axis)
    m = out if keepdims or axis is None else np.expand_dims(out, axis)
    hit = self == m
    return (sum_to(d * hit / method_sum(hit, axis, True), self), ZERO, ZERO)


@primitive("prod_of_others")
def prod_of_others(x, axis):
    """For each element of `x`, the product of the other elements of its group in the
    reduction of `x` over `axis` (the gradient of `x.prod(axis)`, exact at zeros; its own
    gradient divides by `x`, so it holds where `x` is nonzero)."""
    x = np.asarray(x)
    nd = x.ndim
    axes = _reduced_axes(axis, nd)
    keep = [a for a in range(nd) if a not in axes]
    perm = keep + list(axes)
    xt = np.transpose(x, perm)
    flat = np.reshape(xt, xt.shape[: len(keep)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.transpose(np.reshape(left * right, xt.shape), np.argsort(perm))


@prod_of_others.defbprop
def bprop_prod_of_others(x, axis, out, dout):
    both = dout * out
    return (sum_to((method_sum(both, axis, True) - both) / x, x), ZERO)


@primitive("method.prod")
def method_prod(self, axis=None, keepdims=False):
    """`x.prod(axis, keepdims)`; its gradient is the product of the other elements (exact
    where some are zero)."""
    return self.prod(axis=axis, keepdims=keepdims)


@method_prod.defbprop
def bprop_method_prod(self, axis, keepdims, out, dout):
    d = dout if keepdims or axis is None else np.expand_dims(dout, axis)
    return (sum_to(d * prod_of_others(self, axis), self), ZERO, ZERO)


@primitive("method.var")
def method_var(self, axis=None, ddof=0, keepdims=False):
    """`x.var(axis, ddof=ddof, keepdims=keepdims)`."""
    return self.var(axis=axis, ddof=ddof, keepdims=keepdims)


@method_var.defbprop
def bprop_method_var(self, axis, ddof, keepdims, out, dout):
    d = dout if keepdims or axis is None else np.expand_dims(dout, axis)
    n = np.size(self) / np.size(out) - ddof
    centered = self - method_mean(self, axis, True)
    return (sum_to(d * centered * (2.0 / n), self), ZERO, ZERO, ZERO)


@primitive("method.std")
def method_std(self, axis=None, ddof=0, keepdims=False):
    """`x.std(axis, ddof=ddof, keepdims=keepdims)`; like `sqrt` at 0, the gradient is not
    finite where the deviation is 0."""
    return self.std(axis=axis, ddof=ddof, keepdims=keepdims)


@method_std.defbprop
def bprop_method_std(self, axis, ddof, keepdims, out, dout):
    r = dout / out
    d = r if keepdims or axis is None else np.expand_dims(r, axis)
    n = np.size(self) / np.size(out) - ddof
    centered = self - method_mean(self, axis, True)
    return (sum_to(d * centered * (1.0 / n), self), ZERO, ZERO, ZERO)


@primitive("method.cumsum")
def method_cumsum(self, axis=None):
    """`x.cumsum(axis)` (flattened when `axis` is None)."""
    return self.cumsum(axis=axis)


@method_cumsum.defbprop
def bprop_method_cumsum(self, axis, out, dout):
    rev = np.flip(method_cumsum(np.flip(dout, axis), axis), axis)
    return (sum_to(np.reshape(rev, np.shape(self)), self), ZERO)


@primitive("method.any", nondiff=True)
def method_any(self, axis=None, keepdims=False):
    """`x.any(axis, keepdims)`."""
    return self.any(axis=axis, keepdims=keepdims)


@primitive("method.all", nondiff=True)
def method_all(self, axis=None, keepdims=False):
    """`x.all(axis, keepdims)`."""
    return self.all(axis=axis, keepdims=keepdims)


@primitive("method.argmax", nondiff=True)
def method_argmax(self, axis=None, keepdims=False):
    """`x.argmax(axis, keepdims=keepdims)`."""
    return self.argmax(axis=axis, keepdims=keepdims)


@primitive("method.argmin", nondiff=True)
def method_argmin(self, axis=None, keepdims=False):
    """`x.argmin(axis, keepdims=keepdims)`."""
    return self.argmin(axis=axis, keepdims=keepdims)


# Methods of arrays: shapes and conversions


@primitive("method.reshape")
def method_reshape(self, shape):
    """`x.reshape(shape)`; `x.reshape(2, 3)` arrives packed as the tuple `(2, 3)`."""
    return self.reshape(_packed(shape))


@method_reshape.defbprop
def bprop_method_reshape(self, shape, out, dout):
    return (sum_to(np.reshape(dout, np.shape(self)), self), ZERO)


@primitive("method.transpose")
def method_transpose(self, axes=None):
    """`x.transpose(axes)`; `x.transpose(1, 0)` arrives packed as the tuple `(1, 0)`."""
    return self.transpose(_packed_axes(axes))


@method_transpose.defbprop
def bprop_method_transpose(self, axes, out, dout):
    return (sum_to(np.transpose(dout, inverse_axes(axes, np.ndim(self))), self), ZERO)


@primitive("method.ravel")
def method_ravel(self):
    """`x.ravel()`."""
    return self.ravel()


@method_ravel.defbprop
def bprop_method_ravel(self, out, dout):
    return (sum_to(np.reshape(dout, np.shape(self)), self),)


@primitive("method.flatten")
def method_flatten(self):
    """`x.flatten()`."""
    return self.flatten()


@method_flatten.defbprop
def bprop_method_flatten(self, out, dout):
    return (sum_to(np.reshape(dout, np.shape(self)), self),)


@primitive("method.squeeze")
def method_squeeze(self, axis=None):
    """`x.squeeze(axis)`."""
    return self.squeeze(axis=_packed(axis))


@method_squeeze.defbprop
def bprop_method_squeeze(self, axis, out, dout):
    return (sum_to(np.reshape(dout, np.shape(self)), self), ZERO)


@primitive("method.copy")
def method_copy(self):
    """`x.copy()`."""
    return self.copy()


@method_copy.defbprop
def bprop_method_copy(self, out, dout):
    return (sum_to(dout, self),)


@primitive("method.astype")
def method_astype(self, dtype):
    """`x.astype(dtype)`; the gradient is cast back to `x`'s dtype (none for integers)."""
    return self.astype(dtype)


@method_astype.defbprop
def bprop_method_astype(self, dtype, out, dout):
    return (sum_to(dout, self), ZERO)


# Methods of arrays: products


@primitive("dot_sens_self")
def dot_sens_self(d, a, b):
    """The sensitivity of `a` when `np.dot(a, b)` has sensitivity `d`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return sum_to(np.multiply(d, b), a)
    k = np.ndim(b)
    if k == 1:
        g = np.multiply.outer(d, b)
    else:
        g = np.tensordot(
            d, b, axes=(list(range(np.ndim(d) - k + 1, np.ndim(d))), [*range(k - 2), k - 1])
        )
    return sum_to(g, a)


@dot_sens_self.defbprop
def bprop_dot_sens_self(d, a, b, out, dout):
    return (sum_to(method_dot(dout, b), d), ZERO, dot_sens_other(d, dout, b))


@primitive("dot_sens_other")
def dot_sens_other(d, a, b):
    """The sensitivity of `b` when `np.dot(a, b)` has sensitivity `d`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return sum_to(np.multiply(d, a), b)
    lead = list(range(np.ndim(a) - 1))
    g = np.tensordot(a, d, axes=(lead, lead))
    if np.ndim(b) >= 2:
        g = np.moveaxis(g, 0, -2)
    return sum_to(g, b)


@dot_sens_other.defbprop
def bprop_dot_sens_other(d, a, b, out, dout):
    return (sum_to(method_dot(a, dout), d), dot_sens_self(d, a, dout), ZERO)


@primitive("method.dot")
def method_dot(self, b):
    """`x.dot(b)`, that is `np.dot(x, b)`."""
    return np.dot(self, b)


@method_dot.defbprop
def bprop_method_dot(self, b, out, dout):
    return (dot_sens_self(dout, self, b), dot_sens_other(dout, self, b))
