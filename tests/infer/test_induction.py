"""Loops that only count, in closed form (`myia.infer.induction`): each program evaluates
the same before and after the rewrite (the reference evaluator, on Hypothesis' starts,
bounds and steps, negative ones included) and as Python does; the rewrite fires on the
loops that only count, for every comparison either way round and steps other than one,
and leaves the loops that do anything else; a recursion that never reaches its base case
raises `MyiaRecursionError` (a `RecursionError`) naming the user's line, found before its
loops run."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from benchmarks.peer_workloads import rec_pow
from myia.branches import is_loop
from myia.errors import MyiaRecursionError
from myia.infer.induction import count_loops
from myia.infer.monomorphize import specialize
from myia.ir.manager import Manager
from myia.pipeline import graph_of, signature_types
from tests.opt.oracle import evaluate, python_outcome

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
INTS = st.integers(-40, 40)
CAP = 1000  # iterations: past this a loop of these starts and bounds never ends


def ne_down2(n, c):
    k = 0
    while n != c:
        n = n - 2
        k = k + 1
    return k, n


def ne_up1(n, c):
    k = 3
    while c != n:
        n += 1
        k -= 2
    return k, n


def lt_up3(n, c):
    k = 5
    while n < c:
        n = n + 3
        k = k - 2
    return k, n


def le_up1(n, c):
    while n <= c:
        n += 1
    return n


def gt_down1(n, c):
    k = 0
    while n > c:
        n -= 1
        k += 7
    return k * 2 + n


def ge_down3(n, c):
    k = 0
    while c <= n:
        n = n - 3
        k = k + 1
    return k, n


def gt_up2(n, c):  # moving away: no iteration, or no end
    while n > c:
        n = n + 2
    return n


def eq_up1(n, c):
    k = 0
    while n == c:
        n = n + 1
        k = k + 1
    return k, n


def not_eq_down1(n, c):
    k = 0
    while not n == c:
        n = n - 1
        k = k + 1
    return k


COUNTING = [ne_down2, ne_up1, lt_up3, le_up1, gt_down1, ge_down3, gt_up2, eq_up1, not_eq_down1]


# Loops that do something else: they stay loops.


def accumulates(n, c):
    s = 0.0
    while n > c:
        n = n - 1
        s = s + 0.5
    return s


def halves(n, c):
    while n > c:
        n = n // 2
    return n


def moving_bound(n, c):
    while n > c:
        n = n - 1
        c = c + 1
    return n, c


def asserts(n, c):
    while n > c:
        n = n - 1
        assert n != 7, "seven"
    return n


def float_counter(n, c):
    x = 0.0
    while x < c:
        x = x + 1.0
    return x


def for_range(n, c):  # (`_` is carried: the counter's value before the step, not a step)
    k = c
    for _ in range(n):
        k = k + 2
    return k


STAYING = [accumulates, halves, moving_bound, asserts, float_counter, for_range]


def _ends(fn, n, c) -> bool:
    """Whether `fn(n, c)` ends (run as Python, with the step and the test of its loop)."""
    import sys

    count = [0]

    def trace(frame, event, arg):
        if event == "line" and frame.f_code is fn.__code__:
            count[0] += 1
            if count[0] > 4 * CAP:
                raise TimeoutError
        return trace

    sys.settrace(trace)
    try:
        fn(n, c)
    except TimeoutError:
        return False
    except AssertionError:
        return True
    finally:
        sys.settrace(None)
    return True


def _typed(fn, args):
    return specialize(graph_of(fn), signature_types(args, ()))


def _loops(graph) -> int:
    return sum(1 for g in Manager(graph).graphs if is_loop(g))


def _closed_forms(graph) -> int:
    return sum(1 for g in Manager(graph).graphs if g.name.startswith("counted:"))


@SETTINGS
@pytest.mark.parametrize("fn", COUNTING, ids=lambda f: f.__name__)
@given(n=INTS, c=INTS)
def test_a_counting_loop_is_its_closed_form(fn, n, c):
    before = _typed(fn, (n, c))
    after = count_loops(_typed(fn, (n, c)))
    assert _closed_forms(after) == 1
    if not _ends(fn, n, c):
        return  # (both would run forever: the closed form falls back on the loop)
    assert evaluate(after, (n, c)) == evaluate(before, (n, c)) == python_outcome(fn, (n, c))


@pytest.mark.parametrize("fn", COUNTING, ids=lambda f: f.__name__)
def test_a_counting_loop_that_may_not_end_keeps_its_loop_for_that(fn):
    after = count_loops(_typed(fn, (1, 1)))
    always = fn in (lt_up3, le_up1, gt_down1, ge_down3, eq_up1)  # they always end
    assert _loops(after) == (0 if always else 1)


@SETTINGS
@pytest.mark.parametrize("fn", STAYING, ids=lambda f: f.__name__)
@given(n=INTS, c=INTS)
def test_a_loop_that_does_more_stays_a_loop(fn, n, c):
    after = count_loops(_typed(fn, (n, c)))
    assert _closed_forms(after) == 0 and _loops(after) == 1
    if _ends(fn, n, c):
        assert evaluate(after, (n, c)) == python_outcome(fn, (n, c))


def test_the_closed_form_in_compiled_code():
    src = myia.source(lt_up3, 9, 1)
    code = [line.split("#")[0] for line in src.splitlines()]
    assert not any("while" in c or "for " in c for c in code), src
    src = myia.source(ne_down2, 9, 1)  # the loop is left for the starts it never ends from
    code = "\n".join(line.split("#")[0] for line in src.splitlines())
    assert code.index("if ") < code.index("while "), src
    for n in range(-5, 20):
        assert myia.jit(lt_up3)(n, 1) == lt_up3(n, 1)
    for n in range(1, 20, 2):  # (from below 1, it never ends)
        assert myia.jit(ne_down2)(n, 1) == ne_down2(n, 1)


def rec_pow2(x, n):
    if n == 0:
        return 1.0
    return x * rec_pow2(x, n - 2) * x


def rec_down(x, n):
    if n <= 0:
        return x
    return np.sin(rec_down(x, n - 3)) * x


@pytest.mark.parametrize("fn,n", [(rec_pow, -1), (rec_pow, -30), (rec_pow2, 7), (rec_pow2, -2)])
@pytest.mark.parametrize("transform", [myia.jit, myia.grad], ids=["jit", "grad"])
def test_a_recursion_that_does_not_end_raises(fn, n, transform):
    with pytest.raises(RecursionError):
        fn(1.01, n)
    with pytest.raises(MyiaRecursionError) as info:
        transform(fn)(1.01, n)
    assert isinstance(info.value, RecursionError)
    text = str(info.value)
    assert f"`{fn.__name__}` does not end" in text and inspect.getsourcefile(fn) in text
    assert f"{fn.__name__}(x, n - " in text  # the user's line


@SETTINGS
@given(x=st.floats(0.5, 1.5), n=st.integers(-30, 60))
def test_recursions_that_count_are_right(x, n):
    assert myia.jit(rec_down)(x, n) == pytest.approx(rec_down(x, n), rel=1e-12)
    if n >= 0 and n % 2 == 0:
        assert myia.jit(rec_pow2)(x, n) == pytest.approx(x**n, rel=1e-12)
        assert myia.grad(rec_pow2)(x, n) == pytest.approx(n * x ** (n - 1), rel=1e-10)
    if n >= 0:
        assert myia.grad(myia.grad(rec_pow))(x, n) == pytest.approx(
            n * (n - 1) * x ** (n - 2), rel=1e-9
        )
    for fn in (rec_pow, rec_pow2, rec_down):
        assert "while True" not in myia.source(fn, x, 20)  # the descent is counted
