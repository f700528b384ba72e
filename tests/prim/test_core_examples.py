"""Examples of checks of primitives through the typed pipeline (the pattern the tests of
each family follow)."""

import numpy as np

from tests.checks import check_grad, check_jit


def tanh_of_product(x, w):
    return np.sum(np.tanh(x @ w))


def mean_of_square(x):
    return np.mean(x**2)


def test_forward():
    check_jit(tanh_of_product, np.ones((2, 3)), np.ones((3, 4)) * 0.1)


def test_gradients():
    r = np.random.default_rng(0)
    check_grad(tanh_of_product, (r.standard_normal((2, 3)), r.standard_normal((3, 4))), (0, 1))
    check_grad(mean_of_square, (r.standard_normal(5),))
