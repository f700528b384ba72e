"""A transformed function (`myia.grad(f)`, `myia.value_and_grad(f)`, `myia.vmap(f)`)
compiled by `myia.jit`, or passed as an argument to compiled code, computes the
transform, not the function under it (autograd's tests check `grad(f)` as a function of
its own). Values are checked against plain Python and finite differences."""

import numpy as np
import pytest

import myia
from tests.ad.fd import fd_gradient


def cubic(x):
    return x * x * x - 2.0 * x


def soft(x, w):
    return np.sum(np.tanh(x * w))


def apply(h, x):
    return h(x) * 2.0


def apply2(h, x, w):
    return h(x, w)


def row_norm(v):
    return np.sum(v * v)


@pytest.mark.parametrize("x", [-1.5, 0.3, 2.0])
def test_jit_of_grad_is_the_derivative(x):
    d = myia.jit(myia.grad(cubic))
    assert np.isclose(d(x), 3.0 * x * x - 2.0)
    assert np.isclose(d(x), fd_gradient(cubic, (x,), 0))


@pytest.mark.parametrize("x", [-1.5, 0.3, 2.0])
def test_jit_of_grad_of_grad_is_the_second_derivative(x):
    dd = myia.jit(myia.grad(myia.grad(cubic)))
    assert np.isclose(dd(x), 6.0 * x)
    assert np.isclose(dd(x), fd_gradient(myia.grad(cubic), (x,), 0), rtol=1e-5)


def test_jit_of_value_and_grad():
    x = np.linspace(-1.0, 1.0, 4)
    w = np.array([0.5, -1.0, 2.0, 0.1])
    value, (gx, gw) = myia.jit(myia.value_and_grad(soft, argnums=(0, 1)))(x, w)
    assert np.isclose(value, soft(x, w))
    np.testing.assert_allclose(gx, fd_gradient(soft, (x, w), 0), rtol=1e-6)
    np.testing.assert_allclose(gw, fd_gradient(soft, (x, w), 1), rtol=1e-6)


@pytest.mark.parametrize("x", [-0.7, 1.25])
def test_grad_passed_as_an_argument(x):
    got = myia.jit(apply)(myia.grad(cubic), x)
    assert np.isclose(got, 2.0 * (3.0 * x * x - 2.0))
    # and differentiated through: d/dx 2 f'(x) = 2 f''(x)
    assert np.isclose(myia.grad(apply, argnums=1)(myia.grad(cubic), x), 12.0 * x)


def test_grad_of_two_arguments_passed_as_an_argument():
    x = np.array([0.2, -0.4, 1.1])
    w = np.array([1.5, 0.5, -0.3])
    got = myia.jit(apply2)(myia.grad(soft, argnums=1), x, w)
    np.testing.assert_allclose(got, fd_gradient(soft, (x, w), 1), rtol=1e-6)


def test_jit_of_vmap_and_vmap_as_an_argument():
    xs = np.arange(6.0).reshape(2, 3) - 2.0
    expected = np.array([row_norm(r) for r in xs])
    np.testing.assert_allclose(myia.jit(myia.vmap(row_norm))(xs), expected)
    np.testing.assert_allclose(myia.jit(apply)(myia.vmap(row_norm), xs), 2.0 * expected)
