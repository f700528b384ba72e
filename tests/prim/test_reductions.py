"""Reductions (`sum`, `mean`, `prod`, `max`, `min`, `var`, `std`, `argmax`, `argmin`,
`all`, `any`), cumulative operations (`cumsum`, `cumprod`) and sorting (`sort`,
`argsort`) through the typed pipeline: values and types against NumPy, gradients against
finite differences (with hypothesis-drawn shapes, axes and flags), the conventions at
zeros and ties, dtypes, and second derivatives."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myia.ad.gradient import gradient_program
from myia.backend.compiled import compile_graph
from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import abstract_of_value
from myia.infer.build import Builder
from myia.infer.monomorphize import specialize
from myia.infer.walks import drop_values
from myia.ir.nodes import Graph
from myia.opt.optimize import optimize
from myia.pipeline import compile_grad, compile_jit, graph_of, signature_types
from myia.prim.registry import REGISTRY
from tests.checks import check_grad, check_jit

RNG = np.random.default_rng(0)
M = RNG.standard_normal((3, 4))
T = RNG.standard_normal((2, 3, 4))
V = RNG.standard_normal(5)
STEPS = np.arange(1.0, 7.0)
WEIGHTS = np.arange(12.0)


# ---------------------------------------------------------------------------------------
# Values and types


def reductions_values(x):
    return (
        np.prod(x),
        np.prod(x, axis=0),
        np.prod(x, axis=(0, -1), keepdims=True),
        np.var(x),
        np.var(x, axis=1, ddof=1),
        np.std(x, axis=-1, keepdims=True),
        np.std(x, ddof=1),
        np.argmax(x),
        np.argmin(x, axis=0),
        np.argmax(x, axis=-1, keepdims=True),
        np.argmin(x, keepdims=True),
        np.all(x > 0),
        np.any(x > 0, axis=1),
        np.all(x, axis=(0, 1), keepdims=True),
        np.any(x),
    )


def methods_values(x):
    return (
        x.prod(),
        x.prod(1),
        x.var(),
        x.var(axis=0, ddof=1),
        x.std(0),
        x.std(keepdims=True),
        x.argmax(),
        x.argmin(axis=1),
        x.all(),
        x.any(axis=0),
        x.cumsum(),
        x.cumsum(axis=0),
        x.cumprod(1),
        x.argsort(),
        x.argsort(axis=0, kind="stable"),
    )


def cumulative_values(x):
    return (
        np.cumsum(x),
        np.cumsum(x, axis=0),
        np.cumsum(x, -1),
        np.cumprod(x),
        np.cumprod(x, axis=-1),
        np.sort(x),
        np.sort(x, axis=0),
        np.sort(x, axis=None),
        np.sort(x, kind="mergesort"),
        np.argsort(x),
        np.argsort(x, axis=0, kind="stable"),
        np.argsort(x, axis=None, kind="stable"),
    )


def with_dtypes(x):
    return (
        np.prod(x, dtype=np.float32),
        np.var(x, dtype=np.float32),
        np.std(x, axis=0, dtype=np.float64),
        np.cumsum(x, dtype=np.float32),
        np.cumprod(x, 0, np.float64),
        np.sum(x, dtype=np.float32),
        np.mean(x, axis=0, dtype=np.float32),
    )


def of_scalar(x):
    return (
        np.prod(x),
        np.var(x),
        np.std(x),
        np.argmax(x),
        np.all(x),
        np.any(x),
        np.cumsum(x),
        np.cumprod(x),
        np.sort(x, axis=None),
        np.sum(x),
        np.max(x),
    )


@pytest.mark.parametrize(
    "x",
    [
        M,
        T,
        M.astype(np.float32),
        np.arange(12).reshape(3, 4) % 5 - 2,
        (np.arange(12).reshape(3, 4) % 5 - 2).astype(np.int32),
    ],
    ids=["f64", "f64-3d", "f32", "int", "int32"],
)
def test_values(x):
    check_jit(reductions_values, x)
    check_jit(methods_values, x)
    check_jit(cumulative_values, x)
    check_jit(with_dtypes, x)


def test_bool_and_vectors():
    check_jit(reductions_values, M > 0)
    check_jit(methods_values, M > 0)
    check_jit(cumulative_values, V)


@pytest.mark.parametrize("x", [2.5, np.float64(-1.5), np.float32(3.0), 3, True])
def test_scalars(x):
    check_jit(of_scalar, x)


def runtime_rows(x, n):
    y = x[:n]
    return (
        np.var(y, axis=0),
        np.std(y, axis=0, ddof=n - 2),
        np.prod(y, axis=0),
        np.mean(y),
        np.cumsum(y),
        np.cumprod(y, axis=0),
        np.sort(y, axis=None),
        np.argmax(y, axis=0),
    )


def runtime_rows_loss(x, n):
    y = x[:n]
    return (
        np.sum(np.var(y, axis=0) + np.std(y, axis=0, ddof=n - 2) + np.prod(y, axis=0))
        + np.mean(y)
        + np.sum(np.cumsum(y) * np.cumprod(y, axis=None))
        + np.sum(np.sort(y, axis=None) ** 3)
    )


def test_shapes_known_at_run_time():
    check_jit(runtime_rows, M, 3)
    check_grad(runtime_rows_loss, (M, 3), 0)


def readable(x):
    return np.sum(np.var(x, axis=0)), np.cumsum(x), np.sort(x)


def test_emitted_code():
    src = compile_jit(readable, (M,)).source
    assert "x.var(axis=0)" in src
    assert "np.cumsum(x)" in src
    assert "np.sort(x)" in src
    grad_src = compile_grad(readable_loss, (M,), 0, False, False).source
    assert "axis=(0,)" not in grad_src and "keepdims=False" not in grad_src


def readable_loss(x):
    return np.sum(np.var(x, axis=0) * np.prod(x, axis=0))


# ---------------------------------------------------------------------------------------
# Errors


def argmax_tuple(x):
    return np.argmax(x, axis=(0, 1))


def var_bad_axis(x):
    return np.var(x, axis=2)


def sort_scalar_axis(x):
    return np.sort(x)


def sort_bad_kind(x):
    return np.sort(x, kind="bogo")


def cumsum_tuple(x):
    return np.cumsum(x, axis=(0, 1))


@pytest.mark.parametrize(
    "fn, x, error",
    [
        (argmax_tuple, M, MyiaTypeError),
        (var_bad_axis, M, MyiaShapeError),
        (sort_scalar_axis, 1.0, MyiaShapeError),
        (sort_bad_kind, M, MyiaTypeError),
        (cumsum_tuple, M, MyiaTypeError),
    ],
)
def test_errors(fn, x, error):
    with pytest.raises(error):
        compile_jit(fn, (x,))


# ---------------------------------------------------------------------------------------
# Gradients: conventions


def product(x):
    return np.prod(x)


def column_products(x):
    return np.sum(np.prod(x, axis=0) * np.array([1.0, 2.0, 3.0]))


def test_prod_with_zeros():
    g = compile_grad(product, (V[:3],), 0, False, False)
    np.testing.assert_allclose(g(np.array([2.0, 4.0, 3.0])), [12.0, 6.0, 8.0])
    np.testing.assert_array_equal(g(np.array([2.0, 0.0, 3.0])), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(g(np.array([0.0, 0.0, 3.0])), [0.0, 0.0, 0.0])
    x = np.array([[0.0, 2.0, 0.0], [3.0, 0.0, 0.0], [5.0, 7.0, 1.0]])
    got = compile_grad(column_products, (x,), 0, False, False)(x)
    want = np.array([[15.0, 0.0, 0.0], [0.0, 28.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(got, want)
    check_grad(column_products, (x,))  # a polynomial: finite differences hold at zeros
    check_grad(product, (np.array([2.0, 0.0, 3.0]),))


def std_rows(x):
    return np.sum(np.std(x, axis=0))


def std_all(x):
    return np.std(x, ddof=1)


def test_std_where_it_is_zero():
    g = compile_grad(std_rows, (M[:1],), 0, False, False)(M[:1])
    np.testing.assert_array_equal(g, np.zeros((1, 4)))
    g = compile_grad(std_all, (np.ones(4),), 0, False, False)(np.ones(4))
    np.testing.assert_array_equal(g, np.zeros(4))
    check_grad(std_rows, (M,))
    check_grad(std_all, (M,))


def running_product(x):
    return np.sum(np.cumprod(x) * STEPS)


def running_product_rows(x):
    return np.sum(np.cumprod(x, axis=1) ** 2)


def test_cumprod_with_zeros():
    x = np.array([1.5, 0.0, 2.0, -1.0, 0.0, 3.0])
    g = compile_grad(running_product, (x,), 0, False, False)(x)
    assert np.all(np.isfinite(g))
    check_grad(running_product, (x,))
    check_grad(running_product, (np.array([0.0, 2.0, 0.5, 3.0, -2.0, 1.0]),))
    m = np.array([[0.0, 2.0, 3.0, 1.0], [2.0, 0.0, -1.0, 0.0], [1.0, 2.0, 3.0, 0.0]])
    check_grad(running_product_rows, (m,))
    check_grad(running_product_rows, (M,))


def sorted_weighted(x):
    return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0]))


def test_sort_routes_through_the_permutation():
    x = np.array([3.0, 1.0, 2.0])
    g = compile_grad(sorted_weighted, (x,), 0, False, False)(x)
    np.testing.assert_array_equal(g, [3.0, 1.0, 2.0])
    tied = np.array([2.0, 1.0, 2.0])
    g = compile_grad(sorted_weighted, (tied,), 0, False, False)(tied)
    np.testing.assert_array_equal(g, [2.0, 1.0, 3.0])  # ties in stable order


def all_losses(x):
    return (
        np.prod(x, axis=1).sum()
        + np.var(x, ddof=1)
        + np.std(x, axis=0).sum()
        + np.sum(np.cumsum(x, axis=0) ** 2)
        + np.sum(np.cumprod(x) ** 2)
        + np.sum(np.sort(x, axis=0) ** 3)
        + np.sum(np.sort(x, axis=None) ** 3)
        + x.var()
        + x.std(1).sum()
        + x.prod()
        + np.sum(x.cumsum() ** 2)
        + np.sum(x.cumprod(axis=0))
        + np.max(x) * np.argmax(x)
    )


def test_float32_gradients_stay_float32():
    x = M.astype(np.float32)
    g = compile_grad(all_losses, (x,), 0, False, False)(x)
    assert g.dtype == np.float32
    want = compile_grad(all_losses, (M,), 0, False, False)(M)
    np.testing.assert_allclose(g, want, rtol=1e-3, atol=1e-3)
    check_grad(all_losses, (M,))


def scalar_losses(x):
    return np.prod(x) + np.var(x) + np.std(x) + np.sum(np.cumsum(x) * np.cumprod(x))


def test_scalar_gradients():
    check_grad(scalar_losses, (1.5,))
    check_grad(scalar_losses, (np.float64(-0.5),))


# ---------------------------------------------------------------------------------------
# Gradients: drawn shapes, axes and flags

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def reduced(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    ndim = len(shape)
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple),
        )
    )
    keepdims = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).standard_normal(shape)
    return x, axis, keepdims


def _reduction(name, axis, keepdims, ddof):
    if name == "prod":

        def fn(x):
            return np.sum(np.prod(x, axis=axis, keepdims=keepdims) * 0.5)
    elif name == "var":

        def fn(x):
            return np.sum(np.var(x, axis=axis, ddof=ddof, keepdims=keepdims) * 0.5)
    elif name == "std":

        def fn(x):
            return np.sum(np.std(x, axis=axis, ddof=ddof, keepdims=keepdims) * 0.5)
    elif name == "max":

        def fn(x):
            return np.sum(np.max(x, axis=axis, keepdims=keepdims) * 0.5)
    else:

        def fn(x):
            return np.sum(np.mean(x, axis=axis, keepdims=keepdims) * 0.5)

    return fn


def _values(name, axis, keepdims, ddof):
    def fn(x):
        return (
            np.prod(x, axis=axis, keepdims=keepdims),
            np.var(x, axis=axis, ddof=ddof, keepdims=keepdims),
            np.std(x, axis=axis, ddof=ddof, keepdims=keepdims),
            np.all(x > 0, axis=axis, keepdims=keepdims),
            np.any(x > 0, axis=axis, keepdims=keepdims),
        )

    return fn


@_SETTINGS
@given(reduced(), st.sampled_from(["prod", "var", "std", "max", "mean"]), st.integers(0, 1))
def test_drawn_reductions(case, name, ddof):
    x, axis, keepdims = case
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    n = int(np.prod([x.shape[i] for i in axes]))
    ddof = ddof if n > ddof else 0
    check_jit(_values(name, axis, keepdims, ddof), x)
    check_grad(_reduction(name, axis, keepdims, ddof), (x,))


def _scan(name, axis):
    if name == "cumsum":

        def fn(x):
            return np.sum(np.cumsum(x, axis=axis) ** 2)
    elif name == "cumprod":

        def fn(x):
            return np.sum(np.cumprod(x, axis=axis) * 0.5)
    else:

        def fn(x):
            return np.sum(np.sort(x, axis=axis) ** 3)

    return fn


def _scan_values(axis):
    def fn(x):
        return (
            np.cumsum(x, axis=axis),
            np.cumprod(x, axis=axis),
            np.sort(x, axis=axis),
            np.argsort(x, axis=axis, kind="stable"),
        )

    return fn


@_SETTINGS
@given(reduced(), st.sampled_from(["cumsum", "cumprod", "sort"]), st.booleans())
def test_drawn_scans(case, name, zero):
    x, axis, _ = case
    if not (axis is None or isinstance(axis, int)):
        axis = axis[0]
    if zero:
        x = x.copy()
        x.flat[x.size // 2] = 0.0
    check_jit(_scan_values(axis), x)
    check_grad(_scan(name, axis), (x,))


# ---------------------------------------------------------------------------------------
# Second derivatives: the backpropagators differentiate again


def hessian_vector(fn, x, u):
    """d/dx <grad fn(x), u> compiled by the typed pipeline (the gradient of a program that
    calls the gradient program of `fn`)."""
    primal = specialize(graph_of(fn), signature_types((x,)))
    first = gradient_program(primal, (0,), True, False, False)
    h = Graph("hvp", primal.loc)
    px = h.add_parameter("x", primal.loc)
    px.abstract = primal.parameters[0].abstract
    pu = h.add_parameter("u", primal.loc)
    pu.abstract = drop_values(abstract_of_value(u))
    b = Builder(h, primal.loc)
    g = b.call(first, [px], first.output.abstract)
    h.output = b.apply(
        REGISTRY.lookup("sum"), b.apply(REGISTRY.lookup("mul"), g, pu), None, None, False
    )
    second = gradient_program(optimize(h, adjoint=True), (0,), True, False, False)
    return compile_graph(optimize(second, adjoint=True))(x, u)


def prod_rows(x):
    return np.sum(np.prod(x, axis=1))


def var_std(x):
    return np.var(x, axis=0, ddof=1).sum() + np.std(x, axis=1).sum() + np.std(x)


def scans(x):
    return np.sum(np.cumprod(x, axis=0) ** 2) + np.sum(np.cumsum(x) ** 3)


def sorted_cubes(x):
    return np.sum(np.sort(x, axis=0) ** 3) + np.sum(np.sort(x, axis=None) * WEIGHTS)


def extrema(x):
    return np.sum(np.max(x, axis=0) ** 2) + np.mean(x) ** 2 + np.sum(x, axis=1).prod()


@pytest.mark.parametrize("fn", [prod_rows, var_std, scans, sorted_cubes, extrema])
def test_second_derivatives(fn):
    x = RNG.standard_normal((3, 4))
    u = RNG.standard_normal((3, 4))
    got = hessian_vector(fn, x, u)
    grad = compile_grad(fn, (x,), 0, False, False)
    eps = 1e-5
    fd = (grad(x + eps * u) - grad(x - eps * u)) / (2 * eps)
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-6)
