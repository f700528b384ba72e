"""Recursion on numbers (`rec(x, n - 1)`): unrolled for a small known depth, one recursive
function beyond it, whose size does not grow with the depth. Gradients against the closed
form and central finite differences; values kept where they are the same at every call."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.infer.engine import UNROLL_DEPTH
from myia.testing import check_grads

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def rpow(x, n):
    if n == 0:
        r = 1.0
    else:
        r = x * rpow(x, n - 1)
    return r


def rfib(x, n):
    if n < 2:
        return x
    return rfib(x, n - 1) + rfib(x * 0.5, n - 2)


def even(x, n):
    if n == 0:
        return x
    return odd(x * 1.1, n - 1)


def odd(x, n):
    if n == 0:
        return np.sin(x)
    return even(x + x * x, n - 1)


def scaled(x, n, k):
    if n == 0:
        return np.sum(np.full(k, x))  # the shape needs k's value
    return x * scaled(x, n - 1, k)


def scaled_by_three(x, n):
    return scaled(x, n, 3)


def count_up(x, i, stop):
    if i == stop:
        return 0.0
    return np.sin(x * i) + count_up(x, i + 1, stop)


def pick_sum(t, i):
    if i == len(t):
        return 0.0
    return np.sum(t[i] * 2.0) + pick_sum(t, i + 1)


def sum_of_tuple(t):
    return pick_sum(t, 0)


def statements(src: str) -> int:
    return sum(1 for line in src.splitlines() if line.split("#", 1)[0].strip())


def test_the_gradient_does_not_grow_with_the_depth():
    sizes = {n: statements(myia.source(myia.grad(rpow), 1.01, n)) for n in (10, 20, 80, 400)}
    assert len(set(sizes.values())) == 1, sizes
    src = myia.source(myia.grad(rpow), 1.01, 20)
    code = [
        line.split("#", 1)[0]
        for line in src.splitlines()
        if not line.startswith("def ") and "_raise_(" not in line  # (the error names the line)
    ]
    assert not any("rpow(" in c for c in code), src  # two loops (infer/recursion.py)
    # the descent only counts: it is its closed form (infer/induction.py), one loop is left
    assert sum("while" in c or "for " in c for c in code) == 1, src


def test_a_small_known_depth_is_unrolled():
    src = myia.source(myia.grad(rpow), 1.01, 3)
    assert "\ndef rpow" not in src and statements(src) < 12, src


@SETTINGS
@given(x=st.floats(0.5, 1.5), n=st.integers(0, 3 * UNROLL_DEPTH))
def test_power_gradient_closed_form(x, n):
    got = myia.grad(rpow)(x, n)
    assert type(got) is float
    assert got == pytest.approx(n * x ** (n - 1) if n else 0.0, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("n", [UNROLL_DEPTH - 1, UNROLL_DEPTH, UNROLL_DEPTH + 1, 12])
def test_tree_and_mutual_recursion_against_finite_differences(n):
    check_grads(rfib, (0.7, n))
    check_grads(even, (0.3, n))
    check_grads(count_up, (0.4, 0, n))


@pytest.mark.parametrize("n", [3, 12, 30])
def test_a_recursion_that_needs_its_values_is_unrolled(n):
    """`t[i]` of a tuple of floats and arrays: with `i` widened it would be a union of
    types, so the recursion keeps one copy per value, however deep."""
    t = tuple(float(k) if k % 2 else np.full(2, float(k)) for k in range(n))
    assert myia.jit(sum_of_tuple)(t) == sum_of_tuple(t)
    grads = myia.grad(sum_of_tuple)(t)
    for k, g in enumerate(grads):
        assert np.array_equal(g, 2.0 if k % 2 else np.full(2, 2.0)), (k, g)


def test_a_deep_recursion():
    n = 600
    assert myia.grad(rpow)(1.001, n) == pytest.approx(n * 1.001 ** (n - 1), rel=1e-12)
    assert myia.jit(rpow)(1.001, n) == pytest.approx(1.001**n, rel=1e-12)


@pytest.mark.parametrize("n", [2, 20])
def test_a_value_the_same_at_every_call_is_kept(n):
    typed = myia.ir(scaled_by_three, 0.5, n, stage="typed")
    text = str(typed)
    assert "full(" in text or "broadcast_to(" in text, text
    assert myia.jit(scaled_by_three)(0.5, n) == pytest.approx(3 * 0.5 ** (n + 1))
    assert myia.grad(scaled_by_three)(0.5, n) == pytest.approx(3 * (n + 1) * 0.5**n)


def test_higher_order_through_a_deep_recursion():
    g2 = myia.grad(myia.grad(rpow))(1.3, 20)
    assert g2 == pytest.approx(20 * 19 * 1.3**18, rel=1e-10)
    assert math.isfinite(g2)


def rpow_early(x, n):
    if n == 0:
        return 1.0
    return x * rpow_early(x, n - 1)


def test_third_order_through_a_recursive_function():
    g3 = myia.grad(myia.grad(myia.grad(rpow)))(1.3, 20)
    assert g3 == pytest.approx(20 * 19 * 18 * 1.3**17, rel=1e-10)


def test_third_order_through_a_recursive_function_with_an_early_return():
    # One float input: forward mode at each order (`ad.gradient.one_tangent_suffices`).
    g3 = myia.grad(myia.grad(myia.grad(rpow_early)))(1.3, 20)
    assert g3 == pytest.approx(20 * 19 * 18 * 1.3**17, rel=1e-10)


def scaled_rpow_early(x, s, n):
    return s * rpow_early(x, n)


def test_third_order_in_reverse_mode_through_a_recursive_function_with_an_early_return():
    g3 = myia.grad(myia.grad(myia.grad(scaled_rpow_early)))(1.3, 2.0, 20)
    assert g3 == pytest.approx(2.0 * 20 * 19 * 18 * 1.3**17, rel=1e-10)


# Neighbours of the early return at orders 1 to 3, in reverse mode (two float inputs), with
# myia.jit around the gradient and a gradient taken inside jit, against the closed form
# s n (n - 1) ... (n - k + 1) x ** (n - k). The third order of the recursions added the
# sensitivities of two residuals sharing one tuple (`(cond, None, x, None)` of the branch
# that returns early) in its None items.


def rpow_two_early(x, n):
    if n == 0:
        return 1.0
    if n == 1:
        return x
    return x * rpow_two_early(x, n - 1)


def scaled_rpow_two_early(x, s, n):
    return s * rpow_two_early(x, n)


def scaled_pow_while_early(x, s, n):
    r = 1.0
    i = 0
    while True:
        if i == n:
            return s * r
        r = r * x
        i = i + 1


def scaled_pow_for_early(x, s, n):
    r = s
    for i in range(100):
        if i == n:
            return r
        r = r * x
    return r


def _derivative(order, x, s, n):
    c = s
    for k in range(order):
        c *= n - k
    return c * x ** (n - order)


def _nested_grad(fn, order):
    for _ in range(order):
        fn = myia.grad(fn)
    return fn


def third_of_scaled_rpow_early_inside_jit(x, s, n):
    return myia.grad(myia.grad(myia.grad(scaled_rpow_early)))(x, s, n)


@pytest.mark.parametrize(
    "fn", [scaled_rpow_early, scaled_rpow_two_early, scaled_pow_while_early, scaled_pow_for_early]
)
@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("n", [3, 12])
def test_derivatives_through_an_early_return_in_reverse_mode(fn, order, n):
    expected = _derivative(order, 1.3, 2.0, n)
    g = _nested_grad(fn, order)
    assert g(1.3, 2.0, n) == pytest.approx(expected, rel=1e-10)
    assert myia.jit(g)(1.3, 2.0, n) == pytest.approx(expected, rel=1e-10)


def test_third_order_through_an_early_return_taken_inside_jit():
    got = myia.jit(third_of_scaled_rpow_early_inside_jit)(1.3, 2.0, 9)
    assert got == pytest.approx(_derivative(3, 1.3, 2.0, 9), rel=1e-10)


def test_second_order_in_the_scale_through_an_early_return_is_zero_and_mixed_is_exact():
    # d/ds of d/dx: n x ** (n - 1); d2/ds2: 0 (against the closed forms).
    mixed = myia.grad(myia.grad(scaled_rpow_early), argnums=1)(1.3, 2.0, 7)
    assert mixed == pytest.approx(7 * 1.3**6, rel=1e-10)
    d2s = myia.grad(myia.grad(scaled_rpow_early, argnums=1), argnums=1)(1.3, 2.0, 7)
    assert d2s == 0.0
