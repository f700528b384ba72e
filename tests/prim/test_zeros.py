"""The zeros of sensitivities (`myia.prim.zeros`): the NumPy primitives and the torch
backend's runtime helpers are one implementation with the library's array zeros, so they
give the same structure, leaf for leaf, on the same value (tensors for arrays)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from myia.prim.adjoint import env_get, sens_add, seq_add_at, tree_vdot
from myia.prim.arrays import zeros_at, zeros_like_sens
from myia.prim.structures import EMPTY_ENV, ZERO, Env, seq_onehot

_LEAVES = st.one_of(
    st.floats(-5, 5),
    st.integers(-3, 3),
    st.none(),
    st.just(ZERO),
    st.builds(lambda n, v: np.full(n, v), st.integers(0, 3), st.floats(-2, 2)),
    st.builds(lambda n: np.arange(n), st.integers(0, 3)),
    st.builds(np.float32, st.floats(-2, 2)),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.tuples(inner, inner),
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from("abc"), inner, max_size=2),
    ),
    max_leaves=6,
)


def _expected_zeros(x):
    """The closed form: zeros of a float leaf's type, ZERO where nothing is differentiated."""
    if isinstance(x, (tuple, list)):
        return type(x)(_expected_zeros(e) for e in x)
    if isinstance(x, dict):
        return {k: _expected_zeros(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return np.zeros_like(x) if x.dtype.kind == "f" else ZERO
    if isinstance(x, (float, np.floating)):
        return type(x)(0)
    return ZERO


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return type(a) is type(b) and (a is b or a == b)


@given(_VALUES)
def test_zeros_like_sens_has_the_structure_of_the_value(x):
    assert _same(zeros_like_sens(x), _expected_zeros(x))


def test_zeros_of_functions_and_environments():
    env = Env()
    env["g"] = (1.0,)
    assert zeros_like_sens(len) is EMPTY_ENV and zeros_like_sens(env) is EMPTY_ENV
    assert _same(env_get(env, "g", (2.0,)), (1.0,))
    assert _same(env_get(env, "h", (2.0, 3)), (0.0, ZERO))
    assert zeros_at((None,), (0, 1)) is ZERO
    assert _same(zeros_at((None, (1.5, np.ones(2))), (1, 1)), np.zeros(2))


@given(st.lists(st.floats(-2, 2), min_size=1, max_size=4), st.data())
def test_seq_onehot_puts_the_sensitivity_at_the_index(xs, data):
    i = data.draw(st.integers(-len(xs), len(xs) - 1))
    out = seq_onehot(tuple(xs), i, 7.0)
    assert out == tuple(7.0 if j == i % len(xs) else 0.0 for j in range(len(xs)))


def _add_at_cases(n, data):
    """A list sensitivity of `n` arrays (some items the placeholder ZERO, or all of it),
    and the indices (an int, a slice) with what is added there."""
    items = [np.full(2, float(k)) for k in range(n)]
    hole = data.draw(st.sampled_from(["none", "item", "all"]), label="placeholders")
    if hole == "item":
        items[data.draw(st.integers(0, n - 1))] = ZERO
    a = ZERO if hole == "all" else items
    start = data.draw(st.integers(0, n))
    d = [np.full(2, 10.0 + k) for k in range(len(range(n)[start:]))]
    like = [np.zeros(2)] * n
    return a, like, [(data.draw(st.integers(-n, n - 1)), np.full(2, 9.0)), (slice(start, None), d)]


@given(st.integers(1, 4), st.data())
def test_seq_add_at_is_the_sum_with_the_one_hot_sensitivity(n, data):
    a, like, cases = _add_at_cases(n, data)
    before = a if a is ZERO else list(a)
    for i, d in cases:
        assert _same(seq_add_at(a, like, i, d), sens_add(a, seq_onehot(like, i, d)))
        assert a is before or all(x is y for x, y in zip(a, before))  # (`a` is not changed)


try:
    import torch

    from myia.backend.pytorch import runtime
except ImportError:
    torch = runtime = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _to_torch(x):
    if isinstance(x, (tuple, list)):
        return type(x)(_to_torch(e) for e in x)
    if isinstance(x, dict):
        return {k: _to_torch(v) for k, v in x.items()}
    return torch.from_numpy(x) if isinstance(x, np.ndarray) else x


def _to_numpy(x):
    if isinstance(x, (tuple, list)):
        return type(x)(_to_numpy(e) for e in x)
    if isinstance(x, dict):
        return {k: _to_numpy(v) for k, v in x.items()}
    return x.numpy() if isinstance(x, torch.Tensor) else x


@needs_torch
@given(_VALUES)
def test_torch_zeros_like_sens_is_the_numpy_primitive_on_tensors(x):
    assert _same(_to_numpy(runtime.zeros_like_sens(_to_torch(x))), zeros_like_sens(x))


@needs_torch
@given(st.lists(_VALUES, min_size=1, max_size=3), st.data())
def test_torch_zeros_at_and_env_get_are_the_numpy_primitives_on_tensors(items, data):
    root = (None, tuple(items))
    path = (1, data.draw(st.integers(0, len(items) - 1)))
    expected = zeros_at(root, path)
    assert _same(_to_numpy(runtime.zeros_at(_to_torch(root), path)), expected)
    like = tuple(items)
    assert _same(_to_numpy(runtime.env_get(EMPTY_ENV, "g", _to_torch(like))), zeros_like_sens(like))


@needs_torch
@given(st.integers(1, 4), st.data())
def test_torch_seq_onehot_is_the_numpy_primitive_on_tensors(n, data):
    like = [np.full(2, float(k)) for k in range(n)]
    start = data.draw(st.integers(0, n))
    d = [np.full(2, 9.0)] * len(range(n)[start:])
    for i, di in [(data.draw(st.integers(-n, n - 1)), np.full(2, 9.0)), (slice(start, None), d)]:
        got = runtime.seq_onehot(_to_torch(like), i, _to_torch(di))
        assert _same(_to_numpy(got), seq_onehot(like, i, di))


@needs_torch
@given(st.integers(1, 4), st.data())
def test_torch_seq_add_at_is_the_numpy_primitive_on_tensors(n, data):
    a, like, cases = _add_at_cases(n, data)
    for i, d in cases:
        got = runtime.seq_add_at(_to_torch(a), _to_torch(like), i, _to_torch(d))
        assert _same(_to_numpy(got), seq_add_at(a, like, i, d))


@needs_torch
@given(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
def test_torch_tree_vdot_is_the_numpy_primitive_on_tensors(xs):
    a = (np.array(xs), xs[0])
    b = (np.array(xs[::-1]), None)
    assert runtime.tree_vdot(_to_torch(a), _to_torch(b)) == pytest.approx(tree_vdot(a, b))
    assert tree_vdot(a, b) == pytest.approx(float(np.dot(xs, xs[::-1])))
