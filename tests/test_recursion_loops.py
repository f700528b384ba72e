"""Linear self-recursions written as loops (`infer/recursion.py`): the value is Python's,
gradients (first and second order, reverse and forward mode) are central finite
differences or closed forms, and the generated code is a loop, so that a recursion
deeper than Python's stack runs. Other recursions (`fib`) stay recursive and right."""

from __future__ import annotations

import ast
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from benchmarks.peer_workloads import rec_pow
from myia.testing import check_grads

SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
floats = st.floats(0.5, 1.5)
depths = st.integers(9, 40)  # deeper than the unrolled recursions (engine.UNROLL_DEPTH)


def rec_scaled(x, n):
    # the residual varies per level: x and n are both pushed
    if n == 0:
        return 1.0
    return x * n * rec_scaled(x * 0.5, n - 1)


def rec_early(x, n):
    if n <= 0:
        return np.sin(x)
    if n == 1:
        return np.cos(x) * x
    y = np.cos(x * 0.1)
    return y + x * rec_early(x * 0.9, n - 2)


def rec_closure(x, n, c):
    def f(m):
        if m == 0:
            return c
        return x * f(m - 1) + c * m

    return f(n)


def rec_list(xs, i):
    if i == len(xs):
        return 0.0
    return xs[i] * np.sin(xs[i]) + 0.5 * rec_list(xs, i + 1)


def rec_array(a, n):
    if n == 0:
        return a
    return np.tanh(rec_array(a * 0.9, n - 1)) * a


def sum_rec_array(a, n):
    return np.sum(rec_array(a, n))


def fib(x, n):
    if n < 2:
        return x
    return fib(x, n - 1) + fib(x * 0.5, n - 2)


def _central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def _self_calls(src: str) -> list[str]:
    """The generated functions that call themselves."""
    out = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == node.name
                ):
                    out.append(node.name)
    return out


@SETTINGS
@given(x=floats, n=depths)
def test_rec_pow(x, n):
    assert myia.jit(rec_pow)(x, n) == pytest.approx(rec_pow(x, n), rel=1e-12)
    assert myia.grad(rec_pow)(x, n) == pytest.approx(n * x ** (n - 1), rel=1e-10)
    assert myia.grad(myia.grad(rec_pow))(x, n) == pytest.approx(
        n * (n - 1) * x ** (n - 2), rel=1e-9
    )
    value, tangent = myia.jvp(rec_pow, (x, n), (1.0, 0))
    assert value == pytest.approx(x**n, rel=1e-12)
    assert tangent == pytest.approx(_central(lambda t: rec_pow(t, n), x), rel=1e-6)


def test_rec_pow_code_is_a_loop():
    for fn in (rec_pow, myia.grad(rec_pow), myia.grad(myia.grad(rec_pow))):
        src = myia.source(fn, 1.01, 20)
        assert "while" in src or "for" in src
        assert _self_calls(src) == []


def test_rec_pow_gradient_is_one_counted_loop():
    # the descent only counts: its closed form (infer/induction.py); the ascent counts up
    for fn in (rec_pow, myia.grad(rec_pow), myia.grad(myia.grad(rec_pow))):
        src = myia.source(fn, 1.01, 20)
        code = [line.split("#")[0] for line in src.splitlines()]
        assert not any("while" in c for c in code), src
        assert any("for " in c and "range(" in c for c in code), src


def test_depth_beyond_python_stack():
    x, n = 1.0001, 5000
    assert n > sys.getrecursionlimit()
    with pytest.raises(RecursionError):
        rec_pow(x, n)
    assert myia.jit(rec_pow)(x, n) == pytest.approx(x**n, rel=1e-10)
    assert myia.grad(rec_pow)(x, n) == pytest.approx(n * x ** (n - 1), rel=1e-9)
    assert myia.grad(myia.grad(rec_pow))(x, n) == pytest.approx(
        n * (n - 1) * x ** (n - 2), rel=1e-8
    )
    a = np.linspace(0.1, 0.5, 3)
    assert np.all(np.isfinite(myia.grad(sum_rec_array)(a, n)))


@SETTINGS
@given(x=floats, n=depths)
def test_residual_that_varies(x, n):
    assert myia.jit(rec_scaled)(x, n) == pytest.approx(rec_scaled(x, n), rel=1e-12)
    assert _self_calls(myia.source(myia.grad(rec_scaled), x, n)) == []
    check_grads(rec_scaled, (x, n), order=2)
    _, tangent = myia.jvp(rec_scaled, (x, n), (1.0, 0))
    assert tangent == pytest.approx(_central(lambda t: rec_scaled(t, n), x), rel=1e-6)


@SETTINGS
@given(x=floats, n=depths)
def test_early_return_base_cases(x, n):
    assert myia.jit(rec_early)(x, n) == pytest.approx(rec_early(x, n), rel=1e-12)
    assert _self_calls(myia.source(rec_early, x, n)) == []
    check_grads(rec_early, (x, n), order=2)


@SETTINGS
@given(x=floats, c=floats, n=depths)
def test_recursion_in_a_closure(x, c, n):
    assert myia.jit(rec_closure)(x, n, c) == pytest.approx(rec_closure(x, n, c), rel=1e-12)
    assert _self_calls(myia.source(rec_closure, x, n, c)) == []
    check_grads(rec_closure, (x, n, c), order=2)


@SETTINGS
@given(xs=st.lists(floats, min_size=9, max_size=30))
def test_recursion_on_a_list(xs):
    assert myia.jit(rec_list)(xs, 0) == pytest.approx(rec_list(xs, 0), rel=1e-12)
    assert _self_calls(myia.source(rec_list, xs, 0)) == []
    check_grads(rec_list, (xs, 0), order=2)


@SETTINGS
@given(n=depths, seed=st.integers(0, 100))
def test_array_recursion(n, seed):
    a = np.random.default_rng(seed).uniform(-1.0, 1.0, 4)
    np.testing.assert_allclose(myia.jit(rec_array)(a, n), rec_array(a, n), rtol=1e-12)
    assert _self_calls(myia.source(myia.grad(sum_rec_array), a, n)) == []
    check_grads(sum_rec_array, (a, n), order=2)


def test_vmap_of_a_recursion():
    xs = np.linspace(0.5, 1.5, 5)
    got = myia.vmap(myia.grad(rec_scaled), in_axes=(0, None))(xs, 30)
    expected = [myia.grad(rec_scaled)(float(x), 30) for x in xs]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(
        expected, [_central(lambda t: rec_scaled(t, 30), float(x)) for x in xs], rtol=1e-6
    )


@pytest.mark.parametrize("n", [12, 20])
def test_fib_stays_recursive_and_right(n):
    x = 0.7
    assert myia.jit(fib)(x, n) == pytest.approx(fib(x, n), rel=1e-12)
    assert set(_self_calls(myia.source(fib, x, n))) == {"fib"}
    check_grads(fib, (x, n), order=2)
