"""An `assert` that fails raises in every derived program, not only in the primal one: a
gradient (forward mode for one float input, reverse mode for arrays), `value_and_grad`,
`jvp`, `vjp` and a second derivative of a function whose assertion fails raise its
AssertionError, although none of them uses the primal's value (the raise is kept as an
effect of its graph, `myia.infer.build.never_returns`). Where the assertion holds, each
gradient is checked against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from tests.ad.fd import assert_close, fd_gradient

SETTINGS = settings(max_examples=15, deadline=None)


def top(x, k):
    assert k >= 0, "k must be non-negative"
    y = x * k
    return np.sum(y * y)


def _checked(x, k):
    assert k < 10, "k is too large"
    return np.sin(x) * k


def in_callee(x, k):
    return np.sum(_checked(x, k) * x)


def in_branch(x, k):
    if k > 2:
        assert k < 5, "k out of range"
        return np.sum(np.exp(x) * k)
    return np.sum(x * x)


def in_loop(x, k):
    s = x
    for i in range(3):
        assert i < k, "k is too small"
        s = s * 0.5 + np.cos(s)
    return np.sum(s)


CASES = [  # (function, a k where the assertion holds, one where it fails, its message)
    (top, 2, -1, "k must be non-negative"),
    (in_callee, 3, 12, "k is too large"),
    (in_branch, 3, 7, "k out of range"),
    (in_loop, 4, 2, "k is too small"),
]


def _arg(scalar: bool, v: float):
    return v if scalar else np.array([v, 0.5 * v, -v])


@pytest.mark.parametrize("scalar", [True, False], ids=["forward", "reverse"])
@pytest.mark.parametrize("fn,good,bad,message", CASES, ids=[c[0].__name__ for c in CASES])
@given(v=st.floats(-1.5, 1.5))
@SETTINGS
def test_gradient_raises_where_the_assertion_fails(fn, good, bad, message, scalar, v):
    x = _arg(scalar, v)
    assert_close(myia.grad(fn)(x, good), fd_gradient(fn, (x, good), 0), 1e-5, 1e-6)
    value, g = myia.value_and_grad(fn)(x, good)
    assert_close(value, fn(x, good), 1e-12, 1e-12, "value")
    assert_close(g, fd_gradient(fn, (x, good), 0), 1e-5, 1e-6)
    with pytest.raises(AssertionError, match=message):
        fn(x, bad)
    for derived in (myia.grad(fn), myia.value_and_grad(fn)):
        with pytest.raises(AssertionError, match=message):
            derived(x, bad)


@pytest.mark.parametrize("fn,good,bad,message", CASES, ids=[c[0].__name__ for c in CASES])
def test_jvp_and_vjp_raise_where_the_assertion_fails(fn, good, bad, message):
    x = np.array([0.3, -0.7, 1.1])
    t = np.array([1.0, 0.5, -2.0])
    value, tangent = myia.jvp(fn, (x, good), (t, 0))
    assert_close(value, fn(x, good), 1e-12, 1e-12, "value")
    assert_close(tangent, np.dot(fd_gradient(fn, (x, good), 0), t), 1e-5, 1e-6, "jvp")
    with pytest.raises(AssertionError, match=message):
        myia.jvp(fn, (x, bad), (t, 0))
    with pytest.raises(AssertionError, match=message):
        myia.vjp(fn, x, bad)


@pytest.mark.parametrize("fn,good,bad,message", CASES, ids=[c[0].__name__ for c in CASES])
def test_second_derivative_raises_where_the_assertion_fails(fn, good, bad, message):
    def scalar(a, k):
        return fn(a * np.array([1.0, 0.5, -1.0]), k)

    d2 = myia.grad(myia.grad(scalar))
    first = myia.grad(scalar)
    assert_close(d2(0.4, good), fd_gradient(lambda a, k: first(a, k), (0.4, good), 0), 1e-4, 1e-6)
    with pytest.raises(AssertionError, match=message):
        d2(0.4, bad)
