"""Dead values across graphs (`myia.opt.prune`): the tuple items a loop or an `if` returns
that nobody reads, and the loop variables that only feed themselves, are gone after the
optimizer, and each program evaluates as before and as Python does."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import myia
from myia.backend.compiled import compile_graph
from myia.ir.manager import Manager
from myia.ir.nodes import Constant, Graph
from tests.ad.fd import fd_gradient
from tests.opt.oracle import (
    assert_outcomes,
    cached_pair,
    evaluate,
    gradient_pair,
    python_outcome,
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FLOATS = st.floats(-1e3, 1e3, allow_nan=False)


def carried_but_unused(x, n):
    count = 0
    total = 0.0
    last = 0.0
    for k in range(n):
        count = count + k  # feeds only itself: dead
        last = x * k  # noqa: F841  (assigned each iteration, never read: dead)
        total = total + x * k
    return total


def if_assigns_three(x, c):
    if c > 0.0:
        a = x * 2.0
        b = x + 1.0
        unused = np.sin(x)  # noqa: F841  (never read: dead)
    else:
        a = x * 3.0
        b = x - 1.0
        unused = np.cos(x)  # noqa: F841  (never read: dead)
    return a * b


def _parameter_counts(g: Graph) -> dict[str, int]:
    mng = Manager(g)
    return {h.name: len(h.parameters) for h in mng.graphs}


def _prims(g: Graph) -> set[str]:
    mng = Manager(g)
    return {
        n.inputs[0].value.name
        for n in mng.all_nodes
        if n.is_apply() and isinstance(n.inputs[0], Constant) and hasattr(n.inputs[0].value, "impl")
    }


@SETTINGS
@given(x=FLOATS, n=st.integers(-1, 12))
def test_loop_variables_that_feed_only_themselves_are_dropped(x, n):
    before, after, opt = cached_pair(carried_but_unused, (x, n))
    assert opt.counts.get("dead parameter", 0) >= 1, opt.counts
    assert opt.counts.get("dead result", 0) >= 1, opt.counts
    loops_before = [v for k, v in _parameter_counts(before).items() if "for" in k or "while" in k]
    loops_after = [v for k, v in _parameter_counts(after).items() if "for" in k or "while" in k]
    assert max(loops_after) < max(loops_before), (_parameter_counts(after), str(after))
    expected = python_outcome(carried_but_unused, (x, n))
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)))
    assert_outcomes(evaluate(after, (x, n)), expected)
    assert_outcomes(python_outcome(compile_graph(after), (x, n)), expected)


def carried_through_arithmetic(x, n):
    count = 0
    scale = 1.0
    ratio = 1.0
    total = 0.0
    for k in range(n):
        count = count + k * 2  # computed from itself only, on ints: dead
        scale = scale * 0.5 + x  # the same on floats: dead
        ratio = ratio / x  # dead, but may raise (x == 0.0): kept, as Python runs it
        total = total + x * k
    return total


def _loop_parameters(g: Graph) -> int:
    return max(v for k, v in _parameter_counts(g).items() if "while" in k)


@SETTINGS
@given(x=st.one_of(FLOATS, st.just(0.0)), n=st.integers(-1, 6))
def test_loop_variables_computed_only_from_themselves_are_dropped_unless_they_may_raise(x, n):
    before, after, _ = cached_pair(carried_through_arithmetic, (x, n))
    assert _loop_parameters(before) == 6, str(before)  # the counter, k and the four variables
    assert _loop_parameters(after) == 3, str(after)  # the counter, ratio and total
    assert "truediv" in _prims(after), str(after)
    expected = python_outcome(carried_through_arithmetic, (x, n))
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)))
    assert_outcomes(evaluate(after, (x, n)), expected)
    assert_outcomes(python_outcome(compile_graph(after), (x, n)), expected)


@SETTINGS
@given(x=FLOATS, c=st.sampled_from([-1.0, 0.0, 2.0]))
def test_values_an_if_assigns_that_nobody_reads_are_not_computed(x, c):
    before, after, opt = cached_pair(if_assigns_three, (x, c))
    assert {"sin", "cos"} <= _prims(before)
    assert not {"sin", "cos"} & _prims(after), str(after)
    assert opt.counts.get("dead result", 0) >= 1, opt.counts
    expected = python_outcome(if_assigns_three, (x, c))
    assert_outcomes(evaluate(after, (x, c)), evaluate(before, (x, c)))
    assert_outcomes(evaluate(after, (x, c)), expected)


def power_loop(x, n):
    r = 1.0
    for _ in range(n):
        r = x * r
    return r


@SETTINGS
@given(x=st.floats(-2.0, 2.0), n=st.integers(0, 8))
def test_gradient_of_a_loop_is_pruned_and_right(x, n):
    before, after = gradient_pair(power_loop, (x, n), 0)
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)))
    got = myia.grad(power_loop)(x, n)
    fd = fd_gradient(power_loop, (x, n), 0)
    assert np.isclose(got, n * x ** (n - 1) if n else 0.0, rtol=1e-9, atol=1e-12)
    assert np.isclose(got, fd, rtol=1e-5, atol=1e-6)
    src = myia.source(myia.grad(power_loop), x, n)
    assert "unbound" not in src, src  # the unused loop variable `_` is not carried


def indexed_loop(w, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] * w + h * w)
    return np.sum(h * h)


@SETTINGS
@given(w=st.floats(-2.0, 2.0))
def test_values_read_in_part_after_a_loop_are_pruned_inside_them(w):
    args = (w, np.linspace(-1.0, 1.0, 4), np.array([0.5, -0.5]))
    before, after = gradient_pair(indexed_loop, args, 0)
    assert_outcomes(evaluate(after, args), evaluate(before, args))
    src = myia.source(myia.grad(indexed_loop), *args)
    # The forward loop's final value is read only for `h`: the index `t` is not carried.
    assert "unbound" not in src, src
    got = myia.grad(indexed_loop)(*args)
    assert np.isclose(got, fd_gradient(indexed_loop, args, 0), rtol=1e-5, atol=1e-6)


def closure_called_twice_alike(x0, x1):
    def g0(a1):
        if x1 > x0:
            return 2.0 * x0
        return x1 + x0

    v0 = math.tanh(x1)
    v1, v0 = (v0, g0(x0))
    v0, v1 = v1, x0
    return g0(v1) / (1.0 + v0 * v0)


def jvp_of_closure_called_twice(x0, x1, t0, t1):
    return myia.jvp(closure_called_twice_alike, (x0, x1), (t0, t1))


@SETTINGS
@given(x0=st.floats(-3.0, 3.0), x1=st.floats(-3.0, 3.0), t=st.floats(-2.0, 2.0))
def test_two_calls_of_one_if_keep_what_either_reads(x0, x1, t):
    assume(abs(x1 - x0) > 1e-3)  # (not at the kink, for the finite differences)
    # Random program 4173: `g0(v1)` and the dead `g0(x0)` became two calls of one `if`
    # (its branches read only x0 and x1); the dead result pruned the tangent out of the
    # branches for the call that does not read it, and the other call read None.
    args = (x0, x1, t, 0.5)
    before, after, _ = cached_pair(jvp_of_closure_called_twice, args)
    assert_outcomes(evaluate(after, args), evaluate(before, args))
    fn = closure_called_twice_alike
    value, tangent = myia.jvp(fn, (x0, x1), (t, 0.5))
    assert value == fn(x0, x1)
    fd = t * fd_gradient(fn, (x0, x1), 0) + 0.5 * fd_gradient(fn, (x0, x1), 1)
    assert np.isclose(tangent, fd, rtol=1e-5, atol=1e-6), (tangent, fd)
    src = myia.source(myia.jit(jvp_of_closure_called_twice), *args)
    # The two calls of the `if` are one (they select alike), and the dead tuple statement
    # `(v0, g0(x0))`, which cannot raise, is gone.
    assert [line.strip()[:3] for line in src.splitlines()].count("if ") == 1, src
    assert "(v0," not in src, src
