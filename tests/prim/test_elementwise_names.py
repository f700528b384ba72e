"""Gradients and tangents of `np.fmax` and `np.fmin` (the NaN-skipping extrema: the
gradient goes to the argument that is not NaN, ties split as for `np.maximum`) and of
`np.log10`, `np.reciprocal`, `np.hypot` and `np.mod`, against closed forms and central
finite differences at first and second order."""

import numpy as np
import pytest

import myia
from myia.testing import check_grads
from tests.ad.jvp_checks import check_jvp

R = np.random.default_rng(5)
NAN = np.nan


def sum_fmax(x, y):
    return np.sum(np.fmax(x, y))


def sum_fmin(x, y):
    return np.sum(np.fmin(x, y))


def fmax_fmin(x, y):
    return np.sin(np.fmax(x, y)) * np.fmin(x, y) ** 2


def summed(fn):
    def total(x, y):
        return np.sum(fn(x, y))

    return total


def elementwise_names(x, y):
    return np.log10(x) * np.reciprocal(y) + np.hypot(x, y) ** 2 + np.mod(x * y, 0.7)


def scalar_names(x, y):
    return np.log10(x) + np.reciprocal(x) * np.hypot(x, y) + np.mod(y, 0.7)


@pytest.mark.parametrize("fn", [sum_fmax, sum_fmin])
def test_nan_and_ties(fn):
    """Where one side is NaN the other takes the whole gradient; ties split it; where
    both are NaN it goes to x1 (as NumPy gives x1's NaN)."""
    x = np.array([1.0, NAN, 2.0, 3.0, NAN, 0.5])
    y = np.array([NAN, 1.0, 2.0, 1.0, NAN, 4.0])
    gx, gy = myia.grad(fn, argnums=(0, 1))(x, y)
    bigger = fn is sum_fmax
    wins = [1.0, 0.0, 0.5, 1.0 if bigger else 0.0, 1.0, 0.0 if bigger else 1.0]
    np.testing.assert_array_equal(gx, wins)
    np.testing.assert_array_equal(
        gy, [0.0, 1.0, 0.5, 0.0 if bigger else 1.0, 0.0, 1.0 if bigger else 0.0]
    )
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gy))
    t = np.ones_like(x)
    _, tangent = myia.jvp(fn, (x, y), (t, 2.0 * t))
    assert tangent == pytest.approx(np.sum(np.array(wins) + 2.0 * (1.0 - np.array(wins))))


def test_fmax_fmin_gradients():
    x, y = R.standard_normal(5), R.standard_normal(5)
    check_grads(summed(fmax_fmin), (x, y), order=2)
    check_jvp(fmax_fmin, (x, y))
    check_grads(fmax_fmin, (0.3, -1.2), order=2)
    check_jvp(fmax_fmin, (0.3, np.float64(-1.2)))


def test_log10_reciprocal_hypot_mod():
    x, y = R.uniform(0.5, 2.0, 4), R.uniform(0.5, 2.0, 4)
    check_grads(summed(elementwise_names), (x, y), order=2)
    check_jvp(elementwise_names, (x, y))
    check_grads(scalar_names, (1.3, 0.4), order=2)
    check_jvp(scalar_names, (1.3, 0.4))
    gx, gy = myia.grad(scalar_names, argnums=(0, 1))(1.3, 0.4)
    h = np.hypot(1.3, 0.4)
    assert gx == pytest.approx(1 / (1.3 * np.log(10)) - h / 1.3**2 + 1.3 / (1.3 * h))
    assert gy == pytest.approx(0.4 / (1.3 * h) + 1.0)
