"""What generated PyTorch code calls besides torch itself: the functional updates and the
sensitivity helpers whose NumPy implementations (`myia.prim`) would not take tensors.

Each is the torch version of the primitive of the same name, with the same conventions
(repeated integer indices accumulate in `index_sens`, the structure of a sensitivity is
kept by `zeros_like_sens`). The code generator calls them by name; nothing here looks at
a primitive at run time.

Example:
    >>> import torch
    >>> index_sens((3,), torch.float64, 1, 2.0, "cpu")
    tensor([0., 2., 0.], dtype=torch.float64)
"""

from __future__ import annotations

import numpy as np
import torch

from myia.prim.adjoint import add_at, leaf_vdot_sum
from myia.prim.structures import ZERO
from myia.prim.zeros import env_sens, onehot, path_zeros, structure_zeros


def _index(i, device):
    """A NumPy-style index as torch takes it: lists of ints are index tensors (on the
    device of the indexed tensor)."""
    if isinstance(i, tuple):
        return tuple(_index(k, device) for k in i)
    if isinstance(i, list):
        return torch.as_tensor(i, device=device)
    return i


def _advanced(i) -> bool:
    items = i if isinstance(i, tuple) else (i,)
    return any(
        isinstance(k, list) or isinstance(k, torch.Tensor) and k.dtype != torch.bool and k.ndim
        for k in items
    )


def positive_steps(i, shape):
    """(axes to flip, index) such that `torch.flip(x, axes)[index]` is NumPy's `x[i]`,
    for an index `i` of slices and ints where some slice steps backwards (torch slices
    step forward only)."""
    items = i if isinstance(i, tuple) else (i,)
    if not all(isinstance(k, (slice, int)) for k in items):
        raise TypeError("a slice with a negative step beside None, ... or an array")
    flips, out = [], []
    for axis, k in enumerate(items):
        if isinstance(k, slice) and k.step is not None and k.step < 0:
            n = shape[axis]
            r = range(n)[k]
            first = n - 1 - r[0] if len(r) else 0
            flips.append(axis)
            out.append(slice(first, first + len(r) * -k.step, -k.step))
        else:
            out.append(k)
    return tuple(flips), tuple(out)


def _backwards(i) -> bool:
    items = i if isinstance(i, tuple) else (i,)
    return any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in items)


def _assign(out, i, d):
    """`out[i] = d` in place, as NumPy assigns (the result: `out` or a new tensor)."""
    if isinstance(d, np.generic):
        d = d.item()
    if _backwards(i):
        flips, index = positive_steps(i, out.shape)
        flipped = torch.flip(out, flips)
        flipped[index] = d
        return torch.flip(flipped, flips)
    out[_index(i, out.device)] = d
    return out


def index_sens(shape, dtype, i, d, device):
    """Zeros of `shape` and `dtype` with `d` added at `i` (repeated indices accumulate)."""
    out = torch.zeros(tuple(shape), dtype=dtype, device=device)
    i = _index(i, out.device)
    if not _advanced(i):
        return _assign(out, i, d)
    # The flat positions `x[i]` reads (an index of tensors mixed with slices and ints
    # included, with NumPy's placement of the advanced axes), each element of `d` added
    # at its position: repeated indices accumulate.
    where = torch.arange(out.numel(), device=out.device).reshape(out.shape)[i]
    d = _as_tensor(d, out).broadcast_to(where.shape)
    return out.view(-1).index_add_(0, where.reshape(-1), d.reshape(-1)).view(out.shape)


def _as_tensor(d, like):
    if isinstance(d, torch.Tensor):
        return d.to(like.dtype)
    return torch.as_tensor(d, dtype=like.dtype, device=like.device)


def setitem(x, i, v):
    """A copy of the tensor or list `x` with `x[i] = v`."""
    if isinstance(x, list):
        out = list(x)
        out[i] = v
        return out
    return _assign(x.clone(), i, v)


def clear_at(x, i):
    """A copy of the tensor or list `x` with zeros at `i`."""
    if isinstance(x, list):
        out = list(x)
        d = out[i]
        out[i] = torch.zeros_like(d) if isinstance(d, torch.Tensor) else 0.0
        return out
    return _assign(x.clone(), i, 0)


def _tensor_zeros(x):
    """The zeros of the sensitivity of the tensor `x` (None where `x` is not one)."""
    if isinstance(x, torch.Tensor):
        return torch.zeros_like(x) if x.is_floating_point() else ZERO
    return None


def zeros_like_sens(x):
    """Zeros with the structure of the sensitivity of `x` (see the primitive)."""
    return structure_zeros(x, _tensor_zeros)


def zeros_at(root, path):
    """`zeros_like_sens(root[path[0]][path[1]]...)`, ZERO where the path meets None."""
    return path_zeros(root, path, _tensor_zeros)


def env_get(env, tag, like):
    """The sensitivities of the closure `tag`'s captured values (zeros when none)."""
    return env_sens(env, tag, like, _tensor_zeros)


def seq_onehot(like, i, d):
    """The sensitivity of the sequence `like` when `like[i]` has sensitivity `d`."""
    return onehot(like, i, d, _tensor_zeros)


def seq_add_at(a, like, i, d):
    """The sensitivity `a` of the sequence `like` with `d` added at `i`."""
    return add_at(a, like, i, d, _tensor_zeros)


def pow_log(x):
    """log|x| with 0 at x == 0 (see the primitive `pow_log`)."""
    return torch.log(torch.abs(torch.where(x == 0, torch.ones_like(x), x)))


def logaddexp_weight(x, y, out):
    """d logaddexp(x, y) / dx (see the primitive `logaddexp_weight`)."""
    w = torch.exp(x - out)
    tie = torch.where(x == y, 0.5, torch.where(x > y, 1.0, 0.0)).to(w.dtype)
    return torch.where(torch.isposinf(out), tie, torch.where(torch.isnan(w), 0.0, w))


def tree_vdot(a, b) -> float:
    """The sum over matching leaves of two structures of `sum(a_leaf * b_leaf)`, in
    float64 (leaves of `b` that are None count for nothing)."""
    return leaf_vdot_sum(a, b, _tensor_vdot)


def _tensor_vdot(x, y) -> float:
    x = torch.as_tensor(x, dtype=torch.float64)
    return float(torch.sum(x * torch.as_tensor(y, device=x.device)))


def tensor_of(a, device):
    """The NumPy array `a` of the program (a global, a closure cell) as a tensor on
    `device` (read at each call, like the NumPy backend's `live_array`)."""
    if not a.flags.c_contiguous:
        a = a.copy()
    return torch.as_tensor(a, device=device)


def along_axis_sens(shape, dtype, indices, axis, d, device):
    """Zeros with `d` added where `take_along_axis(., indices, axis)` takes its elements."""
    out = torch.zeros(tuple(shape), dtype=dtype, device=device)
    if axis is None:
        return out.reshape(-1).index_add_(0, indices.reshape(-1), d.reshape(-1)).reshape(out.shape)
    indices, d = torch.broadcast_tensors(indices, d)
    return out.scatter_add_(axis, indices, d.to(dtype))


def diag_sens(d, shape, k, device):
    """Zeros of `shape` with the 1-d `d` on their `k`-th diagonal."""
    out = torch.zeros(tuple(shape), dtype=d.dtype, device=device)
    i = torch.arange(d.numel(), device=device)
    out[i + max(-k, 0), i + max(k, 0)] = d
    return out


def unconcat(d, like, axis):
    """The pieces of `d` along `axis` with the sizes of the arrays of `like`."""
    return list(torch.split(d, [x.shape[axis] for x in like], axis))


def slogdet(a, scalars: bool):
    """`np.linalg.slogdet(a)`: (sign, log|det|), as host NumPy floats for one matrix
    (`scalars`), tensors for a stack."""
    sign, logabs = torch.linalg.slogdet(a)
    if scalars:
        return np.float64(sign.item()), np.float64(logabs.item())
    return sign, logabs


def _all_but(s, drop):
    """Products of the entries of `s` over the last axis, each leaving out those `drop`
    marks (see `myia.prim.decompositions`)."""
    return torch.prod(torch.where(drop, torch.ones_like(s), s), dim=-1)


def cofactor(a):
    """The cofactor matrix of `a` from its SVD (see the primitive `cofactor`)."""
    u, s, vh = torch.linalg.svd(a)
    n = s.shape[-1]
    p = _all_but(s[..., None, :], torch.eye(n, dtype=torch.bool, device=a.device))
    sign = torch.linalg.det(u) * torch.linalg.det(vh)
    return sign[..., None, None] * ((u * p[..., None, :]) @ vh)


def cofactor_pairs(s):
    """The products of the singular values `s` but two (see `cofactor_pairs`)."""
    n = s.shape[-1]
    k = torch.arange(n, device=s.device)
    drop = (k[:, None, None] == k) | (k[None, :, None] == k)
    q = _all_but(s[..., None, None, :], drop)
    eye = torch.eye(n, dtype=torch.bool, device=s.device)
    return torch.where(eye, torch.zeros_like(q), q).to(s.dtype)


def stack(seq, axis, dtype, device):
    """`np.stack(seq, axis)` of a sequence holding numbers (as tensors of `dtype`)."""
    return torch.stack([torch.as_tensor(v, dtype=dtype, device=device) for v in seq], axis)


def index(x, i):
    """`x[i]` for an index holding a slice whose step is known only when the code runs
    (a negative one flips the axis first: torch slices step forward only)."""
    if _backwards(i):
        flips, i = positive_steps(i, x.shape)
        x = torch.flip(x, flips)
    return x[_index(i, x.device)]
