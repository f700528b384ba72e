"""Gradients through a branch on a condition that varies from example to example, where
the side an example does not take has an infinite or nan derivative there: vmap
computes both sides and selects with `np.where`, and reads what varies from outside a
side through `grad_mask`, so the side not taken adds nothing (not 0 * nan) to the
gradient. Each result is checked against central finite differences or the closed form
at each example (`grad`, `jvp`, second order, nested branches, loops in a side); an
`np.where` the user writes keeps NumPy's semantics (a nan gradient, as in JAX)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.ad.fd import assert_close, fd_gradient

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
XS = np.array([-1.5, -0.25, 0.5, 4.0])


def sq(x):
    if x > 0.0:
        return np.sqrt(x)
    return x


def logged(x):
    if x > 0.0:
        return np.log(x) * x
    return x * x


def reciprocal(x):
    if x != 0.0:
        return 1.0 / x
    return 2.0 * x


def looped(x):
    if x > 0.0:
        s = np.sqrt(x)
        for _ in range(3):
            s = s * 0.5 + np.sqrt(x)
        while s < 8.0:
            s = s * 2.0 + np.log(x + 1.0)
        return s
    return 3.0 * x


def nested(x):
    if x > -1.0:
        if x > 1.0:
            return np.sqrt(x - 1.0) * x
        return np.log(x + 1.0)
    return x * x


def vector_side(x):
    if np.min(x) > 0.0:
        return np.sum(np.sqrt(x) * x[0])
    return np.sum(x * x)


def in_a_loop(x):
    s = 0.0
    while x < 3.0:
        if x > 0.0:
            s = s + np.sqrt(x)
        else:
            s = s + x
        x = x + 1.0
    return s


def user_where(x):
    return np.where(x > 0.0, np.sqrt(x), x)


def summed(f):
    def total(v):
        return np.sum(myia.vmap(f)(v))

    return total


def per_example(f, xs):
    """The central-difference derivative of `f` at each example (numbers or rows)."""
    return np.stack([fd_gradient(f, (x,), 0) for x in xs])


def no_warnings(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # (none from the sides not taken)
        return fn(*args)


@pytest.mark.parametrize("f", [sq, logged, looped, nested, in_a_loop], ids=lambda f: f.__name__)
def test_grad_of_a_sum_of_vmap_is_the_derivative_at_each_example(f):
    xs = np.array([-2.5, -1.5, -0.25, 0.5, 1.5, 4.0])
    got = no_warnings(myia.grad(summed(f)), xs)
    assert not np.any(np.isnan(got)), got
    assert_close(got, per_example(f, xs), rtol=1e-5, atol=1e-6)
    assert_close(no_warnings(myia.vmap(myia.grad(f)), xs), got, rtol=1e-12, atol=1e-12)


def test_division_by_zero_on_the_side_not_taken():
    xs = np.array([0.0, -2.0, 0.5])
    got = no_warnings(myia.grad(summed(reciprocal)), xs)
    assert_close(got, np.array([2.0, -0.25, -4.0]), rtol=1e-12, atol=1e-12)


def test_a_side_reading_a_row_of_each_example():
    xs = np.array([[1.0, 4.0], [-1.0, 2.0], [0.25, -3.0]])
    got = no_warnings(myia.grad(summed(vector_side)), xs)
    assert_close(got, per_example(vector_side, xs), rtol=1e-5, atol=1e-6)


@SETTINGS
@given(hnp.arrays(np.float64, 5, elements=st.floats(-3.0, 3.0, allow_nan=False)))
def test_grad_of_nested_branches_matches_fd(xs):
    assume(np.all(np.abs(np.abs(xs) - 1.0) > 0.05))
    got = no_warnings(myia.grad(summed(nested)), xs)
    assert_close(got, per_example(nested, xs), rtol=1e-4, atol=1e-5)


def test_jvp_of_vmap_is_the_derivative_times_the_tangent():
    ts = np.array([1.0, 2.0, -1.0, 0.5])
    out, tangent = no_warnings(myia.jvp, myia.vmap(sq), (XS,), (ts,))
    assert_close(out, np.where(XS > 0.0, np.sqrt(np.abs(XS)), XS), rtol=1e-12, atol=0.0)
    want = np.where(XS > 0.0, 0.5 / np.sqrt(np.abs(XS)), 1.0) * ts
    assert_close(tangent, want, rtol=1e-12, atol=1e-12)


def diagonal(v):
    return np.sum(myia.grad(summed(sq))(v))


def test_second_order_is_the_second_derivative_at_each_example():
    # d/dv_i of sum_j sq'(v_j) is sq''(v_i): -x^-1.5 / 4 where x > 0, 0 elsewhere.
    got = no_warnings(myia.grad(diagonal), XS)
    want = np.where(XS > 0.0, -0.25 * np.abs(XS) ** -1.5, 0.0)
    assert_close(got, want, rtol=1e-9, atol=1e-12)
    hess = no_warnings(myia.hessian(summed(logged)), XS)
    assert_close(hess, np.diag(np.where(XS > 0.0, 1.0 / np.abs(XS), 2.0)), rtol=1e-9, atol=1e-12)


def test_np_where_written_by_the_user_keeps_numpy_semantics():
    # (both sides' derivatives count: 0 * nan where x < 0, as in JAX and autograd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (np.sqrt of a negative number)
        got = myia.grad(summed(user_where))(XS)
    assert np.all(np.isnan(got[XS < 0.0])), got
    assert_close(got[XS > 0.0], 0.5 / np.sqrt(XS[XS > 0.0]), rtol=1e-12, atol=0.0)


def test_plain_vmap_of_a_branch_has_no_mask_in_its_code():
    text = myia.source(myia.vmap(sq), XS)
    body = [line for line in text.splitlines() if line.startswith("    ")]
    assert "grad_mask" not in text and "logical_not" not in text, text
    assert len(body) <= 3, text
    assert_close(
        no_warnings(myia.vmap(sq), XS), np.where(XS > 0.0, np.sqrt(np.abs(XS)), XS), 0.0, 0.0
    )
