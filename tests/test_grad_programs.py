"""First-order gradients of whole programs, checked against central finite differences.

This file owns `check_grads(..., order=1)` on programs of the subset (closures returned,
passed, stored in tuples, called in loops, capturing loop variables; branches, while/for
loops with runtime bounds, break, continue, early return; recursion, mutual recursion,
recursion over tuples; higher-order functions) and the stack depth of long loops (20,000
iterations without RecursionError and without raising the recursion limit).

The numerical conventions of gradients at special points are in test_grad_conventions.py,
the API surface in test_grad_api.py, higher orders in test_grad_higher.py.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import myia
from myia.testing import check_grads

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

RNG = np.random.default_rng(1234)
VEC = RNG.uniform(0.5, 1.5, 4)
MAT = RNG.uniform(-1.0, 1.0, (3, 4))


# Closures -----------------------------------------------------------------------------------


def make_scaler(a):
    def scale(x):
        return a * x * x

    return scale


def closure_returned(x, a):
    return make_scaler(a)(x) + make_scaler(x)(a)


def apply_twice(g, x):
    return g(g(x))


def closure_passed(x, a):
    return apply_twice(lambda y: y * a + np.sin(y), x)


def closure_passed_nested_def(x, a):
    def step(y):
        return np.tanh(y * a) + x

    return apply_twice(step, x * 0.5)


def closures_in_tuple(x, a):
    fs = (lambda y: y * a, lambda y: y + a * a, make_scaler(x))
    return fs[0](x) * fs[1](x) + fs[2](a)


def closures_in_tuple_selected(x, a, i):
    fs = (lambda y: y * a, lambda y: np.exp(y * a))
    return fs[i](x) + fs[1 - i](a)


def closure_called_in_loop(x, a, n):
    g = lambda y: y * a + 0.1
    for _ in range(n):
        x = g(x)
    return x


def closure_captures_loop_variable(x, n):
    acc = 0.0
    for i in range(n):
        c = x * (i + 1)

        def h(y):
            return y * c

        acc = acc + h(x)
    return acc


def closure_captures_loop_carried_value(x, w, n):
    s = x
    for _ in range(n):

        def step(y):
            return np.sin(y * w + s)

        s = step(x)
    return s


def closures_built_in_loop_applied_later(x, n):
    fs = ()
    for i in range(n):
        fs = fs + (make_scaler(x * (i + 1)),)
    acc = 0.0
    for f in fs:
        acc = acc + f(x)
    return acc


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
    hh = compose(h, h)
    return hh(x) + h(a)


def closure_on_array(x, m):
    def layer(v):
        return np.tanh(m @ v)

    return np.sum(layer(x) ** 2)


def closure_chosen_by_branch(x, a):
    if x > a:
        f = lambda y: y * y * a
    else:
        f = lambda y: np.sin(y) + a
    return f(x) + f(a)


def wrap_scale(g, x):
    return lambda y: g(y) * x + y


def while_loop_carrying_closure(x, n):
    f = lambda y: np.sin(y)
    i = 0
    while i < n:
        f = wrap_scale(f, x)
        i = i + 1
    return f(x)


def recursion_building_closure(x, n):
    return build_closure(x, n)(x * 0.5)


def build_closure(x, n):
    if n == 0:
        return lambda y: y * y
    g = build_closure(x * 1.1, n - 1)
    return lambda y: g(y) * x + np.cos(y)


def recursion_passing_closure(x, a, n):
    return iterate_closure(lambda y: np.tanh(y * a) + x, x, n)


def iterate_closure(f, y, n):
    if n == 0:
        return y
    return iterate_closure(f, f(y), n - 1)


CLOSURE_CASES = [
    (closure_returned, (1.3, 0.7)),
    (closure_passed, (0.4, 1.2)),
    (closure_passed_nested_def, (0.4, 1.2)),
    (closures_in_tuple, (1.1, -0.6)),
    (closures_in_tuple_selected, (0.3, 0.8, 0)),
    (closures_in_tuple_selected, (0.3, 0.8, 1)),
    (closure_called_in_loop, (0.9, 1.1, 5)),
    (closure_captures_loop_variable, (0.7, 4)),
    (closure_captures_loop_carried_value, (0.3, 0.9, 4)),
    (closures_built_in_loop_applied_later, (0.8, 3)),
    (closure_depth_three, (0.5, 1.5)),
    (closure_composed, (0.5, 1.5)),
    (closure_on_array, (VEC, MAT)),
    (closure_chosen_by_branch, (2.0, 1.0)),
    (closure_chosen_by_branch, (0.5, 1.0)),
    (while_loop_carrying_closure, (0.8, 4)),
    (recursion_building_closure, (0.8, 3)),
    (recursion_passing_closure, (0.6, 1.3, 4)),
]


@pytest.mark.parametrize(
    "fn, args", CLOSURE_CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CLOSURE_CASES)]
)
def test_closures(fn, args):
    check_grads(fn, args)


def closure_sees_rebinding(x):
    a = x
    g = lambda y: y * a
    a = x * x
    return g(2.0)


def closures_capture_loop_variable_late(x, n):
    fs = ()
    for i in range(n):
        fs = fs + (lambda y: y * x * i,)
    s = 0.0
    for g in fs:
        s = s + g(x)
    return s


@pytest.mark.parametrize(
    "fn, args",
    [(closure_sees_rebinding, (1.5,)), (closures_capture_loop_variable_late, (1.5, 3))],
    ids=["rebinding", "loop-variable"],
)
def test_closures_follow_python_late_binding(fn, args):
    # Python closures see a later rebinding of the captured variable: myia must give the
    # same value and gradient, or refuse clearly; never silently compute something else.
    try:
        value = myia.jit(fn)(*args)
    except myia.MyiaSyntaxError as e:
        assert "captures" in str(e)
        with pytest.raises(myia.MyiaSyntaxError):
            myia.grad(fn)(*args)
        return
    assert value == pytest.approx(fn(*args))
    check_grads(fn, args)


# Control flow -------------------------------------------------------------------------------


def branch_if_elif_else(x, y):
    if x > 1.0:
        r = x * y
    elif x > 0.0:
        r = np.sin(x) + y * y
    else:
        r = -x * np.exp(y)
    return r * x


def branch_conditional_expression(x, y):
    return (x * y if x < y else x + y * y) * 2.0


def branch_and_or(x, y):
    if x > 0.0 and (y > 1.0 or x > 2.0):
        return x * y
    return x - y


def branch_on_array(x):
    if np.sum(x) > 0.0:
        return np.sum(x**3)
    return np.sum(np.cos(x))


def branch_nested(x, y):
    if x > 0.0:
        if y > 0.0:
            z = x * y
        else:
            z = x / (1.0 + y * y)
    else:
        z = y * 2.0
    return z * z


def while_runtime_bound(x, n):
    i = 0
    while i < n:
        x = x * 0.9 + np.sin(x)
        i = i + 1
    return x


def while_value_condition(x):
    y = x
    while y < 10.0:
        y = y * 1.5 + x
    return y


def for_range_runtime_bounds(x, lo, hi, step):
    s = 0.0
    for i in range(lo, hi, step):
        s = s + x**i
    return s


def for_over_tuple_and_list(x, y):
    s = 0.0
    for e in (x, y, x * y):
        s = s + e * e
    for e in [y, x]:
        s = s * e
    return s


def for_over_array_rows(m, v):
    s = 0.0
    for row in m:
        s = s + np.dot(row, v) ** 2
    return s


def for_enumerate_zip(xs, ys):
    s = 0.0
    for i, (a, b) in enumerate(zip(xs, ys)):
        s = s + (i + 1) * a * b
    return s


def for_zip(xs, ys):
    s = 0.0
    for a, b in zip(xs, ys):
        s = s + a * b * a
    return s


def for_enumerate(xs):
    s = 0.0
    for i, a in enumerate(xs):
        s = s + (i + 1) * np.sin(a)
    return s


def loop_break(x, n):
    s = x
    for i in range(n):
        if i >= 3:
            break
        s = s * x + 1.0
    return s


def loop_break_on_value(x):
    s = x
    while True:
        s = s * 1.3
        if s > 5.0:
            break
    return s * x


def loop_continue(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        s = s + x * i
    return s * x


def early_return_in_loop(x, n):
    for i in range(n):
        x = x * 1.2
        if x > 3.0:
            return x * i
    return -x


def early_return_in_branch(x, y):
    if x < 0.0:
        return y * y
    z = x * y
    if z > 1.0:
        return np.log(z)
    return z


def nested_loops(x, n, m):
    s = 0.0
    for i in range(n):
        j = 0
        while j < m:
            s = s + np.sin(x * (i + 1)) * (j + 1)
            j = j + 1
    return s


def loop_accumulates_array(x, n):
    acc = np.zeros_like(x)
    for i in range(n):
        acc = acc + x ** (i + 1) / (i + 1)
    return np.sum(acc)


def list_comprehension(xs):
    sq = [x * x for x in xs if x > 0.0]
    return sum(sq)


CONTROL_CASES = [
    (branch_if_elif_else, (1.5, 0.3)),
    (branch_if_elif_else, (0.5, 0.3)),
    (branch_if_elif_else, (-0.5, 0.3)),
    (branch_conditional_expression, (0.5, 1.3)),
    (branch_conditional_expression, (1.5, 1.3)),
    (branch_and_or, (0.5, 1.5)),
    (branch_and_or, (2.5, 0.5)),
    (branch_and_or, (0.5, 0.5)),
    (branch_on_array, (VEC,)),
    (branch_on_array, (-VEC,)),
    (branch_nested, (0.5, 0.7)),
    (branch_nested, (0.5, -0.7)),
    (branch_nested, (-0.5, 0.7)),
    (while_runtime_bound, (0.3, 6)),
    (while_runtime_bound, (0.3, 0)),
    (while_value_condition, (1.1,)),
    (for_range_runtime_bounds, (1.1, 1, 8, 2)),
    (for_range_runtime_bounds, (1.1, 6, 0, -2)),
    (for_over_tuple_and_list, (0.7, 1.3)),
    (for_over_array_rows, (MAT, VEC)),
    (for_enumerate_zip, ((0.5, 1.5, 2.5), (1.0, -1.0, 0.25))),
    (for_enumerate_zip, (VEC, VEC[::-1].copy())),
    (for_zip, ((0.5, 1.5, 2.5), (1.0, -1.0, 0.25))),
    (for_enumerate, ((0.5, 1.5, 2.5),)),
    (loop_break, (0.7, 10)),
    (loop_break, (0.7, 2)),
    (loop_break_on_value, (0.7,)),
    (loop_continue, (0.9, 7)),
    (early_return_in_loop, (0.9, 10)),
    (early_return_in_loop, (0.9, 2)),
    (early_return_in_branch, (-1.0, 2.0)),
    (early_return_in_branch, (1.0, 2.0)),
    (early_return_in_branch, (0.2, 2.0)),
    (nested_loops, (0.4, 3, 2)),
    (loop_accumulates_array, (VEC * 0.5, 4)),
    (list_comprehension, ([0.5, -1.0, 2.0],)),
]


def case_ids(cases):
    ids = []
    for i, case in enumerate(cases):
        fn = case.values[0] if hasattr(case, "values") else case[0]
        ids.append(f"{fn.__name__}-{i}")
    return ids


@pytest.mark.parametrize("fn, args", CONTROL_CASES, ids=case_ids(CONTROL_CASES))
def test_control_flow(fn, args):
    check_grads(fn, args)


# Recursion ----------------------------------------------------------------------------------


def rpow(x, n):
    if n == 0:
        return 1.0
    return x * rpow(x, n - 1)


def rfib(x, n):
    if n < 2:
        return x
    return rfib(x, n - 1) + rfib(x * 0.5, n - 2)


def halve_until_small(x):
    if x < 1.0:
        return x * x
    return halve_until_small(x * 0.5) + x


def is_even_weighted(x, n):
    if n == 0:
        return x
    return is_odd_weighted(x * 1.1, n - 1)


def is_odd_weighted(x, n):
    if n == 0:
        return np.sin(x)
    return is_even_weighted(x + x * x, n - 1)


def tuple_sum_of_squares(t):
    if len(t) == 0:
        return 0.0
    return t[0] * t[0] + tuple_sum_of_squares(t[1:])


def tuple_horner(coeffs, x):
    if len(coeffs) == 1:
        return coeffs[0]
    return coeffs[0] + x * tuple_horner(coeffs[1:], x)


def nested_tuple_sum(t):
    if isinstance(t, tuple):
        s = 0.0
        for e in t:
            s = s + nested_tuple_sum(e)
        return s
    return t * t


def array_recursion(x, i):
    if i == x.shape[0]:
        return 0.0
    return np.sin(x[i]) * (i + 1) + array_recursion(x, i + 1)


def tree_depth_recursion(x, depth):
    if depth == 0:
        return np.tanh(x)
    left = tree_depth_recursion(x * 0.5, depth - 1)
    right = tree_depth_recursion(x + 0.1, depth - 1)
    return left * right + x


RECURSION_CASES = [
    (rpow, (1.3, 5)),
    (rfib, (0.7, 6)),
    (halve_until_small, (7.0,)),
    (is_even_weighted, (0.3, 5)),
    (is_even_weighted, (0.3, 4)),
    (tuple_sum_of_squares, ((0.5, 1.5, -2.0),)),
    (tuple_horner, ((1.0, -2.0, 0.5, 0.25), 1.3)),
    (nested_tuple_sum, ((0.5, (1.5, (2.0,), -1.0), 0.25),)),
    (array_recursion, (VEC, 0)),
    (tree_depth_recursion, (0.4, 3)),
]


@pytest.mark.parametrize(
    "fn, args",
    RECURSION_CASES,
    ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(RECURSION_CASES)],
)
def test_recursion(fn, args):
    check_grads(fn, args)


def test_recursion_gradient_closed_form():
    assert myia.grad(rpow)(1.5, 4) == pytest.approx(4 * 1.5**3)


# Higher-order functions ---------------------------------------------------------------------


def fold(f, init, xs):
    acc = init
    for x in xs:
        acc = f(acc, x)
    return acc


def hmap(f, xs):
    return [f(x) for x in xs]


def mul_add(acc, x):
    return acc * x + 1.0


def higher_fold_module_function(xs, init):
    return fold(mul_add, init, xs)


def higher_fold_lambda(xs, w):
    return fold(lambda a, x: a + np.sin(x * w), 0.0, xs)


def higher_map_then_sum(xs, w):
    return sum(hmap(lambda x: x * w + x * x, xs))


def higher_primitive_as_value(x):
    fs = (np.sin, np.cos, math.exp)
    s = 0.0
    for f in fs:
        s = s + f(x)
    return s


def higher_returns_function_from_branch(x, y):
    g = np.sin if x > 0.0 else np.cos
    return apply_twice(g, y) * x


def derivative_like(f, h):
    return lambda x: (f(x + h) - f(x - h)) / (2.0 * h)


def higher_function_of_function(x):
    return derivative_like(lambda y: y * y * y, 0.1)(x)


def higher_star_args(x, y):
    t = (x, y)
    return mul_add(*t) + mul3_defaults(x)


def mul3_defaults(x, y=2.0, z=3.0):
    return x * y * z


def higher_keyword_arguments(x, y):
    return mul3_defaults(x, z=y) + mul3_defaults(y, y=x)


HIGHER_ORDER_CASES = [
    (higher_fold_module_function, ((0.5, 1.5, -0.7), 0.3)),
    (higher_fold_lambda, ([0.5, 1.5, -0.7], 1.2)),
    (higher_map_then_sum, ((0.5, 1.5, -0.7), 0.8)),
    (higher_primitive_as_value, (0.6,)),
    (higher_returns_function_from_branch, (0.5, 0.3)),
    (higher_returns_function_from_branch, (-0.5, 0.3)),
    (higher_function_of_function, (0.7,)),
    (higher_star_args, (0.6, 1.7)),
    (higher_keyword_arguments, (0.6, 1.7)),
]


@pytest.mark.parametrize(
    "fn, args",
    HIGHER_ORDER_CASES,
    ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(HIGHER_ORDER_CASES)],
)
def test_higher_order_functions(fn, args):
    check_grads(fn, args)


# Long loops do not grow the stack -----------------------------------------------------------


def long_while(x, n):
    i = 0
    while i < n:
        x = x * 0.9999 + 0.0001
        i = i + 1
    return x


def long_for_with_closure(x, n):
    f = lambda y: y * 0.9999
    s = 0.0
    for i in range(n):
        s = s + f(x) * (i % 3)
    return s


def test_long_while_loop_differentiates_without_recursion_error():
    limit = sys.getrecursionlimit()
    n = 20_000
    val, g = myia.value_and_grad(long_while)(1.0, n)
    assert sys.getrecursionlimit() == limit
    # x_n = 0.9999^n (x_0 - 1) + 1, so dx_n/dx_0 = 0.9999^n.
    assert val == pytest.approx(0.9999**n * (1.0 - 1.0) + 1.0)
    assert g == pytest.approx(0.9999**n, rel=1e-9)


def test_long_for_loop_with_closure_differentiates_without_recursion_error():
    limit = sys.getrecursionlimit()
    n = 20_000
    g = myia.grad(long_for_with_closure)(2.0, n)
    assert sys.getrecursionlimit() == limit
    assert g == pytest.approx(0.9999 * sum(i % 3 for i in range(n)))
