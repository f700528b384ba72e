"""A `*args` parameter (autograd's RNN and LSTM examples: `concat_and_multiply(weights,
*args)`): a call by name packs the extra positional arguments into a tuple, as Python
does. Checked against plain Python and central finite differences, at first and second
order; a call through a value or with `*` unpacking is refused clearly."""

import numpy as np
import pytest

import myia
from tests.ad.fd import fd_gradient
from tests.checks import check_grad, check_jit

rs = np.random.RandomState(3)
W = rs.randn(6, 2)
A = rs.randn(3, 2)
H = rs.randn(3, 3)


def join_times(weights, *parts):
    joined = np.hstack(parts + (np.ones((parts[0].shape[0], 1)),))
    return np.dot(joined, weights)


def two_steps(w, a, h):
    h1 = np.tanh(join_times(w, a, h))
    return np.sum(join_times(w[:3], h1) ** 2)


def poly(*cs):
    total = 0.0
    for c in cs:
        total = total * 1.5 + c
    return total


def calls_poly(a, b):
    return poly(a, b, a * b) + poly(a) * poly()


def recurrent(w, xs):
    h = np.zeros((1, 2))
    for x in xs:
        h = np.tanh(join_times(w[:5], x, h))
    return np.sum(h)


def through_value(a):
    def inner(*vs):
        return vs[0] * 2.0

    t = (a,)
    return inner(*t)


def test_forward_matches_python():
    check_jit(two_steps, W, A, H)
    check_jit(calls_poly, 0.7, -1.3)


def test_called_from_outside_packs_the_extra_arguments():
    np.testing.assert_allclose(myia.jit(join_times)(W, A, H), join_times(W, A, H))
    assert myia.jit(poly)(1.0, 2.0, 3.0) == poly(1.0, 2.0, 3.0)
    assert myia.jit(poly)() == 0.0


@pytest.mark.parametrize("argnums", [0, 1, 2, (0, 1, 2)])
def test_gradient_matches_finite_differences(argnums):
    check_grad(two_steps, (W, A, H), argnums)


def test_gradient_of_scalar_varargs_first_and_second_order():
    check_grad(calls_poly, (0.7, -1.3), (0, 1))
    d2 = myia.grad(myia.grad(calls_poly))(0.7, -1.3)
    assert np.isclose(d2, fd_gradient(myia.grad(calls_poly), (0.7, -1.3), 0), rtol=1e-5)


def test_gradient_in_a_loop_over_time_steps():
    xs = [rs.randn(1, 2) for _ in range(3)]
    check_grad(recurrent, (W, xs), (0, 1))


def squared_join(w, *parts):
    return np.sum(join_times(w, parts[0], parts[1]) ** 2)


def test_argnums_counts_the_arguments_as_passed_as_jax_does():
    # `grad(f, argnums=2)(w, a, h)` of `f(w, *parts)` is the gradient with respect to h
    # (it was with respect to the tuple `parts`, one parameter, at argnums=1).
    args = (W, A, H)
    fd = [fd_gradient(squared_join, args, k) for k in range(3)]
    for argnums in (0, 1, 2, (0, 2), (2, 1), -1):
        got = myia.grad(squared_join, argnums=argnums)(*args)
        nums = (argnums,) if isinstance(argnums, int) else argnums
        for k, g in zip(nums, got if isinstance(argnums, tuple) else (got,)):
            np.testing.assert_allclose(g, fd[k], rtol=1e-5, atol=1e-8)
    value, gh = myia.value_and_grad(squared_join, argnums=2)(*args)
    assert np.isclose(value, squared_join(*args))
    np.testing.assert_allclose(gh, fd[2], rtol=1e-5, atol=1e-8)


def cubic(x, *rest):
    return x * rest[0] * rest[1] + rest[1] ** 3


def test_every_transform_numbers_the_arguments_as_passed():
    x, b, c = 1.5, 2.0, 3.0  # d/dc = x b + 3 c^2, d2/dc2 = 6 c, d2/dc db = x
    assert myia.grad(cubic, argnums=2)(x, b, c) == pytest.approx(x * b + 3 * c**2)
    assert myia.grad(myia.grad(cubic, argnums=2), argnums=1)(x, b, c) == pytest.approx(x)
    for jac in (myia.jacfwd, myia.jacrev):
        assert jac(cubic, argnums=(0, 2))(x, b, c) == pytest.approx((b * c, x * b + 3 * c**2))
    hess = myia.hessian(cubic, argnums=(1, 2))(x, b, c)
    np.testing.assert_allclose(np.array(hess, float), [[0.0, x], [x, 6 * c]], rtol=1e-12)
    out, f_vjp = myia.vjp(cubic, x, b, c)  # one cotangent per argument passed
    assert out == cubic(x, b, c)
    assert f_vjp(2.0) == pytest.approx((2 * b * c, 2 * x * c, 2 * (x * b + 3 * c**2)))
    assert myia.jvp(cubic, (x, b, c), (0.0, 0.0, 1.0)) == pytest.approx((out, x * b + 3 * c**2))

    def with_int(x, *rest):
        return x ** rest[0] * rest[1]

    assert myia.grad(with_int, argnums=2)(2.0, 3, 5.0) == 8.0
    assert myia.vjp(with_int, 2.0, 3, 5.0)[1](1.0) == (60.0, None, 8.0)


@pytest.mark.parametrize("transform", [myia.grad, myia.jacfwd, myia.jacrev, myia.hessian])
def test_an_argnums_past_the_arguments_is_a_type_error_naming_it(transform):
    with pytest.raises(TypeError, match="argnums=3"):  # (myia.MyiaTypeError is one)
        transform(cubic, argnums=3)(1.5, 2.0, 3.0)


def test_hessian_vector_product_through_varargs():
    u = rs.randn(3, 2)

    def loss(a):
        return two_steps(W, a, H)

    _, hvp = myia.jvp(myia.grad(loss), (A,), (u,))
    eps = 1e-6
    fd = (myia.grad(loss)(A + eps * u) - myia.grad(loss)(A - eps * u)) / (2 * eps)
    np.testing.assert_allclose(hvp, fd, rtol=1e-4, atol=1e-7)


def test_star_call_of_a_varargs_function_is_refused_clearly():
    with pytest.raises(myia.MyiaTypeError, match="call it by its name") as info:
        myia.jit(through_value)(2.0)
    assert info.value.loc is not None and info.value.loc.filename == __file__


@pytest.mark.parametrize("stage", ["typed", "grad", "jvp", "optimized"])
def test_every_ir_stage_and_the_source_take_the_arguments_as_a_call_does(stage):
    from myia.backend.vm import run_graph

    x, b, c = 1.5, 2.0, 3.0
    g = myia.ir(cubic, x, b, c, stage=stage)
    if stage == "grad":
        assert run_graph(g, (x, b, c)) == pytest.approx(b * c)
    elif stage == "jvp":  # (typed and jvp: one parameter per argument as passed)
        assert run_graph(g, (x, b, c, 0.0, 0.0, 1.0)) == pytest.approx(
            (cubic(x, b, c), x * b + 3 * c**2)
        )
    elif stage == "typed":
        assert run_graph(g, (x, b, c)) == cubic(x, b, c)
    else:  # what `myia.jit(cubic)` runs: `*rest` as the tuple it packs
        assert run_graph(g, (x, (b, c))) == cubic(x, b, c)
    assert "def " in myia.source(cubic, x, b, c)
    assert "def " in myia.source(myia.grad(cubic, argnums=2), x, b, c)


def test_vmap_maps_each_argument_as_passed():
    xs, bs, cs = rs.randn(4), rs.randn(4), rs.randn(4)
    out = myia.vmap(cubic, in_axes=(0, None, 0))(xs, bs[0], cs)
    np.testing.assert_allclose(out, [cubic(x, bs[0], c) for x, c in zip(xs, cs)], rtol=1e-13)


def test_transforms_of_a_varargs_function_inside_compiled_code():
    # `myia.grad(cubic)(...)` in compiled code numbers the arguments as passed, as it does
    # called from Python
    x, b, c = 1.5, 2.0, 3.0

    def grads(x, b, c):
        return myia.grad(cubic, argnums=(0, 2))(x, b, c)

    def tangent(x, b, c):
        return myia.jvp(cubic, (x, b, c), (0.0, 0.0, 1.0))

    def mapped(xs, b, cs):
        return myia.vmap(cubic, in_axes=(0, None, 0))(xs, b, cs)

    assert myia.jit(grads)(x, b, c) == pytest.approx((b * c, x * b + 3 * c**2))
    assert myia.jit(tangent)(x, b, c) == pytest.approx((cubic(x, b, c), x * b + 3 * c**2))
    xs, cs = rs.randn(3), rs.randn(3)
    np.testing.assert_allclose(
        myia.jit(mapped)(xs, b, cs), [cubic(x, b, c) for x, c in zip(xs, cs)], rtol=1e-13
    )

    def outer(c):  # d/dc of d/dc cubic at (x, b, c) = 6 c
        return myia.grad(cubic, argnums=2)(x, b, c)

    check_grad(outer, (c,))
    assert myia.grad(outer)(c) == pytest.approx(6 * c)
