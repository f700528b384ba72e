"""The forms the backend writes for new axes, reversed axes and reductions of arrays:
views (`x[:, None]`, `x[::-1]`) and methods (`x.sum(axis=0)`), not calls through NumPy's
Python layer. Each is checked against NumPy on random arrays and axes (Hypothesis), for
its values, dtype and shape, and for being a view where NumPy's function gives one.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from myia.pipeline import compile_jit
from myia.testing import check_grads

ARRAYS = hnp.arrays(
    st.sampled_from([np.float64, np.float32, np.int64]),
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    elements=st.integers(-5, 5),
)


def new_axis_0(x):
    return np.expand_dims(x, 0)


def new_axis_last(x):
    return np.expand_dims(x, -1)


def new_axes_around(x):
    return np.expand_dims(x, (0, -1))


def reversed_first(x):
    return np.flip(x, 0)


def reversed_last(x):
    return np.flip(x, -1)


def reversed_all(x):
    return np.flip(x)


def sums(x):
    return x.sum(axis=0), np.max(x, axis=-1, keepdims=True), np.mean(x), np.any(x > 0)


VIEWS = [new_axis_0, new_axis_last, new_axes_around, reversed_first, reversed_last, reversed_all]


@settings(max_examples=20, deadline=None)
@given(x=ARRAYS, fn=st.sampled_from([*VIEWS, sums]))
def test_views_and_methods_compute_what_numpy_does(x, fn):
    got, want = myia.jit(fn)(x), fn(x)
    for g, w in zip(
        got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)
    ):
        assert type(g) is type(w) and np.shape(g) == np.shape(w)
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_array_equal(g, w)
    if fn in VIEWS:
        assert np.shares_memory(got, x)


def test_the_source_is_indexing_and_methods():
    x = np.ones((2, 3))
    assert "x[:, :, None]" in compile_jit(new_axis_last, (x,)).source
    assert "x[None]" in compile_jit(new_axis_0, (x,)).source
    assert "x[:, ::-1]" in compile_jit(reversed_last, (x,)).source
    assert "x[::-1, ::-1]" in compile_jit(reversed_all, (x,)).source
    src = compile_jit(sums, (x,)).source
    assert "x.sum(axis=0)" in src and "x.max(axis=1, keepdims=True)" in src, src
    assert "np.expand_dims" not in src and "np.sum" not in src


def cumulative_loss(x):
    return np.sum(np.cumsum(x, axis=1) ** 2)


def test_the_adjoint_of_cumsum_is_a_reversed_cumsum_of_views():
    x = np.random.default_rng(0).standard_normal((3, 4))
    check_grads(cumulative_loss, (x,), order=2)
    src = myia.source(myia.grad(cumulative_loss), x)
    assert "[:, ::-1].cumsum(axis=1)[:, ::-1]" in str(src), src
