"""NumPy as users pass it: a NumPy function compiled itself (`myia.jit(np.sum)(x, axis=0)`,
`myia.jit(np.einsum)(...)`, `myia.grad(np.dot)`), and a NumPy function passed as a value
or a default (`def f(x, nonlinearity=np.tanh)`), under jit and grad, at first and second
order, against NumPy and central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaTypeError
from tests.ad.fd import assert_close, fd_gradient

RNG = np.random.default_rng(15)
X = RNG.standard_normal((2, 3))
Y = RNG.standard_normal((3, 4))


def test_jit_of_sum_with_keywords():
    got = myia.jit(np.sum)(X, axis=0, keepdims=True)
    np.testing.assert_allclose(got, np.sum(X, axis=0, keepdims=True))
    assert got.shape == (1, 3)
    np.testing.assert_allclose(myia.jit(np.sum)(X), np.sum(X))
    np.testing.assert_allclose(myia.jit(np.sum)(X, 1), np.sum(X, 1))


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_jit_of_einsum(backend):
    got = myia.jit(np.einsum, backend=backend)("ij,jk->ik", X, Y)
    np.testing.assert_allclose(got, X @ Y)
    np.testing.assert_allclose(myia.jit(np.einsum)("ij->j", X), X.sum(0))


def test_jit_of_other_numpy_functions():
    np.testing.assert_array_equal(myia.jit(np.reshape)(X, (3, 2)), X.reshape(3, 2))
    np.testing.assert_array_equal(myia.jit(np.transpose)(X), X.T)
    assert myia.jit(np.float64)(3) == 3.0 and type(myia.jit(float)(2)) is float
    np.testing.assert_allclose(myia.jit(np.tanh)(X), np.tanh(X))


def test_grad_of_numpy_functions_against_finite_differences():
    g = myia.grad(np.sum)(X, axis=(0, 1))
    np.testing.assert_array_equal(g, np.ones_like(X))
    g = myia.grad(np.std)(X, ddof=1)
    assert_close(g, fd_gradient(lambda x: np.std(x, ddof=1), (X,), 0), 1e-5, 1e-7)
    v = RNG.standard_normal(3)
    w = RNG.standard_normal(3)
    ga, gb = myia.grad(np.dot, argnums=(0, 1))(v, w)
    np.testing.assert_allclose(ga, w)
    np.testing.assert_allclose(gb, v)
    value, g = myia.value_and_grad(np.cos)(0.3)
    assert value == pytest.approx(np.cos(0.3)) and g == pytest.approx(-np.sin(0.3))


def test_second_order_of_a_numpy_function():
    assert myia.grad(myia.grad(np.sin))(0.3) == pytest.approx(-np.sin(0.3))
    assert myia.grad(myia.grad(np.sum))(0.5, axis=None) == 0.0


def test_direct_calls_compile_once_per_static_arguments():
    f = myia.jit(np.sum)
    f(X, axis=0)
    f(X + 1.0, axis=0)
    f(X, axis=1)
    assert len(f.programs) == 2


def test_direct_call_refusals():
    with pytest.raises(MyiaTypeError, match="unexpected keyword argument 'out'"):
        myia.jit(np.sum)(X, out=X)
    with pytest.raises(MyiaTypeError, match="argument 1 is not an array or a float"):
        myia.grad(np.sum, argnums=1)(X, 0)


@settings(max_examples=15, deadline=None)
@given(
    shape=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    keepdims=st.booleans(),
    data=st.data(),
)
def test_drawn_direct_sums(shape, keepdims, data):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    got = myia.jit(np.sum)(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got, np.sum(x, axis=axis, keepdims=keepdims))
    assert np.shape(got) == np.shape(np.sum(x, axis=axis, keepdims=keepdims))


# A NumPy function as a value ----------------------------------------------------------------


def layer(x, nonlinearity=np.tanh):
    return np.sum(nonlinearity(x) * x)


def apply_to(x, fn):
    return np.sum(fn(x))


def inner_default(x):
    def act(v, nl=np.tanh):
        return nl(v)

    return np.sum(act(x)) + np.sum(act(x, np.sin))


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_numpy_function_as_a_default(backend):
    assert myia.jit(layer, backend=backend)(X) == pytest.approx(layer(X))
    assert myia.jit(layer, backend=backend)(X, np.exp) == pytest.approx(layer(X, np.exp))
    g = myia.grad(layer, backend=backend)(X)
    assert_close(g, fd_gradient(layer, (X,), 0), 1e-5, 1e-7)


def test_numpy_function_as_a_value_is_part_of_the_signature():
    f = myia.jit(apply_to)
    assert f(X, np.tanh) == pytest.approx(apply_to(X, np.tanh))
    assert f(X, np.exp) == pytest.approx(apply_to(X, np.exp))
    g = myia.grad(apply_to)(X, np.sin)
    assert_close(g, fd_gradient(lambda x: apply_to(x, np.sin), (X,), 0), 1e-5, 1e-7)


def test_default_of_a_nested_function():
    assert myia.jit(inner_default)(X) == pytest.approx(inner_default(X))
    g = myia.grad(inner_default)(X)
    assert_close(g, fd_gradient(inner_default, (X,), 0), 1e-5, 1e-7)


def scalar_layer(x, nonlinearity=np.tanh):
    return nonlinearity(x) * x


def test_second_order_through_a_numpy_default():
    h = 1e-4
    d1 = myia.grad(scalar_layer)
    expected = (d1(0.3 + h) - d1(0.3 - h)) / (2 * h)
    assert myia.grad(myia.grad(scalar_layer))(0.3) == pytest.approx(expected, rel=1e-6)


def calls_scalar_layer(x):
    return scalar_layer(x)


def test_jvp_through_a_numpy_default():
    value, tangent = myia.jvp(calls_scalar_layer, (0.3,), (1.0,))
    h = 1e-6
    assert value == pytest.approx(scalar_layer(0.3))
    fd = (scalar_layer(0.3 + h) - scalar_layer(0.3 - h)) / (2 * h)
    assert tangent == pytest.approx(fd, rel=1e-6)


def calls_layer(x):
    return layer(x) + layer(x, np.exp)


def test_numpy_default_of_a_function_called_from_compiled_code():
    assert myia.jit(calls_layer)(X) == pytest.approx(calls_layer(X))
    g = myia.grad(calls_layer)(X)
    assert_close(g, fd_gradient(calls_layer, (X,), 0), 1e-5, 1e-7)


# Array methods ------------------------------------------------------------------------------


def methods(x):
    a = np.sum(x.clip(-0.5, 0.5) * x) + np.sum(x.clip(None, 0.2))
    b = np.sum(x.swapaxes(0, 1) * np.arange(6.0).reshape(3, 2))
    c = x.item(1) * x[0:1, 0:1].item() + x.max() + x.min(axis=0).sum()
    d = x.std() + x.var(axis=1).sum() + x.prod() + np.sum(x.flatten() * np.arange(6.0))
    return a + b + c + d


def test_array_methods_against_numpy_and_finite_differences():
    from tests.checks import check_grad, check_jit

    check_jit(methods, X)
    check_grad(methods, (X,))


def clip_method(x):
    return np.sum(x.clip(-0.5, 0.5) ** 2)


def clip_slope(x):
    return np.sum(myia.grad(clip_method)(x) * np.array([1.0, 2.0, 3.0, 4.0]))


def test_clip_method_second_order():
    x = np.array([-1.0, 0.2, 0.4, 2.0])
    np.testing.assert_allclose(myia.grad(clip_method)(x), [0.0, 0.4, 0.8, 0.0])
    np.testing.assert_allclose(myia.grad(clip_slope)(x), [0.0, 4.0, 6.0, 0.0])


# initial= and where= in reductions ----------------------------------------------------------


def masked_reductions(x):
    m = x > -0.3
    a = np.sum(x, where=m) + np.sum(x, axis=0, initial=0.5).sum() + x.sum(where=m, initial=1.0)
    b = np.prod(x, where=m) + np.prod(x, axis=1, initial=2.0).sum()
    c = np.max(x, where=m, initial=-5.0) + np.min(x, axis=0, initial=0.1).sum()
    d = np.mean(x, where=m) + np.mean(x, axis=1, where=np.array([True, False, True])).sum()
    e = x.max(initial=3.0) + x.min(where=m, initial=9.0) + np.amax(x, initial=0.0)
    return a + b + c + d + e


def test_masked_reductions_against_numpy_and_finite_differences():
    from tests.checks import check_grad, check_jit

    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    check_jit(masked_reductions, x)
    check_grad(masked_reductions, (x,))


def masked_sum_of_squares(x):
    return np.sum(x * x, where=x > 0.0, initial=1.0) + np.mean(x * x * x, where=x < 1.0)


def test_masked_reductions_second_order_and_jvp():
    x = np.array([0.5, -1.0, 2.0])
    slope = myia.grad(lambda v: np.sum(myia.grad(masked_sum_of_squares)(v)))
    # d/dx of (2x [x > 0] + 3x^2/count [x < 1]), with count = 2
    np.testing.assert_allclose(slope(x), [2.0 + 3.0 * 0.5, 3.0 * -1.0, 2.0])
    t = np.array([0.3, -0.2, 0.7])
    value, tangent = myia.jvp(masked_sum_of_squares, (x,), (t,))
    h = 1e-6
    fd = (masked_sum_of_squares(x + h * t) - masked_sum_of_squares(x - h * t)) / (2 * h)
    assert value == pytest.approx(masked_sum_of_squares(x)) and tangent == pytest.approx(fd)


def test_masked_reduction_refusals():
    with pytest.raises(MyiaTypeError, match="needs `initial=`"):
        myia.jit(lambda_max_where)(X)
    with pytest.raises(MyiaTypeError, match="boolean mask"):
        myia.jit(sum_number_mask)(X)
    with pytest.raises(MyiaTypeError, match="does not broadcast"):
        myia.jit(sum_wide_mask)(X)


def lambda_max_where(x):
    return np.max(x, where=x > 0.0)


def sum_number_mask(x):
    return np.sum(x, where=x * 2.0)


def sum_wide_mask(x):
    return np.sum(x, where=np.ones((4, 2, 3)) > 0.0)


@settings(max_examples=15, deadline=None)
@given(
    shape=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    keepdims=st.booleans(),
    data=st.data(),
)
def test_drawn_masked_sums(shape, keepdims, data):
    x = np.arange(float(np.prod(shape))).reshape(shape) - 2.0
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    mask = x > data.draw(st.sampled_from([-10.0, 0.0, 1.0]))
    got = myia.jit(np.sum)(x, axis=axis, keepdims=keepdims, where=mask, initial=1.5)
    expected = np.sum(x, axis=axis, keepdims=keepdims, where=mask, initial=1.5)
    np.testing.assert_allclose(got, expected)
    assert np.shape(got) == np.shape(expected)
    g = myia.grad(np.sum)(x, where=mask, initial=1.5)
    np.testing.assert_array_equal(g, mask.astype(float))


# Other spellings of primitives -------------------------------------------------------------


def spellings(x, v, s):
    w = np.arange(6.0).reshape(2, 3)
    a = np.sum(np.fliplr(x) * w) + np.sum(np.flipud(x) * w) + np.sum(np.flipud(v) * v[0])
    b = np.sum(np.atleast_1d(s) * v) + np.sum(np.atleast_2d(v) @ np.atleast_2d(v).T)
    c = np.sum(np.atleast_3d(x) ** 2) + np.sum(np.atleast_3d(v) * v[1]) + np.sum(np.atleast_2d(x))
    return a + b + c + np.sum(np.atleast_1d(x))


def test_spellings_against_numpy_and_finite_differences():
    from tests.checks import check_grad, check_jit

    args = (X, np.array([0.5, -1.0, 2.0]), 0.7)
    check_jit(spellings, *args)
    for k in range(3):
        check_grad(spellings, args, argnums=k)


def test_spelling_shapes():
    for fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
        for a in (2.0, np.ones(3), np.ones((2, 3)), np.ones((2, 1, 2, 1))):
            assert myia.jit(fn)(a).shape == fn(a).shape
    with pytest.raises(MyiaTypeError, match="np.fliplr needs an array of 2 or more"):
        myia.jit(np.fliplr)(np.ones(3))


def flipped_cube(v):
    return np.sum(np.flipud(np.atleast_2d(v)) ** 3 * np.array([1.0, 2.0, 3.0]))


def test_spellings_second_order():
    v = np.array([0.5, -1.0, 2.0])
    slope = myia.grad(lambda u: np.sum(myia.grad(flipped_cube)(u)))
    np.testing.assert_allclose(slope(v), 6.0 * v * np.array([1.0, 2.0, 3.0]))  # flipud of one row


def atleast_cube(v):
    return np.sum(np.atleast_3d(v) ** 3)


def test_atleast_jvp():
    v = np.array([0.5, -1.0, 2.0])
    t = np.array([0.3, -0.2, 0.7])
    value, tangent = myia.jvp(atleast_cube, (v,), (t,))
    assert tangent == pytest.approx(np.sum(3.0 * v**2 * t))


def elementwise_names(x, y):
    return np.sum(np.log10(x) + np.reciprocal(x) + np.hypot(x, y) + np.mod(x, 0.7))


def fmax_fmin(x, y):
    return np.fmax(x, y) * np.fmin(x, y)


def test_listed_elementwise_functions():
    from tests.checks import check_grad, check_jit

    x = np.array([0.5, 1.3, 2.2])
    y = np.array([1.5, 0.4, 2.0])
    check_jit(elementwise_names, x, y)
    check_grad(elementwise_names, (x, y), argnums=(0, 1))
    check_jit(fmax_fmin, x, np.array([1.5, np.nan, 2.0]))
