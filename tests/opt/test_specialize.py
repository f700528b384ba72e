"""Specialization on the ints that steer recursion (`myia.opt.specialize`): which
arguments are pinned, the unrolled programs, and their values."""

from __future__ import annotations

import math
import re

import pytest

import myia
from myia.backend.vm import run_graph
from myia.infer import AScalar
from myia.ir import Constant, Graph, clone
from myia.ir.manager import Manager
from myia.opt.pipeline import Optimizer
from myia.opt.specialize import UNROLL_MAX, steering_params
from myia.testing import check_grads


def rpow(x, n):
    return 1.0 if n == 0 else x * rpow(x, n - 1)


def rfib(x, n):
    if n < 2:
        return x
    return rfib(x, n - 1) + math.sin(rfib(x, n - 2))


def loop_pow(x, n):
    r = 1.0
    for _ in range(n):
        r = r * x
    return r


def scale(x, k):
    return x * k


def _defs(text) -> int:
    """How many functions a generated module defines."""
    return len(re.findall(r"^\s*def ", str(text), re.M))


def _calls_graphs(g: Graph) -> bool:
    """Whether the program calls a graph (anything not inlined)."""
    mng = Manager(g)
    return any(isinstance(n, Constant) and isinstance(n.value, Graph) for n in mng.all_nodes)


def test_the_ints_a_recursion_tests_are_the_steering_ones():
    assert steering_params(myia.ir(rpow)) == (1,)
    assert steering_params(myia.ir(rfib)) == (1,)
    assert steering_params(myia.ir(loop_pow)) == ()  # a loop, not recursion
    assert steering_params(myia.ir(scale)) == ()
    assert steering_params(myia.ir(myia.grad(rpow))) == (1,)


@pytest.mark.parametrize("fn", [rpow, rfib])
def test_a_known_int_unrolls_the_recursion(fn):
    g = clone(myia.ir(fn), total=True)
    out = Optimizer(g, args=(AScalar(float), AScalar(int, 6))).run()
    assert not _calls_graphs(out), str(out)
    for x in (0.3, -1.2):
        assert run_graph(out, (x, 6)) == pytest.approx(fn(x, 6))


def test_compiled_code_is_specialized_per_value():
    g = myia.grad(rpow)
    for n in (0, 3, 7):
        assert g(1.1, n) == pytest.approx(n * 1.1 ** (n - 1) if n else 0.0)
    assert g.compilations == 3
    g(2.0, 3)
    assert g.compilations == 3
    assert _defs(myia.source(g, 1.1, 7)) == 1
    big = UNROLL_MAX + 36
    assert g(1.01, big) == pytest.approx(big * 1.01 ** (big - 1))
    g(1.01, big + 1)
    assert g.compilations == 4  # one program serves every value beyond the limit
    assert g(1.01, big + 1) == pytest.approx((big + 1) * 1.01**big)


def test_jit_of_a_recursive_function_unrolls():
    f = myia.jit(rfib)
    assert f(0.7, 5) == pytest.approx(rfib(0.7, 5))
    text = myia.source(f, 0.7, 5)
    assert _defs(text) == 1, text


@pytest.mark.parametrize("n", [0, 1, 4])
def test_unrolled_gradients_match_finite_differences(n):
    check_grads(rfib, (0.6, n), order=2)
    check_grads(rpow, (1.3, n), order=2)
