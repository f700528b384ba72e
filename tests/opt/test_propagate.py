"""Constant parameters (`myia.opt.propagate`): a parameter that every call of its graph
gives the same constant, or its own value passed on, is that constant, and the parameter is
gone. Each program evaluates the same before and after the optimizer (the reference
evaluator, on Hypothesis' inputs) and as Python does; the rewrite fires where it should,
and not where the calls pass different constants (a float's sign of zero included)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.ir.manager import Manager
from myia.opt.optimize import Optimizer
from myia.pipeline import gradient_of
from tests.ad.fd import fd_gradient
from tests.opt.oracle import assert_outcomes, cached_pair, evaluate, python_outcome

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FLOATS = st.floats(-1e3, 1e3, allow_nan=False)
COUNTS = st.integers(9, 20)  # from 9 on, a recursion is not unrolled when compiling
REWRITE = "constant parameter"


# Each recursion here calls itself twice (the second call returns at once), so that it stays
# a recursion: a linear one is written as loops (infer/recursion.py).


def scaled_sum(x, k, n):
    if n <= 0:
        return 0.0
    return x * k + scaled_sum(x, k, n - 1) + scaled_sum(x, k, n - n - 1)


def same_constant(x, n):
    return scaled_sum(x, 2.5, n) + scaled_sum(x * 2.0, 2.5, n)


def geometric(x, k, n):
    if n <= 0:
        return 0.0
    return k + geometric(x, k * x, n - 1) + geometric(x, k, n - n - 1)


def powers(x, n):
    return geometric(x, 1.0, n)  # the recursion passes k * x: not a constant


def signed_zeros(x, n):
    return scaled_sum(x, 0.0, n) + scaled_sum(x * 2.0, -0.0, n)  # one graph, two zeros


def rec_pow(x, n):
    if n <= 0:
        r = 1.0
    else:
        r = x * rec_pow(x, n - 1) * rec_pow(x, n - n - 1)
    return r


def _parameters(g, name: str) -> list[int]:
    return [len(h.parameters) for h in Manager(g).graphs if h.name == name]


@SETTINGS
@given(x=FLOATS, n=COUNTS)
def test_a_constant_every_call_passes_is_propagated(x, n):
    before, after, opt = cached_pair(same_constant, (x, n))
    assert opt.counts.get(REWRITE, 0) >= 1, opt.counts
    assert _parameters(before, "scaled_sum") == [3]
    assert _parameters(after, "scaled_sum") == [2], str(after)
    expected = python_outcome(same_constant, (x, n))
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)))
    assert_outcomes(evaluate(after, (x, n)), expected)
    assert_outcomes(python_outcome(myia.jit(same_constant), (x, n)), expected)


@SETTINGS
@given(
    x=FLOATS, n=COUNTS, case=st.sampled_from([(powers, "geometric"), (signed_zeros, "scaled_sum")])
)
def test_different_constants_are_not_propagated(x, n, case):
    fn, callee = case
    before, after, opt = cached_pair(fn, (x, n))
    assert opt.counts.get(REWRITE, 0) == 0, opt.counts
    assert _parameters(after, callee) == [3], str(after)
    expected = python_outcome(fn, (x, n))
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)))
    assert_outcomes(evaluate(after, (x, n)), expected)
    assert_outcomes(python_outcome(myia.jit(fn), (x, n)), expected)


@SETTINGS
@given(x=st.floats(-1.5, 1.5), n=COUNTS)
def test_the_seed_of_a_forward_gradient_is_propagated_down_a_recursion(x, n):
    before = gradient_of(rec_pow, (x, n), 0, False, False, optimized=False)
    after = gradient_of(rec_pow, (x, n), 0, False, False, optimized=False)
    opt = Optimizer(after, adjoint=True)
    opt.run()
    assert opt.counts.get(REWRITE, 0) >= 1, opt.counts
    assert _parameters(before, "jvp:rec_pow") == [3]
    assert _parameters(after, "jvp:rec_pow") == [2], str(after)
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)), rtol=1e-12)
    got = myia.grad(rec_pow)(x, n)
    assert np.isclose(got, n * x ** (n - 1), rtol=1e-9, atol=1e-12)
    assert np.isclose(got, fd_gradient(rec_pow, (x, n), 0), rtol=1e-5, atol=1e-6)
    assert "d_x" not in myia.source(myia.grad(rec_pow), x, n)
