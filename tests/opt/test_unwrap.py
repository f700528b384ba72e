"""Results of one live item (`myia.opt.unwrap`): the tuple around the one item callers
read is gone. Each program evaluates the same before and after the optimizer (the
reference evaluator, on Hypothesis' inputs), and the rewrite fired."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.opt.optimize import Optimizer
from myia.pipeline import gradient_of
from tests.opt.oracle import assert_outcomes, evaluate, typed_pair

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REWRITE = "one live item"


# The recursions here call themselves twice (the second call returns at once), so that they
# stay recursions: a linear one is written as loops (infer/recursion.py).


def rpow(x, s, n):
    if n <= 0:
        r = s
    else:
        r = x * rpow(x, s, n - 1) + 0.0 * rpow(x, s, n - n - 1)
    return r


def if_assigns_one(x, y):
    if x > y:
        r = np.sin(x) * y
    else:
        r = x - y
    return r * 2.0


def halves(x, n):
    if n <= 0:
        return (x, n)
    return (halves(x * 0.5, n - 1)[0] + x + halves(x, n - n - 1)[0] * 0.0, n)


def reads_one(x, n):
    return halves(x, n)[0] + 1.0


def _gradient_pair(fn, args):
    before = gradient_of(fn, args, 0, False, False, optimized=False)
    after = gradient_of(fn, args, 0, False, False, optimized=False)
    opt = Optimizer(after, adjoint=True)
    opt.run()
    return before, after, opt


@SETTINGS
@given(x=st.floats(-2.0, 2.0), n=st.integers(9, 30))
def test_recursive_backward_returns_the_sensitivity_itself(x, n):
    # Two float inputs (`s` too), so reverse mode: a backward recursion.
    args = (x, 1.5, n)
    before, after, opt = _gradient_pair(rpow, args)
    assert opt.counts.get(REWRITE, 0) >= 1, opt.counts
    assert_outcomes(evaluate(after, args), evaluate(before, args), None, 0.0, str(after))
    src = myia.source(myia.grad(rpow), *args)
    backward = src.split("def rpow_2")[1].split("def grad_rpow")[0]
    assert "None" not in backward and "return t" in backward, src


@SETTINGS
@given(x=st.floats(allow_nan=True), y=st.floats(allow_nan=True))
def test_if_statement_of_one_variable(x, y):
    before, after, opt = typed_pair(if_assigns_one, (x, y))
    assert opt.counts.get(REWRITE, 0) >= 1, opt.counts
    assert_outcomes(evaluate(after, (x, y)), evaluate(before, (x, y)), None, 0.0, str(after))


@SETTINGS
@given(x=st.floats(allow_nan=True), n=st.integers(9, 40))
def test_a_recursion_of_which_one_item_is_read(x, n):
    before, after, opt = typed_pair(reads_one, (x, n))
    assert opt.counts.get(REWRITE, 0) >= 1, opt.counts
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)), None, 0.0, str(after))
    assert "make_tuple" not in str(after), str(after)


def assigns_two_in_an_if_not_taken(x0, x1):
    v0 = x0 * 0.5
    if x0 <= 1.0:
        v1 = x0
    else:
        v1 = x0
        if x1 < x1:
            if x1 < v0:
                return 0.25
            v0, v1 = math.sin(x0 - 0.5), x1 * v1
    return (v0 - 1.0) * x1


@SETTINGS
@given(x0=st.floats(-3.0, 3.0), x1=st.floats(-2.0, 2.0))
def test_a_call_on_the_way_read_elsewhere_keeps_its_type(x0, x1):
    # Seed 807 of the differential run, reduced: in the second-order backward pass, a
    # branch returns an `if` of the enclosing graph that other branches read items of (a
    # free variable); unwrapping the result through it changed the type those reads saw
    # (the generated code indexed a float). The value is (x0 / 2 - 1) x1 for x0 > 1 (and
    # (x0 / 2 - 1) x1 too below): the derivative in x0 is x1 / 2, the second 0.
    fn = myia.grad(assigns_two_in_an_if_not_taken)
    args = (x0, x1)
    before, after, opt = _gradient_pair(fn, args)
    assert_outcomes(evaluate(after, args), evaluate(before, args), None, 0.0, str(after))
    assert evaluate(before, args) == ("ok", 0.0)
    assert myia.grad(fn)(*args) == 0.0
    assert fn(*args) == pytest.approx(0.5 * x1, abs=1e-12)


def loop_of_one_read_variable(x, n):
    r = 0.0
    i = 0
    while i < n:
        r = r + np.sin(x) * i
        i = i + 1
    return r


@SETTINGS
@given(x=st.floats(-3.0, 3.0), n=st.integers(-1, 12))
def test_a_loop_of_which_one_variable_is_read_returns_it(x, n):
    # The derivative's loop (forward mode: the tangent of `r` alone) returned the tuple of
    # its variables, None where dead, and the code after it took the item out again.
    args = (x, n)
    before, after, opt = _gradient_pair(loop_of_one_read_variable, args)
    assert opt.counts.get(REWRITE, 0) >= 1, opt.counts
    assert_outcomes(evaluate(after, args), evaluate(before, args), None, 0.0, str(after))
    assert "make_tuple" not in str(after), str(after)
    got = myia.grad(loop_of_one_read_variable)(*args)
    assert got == pytest.approx(math.cos(x) * sum(range(max(n, 0))), rel=1e-12, abs=1e-12)
    assert "None" not in myia.source(myia.grad(loop_of_one_read_variable), *args)
