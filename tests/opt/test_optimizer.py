"""The optimizer as a whole: results unchanged, and each of its passes seen at work.

The sweep: every program of the corpus (tests/corpus/, all cases but those myia refuses
on purpose) is specialized twice for its arguments, one copy optimized; the reference
evaluator runs both and the results must be identical (type, value, bits), or both raise
the same exception. For the smooth corpus cases (`grad=True`, as tests/test_grad_corpus.py
differentiates them, with respect to every argument holding floats), the gradient program
unoptimized and optimized (`optimize(..., adjoint=True)`) give the same gradients up to
rounding (the adjoint-only rewrites reassociate constants). The whole corpus takes a few
seconds, so the sweep is not marked slow.

Then one test per pass, each showing on the graph that it happened and on random inputs
that values did not change: inlining (and what it leaves alone: recursion, loops), common
subexpression elimination, constant folding, the pruning of effects that cannot raise
(and the keeping of those that can). The reference evaluator does not run a graph's
effects (see tests/backend/test_vm.py), so the effect tests run the generated code.
The strict xfails are bugs, one reproducer each.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from myia.backend.compiled import compile_graph
from myia.ir.manager import Manager, cyclic_graphs
from myia.ir.nodes import Apply, Constant, Graph
from tests.corpus import CASES
from tests.opt.oracle import (
    assert_outcomes,
    cached_pair,
    corpus_params,
    evaluate,
    gradient_pair,
    python_outcome,
    typed_pair,
)

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True)


# The corpus sweep -------------------------------------------------------------------------


def _typed_nodes_untyped(g: Graph) -> list:
    mng = Manager(g)
    return [
        n
        for n in mng.all_nodes
        if isinstance(n, Apply) and n is not n.graph.return_ and n.abstract is None
    ]


@pytest.mark.parametrize("case", corpus_params(only_grad=False))
def test_corpus_program_unchanged_by_optimize(case):
    args = copy.deepcopy(case.args)
    before, after, _ = typed_pair(case.fn, args)
    assert not _typed_nodes_untyped(after), "a rewrite left an untyped node"
    expected = evaluate(before, case.args)
    assert_outcomes(evaluate(after, case.args), expected, what=f"{case.fn.__name__}\n{after}")


def _float_argnums(args) -> tuple[int, ...]:
    def has_float(x):
        if isinstance(x, (tuple, list)):
            return any(has_float(e) for e in x)
        if isinstance(x, dict):
            return any(has_float(e) for e in x.values())
        if isinstance(x, float):
            return True
        return isinstance(x, (np.ndarray, np.floating)) and np.asarray(x).dtype.kind == "f"

    return tuple(i for i, a in enumerate(args) if has_float(a))


@pytest.mark.parametrize("case", corpus_params(only_grad=True))
def test_corpus_gradient_unchanged_by_optimize(case):
    args = copy.deepcopy(case.args)
    nums = _float_argnums(args)
    before, after = gradient_pair(case.fn, args, nums)
    expected = evaluate(before, case.args)
    assert expected[0] == "ok", expected
    low = any(getattr(a, "dtype", None) == np.float32 for a in case.args)
    rtol, atol = (1e-5, 1e-6) if low else (1e-9, 1e-12)
    assert_outcomes(evaluate(after, case.args), expected, rtol, atol, case.fn.__name__)


# Inlining ---------------------------------------------------------------------------------


def _calls_of_graphs(g: Graph) -> list[Apply]:
    """The applications, in the graphs `g` reaches, whose callee is a graph constant."""
    mng = Manager(g)
    return [
        n
        for n in mng.all_nodes
        if isinstance(n, Apply)
        and isinstance(n.inputs[0], Constant)
        and isinstance(n.inputs[0].value, Graph)
    ]


def _prim_count(g: Graph, name: str) -> int:
    mng = Manager(g)
    return sum(
        1
        for n in mng.all_nodes
        if isinstance(n, Apply)
        and isinstance(n.inputs[0], Constant)
        and getattr(n.inputs[0].value, "name", None) == name
        and not isinstance(n.inputs[0].value, Graph)
    )


def affine(a):
    return a * 2.0 + 1.0


def scaled(k):
    def inner(v):
        return v * k

    return inner


def uses_helpers(x, y):
    h = scaled(y)
    return affine(x) * affine(x + y) + h(x)


@SETTINGS
@given(x=FLOATS, y=FLOATS)
def test_inlining_removes_calls_of_small_functions(x, y):
    before, after, opt = cached_pair(uses_helpers, (x, y))
    assert _calls_of_graphs(before), "the specialized program calls its helpers"
    assert opt.counts.get("inline", 0) >= 2, opt.counts
    assert not _calls_of_graphs(after), str(after)
    assert_outcomes(evaluate(after, (x, y)), evaluate(before, (x, y)), what=str(after))
    assert_outcomes(evaluate(before, (x, y)), python_outcome(uses_helpers, (x, y)))


def power(x, n):  # two calls of itself, so that it stays a recursion (infer/recursion.py)
    if n <= 0:
        return 1.0
    return x * power(x, n - 1) * power(x, n - n - 1)


def test_recursion_is_not_inlined():
    before, after, _ = typed_pair(power, (1.5, 4))
    assert any(c.inputs[0].value is after for c in _calls_of_graphs(after)), str(after)
    for n in range(0, 12):
        assert_outcomes(evaluate(after, (1.5, n)), evaluate(before, (1.5, n)))
        assert_outcomes(evaluate(after, (1.5, n)), python_outcome(power, (1.5, n)))


def running_sum(x, n):
    s = 0.0
    i = 0
    while i < n:
        s = s * 0.5 + x
        i = i + 1
    return s


def _loop_headers(g: Graph) -> set[Graph]:
    """Graphs that reach themselves through graph constants (loops, recursion)."""
    return cyclic_graphs(Manager(g))


@SETTINGS
@given(x=FLOATS, n=st.integers(-2, 30))
def test_loop_stays_a_loop(x, n):
    before, after, _ = cached_pair(running_sum, (x, n))
    assert _loop_headers(after), str(after)
    assert_outcomes(evaluate(after, (x, n)), evaluate(before, (x, n)))
    assert_outcomes(evaluate(after, (x, n)), python_outcome(running_sum, (x, n)))


# Common subexpressions --------------------------------------------------------------------


def repeated(x, y):
    return np.sin(x) * np.sin(x) + x * y + y * x


ARRAYS = hnp.arrays(np.float64, st.sampled_from([(3,), (2, 3)]), elements=FLOATS)


@SETTINGS
@given(x=st.one_of(FLOATS, ARRAYS), y=FLOATS)
def test_cse_merges_identical_and_commuted_applications(x, y):
    before, after, opt = cached_pair(repeated, (x, y))
    assert _prim_count(before, "sin") == 2 and _prim_count(before, "mul") == 3
    assert opt.counts.get("cse", 0) >= 2, opt.counts
    assert _prim_count(after, "sin") == 1, str(after)
    assert _prim_count(after, "mul") == 2, str(after)  # sin * sin, and x * y once
    assert_outcomes(evaluate(after, (x, y)), evaluate(before, (x, y)), what=str(after))
    assert_outcomes(evaluate(before, (x, y)), python_outcome(repeated, (x, y)))


# Constant folding -------------------------------------------------------------------------


def folded(x):
    return x * np.sum(np.arange(4.0)) + np.arange(3.0)


@SETTINGS
@given(x=st.one_of(FLOATS, hnp.arrays(np.float64, (3,), elements=FLOATS)))
def test_constant_folding(x):
    before, after, opt = cached_pair(folded, (x,))
    assert _prim_count(before, "arange") == 2
    assert opt.counts.get("fold", 0) >= 2, opt.counts
    assert _prim_count(after, "arange") == 0, str(after)
    consts = [
        n.value
        for n in Manager(after).all_nodes
        if isinstance(n, Constant) and isinstance(n.value, np.ndarray)
    ]
    assert any(np.array_equal(c, np.arange(3.0)) for c in consts), str(after)
    assert any(
        isinstance(n, Constant) and type(n.value) is np.float64 and n.value == 6.0
        for n in Manager(after).all_nodes
    ), str(after)
    assert_outcomes(evaluate(after, (x,)), evaluate(before, (x,)), what=str(after))
    assert_outcomes(evaluate(before, (x,)), python_outcome(folded, (x,)))


# Effects ----------------------------------------------------------------------------------


def unused_loop(x, n):
    i = 0
    s = 0.0
    while i < n:
        s = s + x
        i = i + 1
    return x * 2.0


def asserting_loop(x, n):
    i = 0
    while i < n:
        assert x < 10.0, "too big"
        i = i + 1
    return x * 2.0


def _effects(g: Graph) -> list:
    return list(g.return_.inputs[2:])


def _run_compiled(g: Graph, args):
    return python_outcome(compile_graph(g), args)


@SETTINGS
@given(x=FLOATS, n=st.integers(0, 5))
def test_effect_that_cannot_raise_is_pruned(x, n):
    before, after, _ = cached_pair(unused_loop, (x, n))
    assert _effects(before), "the loop is an effect of the specialized program"
    assert not _effects(after), str(after)
    assert not _loop_headers(after), "the loop is gone"
    expected = python_outcome(unused_loop, (x, n))
    assert_outcomes(_run_compiled(after, (x, n)), expected)
    assert_outcomes(_run_compiled(before, (x, n)), expected)
    assert_outcomes(evaluate(after, (x, n)), expected)


@pytest.mark.parametrize("x, n", [(1.0, 3), (20.0, 3), (20.0, 0)])
def test_effect_that_may_raise_is_kept(x, n):
    before, after, _ = typed_pair(asserting_loop, (x, n))
    assert _effects(after), str(after)
    expected = python_outcome(asserting_loop, (x, n))
    assert_outcomes(_run_compiled(after, (x, n)), expected)
    assert_outcomes(_run_compiled(before, (x, n)), expected)


def divide_statement(x, y):
    x / y
    return x * 2.0


def sqrt_statement(x, y):
    math.sqrt(x - y)
    return x * 2.0


def index_statement(x, y):
    (x, y)[int(y)]
    return x * 2.0


@pytest.mark.parametrize(
    "fn, args",
    [(divide_statement, (1.0, 0.0)), (sqrt_statement, (1.0, 2.0)), (index_statement, (1.0, 5.0))],
    ids=["truediv", "math.sqrt", "getitem"],
)
def test_statement_that_raises_in_python_is_kept(fn, args):
    before, after, _ = typed_pair(fn, args)
    expected = python_outcome(fn, args)
    assert expected[0] == "raise"
    assert_outcomes(_run_compiled(before, args), expected, what="before")
    assert_outcomes(_run_compiled(after, args), expected, what=str(after))


def assigned_division(x, y):
    t = x / y  # noqa: F841  (never read: Python still divides, and raises for y == 0)
    return x * 2.0


def augmented_division(x, y):
    s = x
    s /= y
    return x * 2.0


def unused_math_sin(x, y):
    s = math.sin(x * y)  # noqa: F841  (math.sin(inf) raises ValueError)
    return x * 2.0


def numpy_division(x, y):
    t = np.float64(x) / y  # noqa: F841  (a NumPy float divided by 0.0 is inf, with a warning)
    return x * 2.0


def unused_total_statements(x, y):
    a = x * y + 1.0  # noqa: F841
    b = np.exp(x) - y  # noqa: F841
    x / 2.0
    return x * 2.0


@pytest.mark.parametrize(
    "fn, args, error",
    [
        (assigned_division, (1.0, 0.0), ZeroDivisionError),
        (augmented_division, (1.0, 0.0), ZeroDivisionError),
        (unused_math_sin, (math.inf, 1.0), ValueError),
        (index_statement, (1.0, -3.0), IndexError),
    ],
    ids=["assigned", "augmented", "math.sin", "negative index"],
)
def test_unused_assignment_that_raises_in_python_is_kept(fn, args, error):
    before, after, _ = typed_pair(fn, args)
    assert python_outcome(fn, args)[0] == "raise"
    assert_outcomes(_run_compiled(after, args), python_outcome(fn, args), what=str(after))
    assert_outcomes(_run_compiled(after, (2.0, 1.0)), python_outcome(fn, (2.0, 1.0)))
    with pytest.raises(error):
        myia.jit(fn)(*args)


@SETTINGS
@given(x=FLOATS, y=FLOATS)
def test_unused_statements_that_cannot_raise_are_pruned(x, y):
    for fn in (numpy_division, unused_total_statements):
        before, after, _ = cached_pair(fn, (x, y))
        assert _effects(before), str(before)
        assert not _effects(after), str(after)
        with np.errstate(all="ignore"):
            expected = python_outcome(fn, (x, y))
            assert expected[0] == "ok"
            assert_outcomes(_run_compiled(after, (x, y)), expected)


def statement_sharing_the_result(x):
    (math.sin(x), 1.0 / x)
    return math.sin(x)


@pytest.mark.parametrize("x", [0.5, 0.0])
def test_statement_that_shares_the_result_runs_before_it(x):
    # The kept statement reads the value returned (one node after CSE): it is assigned
    # before the statement, not only written in the return.
    before, after, _ = typed_pair(statement_sharing_the_result, (x,))
    expected = python_outcome(statement_sharing_the_result, (x,))
    assert_outcomes(_run_compiled(after, (x,)), expected, what=str(after))
    assert_outcomes(python_outcome(myia.jit(statement_sharing_the_result), (x,)), expected)


def statement_sharing_an_if(x, y):
    if y > 0.0:
        if x > 1.0:
            r = x * 2.0
        else:
            r = x
        t = math.cos(r)  # noqa: F841  (the branch's result, read by a kept statement)
    else:
        r = y
    return r


@pytest.mark.parametrize("x, y", [(3.0, 1.0), (0.5, 1.0), (0.5, -1.0), (math.inf, 1.0)])
def test_statement_that_reads_the_if_returned_runs_after_it(x, y):
    expected = python_outcome(statement_sharing_an_if, (x, y))
    before, after, _ = typed_pair(statement_sharing_an_if, (x, y))
    assert_outcomes(_run_compiled(after, (x, y)), expected, what=str(after))
    assert_outcomes(python_outcome(myia.jit(statement_sharing_an_if), (x, y)), expected)


def if_with_assert(x):
    if x > 0.0:
        assert x < 10.0, "too big"
    return x


def test_if_statement_holding_an_assert_still_raises():
    assert python_outcome(if_with_assert, (20.0,))[0] == "raise"
    before, after, _ = typed_pair(if_with_assert, (20.0,))
    assert any(isinstance(e, Apply) for e in _effects(before)), str(before)
    with pytest.raises(AssertionError):
        myia.jit(if_with_assert)(20.0)


def checked(x):
    assert x < 10.0, "too big"
    return x


def unused_checked_call(x):
    y = checked(x)  # noqa: F841  (the value is not used; the assert still runs)
    return x * 2.0


def test_assigned_call_that_asserts_runs_though_its_value_is_unused():
    assert python_outcome(unused_checked_call, (20.0,))[0] == "raise"
    before, after, _ = typed_pair(unused_checked_call, (20.0,))
    assert_outcomes(_run_compiled(after, (20.0,)), python_outcome(unused_checked_call, (20.0,)))
    assert_outcomes(_run_compiled(after, (3.0,)), ("ok", 6.0))
    with pytest.raises(AssertionError):
        myia.grad(unused_checked_call)(20.0)


def unused_pure_call(x):
    y = np.sin(x)  # noqa: F841
    return x * 2.0


def test_assigned_call_that_cannot_raise_is_pruned():
    before, after, _ = typed_pair(unused_pure_call, (1.0,))
    assert _effects(before) and not _effects(after), str(after)
    assert "sin" not in str(after)


# CSE bugs ---------------------------------------------------------------------------------


def concat_both_ways(x, y):
    return (x + y, y + x)


@pytest.mark.parametrize("args", [((1.0,), (2.0, 3.0)), ([1.0], [2.0])], ids=["tuple", "list"])
def test_cse_keeps_concatenation_order(args):
    before, after, _ = typed_pair(concat_both_ways, args)
    assert_outcomes(evaluate(before, args), python_outcome(concat_both_ways, args))
    assert_outcomes(evaluate(after, args), evaluate(before, args), what=str(after))


def signed_zero_products(x):
    return np.arctan2(x * 0.0, -1.0) + np.arctan2(x * -0.0, -1.0)


def test_cse_keeps_signed_zero_constants_apart():
    before, after, _ = typed_pair(signed_zero_products, (1.0,))
    assert_outcomes(evaluate(before, (1.0,)), python_outcome(signed_zero_products, (1.0,)))
    assert_outcomes(evaluate(after, (1.0,)), evaluate(before, (1.0,)), what=str(after))


def test_corpus_has_programs_for_every_pass():
    """The sweep above exercises the passes tested one by one here (a guard against a
    corpus that no longer reaches them)."""
    counts: dict[str, int] = {}
    for name in ("higher_order_pass", "setitem_scalar", "tuple_unpack", "for_enumerate_tuple"):
        case = next(c for c in CASES if c.fn.__name__ == name)
        _, _, opt = typed_pair(case.fn, copy.deepcopy(case.args))
        for k, v in opt.counts.items():
            counts[k] = counts.get(k, 0) + v
    assert counts.get("inline") and counts.get("fold") and counts.get("cse"), counts
