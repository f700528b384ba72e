"""Higher-order gradients: grad of grad through every construct of the subset.

This file owns `check_grads(..., order=2)` on programs with branches, loops, closures and
recursion (among them the cases where the original Myia failed: second order through a
branch that selects between closures, through a while loop carrying a closure, and through
recursion), third and fourth order (`order=4` on a polynomial, `math.sin` and `np.sin`,
compared with closed forms too), and Hessian-vector products by nesting `myia.grad`, both
inside a lambda and through a module-level `gf = myia.grad(f)`.

First-order gradients are in test_grad_programs.py, the API in test_grad_api.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import myia
from myia.testing import check_grads

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

RNG = np.random.default_rng(99)
VEC = RNG.uniform(0.2, 1.2, 3)
MAT = RNG.uniform(-1.0, 1.0, (2, 3))


# Straight-line code -------------------------------------------------------------------------


def poly2(x, y):
    return x**3 * y + y * y - x * y


def trig_composition(x, y):
    return np.sin(np.cos(x) * y)


def softplus_product(x, y):
    return np.log(1.0 + np.exp(x * y))


def rational(x, y):
    return x / (1.0 + y * y)


def math_mix(x, y):
    return math.exp(math.sin(x)) * math.sqrt(y) + math.atan2(x, y)


def array_tanh_layer(v, m):
    return np.sum(np.tanh(m @ v) ** 2)


def array_logsumexp(x):
    m = np.max(x)
    return np.log(np.sum(np.exp(x - m))) + m


def array_norm(x):
    return np.linalg.norm(x) * np.sum(x)


def dict_params(p, x):
    return np.sum(np.tanh(p["w"] @ x + p["b"]) * p["s"][0])


def tuple_argument(t):
    a, (b, c) = t
    return a * np.sin(b) * c * c


def with_stop_gradient(x, y):
    return x * x * myia.stop_gradient(y * x) + y * x


def max_without_tie(x, y):
    return max(x * x, y) * np.maximum(x, y * y)


# Branches -----------------------------------------------------------------------------------


def branch_cubic_or_square(x):
    if x > 0.0:
        return x**3
    return x * x * np.sin(x)


def branch_selects_closure(x, a):
    if x > a:
        f = lambda y: y * y * a
    else:
        f = lambda y: np.sin(y) * a + y
    return f(x) * f(a)


def branch_selects_closure_over_array(v, m):
    if np.sum(v) > 0.0:
        f = lambda u: np.tanh(m @ u)
    else:
        f = lambda u: np.sin(m @ u) * v[0]
    return np.sum(f(v) ** 2)


def branch_returns_closure(x, y):
    return choose_closure(x, y)(x * y)


def choose_closure(x, y):
    if x < y:
        return lambda z: z * x * x
    return lambda z: np.exp(z * 0.1) * y


def branch_conditional_expression(x, y):
    r = x * y if x < y else np.sin(x) * y * y
    return r * r


def branch_nested(x, y):
    if x > 0.0:
        if y > 0.0:
            z = x * y * y
        else:
            z = x / (1.0 + y * y)
    else:
        z = np.cos(y) * x
    return z * x


# Loops --------------------------------------------------------------------------------------


def while_runtime_bound(x, n):
    i = 0
    while i < n:
        x = np.sin(x) * 1.1 + x * 0.5
        i = i + 1
    return x


def wrap_scale(g, x):
    return lambda y: g(y) * x + y


def while_carrying_closure(x, n):
    f = lambda y: np.sin(y)
    i = 0
    while i < n:
        f = wrap_scale(f, x)
        i = i + 1
    return f(x)


def while_carrying_closure_inline(x, a, n):
    f = lambda y: y * a
    i = 0
    while i < n:
        f = compose(np.sin, f)
        i = i + 1
    return f(x)


def for_accumulate(x, y, n):
    s = 0.0
    for i in range(n):
        s = s + (x * y) ** (i + 1) / (i + 1)
    return s


def loop_break(x, n):
    s = x
    for i in range(n):
        if i >= 3:
            break
        s = s * x + np.sin(s)
    return s


def loop_continue(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        s = s + np.cos(x * i)
    return s * x


def early_return_in_loop(x, n):
    for i in range(n):
        x = x * 1.2 + 0.1 * x * x
        if x > 3.0:
            return x * i
    return -x


def loop_over_array_rows(m, v):
    s = 0.0
    for row in m:
        s = s + np.dot(row, v) ** 3
    return s


def loop_closure_called_inside(x, a, n):
    c = x * 0.5
    g = lambda y: np.tanh(y * a) + c
    y = x
    for _ in range(n):
        y = g(y)
    return y


def list_comprehension(xs, w):
    return sum([np.sin(x * w) for x in xs])


# Recursion ----------------------------------------------------------------------------------


def rpow(x, n):
    if n == 0:
        return 1.0
    return x * rpow(x, n - 1)


def rfib(x, n):
    if n < 2:
        return x
    return rfib(x, n - 1) * 0.5 + rfib(np.sin(x), n - 2)


def even_chain(x, n):
    if n == 0:
        return x
    return odd_chain(x * x * 0.5, n - 1)


def odd_chain(x, n):
    if n == 0:
        return np.sin(x)
    return even_chain(np.sin(x) + x, n - 1)


def tuple_horner(coeffs, x):
    if len(coeffs) == 1:
        return coeffs[0]
    return coeffs[0] + x * tuple_horner(coeffs[1:], x)


def build_closure(x, n):
    if n == 0:
        return lambda y: y * y
    g = build_closure(x * 1.1, n - 1)
    return lambda y: g(y) * x + np.cos(y)


def recursion_building_closure(x, n):
    return build_closure(x, n)(x * 0.5)


def halve_until_small(x):
    if x < 1.0:
        return x * x * x
    return halve_until_small(x * 0.5) + x * x


# Closures and higher-order functions --------------------------------------------------------


def make_scaler(a):
    def scale(x):
        return a * x * x

    return scale


def closure_returned(x, a):
    return make_scaler(a)(x) * make_scaler(x)(a)


def apply_twice(g, x):
    return g(g(x))


def closure_passed(x, a):
    return apply_twice(lambda y: y * a + np.sin(y), x)


def closures_in_tuple(x, a):
    fs = (lambda y: y * a, lambda y: np.exp(y * a), make_scaler(x))
    return fs[0](x) * fs[1](x) + fs[2](a)


def closure_depth_three(x, a):
    def outer(y):
        def middle(z):
            def inner(w):
                return w * x * a + y * z

            return inner(z) * y

        return middle(y + x)

    return outer(a)


def compose(f, g):
    return lambda x: f(g(x))


def closure_composed(x, a):
    h = compose(np.sin, lambda y: y * a)
    return compose(h, h)(x) * h(a)


def fold(f, init, xs):
    acc = init
    for x in xs:
        acc = f(acc, x)
    return acc


def fold_lambda(xs, w):
    return fold(lambda a, x: a * np.cos(x) + np.sin(x * w), 0.5, xs)


SECOND_ORDER_CASES = [
    # straight-line
    (poly2, (1.3, -0.4)),
    (trig_composition, (0.7, 1.9)),
    (softplus_product, (0.7, -1.1)),
    (rational, (0.7, -1.1)),
    (math_mix, (0.7, 1.4)),
    (array_tanh_layer, (VEC, MAT)),
    (array_logsumexp, (VEC,)),
    (array_norm, (VEC,)),
    (dict_params, ({"w": MAT, "b": VEC[:2].copy(), "s": (1.5,)}, VEC)),
    (tuple_argument, ((0.5, (1.2, -0.7)),)),
    (max_without_tie, (1.3, 0.7)),
    # branches
    (branch_cubic_or_square, (0.8,)),
    (branch_cubic_or_square, (-0.8,)),
    (branch_selects_closure, (2.0, 1.0)),
    (branch_selects_closure, (0.5, 1.0)),
    (branch_selects_closure_over_array, (VEC, MAT)),
    (branch_selects_closure_over_array, (-VEC, MAT)),
    (branch_returns_closure, (0.5, 1.5)),
    (branch_returns_closure, (1.5, 0.5)),
    (branch_conditional_expression, (0.5, 1.5)),
    (branch_conditional_expression, (1.5, 0.5)),
    (branch_nested, (0.5, 0.7)),
    (branch_nested, (0.5, -0.7)),
    (branch_nested, (-0.5, 0.7)),
    # loops
    (while_runtime_bound, (0.4, 4)),
    (while_carrying_closure, (0.8, 3)),
    (while_carrying_closure_inline, (0.8, 1.2, 3)),
    (for_accumulate, (0.8, 0.9, 4)),
    (loop_break, (0.7, 10)),
    (loop_continue, (0.7, 6)),
    (early_return_in_loop, (0.9, 10)),
    (early_return_in_loop, (0.9, 2)),
    (loop_over_array_rows, (MAT, VEC)),
    (loop_closure_called_inside, (0.3, 1.2, 4)),
    (list_comprehension, ((0.5, 1.5, -0.7), 0.8)),
    # recursion
    (rpow, (1.3, 5)),
    (rfib, (0.7, 5)),
    (even_chain, (0.3, 5)),
    (even_chain, (0.3, 4)),
    (tuple_horner, ((1.0, -2.0, 0.5, 0.25), 1.3)),
    (recursion_building_closure, (0.8, 3)),
    (halve_until_small, (7.0,)),
    # closures and higher-order functions
    (closure_returned, (1.3, 0.7)),
    (closure_passed, (0.4, 1.2)),
    (closures_in_tuple, (1.1, -0.6)),
    (closure_depth_three, (0.5, 1.5)),
    (closure_composed, (0.5, 1.5)),
    (fold_lambda, ((0.5, 1.5, -0.7), 1.2)),
]


def case_ids(cases):
    return [f"{case[0].__name__}-{i}" for i, case in enumerate(cases)]


@pytest.mark.parametrize("fn, args", SECOND_ORDER_CASES, ids=case_ids(SECOND_ORDER_CASES))
def test_second_order(fn, args):
    check_grads(fn, args, order=2)


THIRD_ORDER_CASES = [
    (branch_selects_closure, (2.0, 1.0)),
    (while_carrying_closure, (0.8, 2)),
    (rpow, (1.3, 4)),
    (closure_composed, (0.5, 1.5)),
]


@pytest.mark.parametrize("fn, args", THIRD_ORDER_CASES, ids=case_ids(THIRD_ORDER_CASES))
def test_third_order(fn, args):
    check_grads(fn, args, order=3, rtol=1e-3, atol=1e-5)


# Fourth order and closed forms --------------------------------------------------------------


def quintic(x):
    return x**5 - 3.0 * x**3


def math_sin(x):
    return math.sin(x)


def np_sin(x):
    return np.sin(x)


def grad_n(fn, n):
    for _ in range(n):
        fn = myia.grad(fn)
    return fn


@pytest.mark.parametrize("fn", [quintic, math_sin, np_sin], ids=lambda f: f.__name__)
def test_fourth_order_against_finite_differences(fn):
    check_grads(fn, (0.7,), order=4, rtol=1e-3, atol=1e-5)


def test_fourth_order_polynomial_closed_form():
    x = -1.7
    assert grad_n(quintic, 2)(x) == pytest.approx(20.0 * x**3 - 18.0 * x, abs=1e-9)
    assert grad_n(quintic, 3)(x) == pytest.approx(60.0 * x * x - 18.0, abs=1e-9)
    assert grad_n(quintic, 4)(x) == pytest.approx(120.0 * x, abs=1e-9)


@pytest.mark.parametrize(
    "sin, xs",
    [
        (math_sin, (0.0, 0.7, -2.3)),
        (np_sin, (0.0, 0.7, -2.3)),
        (math.sin, (0.7,)),
        (np.sin, (0.7,)),
    ],
    ids=["math_sin", "np_sin", "math.sin", "np.sin"],
)
def test_fourth_order_sin_closed_forms(sin, xs):
    derivatives = [grad_n(sin, k) for k in range(1, 5)]
    for x in xs:
        expected = (math.cos(x), -math.sin(x), -math.cos(x), math.sin(x))
        got = tuple(d(x) for d in derivatives)
        assert got == pytest.approx(expected, abs=1e-12)


def test_fourth_order_keeps_float32():
    g = grad_n(np_sin, 4)(np.float32(0.7))
    assert np.asarray(g).dtype == np.float32
    assert float(g) == pytest.approx(math.sin(0.7), rel=1e-5)


def test_higher_order_through_recursion_and_branch_closed_forms():
    # rpow(x, 5) = x^5: d^3/dx^3 = 60 x^2.
    assert grad_n(rpow, 3)(1.3, 5) == pytest.approx(60.0 * 1.3**2)
    # branch_cubic_or_square(x > 0) = x^3: third derivative 6, fourth 0.
    assert grad_n(branch_cubic_or_square, 3)(0.8) == pytest.approx(6.0)
    assert grad_n(branch_cubic_or_square, 4)(0.8) == pytest.approx(0.0, abs=1e-12)


def test_second_order_through_stop_gradient():
    # With s = stop_gradient(y x) held constant: d2/dx2 (x^2 s + y x) = 2 s.
    assert grad_n(with_stop_gradient, 2)(0.8, 1.3) == pytest.approx(2.0 * 1.3 * 0.8)
    d2 = myia.grad(myia.grad(with_stop_gradient), argnums=1)(0.8, 1.3)
    assert d2 == pytest.approx(1.0)


# Hessian-vector products by nesting ---------------------------------------------------------


def hvp_target(x):
    return np.sum(np.sin(x) * x) + np.sum(x) ** 2


def hvp_target_hessian(x):
    return np.diag(2.0 * np.cos(x) - x * np.sin(x)) + 2.0 * np.ones((x.size, x.size))


gf = myia.grad(hvp_target)


def gdotv(x, v):
    return np.sum(gf(x) * v)


HV_X = np.array([0.3, -1.2, 0.8])
HV_V = np.array([1.0, 0.5, -2.0])


def test_hvp_by_nesting_grad_in_a_lambda():
    v = HV_V
    hvp = myia.grad(lambda x: np.sum(myia.grad(hvp_target)(x) * v))
    np.testing.assert_allclose(hvp(HV_X), hvp_target_hessian(HV_X) @ v, rtol=1e-10)


def test_hvp_through_module_level_gradient():
    hv = myia.grad(gdotv)(HV_X, HV_V)
    np.testing.assert_allclose(hv, hvp_target_hessian(HV_X) @ HV_V, rtol=1e-10)
    # The vector is an argument too: d/dv <grad f(x), v> = grad f(x).
    dv = myia.grad(gdotv, argnums=1)(HV_X, HV_V)
    np.testing.assert_allclose(dv, gf(HV_X), rtol=1e-12)


def test_hvp_checked_against_finite_differences():
    check_grads(gdotv, (HV_X, HV_V))


def test_hvp_through_a_loop_and_closure():
    def f(x):
        return while_carrying_closure(np.sum(x * x), 2)

    dfdx = myia.grad(f)

    def dot(x, v):
        return np.sum(dfdx(x) * v)

    check_grads(dot, (np.array([0.3, 0.4]), np.array([1.0, -1.0])))


def _loop_in_a_branch_not_taken(x0, n):
    v0 = x0
    v1 = x0
    v2 = x0
    if x0:
        v0 += v1
    elif v1:
        while n:
            if v2:
                continue
            v1 -= math.tanh(v2) + v2 * x0
        if x0:
            return v1
    return v0


def test_second_order_through_a_loop_in_a_branch_not_taken():
    """The tape of the loop is a residual slot the path that ran left unfilled: its
    sensitivity (ZERO) is added to a stack's (found by the random-program suite)."""
    assert myia.grad(myia.grad(_loop_in_a_branch_not_taken))(0.3, 0) == 0.0
    check_grads(_loop_in_a_branch_not_taken, (0.3, 0), order=2)


# One `if` reached by two calls ---------------------------------------------------------------


def tanh_twice_through_an_if(x0):
    def h0(a1):
        if (x0 if x0 < x0 else x0) < x0:
            return math.tanh(x0)
        return math.tanh(x0)

    return h0(math.tanh(x0)) + math.tanh(h0(x0))


def tanh_twice_through_an_if_d2(x):
    """The second derivative of tanh(x) + tanh(tanh(x))."""
    t = math.tanh(x)
    s = 1 - t * t
    u = math.tanh(t)
    v = 1 - u * u
    return -2 * t * s - 2 * u * v * s * s - 2 * t * s * v


def closure_with_an_if_called_three_times(x0, x1):
    def h0(a1):
        if (x1 if x0 < 0.5 else -x1) < a1:
            return math.tanh(x0 * a1)
        return a1 * x1

    return h0(math.tanh(x0)) + math.sin(h0(x0)) * h0(x1)


@pytest.mark.parametrize("x", [0.0, 0.3, -0.8])
def test_second_order_of_an_if_whose_switch_two_calls_share(x):
    # The first-order program computes the conditional expression of both calls of h0 by
    # one switch (CSE), called twice: reverse mode made two forward regions of the same
    # branch graphs, which captured each other ('cyclic graph nesting').
    d2 = myia.grad(myia.grad(tanh_twice_through_an_if))(x)
    assert d2 == pytest.approx(tanh_twice_through_an_if_d2(x), rel=1e-12, abs=1e-15)
    # With a second float input, both orders are reverse mode (one float alone: forward).
    d2 = myia.grad(myia.grad(tanh_twice_through_an_if_scaled))(x, 1.5)
    assert d2 == pytest.approx(1.5 * tanh_twice_through_an_if_d2(x), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("args", [(0.3, 0.7), (0.9, -0.2), (0.7, 0.2), (-0.4, 1.0)])
def test_second_order_of_a_closure_with_an_if_called_three_times(args):
    check_grads(closure_with_an_if_called_three_times, args, order=2)
    dg = myia.grad(closure_with_an_if_called_three_times)
    eps = 1e-6
    fd = (dg(args[0] + eps, args[1]) - dg(args[0] - eps, args[1])) / (2 * eps)
    d2 = myia.grad(myia.grad(closure_with_an_if_called_three_times))(*args)
    assert d2 == pytest.approx(fd, rel=1e-6, abs=1e-8)


# Lambdas in loops ----------------------------------------------------------------------------


def lambda_in_a_loop_in_a_branch_never_taken(x0, x1, n):
    v0 = x0 * 0.5
    if x0 < x0 and x1 >= 0.25:
        j = 0
        while j < n:
            j += 1
            h = lambda a: math.tanh(x1 if v0 > -0.75 else float(j))  # noqa: E731
            v0 = h(x0) + math.tanh(h(float(j)))

        def g(a):
            if v0 * x0 > v0 and math.cos(v0) > x1:
                return math.tanh(x0)
            t = math.tanh(x1)
            return math.sin(t + a)

        v0 = g(x1 * x0) + math.tanh(v0 * x1)
    elif (x1 * x0 if x1 * v0 <= v0 else x1) <= 0.5:
        v0 = math.tanh(v0 if math.sin(v0) > x0 else -3.0)
    else:
        return x0 * (math.sin(x0) + (v0 if 0.5 < v0 <= x0 else x1))
    return x1 * x0 - x0


@pytest.mark.parametrize("args", [(2.4421, -2.5335, 3), (0.3, 0.8, 2), (1.5, 2.0, 1)])
def test_gradients_of_a_lambda_in_a_loop_in_a_branch_never_taken(args):
    # Found by the random programs: optimizing the first-order program dropped the
    # closure `h`'s backpropagator, whose captures held the last use of the loop's forward
    # graph; one sweep of the manager left that graph behind (`KeyError` in `scope`).
    check_grads(lambda_in_a_loop_in_a_branch_never_taken, args, order=2, argnums=(0, 1))


def lambda_with_a_conditional_called_twice_in_a_loop(x0, x1, n):
    s = x1
    i = 0
    while i < n:
        i += 1
        h = lambda a: math.tanh((x0 if x0 < s else s) * a)  # noqa: E731
        s = h(s) + h(x0)
    return s


@pytest.mark.parametrize("args", [(0.7, 0.3, 3), (-0.4, 0.9, 2), (0.2, -0.6, 4), (0.5, 1.1, 0)])
def test_second_order_of_a_lambda_with_a_conditional_called_twice_in_a_loop(args):
    # Both calls of `h` compute its conditional expression on the same condition: one
    # switch for the two (CSE) gave 'cyclic graph nesting around fwd:fwd:f:lambda:ifexp_true'.
    fn = lambda_with_a_conditional_called_twice_in_a_loop
    check_grads(fn, args, order=2, argnums=(0, 1))
    dg = myia.grad(fn)
    eps = 1e-6
    fd = (dg(args[0] + eps, *args[1:]) - dg(args[0] - eps, *args[1:])) / (2 * eps)
    assert myia.grad(myia.grad(fn))(*args) == pytest.approx(fd, rel=1e-6, abs=1e-8)


def closure_with_an_unused_statement_called_twice_in_a_loop(x0, n):
    v0 = x0 * 0.5
    v1 = x0 * 0.75
    j0 = 0
    while j0 < n:
        j0 += 1

        def h3(a4):
            if v0 < v0 <= v1:
                return min(max(v0 * v1 - j0 * 0.5, -4.0), 4.0)
            t5 = min(max(v1 * x0, -4.0), 4.0)  # noqa: F841
            return min(max(x0 - (v1 - float(j0) * (j0 * 0.5)), -4.0), 4.0)

        v0 = h3(-0.75) + math.sin((h3(0.5) if x0 < float(j0) else -(j0 * 0.5)) + float(j0))
    return v0


@pytest.mark.parametrize("args", [(0.3, 1), (0.3, 2), (-0.8, 3), (1.7, 2)])
def test_gradients_of_a_closure_with_an_unused_statement_called_twice_in_a_loop(args):
    # The unused statement is an effect of the branch graph, which the two specializations
    # of `h3` share: the copy `unshare_branches` made kept the original's effect node, and
    # closed over it ('cyclic graph nesting', already when compiling with myia.jit).
    fn = closure_with_an_unused_statement_called_twice_in_a_loop
    assert myia.jit(fn)(*args) == fn(*args)
    check_grads(fn, args, order=2)


def loop_entered_from_the_two_sides_of_its_first_test(x0, n):
    v0 = x0 * 0.5
    v1 = x0 * 0.75
    v2 = x0 * 1.0
    j0 = 0
    while j0 < n:
        j0 += 1
        if ((0.5 - x0) if j0 * 0.5 > float(j0) else -1.5) > x0 and math.tanh(v0) > j0 * 0.5:
            if (v1 if x0 * v0 < x0 else -0.75) <= 2.0:
                continue
            v0 *= math.tanh((v2 - float(j0)) * (float(j0) + x0))
    if not (x0 < 3.0 <= v2) or not (v1 < v2):

        def h1(a2):
            return math.tanh((a2 - 1.0) if v0 < a2 <= v1 else v2)

        v2 = h1(math.tanh(-math.sin(2.0) if v2 <= 0.25 else math.tanh(v0))) + 2.0
        if v2 < 1.0:
            return v0 * v2 * (x0 + (v1 - 0.25))
    return v0 * v2 + x0


@pytest.mark.parametrize("args", [(-1.7575, 3), (0.4, 2), (-0.6, 1), (1.2, 3), (0.9, 0)])
def test_second_order_of_a_loop_entered_from_the_two_sides_of_its_first_test(args):
    # The first-order program computes the loop's first test where the loop is called
    # (the optimizer inlines it): the loop is then entered from both sides of that test,
    # and reverse mode made two forward loops of one header, which captured each other
    # ('cyclic graph nesting around fwd:grad:f'); `unshare_loops` gives each entry a copy.
    fn = loop_entered_from_the_two_sides_of_its_first_test
    check_grads(fn, args, order=2)
    dg = myia.grad(fn)
    eps = 1e-6
    fd = (dg(args[0] + eps, args[1]) - dg(args[0] - eps, args[1])) / (2 * eps)
    assert myia.grad(myia.grad(fn))(*args) == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_each_loop_of_a_gradient_to_differentiate_again_has_one_entry():
    from myia.branches import is_loop
    from myia.ir import Constant, Manager
    from myia.pipeline import differentiable_program

    program = differentiable_program(
        myia.grad(loop_entered_from_the_two_sides_of_its_first_test), (0.4, 2)
    )
    mng = Manager(program)
    loops = [g for g in mng.graphs if g.parameters and is_loop(g)]
    assert any(g.copy_of in loops for g in loops)  # the copy of a loop entered twice
    for g in loops:
        inside = mng.scope(g)
        entries = [
            u
            for c in mng.all_nodes
            if isinstance(c, Constant) and c.value is g
            for u, i in mng.uses[c]
            if i == 0 and u.graph not in inside
        ]
        assert len(entries) == 1, g


def tanh_twice_through_an_if_scaled(x0, s):
    def h0(a1):
        if (x0 if x0 < x0 else x0) < x0:
            return math.tanh(x0)
        return math.tanh(x0)

    return (h0(math.tanh(x0)) + math.tanh(h0(x0))) * s


def test_reverse_mode_refuses_an_if_entered_from_two_places(monkeypatch):
    # Without `unshare_branches`, the first-order program's switch shared by two calls
    # would make two forward regions of one pair of branch graphs: refused, not built.
    # (Two float inputs: reverse mode at both orders.) The optimizer makes two calls of
    # one switch one call: it is kept from doing so here, to make such a program.
    from myia.ad.gradient import gradient_program
    from myia.opt.optimize import Optimizer
    from myia.pipeline import gradient_of

    common = Optimizer.common
    monkeypatch.setattr(
        Optimizer, "common", lambda opt, node, prim=None: prim and common(opt, node, prim)
    )
    first = gradient_of(tanh_twice_through_an_if_scaled, (0.3, 1.5), 0, False, False)
    with pytest.raises(myia.MyiaError, match="in two forward regions"):
        gradient_program(first, (0,), True, False, False)


@pytest.mark.parametrize("x0", [0.3, -1.2, 2.0])
def test_second_order_of_an_if_called_twice_alike(x0):
    # (tanh(x0) + tanh(tanh(x0))) * s: the two calls of `h0` are one call of its `if`.
    s = 1.5
    t = math.tanh(x0)
    d1 = (1.0 - t * t) * (1.0 + (1.0 - math.tanh(t) ** 2))
    dt = -2.0 * t * (1.0 - t * t)  # d/dx0 of 1 - tanh(x0) ** 2
    inner = 1.0 - math.tanh(t) ** 2
    d2 = dt * (1.0 + inner) + (1.0 - t * t) * (-2.0 * math.tanh(t) * inner * (1.0 - t * t))
    grad = myia.grad(tanh_twice_through_an_if_scaled)
    assert math.isclose(grad(x0, s), d1 * s, rel_tol=1e-12)
    assert math.isclose(myia.grad(grad)(x0, s), d2 * s, rel_tol=1e-9, abs_tol=1e-12)


def lambdas_with_a_constant_test_in_a_loop(x0, x1, n):
    v0 = x0
    v1 = x1
    i = 0
    while i < n:
        i += 1
        v0 = math.tanh(x0)
        h1 = lambda a: math.sin(
            math.tanh(0.5) if v0 - 0.25 < 1.5 else math.tanh(x1 if x0 < x1 else a)
        )  # noqa: E731
        v0 = math.tanh(h1(math.cos(v1)) * h1(v0 * math.sin(v0)))
        h2 = lambda a: math.sin(
            (v1 + (0.5 if -0.25 < v1 else x0)) if (0.5 if 0.5 < -0.25 else -0.25) < a else 0.5
        )  # noqa: E731
        v1 = math.tanh(h2(v1) * h2(0.5))
        if math.sin(0.5) < x0 + v1:
            break
    return v0 * v0 + v1


@pytest.mark.parametrize("args", [(-0.6063, 0.2069, 3), (0.3, -0.4, 2), (-1.1, 0.9, 1)])
def test_gradients_of_lambdas_with_a_constant_test_in_a_loop(args):
    # The side of the constant test `0.5 < -0.25`, called directly (in one specialization of
    # `h2`) and selected by a switch (in the other), is put in place by
    # `inline_known_branches`, whose copy then shared the branches of the `if` inside it
    # with the original: `unshare_branches` runs after it.
    fn = lambdas_with_a_constant_test_in_a_loop
    check_grads(fn, args, order=2, argnums=(0, 1))
    dg = myia.grad(fn, argnums=1)
    eps = 1e-6
    fd = (dg(args[0], args[1] + eps, args[2]) - dg(args[0], args[1] - eps, args[2])) / (2 * eps)
    d2 = myia.grad(myia.grad(fn, argnums=1), argnums=1)(*args)
    assert d2 == pytest.approx(fd, rel=1e-6, abs=1e-8)
