"""Finite differences and tolerant comparisons of gradients (pytrees of floats and arrays).

The oracles of the reverse-mode tests: `fd_gradient` differentiates the *Python* function
by central differences, one float element at a time, and `assert_close` compares two
gradients leaf by leaf (structure, type of number, shape and dtype first).
"""

from __future__ import annotations

import copy

import numpy as np


def is_float_leaf(x) -> bool:
    if isinstance(x, float):
        return True
    return isinstance(x, (np.ndarray, np.floating)) and np.asarray(x).dtype.kind == "f"


def has_float(x) -> bool:
    if isinstance(x, (tuple, list)):
        return any(has_float(e) for e in x)
    if isinstance(x, dict):
        return any(has_float(e) for e in x.values())
    return is_float_leaf(x)


def float_argnums(args) -> tuple[int, ...]:
    return tuple(i for i, a in enumerate(args) if has_float(a))


def low_precision(x) -> bool:
    if isinstance(x, (tuple, list)):
        return any(low_precision(e) for e in x)
    if isinstance(x, dict):
        return any(low_precision(e) for e in x.values())
    return isinstance(x, (np.ndarray, np.floating)) and np.asarray(x).dtype == np.float32


def _leaves(x, path=()):
    """(path, leaf) for each float leaf of `x`."""
    if isinstance(x, (tuple, list)):
        for i, e in enumerate(x):
            yield from _leaves(e, path + (i,))
    elif isinstance(x, dict):
        for k, e in x.items():
            yield from _leaves(e, path + (k,))
    elif is_float_leaf(x):
        yield path, x


def _replace(x, path, value):
    if not path:
        return value
    k, rest = path[0], path[1:]
    if isinstance(x, dict):
        out = dict(x)
        out[k] = _replace(x[k], rest, value)
        return out
    items = list(x)
    items[k] = _replace(x[k], rest, value)
    return tuple(items) if isinstance(x, tuple) else items


def _shift(leaf, flat_index, h):
    if isinstance(leaf, float):
        return leaf + h
    if isinstance(leaf, np.floating):
        return type(leaf)(np.float64(leaf) + h)
    out = np.array(leaf, copy=True)
    flat = out.reshape(-1)
    flat[flat_index] = flat[flat_index] + h
    return out


def _grad_like(leaf, values):
    if isinstance(leaf, float):
        return float(values[0])
    if isinstance(leaf, np.floating):
        return np.float64(values[0])
    return np.asarray(values, np.float64).reshape(np.shape(leaf))


def fd_gradient(fn, args, argnum: int, eps: float | None = None):
    """The central-difference gradient of `float(fn(*args))` with respect to `args[argnum]`,
    with the structure of that argument (float64 leaves)."""
    x = args[argnum]
    if eps is None:
        eps = 1e-3 if low_precision(x) else 1e-6
    grad = x
    for path, leaf in list(_leaves(x)):
        values = []
        for j in range(int(np.size(leaf))):
            hi = list(copy.deepcopy(args))
            lo = list(copy.deepcopy(args))
            hi[argnum] = _replace(x, path, _shift(leaf, j, eps))
            lo[argnum] = _replace(x, path, _shift(leaf, j, -eps))
            values.append((float(fn(*hi)) - float(fn(*lo))) / (2 * eps))
        grad = _replace(grad, path, _grad_like(leaf, values))
    return grad


def assert_close(got, expected, rtol, atol, where="gradient", check_types=True):
    """`got` and `expected` agree: same structure (and, with `check_types`, the same type
    of number, shape and dtype), values within `atol + rtol * |expected|`."""
    if isinstance(expected, (tuple, list, dict)):
        assert type(got) is type(expected), (
            f"{where}: {type(got).__name__} != {type(expected).__name__}"
        )
        assert len(got) == len(expected), f"{where}: length {len(got)} != {len(expected)}"
        if isinstance(expected, dict):
            assert list(got) == list(expected), f"{where}: keys {list(got)} != {list(expected)}"
            pairs = [(got[k], expected[k], k) for k in expected]
        else:
            pairs = [(a, b, i) for i, (a, b) in enumerate(zip(got, expected))]
        for a, b, k in pairs:
            assert_close(a, b, rtol, atol, f"{where}[{k!r}]", check_types)
        return
    if check_types:
        assert type(got) is type(expected), (
            f"{where}: type {type(got).__name__} != {type(expected).__name__}"
        )
        if isinstance(expected, (np.ndarray, np.generic)):
            assert np.asarray(got).dtype == np.asarray(expected).dtype, (
                f"{where}: dtype {np.asarray(got).dtype} != {np.asarray(expected).dtype}"
            )
    assert np.shape(got) == np.shape(expected), (
        f"{where}: shape {np.shape(got)} != {np.shape(expected)}"
    )
    g = np.asarray(got, np.float64)
    e = np.asarray(expected, np.float64)
    ok = np.abs(g - e) <= atol + rtol * np.abs(e)
    assert bool(np.all(ok)), f"{where}: {got!r} != {expected!r}"
