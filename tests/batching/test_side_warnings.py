"""vmap computes a side of a branch on a varying condition for the examples that do not
take it too (and the body of a loop whose test varies for the examples done): what they
compute there is not selected, and must print no RuntimeWarning (`np.log` of a negative
number on the side not taken). The inputs of the primitives NumPy warns about outside
their domain are given, for those examples, a value in it
(`myia.batching.elementwise.quieted`). Each result, with warnings as errors, is checked
against a Python loop over the examples (and `myia.vmap(myia.grad(f))` against a loop of
`myia.grad`); where the side an example takes gives inf or nan, vmap gives it too, with
NumPy's warning, as the loop does."""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.ad.fd import assert_close

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def logs(x):
    if x > 0.0:
        return np.log(x) + np.sqrt(x) + 1.0 / x + math.log(x)
    return np.exp(x * 800.0) * 0.5 + x  # (overflows where x > 0: not taken)


def inverse_trig(x):
    if -1.0 <= x <= 1.0:
        return np.arcsin(x) + np.arccos(x) + np.arctanh(x * 0.5)
    return np.log1p(x - 1.0) if x > 1.0 else x


def powers(w, x):
    if x > 1.0:
        return np.power(x - 1.0, 0.5) * np.log(w - x) + (x - 1.0) ** -1.5
    return w * x


def frozen(x):
    # the examples done run the body again on x <= 0.5
    while x > 0.5:
        x = np.sqrt(x - 0.5) + np.log(x - 0.4)
    return x


def leaving(x):
    s = x
    for _j in range(3):
        if s < 0.0:
            return np.log(-s) + np.sqrt(-s)
        s = s - 1.0 + np.sqrt(s)
    return s


def weight_alone(w, x):
    # no example may take the side: its np.sqrt(w - 3.0) alone is computed once
    if x > 0.0:
        return np.sqrt(w - 3.0) * x
    return w * x * x


def check(fn, args, axes, grads=True):
    """vmap of `fn` (and of its gradient) with warnings as errors, against loops."""
    n = next(np.shape(a)[0] for a, ax in zip(args, axes) if ax == 0)
    examples = [[a[k] if ax == 0 else a for a, ax in zip(args, axes)] for k in range(n)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = myia.vmap(fn, in_axes=axes)(*args)
        g = myia.vmap(myia.grad(fn, argnums=axes.index(0)), in_axes=axes)(*args) if grads else None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (nor from the loop: each example's own side)
        assert_close(got, np.stack([fn(*ex) for ex in examples]), 1e-12, 0.0)
        if grads:
            loop = np.stack([myia.grad(fn, argnums=axes.index(0))(*ex) for ex in examples])
            assert_close(g, loop, 1e-12, 1e-12)


def floats(n, lo, hi):
    return hnp.arrays(np.float64, n, elements=st.floats(lo, hi, allow_nan=False))


@SETTINGS
@given(floats(6, -3.0, 3.0).filter(lambda xs: np.all(np.abs(xs) > 1e-3)))
def test_logs_roots_and_divisions_in_the_side_not_taken(xs):
    check(logs, (xs,), (0,))


@SETTINGS
@given(floats(6, -3.0, 8.0).filter(lambda xs: np.all(np.abs(np.abs(xs) - 1.0) > 1e-6)))
def test_inverse_trigonometric_functions_in_the_side_not_taken(xs):
    check(inverse_trig, (xs,), (0,))


@SETTINGS
@given(st.floats(3.5, 6.0), floats(5, -2.0, 3.0).filter(lambda xs: np.all(xs != 1.0)))
def test_powers_of_a_weight_and_each_example(w, xs):
    check(powers, (w, xs), (None, 0))


@SETTINGS
@given(floats(5, 0.0, 6.0))
def test_a_loop_whose_test_varies_runs_its_body_on_the_examples_done(xs):
    check(frozen, (xs,), (0,))


@SETTINGS
@given(floats(5, -2.0, 3.0).filter(lambda xs: np.all(np.abs(xs) > 1e-3)))
def test_a_loop_examples_leave_by_a_return(xs):
    check(leaving, (xs,), (0,))


@SETTINGS
@given(floats(4, -3.0, -0.1))
def test_a_side_no_example_takes_computing_from_the_weight_alone(xs):
    check(weight_alone, (2.0, xs), (None, 0))


def test_the_side_an_example_takes_gives_inf_and_nan_as_numpy_does():
    def f(x):
        if x >= 0.0:
            return np.log(x) if x < 0.25 else np.sqrt(x - 1.0)
        return x

    xs = np.array([0.0, -1.0, 0.5, 2.0])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = myia.vmap(f)(xs)
    with warnings.catch_warnings(record=True) as loop:
        warnings.simplefilter("always")
        want = np.stack([f(x) for x in xs])
    np.testing.assert_array_equal(got, want)  # (-inf at 0, nan at 0.5: the examples' own)
    assert np.isneginf(got[0]) and np.isnan(got[2]), got
    said = {str(w.message).replace("scalar ", "") for w in loop}
    assert seen and {str(w.message) for w in seen} <= said, ([w.message for w in seen], said)


def test_no_side_no_mask():
    # (the common path: an application no side holds is written as it was)
    def f(x):
        return np.log(x) + 1.0 / x

    text = myia.source(myia.vmap(f), np.array([1.0, 2.0]))
    assert "np.where" not in text and ".any(" not in text, text
