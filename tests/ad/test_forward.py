"""Forward mode (`myia.jvp`) and the transformations built on it and on reverse mode
(`vjp`, `jacfwd`, `jacrev`, `hessian`): tangents against central differences of the Python
function, against reverse mode (the adjoint identity `<J t, c> == <t, J^T c>`), through
control flow, closures, recursion and structures, composed with `grad` and with itself,
inside compiled code, and the errors of misuse."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaSyntaxError, MyiaTypeError
from tests.ad.jvp_checks import check_jvp

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
X = st.floats(-1.5, 1.5)
EPS = 1e-6


def directional(fn, primals, tangents, eps=EPS):
    """The central difference of `fn` at `primals` along `tangents` (float leaves)."""
    up = [_step(p, t, eps) for p, t in zip(primals, tangents)]
    down = [_step(p, t, -eps) for p, t in zip(primals, tangents)]
    return _tree(lambda a, b: (np.asarray(a) - np.asarray(b)) / (2 * eps), fn(*up), fn(*down))


def _step(p, t, h):
    if isinstance(p, (tuple, list)):
        return type(p)(_step(a, b, h) for a, b in zip(p, t))
    if isinstance(p, dict):
        return {k: _step(p[k], t[k], h) for k in p}
    if isinstance(p, (float, np.floating, np.ndarray)):
        return p + h * t
    return p


def _tree(fn, a, b):
    if isinstance(a, (tuple, list)):
        return type(a)(_tree(fn, x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: _tree(fn, a[k], b[k]) for k in a}
    return fn(a, b)


def assert_tree_close(got, expected, rtol=1e-5, atol=1e-6):
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected), (got, expected)
        for g, e in zip(got, expected):
            assert_tree_close(g, e, rtol, atol)
        return
    if isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys(), (got, expected)
        for k in expected:
            assert_tree_close(got[k], expected[k], rtol, atol)
        return
    assert np.shape(got) == np.shape(expected), (got, expected)
    assert np.allclose(got, expected, rtol=rtol, atol=atol), (got, expected)


# Programs ---------------------------------------------------------------------------------


def loop_for(x, n):
    s = 0.0
    for i in range(n):
        s = s * x + np.tanh(x * i)
    return s


def loop_while(x, n):
    r = 1.0
    while n > 0:
        r = r * x + math.sin(r)
        n -= 1
    return r


def branches(x, c):
    if c > 0.0:
        y = np.sin(x) * x
    elif c < -1.0:
        return np.exp(x)
    else:
        y = x * x * x
    return y * 2.0 if x > 0.0 else y * 0.5  # continuous, with a zero slope at 0


def power(x, n):
    return 1.0 if n == 0 else x * power(x, n - 1)


def closure_in_loop(x, n):
    total = 0.0
    for k in range(n):
        f = lambda v: v * k + np.cos(v * x)
        total = total + f(x)
    return total


def step(x, w):
    return np.tanh(x * w) + x


def helper_and_arrays(x, w):
    for _ in range(3):
        x = step(x, w)
    return np.sum(x * x) + np.mean(w)


def structures(p, scale):
    a, b = p["a"], p["b"]
    return {"sum": a + b[0] * scale, "pair": (a * b[1], np.sin(b[0]))}


CASES = [
    (loop_for, lambda x: (x, 5), lambda t: (t, 0)),
    (loop_while, lambda x: (x, 6), lambda t: (t, 0)),
    (branches, lambda x: (x, 0.5), lambda t: (t, 0.0)),
    (branches, lambda x: (x, -2.0), lambda t: (t, 0.0)),
    (branches, lambda x: (x, -0.5), lambda t: (t, 1.0)),
    (power, lambda x: (x, 6), lambda t: (t, 0)),
    (closure_in_loop, lambda x: (x, 4), lambda t: (t, 0)),
    (
        helper_and_arrays,
        lambda x: (np.array([x, 0.5, -0.2]), np.array([0.3, x, 1.0])),
        lambda t: (np.array([t, 1.0, 0.0]), np.array([0.5, -t, 2.0])),
    ),
    (
        structures,
        lambda x: ({"a": x, "b": (np.array([x, 1.0]), 2.0)}, 3.0),
        lambda t: ({"a": 1.0, "b": (np.array([t, 0.5]), -1.0)}, 0.25),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0].__name__)
@SETTINGS
@given(x=X, t=X)
def test_jvp_matches_central_differences(case, x, t):
    fn, primals, tangents = case
    p, tt = primals(x), tangents(t)
    out, t_out = myia.jvp(fn, p, tt)
    assert_tree_close(out, fn(*p), rtol=1e-12, atol=1e-12)
    assert_tree_close(t_out, directional(fn, p, tt), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES[:7], ids=lambda c: c[0].__name__)
@SETTINGS
@given(x=X, t=X, c=X)
def test_jvp_and_vjp_are_transposes(case, x, t, c):
    fn, primals, tangents = case
    p, tt = primals(x), tangents(t)
    _, t_out = myia.jvp(fn, p, tt)
    _, f_vjp = myia.vjp(fn, *p)
    cts = f_vjp(c)
    lhs = float(t_out) * c
    rhs = sum(float(a) * float(b) for a, b in zip(tt, cts) if b is not None)
    assert math.isclose(lhs, rhs, rel_tol=1e-9, abs_tol=1e-9), (lhs, rhs)


def test_tangent_types_follow_the_values():
    out, t_out = myia.jvp(lambda x, n: x * n, (2.0, 3), (1.0, 0))
    assert (out, t_out) == (6.0, 3.0) and type(t_out) is float
    x32 = np.ones(3, np.float32)
    _, t32 = myia.jvp(lambda x: x * 2.0, (x32,), (x32,))
    assert t32.dtype == np.float32 and t32.shape == (3,)


def test_a_loop_runs_in_constant_stack():
    n = sys.getrecursionlimit() * 5
    out, t = myia.jvp(loop_while, (0.5, n), (1.0, 0))
    assert np.isfinite(out) and np.isfinite(t)


# Jacobians and Hessians -------------------------------------------------------------------


def vector_fn(x, y):
    return np.sin(x) * y + x * x


def test_jacfwd_equals_jacrev_and_the_closed_form():
    x = np.array([0.1, -0.4, 0.9])
    y = np.array([1.5, 0.5, -2.0])
    jf = myia.jacfwd(vector_fn, argnums=(0, 1))(x, y)
    jr = myia.jacrev(vector_fn, argnums=(0, 1))(x, y)
    assert np.allclose(jf[0], np.diag(np.cos(x) * y + 2 * x))
    assert np.allclose(jf[1], np.diag(np.sin(x)))
    for a, b in zip(jf, jr):
        assert a.shape == (3, 3) and np.allclose(a, b)


def test_hessian_of_a_scalar_function():
    x = np.array([0.3, -1.2])
    h = myia.hessian(lambda v: np.sum(np.exp(v) * v) + v[0] * v[1])(x)
    expected = np.diag(np.exp(x) * (2 + x)) + np.array([[0.0, 1.0], [1.0, 0.0]])
    assert np.allclose(h, expected)


def tanh_cube(x):
    return np.sum(np.tanh(x) ** 2 * x)


def test_forward_over_reverse_is_the_hessian_vector_product():
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(50), rng.standard_normal(50)
    _, hv = myia.jvp(myia.grad(tanh_cube), (x,), (v,))
    t = np.tanh(x)
    s = 1.0 - t * t
    assert np.allclose(hv, (4.0 * t * s + (2.0 * s * s - 4.0 * t * t * s) * x) * v)


# Inside compiled code and composed --------------------------------------------------------


def sin_times(x):
    return np.sin(x) * x


def slope(x):
    return myia.jvp(sin_times, (x,), (1.0,))[1]


def curvature(x):
    return myia.jvp(slope, (x,), (1.0,))[1]


@SETTINGS
@given(x=X)
def test_jvp_inside_compiled_code_composes_with_grad_and_itself(x):
    d1 = math.cos(x) * x + math.sin(x)
    d2 = 2 * math.cos(x) - x * math.sin(x)
    assert math.isclose(myia.jit(slope)(x), d1, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(myia.grad(slope)(x), d2, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(myia.jit(curvature)(x), d2, rel_tol=1e-9, abs_tol=1e-12)
    _, t = myia.jvp(myia.grad(sin_times), (x,), (1.0,))
    assert math.isclose(t, d2, rel_tol=1e-9, abs_tol=1e-12)


# Misuse -----------------------------------------------------------------------------------


def test_a_tangent_of_another_shape_is_refused():
    with pytest.raises(MyiaTypeError, match="tangent of `x`"):
        myia.jvp(lambda x: x * 2.0, (np.ones(3),), (np.ones(4),))


def test_primals_must_be_tuples():
    with pytest.raises(MyiaTypeError, match="as a tuple"):
        myia.jvp(np.sin, 1.0, 1.0)
    with pytest.raises(MyiaTypeError, match="one tangent per primal"):
        myia.jvp(np.sin, (1.0,), (1.0, 2.0))


def jvp_of_a_name(x):
    primals = (x,)
    return myia.jvp(np.sin, primals, (1.0,))


def test_jvp_inside_compiled_code_needs_tuple_displays():
    with pytest.raises(MyiaSyntaxError, match="two tuples written out"):
        myia.jit(jvp_of_a_name)(1.0)


def test_a_primitive_without_a_tangent_rule_is_named(monkeypatch):
    from myia.prim.registry import REGISTRY

    monkeypatch.setattr(REGISTRY.lookup("tanh"), "jvp", None)
    with pytest.raises(MyiaTypeError, match="no tangent rule for `tanh`"):
        myia.jvp(lambda x: np.tanh(x) * 3.0, (0.5,), (1.0,))


@myia.custom_vjp
def clipped_log(x):
    return np.log(x)


@clipped_log.defvjp
def clipped_log_bprop(x, out, dout):
    return (dout / np.maximum(x, 1e-12),)


def uses_custom(x):
    return clipped_log(x) * 2.0


def test_forward_mode_refuses_a_custom_vjp_rule():
    with pytest.raises(MyiaTypeError, match="custom_vjp rule of `clipped_log`"):
        myia.jvp(uses_custom, (2.0,), (1.0,))
    assert math.isclose(myia.grad(uses_custom)(2.0), 1.0)


def with_an_int(p):
    x, n = p
    return x**n


def test_tangents_of_structures_holding_ints_are_accepted():
    out, t = myia.jvp(with_an_int, ((1.5, 3),), ((1.0, 0),))
    assert out == 1.5**3 and math.isclose(t, 3 * 1.5**2)


def test_vjp_takes_the_output_it_returns_as_a_cotangent():
    out, f_vjp = myia.vjp(lambda x: np.sum(x * x), np.array([1.0, 2.0]))
    (ct,) = f_vjp(out * 0.0 + 1.0)  # np.float64, the type of `out`
    assert np.allclose(ct, [2.0, 4.0])


def with_default(x, a=2.0):
    return x * a + np.sin(x)


def test_jvp_of_a_function_with_a_default():
    out, t = myia.jvp(with_default, (0.5,), (1.0,))
    assert math.isclose(out, with_default(0.5)) and math.isclose(t, 2.0 + math.cos(0.5))


def where_with_an_int(x):
    return np.sum(np.where(x > 0.0, x * x, 0))


def test_where_with_a_side_without_a_tangent():
    x = np.array([-1.0, 0.5, 2.0])
    _, t = myia.jvp(where_with_an_int, (x,), (np.ones(3),))
    assert math.isclose(t, 2 * 0.5 + 2 * 2.0)


def early_return_in_nested_loops(x, n):
    for i in range(n):
        for j in range(n):
            if i * j == 2:
                return x * i + j
    return x


def test_an_early_return_from_an_inner_loop():
    """The inner loop's exit that returns nothing leaves the return value unbound: its
    tangent still has the type of the loop's result (found by tests/test_exhaustive.py)."""
    t = check_jvp(early_return_in_nested_loops, (0.6, 4), (1.0, 0))
    assert t == 1.0


def _adder(k):
    def add(y):
        return y + k

    return add


def closures_made_in_a_comprehension(x, n):
    fs = [_adder(i * x) for i in range(n)]
    return sum([f(x) for f in fs])


def test_closures_kept_in_a_list_before_their_maker_is_transformed():
    """The type of the list names the closure's graph before its parent is transformed."""
    t = check_jvp(closures_made_in_a_comprehension, (0.7, 4), (1.0, 0))
    assert math.isclose(t, 1.0 * 4 + (0 + 1 + 2 + 3))


def scaled_square(x, scale=2.5):
    return x * x * scale


def jvp_and_grad_inside_of_a_function_with_a_default(x):
    _, t = myia.jvp(scaled_square, (x,), (1.0,))
    return t + myia.grad(scaled_square)(x)


def test_jvp_and_grad_inside_compiled_code_fill_in_defaults():
    assert math.isclose(myia.jit(jvp_and_grad_inside_of_a_function_with_a_default)(1.5), 15.0)
    check_jvp(jvp_and_grad_inside_of_a_function_with_a_default, (1.5,))
