"""Gradients through a loop whose test varies from example to example: vmap runs it until
every example is done, the finished examples' state frozen at each back edge, so the
body is computed on their frozen state too, where its derivative may be nan or infinite
(`np.sqrt(1.0 - x)` past `x = 1`). The body reads what it is given through `grad_mask`
by the examples still running, so the finished examples' runs add nothing (not 0 * nan)
to the gradient. Each result is checked against a Python loop of `myia.grad` over the
examples, or central finite differences."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.ad.fd import assert_close, fd_gradient

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def climb(x):
    while x < 1.0:
        x = x + 1.0 + np.sqrt(1.0 - x)
    return x


def toward(w, x):
    while x < 3.0:
        x = x + np.sqrt(w - x)
    return x


def in_a_side(w, x):
    if x > 0.0:
        while x < 3.0:
            x = x + np.sqrt(w - x) * np.log(x)
        return x
    return w * x


def no_warnings(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # (none from the examples done)
        return fn(*args)


def check(f, w, xs):
    """The gradients of the sum of vmap of `f` (and vmap of its gradient) against a loop
    of `myia.grad` over the examples, and vmap(f) against a loop of `f`."""

    def total(w, xs):
        return np.sum(myia.vmap(f, in_axes=(None, 0))(w, xs))

    gw, gx = no_warnings(myia.grad(total, argnums=(0, 1)), w, xs)
    loop = [myia.grad(f, argnums=(0, 1))(w, x) for x in xs]
    assert np.isfinite(gw) and np.all(np.isfinite(gx)), (gw, gx)
    assert_close(gw, sum(g for g, _ in loop), rtol=1e-9, atol=1e-12)
    assert_close(gx, np.stack([g for _, g in loop]), rtol=1e-9, atol=1e-12)
    each = no_warnings(myia.vmap(myia.grad(f, argnums=(0, 1)), in_axes=(None, 0)), w, xs)
    assert_close(each[1], gx, rtol=1e-9, atol=1e-12)
    want = np.stack([f(w, x) for x in xs])
    assert_close(no_warnings(myia.vmap(f, in_axes=(None, 0)), w, xs), want, rtol=1e-12, atol=1e-12)
    return total


@SETTINGS
@given(hnp.arrays(np.float64, 5, elements=st.floats(-3.0, 2.0, allow_nan=False)))
def test_the_examples_done_add_nothing_to_the_gradient(xs):
    got = no_warnings(myia.grad(lambda v: np.sum(myia.vmap(climb)(v))), xs)
    want = np.stack([myia.grad(climb)(x) for x in xs])
    assert np.all(np.isfinite(got)), got
    assert_close(got, want, rtol=1e-9, atol=1e-12)
    assert_close(no_warnings(myia.vmap(climb), xs), np.stack([climb(x) for x in xs]), 1e-12, 1e-12)


def test_against_finite_differences():
    xs = np.array([-3.0, 0.5, 0.9, 2.0, -0.2])
    f = lambda v: np.sum(myia.vmap(climb)(v))  # noqa: E731
    got = no_warnings(myia.grad(f), xs)
    assert_close(got, no_warnings(fd_gradient, f, (xs,), 0), rtol=1e-5, atol=1e-6)


@SETTINGS
@given(
    st.floats(3.05, 4.0),
    hnp.arrays(np.float64, 4, elements=st.floats(-2.0, 5.0, allow_nan=False)),
)
def test_a_weight_read_in_the_body(w, xs):
    total = check(toward, w, xs)
    assert_close(
        no_warnings(myia.grad(total), w, xs),
        no_warnings(fd_gradient, total, (w, xs), 0),
        1e-4,
        1e-5,
    )


def test_a_loop_in_a_side():
    xs = np.array([-1.0, 1.2, 2.5, 4.0, 1.5])
    check(in_a_side, 3.2, xs)


def test_jvp_is_the_derivative_times_the_tangent():
    xs = np.array([-3.0, 0.5, 0.9, 2.0, -0.2])
    ts = np.array([1.0, -2.0, 0.5, 1.0, 3.0])
    out, tangent = no_warnings(myia.jvp, myia.vmap(climb), (xs,), (ts,))
    assert_close(out, np.stack([climb(x) for x in xs]), rtol=1e-12, atol=1e-12)
    want = np.stack([myia.grad(climb)(x) for x in xs]) * ts
    assert_close(tangent, want, rtol=1e-9, atol=1e-12)


def leave_early(w, x):
    while x < 1.0:
        if x > 0.6:
            break
        x = x + 0.5 + np.sqrt(0.7 - x)
    return x


def return_inside(w, x):
    while x < 3.0:
        if x > w:
            return x * w
        x = x + np.sqrt(w - x) + 0.1
    return x


def scan(w, x):
    s = 0.0
    for i in range(4):
        if x[i] > w:
            break
        s = s + np.sqrt(w - x[i]) * x[i]
    return s


@SETTINGS
@given(hnp.arrays(np.float64, 5, elements=st.floats(-3.0, 2.0, allow_nan=False)))
def test_the_examples_that_left_a_loop_add_nothing_to_the_gradient(xs):
    check(leave_early, 1.0, xs)


@SETTINGS
@given(
    st.floats(1.5, 2.5),
    hnp.arrays(np.float64, 4, elements=st.one_of(st.floats(-2.0, 1.4), st.floats(2.6, 4.0))),
)
def test_a_return_inside_a_loop_reading_a_weight(w, xs):
    # (away from x = w, where the derivative of np.sqrt(w - x) is infinite)
    check(return_inside, w, xs)


@SETTINGS
@given(
    hnp.arrays(np.float64, (3, 4), elements=st.one_of(st.floats(-2.0, 0.95), st.floats(1.05, 2.0)))
)
def test_a_loop_of_a_count_the_same_for_every_example_left_early(xs):
    check(scan, 1.0, xs)
