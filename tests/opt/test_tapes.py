"""Flat tapes (`myia.opt.tapes`): a loop's tape holds the leaves of its residuals. Each
gradient program evaluates the same before and after the optimizer, matches finite
differences, and reads each saved value with one index."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from tests.ad.fd import fd_gradient
from tests.opt.oracle import assert_outcomes, evaluate, gradient_pair

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def step(x):
    return x * 0.9 + np.sin(x) * 0.1


def helper_in_loop(x, n):
    for _ in range(n):
        x = step(x)
    return x


def branch_in_loop(x, n):
    s = 0.0
    for k in range(n):
        if k % 2 == 0:
            s = s + np.sin(x * s + 1.0)
        else:
            s = s * x
    return s


def two_saved(x, n):
    a = 1.0
    b = x
    i = 0
    while i < n:
        a = a * b + math.cos(a)
        b = b * 0.5 + a * x
        i += 1
    return a + b


def nested_loops(x, n):
    s = x
    for i in range(n):
        for _j in range(i):
            s = s * 0.9 + np.tanh(s) * x
    return s


def closure_in_loop(x, n):
    scale = 0.5
    f = lambda v: np.exp(-v * v * scale) + v
    for _ in range(n):
        x = f(x)
    return x


PROGRAMS = [helper_in_loop, branch_in_loop, two_saved, nested_loops, closure_in_loop]


@pytest.mark.parametrize("fn", PROGRAMS, ids=lambda f: f.__name__)
@SETTINGS
@given(x=st.floats(-1.5, 1.5), n=st.integers(0, 5))
def test_gradient_with_flat_tapes_is_unchanged_and_right(fn, x, n):
    before, after = gradient_pair(fn, (x, n), 0)
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)), rtol=1e-12)
    got = myia.grad(fn)(x, n)
    assert np.isclose(got, fd_gradient(fn, (x, n), 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [helper_in_loop, closure_in_loop], ids=lambda f: f.__name__)
def test_a_residual_of_a_called_function_is_read_with_one_index(fn):
    src = myia.source(myia.grad(fn), 0.3, 4)
    assert "[0][0]" not in src, src
    if fn is helper_in_loop:  # one value saved: pushed as (value, tape)
        forward = src.split("for ")[1].split("while")[0]
        assert "((" not in forward, src


@pytest.mark.parametrize(
    "fn", [helper_in_loop, two_saved, branch_in_loop], ids=lambda f: f.__name__
)
def test_second_order_through_flat_tapes(fn):
    for x, n in [(0.3, 3), (-0.7, 4), (1.1, 0)]:
        got = myia.grad(myia.grad(fn))(x, n)
        expected = fd_gradient(lambda v, k: myia.grad(fn)(v, k), (x, n), 0)
        assert np.isclose(got, expected, rtol=1e-5, atol=1e-6), (x, n, got, expected)


def slot_unfilled_on_a_path(x0, x1, x2, n):
    # Found by the random-program suite: the residual of an `if` in a loop holds None on
    # the path that does not fill it; its second order read through that None.
    v0 = math.sin(3.0 - x0 * 0.5)
    for k0 in range(2):
        if v0 < float(k0) <= x2:
            if float(k0) < v0 <= (k0 * 0.5):
                continue
            v0 = math.tanh(((k0 * 0.5) + x0) * math.tanh(float(k0)))
            v0 = min(max(-x0, -4.0), 4.0)
    if v0 >= x2:
        for _k1 in range(2):
            v0 -= math.sin(x0 * (x0 * v0) if x1 < v0 else 0.25)
    return v0 * x2


@pytest.mark.parametrize("args", [(0.5, 0.2, -0.3, 2), (-1.0, 0.5, -2.0, 2), (1.5, -0.2, 1.2, 2)])
def test_second_order_when_a_slot_is_unfilled_on_a_path(args):
    got = myia.grad(myia.grad(slot_unfilled_on_a_path))(*args)
    expected = fd_gradient(lambda *a: myia.grad(slot_unfilled_on_a_path)(*a), args, 0)
    assert np.isclose(got, expected, rtol=1e-4, atol=1e-6), (got, expected)
