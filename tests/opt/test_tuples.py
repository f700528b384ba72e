"""A tuple rebuilt from all its items, in order, is the tuple (`make_tuple`'s simplification):
the variables an `if` statement assigns and the function returns as they are leave the
branches directly, and the code returns in each branch. Each program evaluates the same
before and after the optimizer (the reference evaluator, on Hypothesis' inputs) and as
Python does; the rewrite fires where it should and not where the items are reordered."""

from __future__ import annotations

import ast

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.ir.manager import Manager
from myia.prim.registry import REGISTRY
from tests.ad.fd import fd_gradient
from tests.opt.oracle import assert_outcomes, cached_pair, evaluate, python_outcome

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FLOATS = st.floats(-1e3, 1e3, allow_nan=False)
REWRITE = "make_tuple.simplify"


def pair_from_if(x, c):
    if c > 0.0:
        a = x * 2.0
        b = x + 1.0
    else:
        a = x * 3.0
        b = x - 1.0
    return a, b


def swapped_from_if(x, c):
    if c > 0.0:
        a = x * 2.0
        b = x + 1.0
    else:
        a = x * 3.0
        b = x - 1.0
    return b, a


def fib_poly(x, n):
    # Two calls of itself: a recursion that stays one (a linear one becomes loops).
    if n < 2:
        r = x
    else:
        r = fib_poly(x, n - 1) + x * fib_poly(x, n - 2)
    return r


def _tuples_of_items(g) -> int:
    """How many `make_tuple(getitem(t, 0), ..., getitem(t, n - 1))` the program holds."""
    make_tuple, getitem = REGISTRY.lookup("make_tuple"), REGISTRY.lookup("getitem")
    count = 0
    for n in Manager(g).all_nodes:
        if n.is_apply(make_tuple) and len(n.inputs) > 1:
            items = n.inputs[1:]
            if all(x.is_apply(getitem) and x.inputs[1] is items[0].inputs[1] for x in items):
                count += 1
    return count


def _returns_in_both_branches(text: str, name: str) -> bool:
    fn = next(
        n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef) and n.name == name
    )
    ifs = [s for s in fn.body if isinstance(s, ast.If)]
    return bool(ifs) and all(
        isinstance(branch[-1], ast.Return) for s in ifs for branch in (s.body, s.orelse)
    )


@SETTINGS
@given(x=FLOATS, c=st.sampled_from([-1.0, 0.0, 2.0]))
def test_the_variables_an_if_returns_leave_its_branches(x, c):
    before, after, opt = cached_pair(pair_from_if, (x, c))
    assert opt.counts.get(REWRITE, 0) >= 1, opt.counts
    assert _tuples_of_items(after) == 0, str(after)
    expected = python_outcome(pair_from_if, (x, c))
    assert_outcomes(evaluate(after, (x, c)), evaluate(before, (x, c)))
    assert_outcomes(evaluate(after, (x, c)), expected)
    assert_outcomes(python_outcome(myia.jit(pair_from_if), (x, c)), expected)


@SETTINGS
@given(x=FLOATS, c=st.sampled_from([-1.0, 0.0, 2.0]))
def test_items_in_another_order_are_a_new_tuple(x, c):
    before, after, opt = cached_pair(swapped_from_if, (x, c))
    assert opt.counts.get(REWRITE, 0) == 0, opt.counts
    expected = python_outcome(swapped_from_if, (x, c))
    assert_outcomes(evaluate(after, (x, c)), evaluate(before, (x, c)))
    assert_outcomes(evaluate(after, (x, c)), expected)
    assert_outcomes(python_outcome(myia.jit(swapped_from_if), (x, c)), expected)


def test_the_code_returns_in_each_branch():
    text = myia.source(myia.jit(pair_from_if), 1.5, 2.0)
    assert _returns_in_both_branches(text, "pair_from_if"), text


@SETTINGS
@given(x=st.floats(-1.5, 1.5), n=st.integers(9, 14))
def test_gradient_of_a_recursion_returns_in_each_branch(x, n):
    # from n = 9 on, the recursion is not unrolled when compiling (`UNROLL_DEPTH`)
    g = myia.grad(fib_poly)
    got = g(x, n)
    assert np.isclose(got, fd_gradient(fib_poly, (x, n), 0), rtol=1e-5, atol=1e-6)
    text = myia.source(g, x, n)
    assert _returns_in_both_branches(text, "fib_poly"), text
