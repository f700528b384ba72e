"""`np.arccosh`, `np.deg2rad`/`np.radians`, `np.rad2deg`/`np.degrees`, `np.fabs` and
`np.logaddexp2` (autograd's test_systematic differentiates each, compiled directly as
`myia.jit(np.arccosh)` too): values and types against NumPy, gradients against central
finite differences at first and second order on every backend, tangents against finite
differences and the adjoint identity; and `np.transpose` with its axes given as a list."""

import numpy as np
import pytest

import myia
from myia.testing import check_grads
from tests.ad.jvp_checks import check_jvp
from tests.checks import check_jit

R = np.random.default_rng(11)
X = np.array([[1.3, 2.0, 3.5], [1.05, 4.0, 2.5]])
Y = R.standard_normal((2, 3))


def angles(x):
    return np.sum(np.sin(np.deg2rad(x * 40.0)) * np.rad2deg(x) + np.radians(x) * np.degrees(x))


def hyperbolic(x):
    return np.sum(np.arccosh(x) * x)


def magnitudes(x, y):
    return np.sum(np.fabs(y) * x + np.logaddexp2(x, y) ** 2)


def scalar_forms(a, b):
    return np.arccosh(a) * np.deg2rad(b) + np.fabs(b) * np.logaddexp2(a, b) - np.degrees(a)


def listed_axes(x):
    return np.sum(np.transpose(x, axes=[2, 0, 1]) * np.arange(24.0).reshape(4, 2, 3))


def listed_method_axes(x):
    return np.sum(np.cos(x.transpose([1, 0, 2])) * np.arange(24.0).reshape(3, 2, 4))


@pytest.mark.parametrize(
    "fn", [np.arccosh, np.deg2rad, np.radians, np.rad2deg, np.degrees, np.fabs]
)
def test_unary_values_against_numpy(fn):
    np.testing.assert_allclose(myia.jit(fn)(X), fn(X))
    assert np.isclose(myia.jit(fn)(1.5), fn(1.5))


def test_functions_of_them_match_python():
    check_jit(angles, X)
    check_jit(hyperbolic, X)
    check_jit(magnitudes, X, Y)
    check_jit(scalar_forms, 1.7, -0.4)


def test_logaddexp2_and_fabs_values():
    np.testing.assert_allclose(myia.jit(np.logaddexp2)(X, Y), np.logaddexp2(X, Y))
    ints = np.array([-3, 2, 0])
    np.testing.assert_array_equal(myia.jit(np.fabs)(ints), np.fabs(ints))
    assert myia.jit(np.fabs)(ints).dtype == np.float64


@pytest.mark.parametrize("backend", ["numpy", "torch", "vm"])
def test_gradients_first_and_second_order(backend):
    check_grads(angles, (X,), order=2, backend=backend)
    check_grads(hyperbolic, (X,), order=2, backend=backend)
    check_grads(magnitudes, (X, Y), order=2, backend=backend)
    check_grads(scalar_forms, (1.7, -0.4), order=2, backend=backend)


def test_closed_forms():
    gx = myia.grad(hyperbolic)(X)
    np.testing.assert_allclose(gx, np.arccosh(X) + X / np.sqrt(X * X - 1.0))
    ga, gb = myia.grad(lambda a, b: np.sum(np.logaddexp2(a, b)), argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(ga + gb, np.ones_like(X))
    np.testing.assert_allclose(ga, 2.0**X / (2.0**X + 2.0**Y))


def test_tangents():
    check_jvp(angles, (X,))
    check_jvp(hyperbolic, (X,))
    check_jvp(magnitudes, (X, Y))


def test_transpose_with_axes_as_a_list():
    x = R.standard_normal((2, 3, 4))
    check_jit(listed_axes, x)
    check_jit(listed_method_axes, x)
    check_grads(listed_axes, (x,), order=2)
    check_grads(listed_method_axes, (x,), order=2)


@pytest.mark.parametrize("fn", [np.partition, np.angle, np.frexp])
def test_a_numpy_function_outside_the_table_is_named_when_compiled_directly(fn):
    with pytest.raises(myia.MyiaTypeError, match=f"`np.{fn.__name__}` is not among the NumPy"):
        myia.jit(fn)(X)
