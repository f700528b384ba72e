"""myia.vmap of programs that may raise where examples differ: an `assert` at the top of
the mapped function, and the recursion of the peer benchmark's `rec_pow` with a
per-example exponent. The batched program (and vmap of grad) computes each example as a
loop over the examples does, and raises exactly where some example would: the side that
raises is computed where an example takes it. An `assert` inside a side of a branch on a
varying condition is refused (the examples that do not take the side would be tested)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from benchmarks.peer_workloads import rec_pow
from myia.errors import MyiaRecursionError, MyiaTypeError
from tests.ad.fd import assert_close, fd_gradient

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def checked(x, k):
    assert k >= 0, "k must be non-negative"
    y = x * k
    return y * y


def guarded_side(x, k):
    if x > 0.0:
        assert k < 4, "k too large where x > 0"
        return np.sqrt(x) * k
    return x * x


def _looped(fn, xs, ks):
    return np.array([fn(float(x), int(k)) for x, k in zip(xs, ks)])


xs = hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-2.0, 2.0))


@given(x=xs, data=st.data())
@SETTINGS
def test_vmap_raises_iff_some_example_fails(x, data):
    k = data.draw(hnp.arrays(np.int64, x.shape, elements=st.integers(-2, 5)))
    mapped, grads = myia.vmap(checked), myia.vmap(myia.grad(checked))
    if np.any(k < 0):
        for f in (mapped, grads):
            with pytest.raises(AssertionError, match="k must be non-negative"):
                f(x, k)
        return
    assert_close(mapped(x, k), _looped(checked, x, k), 1e-12, 1e-12, "vmap", False)
    expected = np.array([fd_gradient(checked, (float(e), int(kk)), 0) for e, kk in zip(x, k)])
    assert_close(grads(x, k), expected, 1e-5, 1e-5, "vmap of grad", False)


def test_vmap_refuses_an_assert_in_a_side_some_examples_skip():
    x, k = np.array([1.0, -1.0]), np.array([1, 5])
    for f in (myia.vmap(guarded_side), myia.vmap(myia.grad(guarded_side))):
        with pytest.raises(MyiaTypeError, match=r"can raise an error \(line \d+\)") as info:
            f(x, k)
        assert "test_raising_sides.py" in str(info.value) and "if x > 0.0" in str(info.value)


@given(
    x=hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(0.2, 1.8)),
    data=st.data(),
)
@SETTINGS
def test_vmap_of_rec_pow_with_per_example_exponents(x, data):
    n = data.draw(hnp.arrays(np.int64, x.shape, elements=st.integers(0, 5)))
    mapped = myia.vmap(rec_pow, in_axes=(0, 0))
    assert_close(mapped(x, n), _looped(rec_pow, x, n), 1e-12, 1e-12, "vmap", False)
    expected = np.array([fd_gradient(rec_pow, (float(e), int(k)), 0) for e, k in zip(x, n)])
    grads = myia.vmap(myia.grad(rec_pow), in_axes=(0, 0))
    assert_close(grads(x, n), expected, 1e-5, 1e-5, "vmap of grad", False)


@pytest.mark.parametrize("n", [[3, -1, 2], [-1, -2, -3]])
def test_vmap_of_rec_pow_refuses_an_endless_recursion(n):
    x = np.array([1.5, 2.0, 0.5])
    for fn in (myia.vmap(rec_pow, in_axes=(0, 0)), myia.vmap(myia.grad(rec_pow), in_axes=(0, 0))):
        with pytest.raises(MyiaRecursionError, match="rec_pow"):
            fn(x, np.array(n))


def test_vmap_of_a_side_that_raises_tests_once():
    """The generated code raises where some example fails, and computes the other side
    alone (no `np.where` of an error, no second test)."""
    code = myia.source(myia.vmap(checked), np.ones(3), np.array([1, 2, 3]))
    assert code.count("_raise_(") == 1, code
    assert "np.where" not in code, code
