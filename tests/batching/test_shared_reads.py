"""Gradients of a value the same for every example (`in_axes=None`: a weight) read in a
side of a branch on a condition that varies: vmap computes both sides for every example,
and the side an example does not take may have a nan or infinite derivative there; the
side reads the weight per example (`myia.batching.shared`) and through `grad_mask`, so
that what it adds to the weight's gradient is the sum over the examples taking it. Each
result is checked against a Python loop of `myia.grad` over the examples and central
finite differences, at inputs where every example's own branch is finite."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.ad.fd import assert_close, fd_gradient

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def mixed(w, x):
    if x > 0.0:
        return np.sqrt(w - x) * np.log(x)
    return w * x


def alone(w, x):
    if x > 0.0:
        return np.sqrt(w - 3.0) * x
    return w * x * x


def nested(w, x):
    if x > -1.0:
        if x > 1.0:
            return np.log(x - 1.0) * np.sqrt(w - x)
        return np.log(w - 2.0 * x) + x
    return w * x


def looped(w, x):
    if x > 0.0:
        s = np.log(x) * w
        while s < w:
            s = s + np.sqrt(w - x) + 1.0
        return s
    return w * x


def matrix(W, x):
    if np.min(x) > 0.0:
        return np.sum(np.log(x) @ W)
    return np.sum(W @ x) * 2.0


def summed(f):
    def total(w, xs):
        return np.sum(myia.vmap(f, in_axes=(None, 0))(w, xs))

    return total


def no_warnings(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # (none from the sides not taken)
        return fn(*args)


def check(f, w, xs, rtol=1e-5, atol=1e-6):
    """The gradients of the sum of vmap of `f` against a loop of `myia.grad` over the
    examples and central differences, vmap of the gradient against that loop, and vmap(f)
    against a loop of `f`."""
    gw, gx = no_warnings(myia.grad(summed(f), argnums=(0, 1)), w, xs)
    assert np.all(np.isfinite(gw)), gw
    loop = [myia.grad(f, argnums=(0, 1))(w, x) for x in xs]
    assert_close(gw, sum(g for g, _ in loop), rtol=1e-9, atol=1e-12)
    assert_close(gx, np.stack([g for _, g in loop]), rtol=1e-9, atol=1e-12)
    each = no_warnings(myia.vmap(myia.grad(f, argnums=(0, 1)), in_axes=(None, 0)), w, xs)
    assert_close(each[0], np.stack([g for g, _ in loop]), rtol=1e-9, atol=1e-12)
    assert_close(each[1], gx, rtol=1e-9, atol=1e-12)
    assert_close(gw, no_warnings(fd_gradient, summed(f), (w, xs), 0), rtol=rtol, atol=atol)
    want = np.stack([f(w, x) for x in xs])
    assert_close(no_warnings(myia.vmap(f, in_axes=(None, 0)), w, xs), want, rtol=1e-12, atol=1e-12)


def away(*bounds):
    """Floats in the intervals `bounds` (pairs): away from the points where a branch
    switches, where central differences straddle it."""
    return st.one_of(*(st.floats(lo, hi) for lo, hi in bounds))


@SETTINGS
@given(st.floats(1.5, 3.0), hnp.arrays(np.float64, 5, elements=away((-3.0, -0.05), (0.05, 1.0))))
def test_a_side_combining_the_weight_with_each_example(w, xs):
    check(mixed, w, xs)


@SETTINGS
@given(hnp.arrays(np.float64, 4, elements=st.floats(-3.0, 0.0, allow_nan=False)))
def test_a_side_no_example_takes_computing_from_the_weight_alone(xs):
    # sqrt(w - 3) is nan at w = 2: no example takes that side, so its gradient is the other's
    check(alone, 2.0, xs)


def test_a_side_some_example_takes_computing_from_the_weight_alone():
    xs = np.array([-1.0, 0.5, 2.0])
    check(alone, 4.0, xs)


@SETTINGS
@given(
    st.floats(2.5, 4.0),
    hnp.arrays(np.float64, 5, elements=away((-3.0, -1.05), (-0.95, 0.95), (1.05, 1.2))),
)
def test_nested_sides(w, xs):
    check(nested, w, xs, rtol=1e-4, atol=1e-5)


def test_a_loop_in_a_side():
    xs = np.array([-2.0, -0.5, 0.5, 1.5])
    check(looped, 3.0, xs, rtol=1e-4, atol=1e-5)


def test_a_matrix_read_in_a_side():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 3))
    xs = np.array([[1.0, 2.0, 0.5], [-1.0, 2.0, 3.0], [0.25, 4.0, 1.5], [-2.0, -1.0, 0.5]])
    check(matrix, W, xs)
    # a product keeps the matrix as it is (one product of the batch, the examples that do
    # not take the side zeros in it), not a copy per example
    for fn in (myia.vmap(matrix, in_axes=(None, 0)), myia.grad(summed(matrix))):
        text = myia.source(fn, W, xs)
        assert "broadcast_to(W" not in text and "einsum" not in text, text


def test_a_weight_captured_by_the_mapped_closure():
    def loss(w, xs):
        return np.sum(myia.vmap(lambda x: mixed(w, x))(xs))

    xs = np.array([-2.0, 0.5, 1.5, -0.25])
    got = no_warnings(myia.grad(loss), 2.5, xs)
    assert_close(got, sum(myia.grad(mixed)(2.5, x) for x in xs), rtol=1e-9, atol=1e-12)


def test_second_order_in_the_weight():
    xs = np.array([-2.0, -0.5, 0.5, 1.5])

    def slope(w):
        return myia.grad(summed(mixed))(w, xs)

    got = no_warnings(myia.grad(slope), 2.5)
    assert np.isfinite(got), got
    assert_close(got, no_warnings(fd_gradient, slope, (2.5,), 0), rtol=1e-5, atol=1e-6)
