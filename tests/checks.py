"""Checks of the typed pipeline on one function: compiled results against plain Python,
gradients against central finite differences.

`check_jit(fn, *args)` compiles `fn` for `args` and compares the result with `fn(*args)`
(value, type, shape and dtype). `check_grad(fn, args, argnums)` compares the compiled
gradient with central finite differences of `fn` along random directions. Functions must
be defined in a file (myia reads their source).
"""

from __future__ import annotations

import copy

import numpy as np

from myia.pipeline import compile_grad, compile_jit
from tests.test_corpus import assert_same


def check_jit(fn, *args):
    expected = fn(*copy.deepcopy(args))
    got = compile_jit(fn, args)(*copy.deepcopy(args))
    assert_same(got, expected)
    return got


def _leaves(x):
    if isinstance(x, (tuple, list)):
        out = []
        for e in x:
            out += _leaves(e)
        return out
    if isinstance(x, dict):
        out = []
        for k in x:
            out += _leaves(x[k])
        return out
    return [x]


def _rebuild(x, values):
    if isinstance(x, (tuple, list)):
        items = [_rebuild(e, values) for e in x]
        return type(x)(items)
    if isinstance(x, dict):
        return {k: _rebuild(v, values) for k, v in x.items()}
    v = values.pop(0)
    if isinstance(x, np.ndarray):
        return np.asarray(v, dtype=x.dtype).reshape(x.shape)
    return type(x)(v)


def _shift(arg, direction, eps):
    leaves = _leaves(arg)
    moved = [np.asarray(a, np.float64) + eps * d for a, d in zip(leaves, direction)]
    return _rebuild(arg, moved)


def check_grad(fn, args, argnums=0, rtol=1e-5, atol=1e-6, seed=0, eps=1e-6):
    """The compiled gradient of `fn` w.r.t. `argnums` at `args` against central finite
    differences along three random directions; each gradient has its input's structure,
    shape and dtype."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    grads = compile_grad(fn, args, argnums, False, False)(*copy.deepcopy(args))
    grads = (grads,) if single else grads
    rng = np.random.default_rng(seed)
    for k, g in zip(nums, grads):
        x = args[k]
        for gl, xl in zip(_leaves(g), _leaves(x)):
            assert np.shape(gl) == np.shape(xl), (np.shape(gl), np.shape(xl))
            if isinstance(xl, np.ndarray):
                assert isinstance(gl, np.ndarray) and gl.dtype == xl.dtype, (type(gl), xl.dtype)
            else:
                assert type(gl) is type(xl), (type(gl), type(xl))
        for _ in range(3):
            direction = [rng.standard_normal(np.shape(a)) for a in _leaves(x)]
            hi = list(copy.deepcopy(args))
            lo = list(copy.deepcopy(args))
            hi[k] = _shift(x, direction, eps)
            lo[k] = _shift(x, direction, -eps)
            fd = (float(fn(*hi)) - float(fn(*lo))) / (2 * eps)
            an = sum(
                float(np.sum(np.asarray(gl, np.float64) * d))
                for gl, d in zip(_leaves(g), direction)
            )
            assert abs(fd - an) <= atol + rtol * max(abs(fd), abs(an)), (
                f"gradient of argument {k}: finite differences {fd}, myia {an}"
            )
    return grads[0] if single else grads
