"""Zeros with the structure of sensitivities, for any array library: the one implementation
of the primitives `zeros_like_sens`, `zeros_at`, `seq_onehot` and of the zeros `env_get`
gives, for NumPy arrays (`numpy_zeros`) and for the torch backend's tensors
(`backend/pytorch/runtime.py` passes its own `array_zeros`).

`array_zeros(x)` is the library's part: the zeros of the sensitivity of an array `x` (ZERO
for an int or bool array), None where `x` is not one of its arrays. Everything else (tuples,
lists, dicts, numbers, function values, values without a sensitivity) is the same for every
library.

Example:
    >>> structure_zeros((1.5, [np.ones(2)], 3), numpy_zeros)
    (0.0, [array([0., 0.])], ZERO)
"""

from __future__ import annotations

import numpy as np

from myia.prim.structures import EMPTY_ENV, ZERO, Env


def numpy_zeros(x):
    """The zeros of the sensitivity of the NumPy array `x` (None where `x` is not one).

    Example:
        >>> numpy_zeros(np.ones(2)), numpy_zeros(np.arange(2)), numpy_zeros(1.0)
        (array([0., 0.]), ZERO, None)
    """
    if isinstance(x, np.ndarray):
        return np.zeros_like(x) if x.dtype.kind in "fc" else ZERO
    return None


def structure_zeros(x, array_zeros):
    """Real zeros with the structure of the sensitivity of `x` (lists of run-time length);
    ZERO where `x` has no sensitivity (ints, bools, None, ZERO), EMPTY_ENV for a function.
    Of a sensitivity, zeros of its structure (its ZERO placeholders kept).

    Example:
        >>> structure_zeros({"a": 2.0, "n": 1}, numpy_zeros)
        {'a': 0.0, 'n': ZERO}
    """
    if isinstance(x, Env):
        return EMPTY_ENV
    if isinstance(x, (tuple, list)):
        return type(x)(structure_zeros(e, array_zeros) for e in x)
    if isinstance(x, dict):
        return {k: structure_zeros(v, array_zeros) for k, v in x.items()}
    z = array_zeros(x)
    if z is not None:
        return z
    if isinstance(x, (float, complex, np.inexact)):
        return type(x)(0)
    if callable(x):
        return EMPTY_ENV
    return ZERO


def path_zeros(root, path, array_zeros):
    """`structure_zeros(root[path[0]][path[1]]...)`, or ZERO where the path meets None (a
    residual's slot the path that ran did not fill: its sensitivity is never read).

    Example:
        >>> path_zeros((None, (1.0, 2.0)), (1, 0), numpy_zeros), path_zeros((None,), (0, 1), numpy_zeros)
        (0.0, ZERO)
    """
    x = root
    for k in path:
        if x is None:
            return ZERO
        x = x[k]
    return structure_zeros(x, array_zeros)


def onehot(like, i, d, array_zeros):
    """The sensitivity of the homogeneous tuple or list `like` when `like[i]` (a run-time
    index, or a slice: then `d` holds the sensitivity of each item taken) has sensitivity
    `d`: `d` at `i`, zeros of `d`'s type elsewhere.

    Example:
        >>> onehot((1.0, 2.0, 3.0), 1, 5.0, numpy_zeros)
        (0.0, 5.0, 0.0)
    """
    if isinstance(i, slice):
        out = [structure_zeros(d[0] if len(d) else x, array_zeros) for x in like]
        for k, j in enumerate(range(len(like))[i]):
            out[j] = d[k]
    else:
        zero = structure_zeros(d, array_zeros)
        out = [d if j == i % len(like) else zero for j in range(len(like))]
    return tuple(out) if isinstance(like, tuple) else out


def env_sens(env, tag, like, array_zeros):
    """The sensitivities of the values the closure `tag` captures, from the environment
    `env`; zeros shaped like `like` (those values) when `env` has none for it.

    Example:
        >>> env_sens(EMPTY_ENV, "g", (1.0, 2), numpy_zeros)
        (0.0, ZERO)
    """
    v = env.get(tag)
    return structure_zeros(like, array_zeros) if v is None else v
