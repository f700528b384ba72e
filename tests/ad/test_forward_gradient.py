"""Gradients of functions of one number by forward mode (`ad.gradient.forward_gradient`):
when the only input with a derivative is one float, the gradient is one tangent, computed
in one pass with no tape. Each gradient is checked against finite differences (and closed
forms), the program is checked to be the forward one, and the programs forward mode does
not take (two real inputs, function values passed around, a custom_vjp rule, a primitive
without a tangent rule) are checked to stay in reverse mode."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.testing import check_grads

SETTINGS = settings(max_examples=25, deadline=None)


def poly_loop(x, n):
    for _ in range(n):
        x = x * 0.9 + np.sin(x) * 0.1
    return x


def rpow(x, n):
    if n == 0:
        return 1.0
    return x * rpow(x, n - 1)


def with_branch(x):
    if x > 0.5:
        return math.exp(x) * x
    return np.tanh(x) ** 3


def builds_arrays(x):
    v = np.array([x, 2.0 * x, 3.0])
    return np.sum(np.sin(v) * v)


def aux_pair(x):
    y = np.sin(x) * x
    return y, {"y": y, "n": 3}


def two_inputs(x, w):
    return np.sum(np.sin(x * w))


def wrap(g, x):
    return lambda y: g(y) * x


def passes_closures(x):
    h = wrap(np.sin, x)
    return h(x)


def is_forward(fn, *args) -> bool:
    """Whether the gradient program (before the optimizer) is the forward-mode one."""
    text = str(myia.ir(fn, *args, stage="grad"))
    return "@jvp:" in text and "@bwd:" not in text


@SETTINGS
@given(x=st.floats(-2.0, 2.0), n=st.integers(0, 30))
def test_a_loop_of_a_float(x, n):
    assert is_forward(poly_loop, x, n)
    check_grads(poly_loop, (x, n), order=1, argnums=0)


@SETTINGS
@given(x=st.floats(0.5, 1.5), n=st.integers(0, 40))
def test_a_recursion_is_two_loops_of_one_tangent(x, n):
    got = myia.grad(rpow)(x, n)
    assert type(got) is float
    assert got == pytest.approx(n * x ** (n - 1) if n else 0.0, rel=1e-12, abs=1e-300)
    src = myia.source(myia.grad(rpow), 1.01, 20)
    defs = [line for line in src.splitlines() if line.startswith("def ")]
    # the recursion's two loops (infer/recursion.py), carrying the tangent: no tape; the
    # one going down only counts, and is its closed form (infer/induction.py)
    code = [line.split("#")[0] for line in src.splitlines()]
    loops = sum("while" in c or "for " in c for c in code)
    assert len(defs) == 1 and loops == 1 and "tape" not in src, src


@pytest.mark.parametrize("x", [-0.3, 0.2, 0.9, 1.7])
def test_branches_arrays_and_higher_orders(x):
    for fn in (with_branch, builds_arrays):
        assert is_forward(fn, x)
        check_grads(fn, (x,), order=2)
    assert myia.grad(myia.grad(myia.grad(rpow)))(x, 5) == pytest.approx(60 * x**2, rel=1e-10)


def test_value_and_grad_has_aux_and_the_type_of_the_input():
    value, g = myia.value_and_grad(poly_loop)(0.7, 5)
    assert value == pytest.approx(poly_loop(0.7, 5), rel=1e-14)
    assert g == pytest.approx(myia.grad(poly_loop, argnums=(0,))(0.7, 5)[0], rel=1e-14)
    (g, aux) = myia.grad(aux_pair, has_aux=True)(0.4)
    assert g == pytest.approx(math.sin(0.4) + 0.4 * math.cos(0.4), rel=1e-12)
    assert aux["n"] == 3 and aux["y"] == pytest.approx(aux_pair(0.4)[0])
    g32 = myia.grad(with_branch)(np.float32(0.25))
    assert type(g32) is np.float32
    assert myia.grad(lambda x, n: float(n), source="lambda x, n: float(n)")(1.0, 2) == 0.0


def test_programs_forward_mode_does_not_take_stay_in_reverse_mode():
    w = np.array([0.5, -1.0])
    assert not is_forward(two_inputs, 0.3, w)  # a second real input, not differentiated
    check_grads(two_inputs, (0.3, w), order=1, argnums=0)
    assert not is_forward(passes_closures, 0.3)  # function values passed around
    check_grads(passes_closures, (0.7,), order=1)

    @myia.custom_vjp
    def clipped(x):
        return np.tanh(x)

    clipped.defvjp(lambda x, out, d: (d * 0.5,))

    def uses_rule(x):
        return clipped(x) * 2.0

    assert myia.grad(uses_rule)(0.3) == pytest.approx(1.0)  # the rule is used, not jvp


def wrap_scale(g, x):
    return lambda y: g(y) * x + y


def loop_carrying_a_closure(x, n):
    h = lambda y: np.sin(y)  # noqa: E731
    i = 0
    while i < n:
        h = wrap_scale(h, x)
        i = i + 1
    return h(x)


def test_a_closure_carried_through_a_loop_stays_in_reverse_mode():
    assert not is_forward(loop_carrying_a_closure, 0.8, 2)
    check_grads(loop_carrying_a_closure, (0.8, 2), order=2, argnums=0)


def where_sqrt(x):
    return np.where(x > 0.0, np.sqrt(x), 0.0)


def where_log(x):
    return np.where(x > 0.0, np.log(x), x * x)


def where_expected(fn, x: float) -> float:
    """The gradient JAX's grad gives: the side taken's derivative, plus the zero cotangent
    of the other side times its derivative (NaN where that is inf or NaN)."""
    if fn is where_sqrt:
        return 0.5 / math.sqrt(x) if x > 0.0 else math.nan  # sqrt' is inf at 0, NaN below
    return 1.0 / x if x > 0.0 else 2.0 * x if x < 0.0 else math.nan  # log' is inf at 0


@SETTINGS
@given(x=st.sampled_from([-1.0, 0.0, 0.25, 4.0]) | st.floats(-3.0, 3.0))
def test_np_where_of_numbers_gives_the_gradient_of_arrays_as_jax_grad_does(x):
    # np.where computes both sides; a number went by forward mode, which dropped the
    # tangent of the side not taken (0.0 where arrays gave NaN).
    with np.errstate(divide="ignore", invalid="ignore"):
        for fn in (where_sqrt, where_log):
            assert not is_forward(fn, x)
            want = where_expected(fn, x)
            arrays = myia.grad(lambda v, fn=fn: np.sum(fn(v)))(np.array([x, -x]))
            np.testing.assert_allclose(arrays, [want, where_expected(fn, -x)], rtol=1e-12)
            for arg in (x, np.float64(x), np.array(x)):
                np.testing.assert_allclose(myia.grad(fn)(arg), want, rtol=1e-12)
        # forward mode keeps JAX's jvp: np.where selects the tangents
        assert myia.jvp(where_sqrt, (0.0,), (1.0,))[1] == 0.0


def test_np_where_with_finite_sides_against_finite_differences():
    def fn(x):
        return np.where(x > 0.5, x**3, np.sin(x) * x)

    for x in (-0.7, 0.3, 0.9, 1.4):
        check_grads(fn, (x,), order=2)
