"""The numerical conventions of gradients at special points, checked against their closed
forms (and central finite differences where the function is smooth there): the zero norm,
logaddexp of -inf, a user's stable logsumexp, ties in max and min (split equally), abs at
0, clip at its bounds, a float to an int power.

Gradients of whole programs are in test_grad_programs.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import myia
from myia.testing import check_grads

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def norm(x):
    return np.linalg.norm(x)


def test_norm_of_zero_vector_has_zero_gradient():
    g = myia.grad(norm)(np.zeros(3))
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(g, np.zeros(3))
    np.testing.assert_allclose(myia.grad(norm)(np.array([3.0, 4.0])), [0.6, 0.8])


def logaddexp_sum(x, y):
    return np.sum(np.logaddexp(x, y))


def test_logaddexp_of_minus_infinities_has_zero_gradient():
    gx, gy = myia.grad(logaddexp_sum, argnums=(0, 1))(-np.inf, -np.inf)
    assert (gx, gy) == (0.0, 0.0)
    a = np.array([-np.inf, 0.0])
    gx, gy = myia.grad(logaddexp_sum, argnums=(0, 1))(a, np.array([-np.inf, 0.0]))
    np.testing.assert_array_equal(gx, [0.0, 0.5])
    np.testing.assert_array_equal(gy, [0.0, 0.5])


def stable_logsumexp(x):
    m = np.max(x)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    s = np.sum(np.exp(x - m_safe))
    s_safe = np.where(s > 0.0, s, 1.0)
    return np.where(s > 0.0, np.log(s_safe) + m_safe, -np.inf)


def test_user_stable_logsumexp_over_minus_infinities_has_zero_gradient():
    g = myia.grad(stable_logsumexp)(np.full(3, -np.inf))
    np.testing.assert_array_equal(g, np.zeros(3))
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(myia.grad(stable_logsumexp)(x), np.exp(x) / np.sum(np.exp(x)))
    check_grads(stable_logsumexp, (x,))


def builtin_max2(x, y):
    return max(x, y)


def builtin_max3(x, y, z):
    return max(x, y, z)


def builtin_min2(x, y):
    return min(x, y)


def np_maximum_sum(x, y):
    return np.sum(np.maximum(x, y))


def np_max_all(x):
    return np.max(x)


def np_max_axis(x):
    return np.sum(np.max(x, axis=1))


def test_ties_in_builtin_max_and_min_split_equally():
    assert myia.grad(builtin_max2, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert myia.grad(builtin_min2, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    g = myia.grad(builtin_max3, argnums=(0, 1, 2))(2.0, 2.0, 2.0)
    assert g == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert myia.grad(builtin_max2, argnums=(0, 1))(3.0, 2.0) == (1.0, 0.0)


def test_ties_in_np_maximum_split_equally():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])
    gx, gy = myia.grad(np_maximum_sum, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.5, 1.0, 0.0])


def test_ties_in_np_max_split_equally():
    np.testing.assert_allclose(myia.grad(np_max_all)(np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 4.0, 1.0]])
    expected = [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]]
    np.testing.assert_allclose(myia.grad(np_max_axis)(x), expected)


def builtin_abs(x):
    return abs(x)


def np_abs_sum(x):
    return np.sum(np.abs(x))


def test_abs_at_zero_has_zero_gradient():
    assert myia.grad(builtin_abs)(0.0) == 0.0
    assert myia.grad(lambda x: math.fabs(x))(0.0) == 0.0
    np.testing.assert_array_equal(myia.grad(np_abs_sum)(np.array([0.0, -2.0, 3.0])), [0, -1, 1])


def clip_sum(x):
    return np.sum(np.clip(x, -1.0, 1.0))


def test_clip_boundary_gradient_is_one():
    x = np.array([-1.0, 1.0, 0.5, 2.0, -2.0])
    np.testing.assert_array_equal(myia.grad(clip_sum)(x), [1.0, 1.0, 1.0, 0.0, 0.0])
    assert myia.grad(lambda x: np.clip(x, 0.0, 1.0))(1.0) == 1.0
    assert myia.grad(lambda x: np.clip(x, 0.0, 1.0))(0.0) == 1.0


def int_power(x, n):
    return x**n


@pytest.mark.parametrize("x, n", [(1.01, 20), (-1.5, 3), (0.7, 1), (2.0, -2), (0.3, 0), (0.0, 2)])
def test_gradient_of_a_float_to_an_int_power(x, n):
    """d/dx x ** n = n * x ** (n - 1) on numbers (0 at n = 0, also at x = 0), written
    with Python's `**` and a conditional expression (no arrays)."""
    g = myia.grad(int_power)
    expected = 0.0 if n == 0 else n * x ** (n - 1)
    assert g(x, n) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert isinstance(g(x, n), float)
    if x != 0.0:
        check_grads(int_power, (x, n), argnums=0)
    text = str(myia.source(g, x, n))
    assert "np.where" not in text and "ieee_power" not in text, text


def test_gradient_of_zero_to_a_negative_int_power_is_infinite():
    # 0.0 ** -2 raises in Python: the call runs again in exact code, which gives inf.
    assert myia.grad(int_power)(0.0, -1) == -math.inf
