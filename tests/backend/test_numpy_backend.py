"""The NumPy backend: the corpus on every backend and optimizer setting, loops without
recursion, errors pointing at user lines, the compile cache, and `myia.source`."""

from __future__ import annotations

import copy
import math
import sys

import numpy as np
import pytest

import myia
from myia.testing import check_grads
from tests.corpus import CASES
from tests.test_corpus import KNOWN_FAILURES, REFUSED, assert_same

SETTINGS = [("numpy", False), ("vm", True)]


def _cases():
    for i, case in enumerate(CASES):
        name = case.fn.__name__
        if name in REFUSED or name in KNOWN_FAILURES:
            continue
        yield pytest.param(case, id=f"{name}-{i}")


@pytest.mark.parametrize("backend, optimize", SETTINGS, ids=[f"{b}-opt{o}" for b, o in SETTINGS])
@pytest.mark.parametrize("case", list(_cases()))
def test_corpus_on_every_setting(case, backend, optimize):
    expected = case.fn(*copy.deepcopy(case.args))
    got = myia.jit(case.fn, backend=backend, optimize=optimize)(*copy.deepcopy(case.args))
    assert_same(got, expected)


def poly_loop(x, n):
    i = 0
    while i < n:
        x = x * 0.9 + math.sin(x) * 0.1
        i = i + 1
    return x


def test_million_iteration_loop_forward_runs_as_a_loop():
    limit = sys.getrecursionlimit()
    assert myia.jit(poly_loop)(1.0, 1_000_000) == poly_loop(1.0, 1_000_000)
    assert sys.getrecursionlimit() == limit
    assert "for i in range(i, n):" in myia.source(poly_loop, 1.0, 3)  # a counted loop


def count_from_float(x, n):
    i = 0.5
    while i < n:
        x = x * 0.9
        i = i + 1
    return x


def count_read_after(x, n):
    i = 0
    while i < n:
        x = x + 1.0
        i = i + 1
    return x * i


def count_by_two(x, n):
    i = 0
    while i < n:
        x = x + 1.0
        i = i + 2
    return x


def count_down_tape(x, n):
    for k in range(n):
        x = x * math.cos(x) + float(k)
    return x


@pytest.mark.parametrize("fn", [poly_loop, count_from_float, count_read_after, count_by_two, count_down_tape])
@pytest.mark.parametrize("n", [-2, 0, 1, 5])
def test_counted_loops_compute_what_while_loops_compute(fn, n):
    assert myia.jit(fn)(0.3, n) == fn(0.3, n)
    if fn is not count_read_after:
        dx = myia.grad(fn)(0.3, n)
        h = 1e-6
        assert dx == pytest.approx((fn(0.3 + h, n) - fn(0.3 - h, n)) / (2 * h), rel=1e-5, abs=1e-9)


def break_in_nested_ifs(x, n):
    v = x
    j = 0
    while j < n:
        j += 1
        v = v * 0.9
        if v > 0.2:
            if v * x > 0.3:
                break  # to the loop's exit, past the code after the outer `if`
        else:
            if v < -1.0:
                return v + 2.0
        k = 0
        while k < n:
            k += 1
            v = v + 0.01
    return v * x


@pytest.mark.parametrize("x", [0.5, 1.5, -0.5, -3.0])
def test_a_break_out_of_nested_ifs_skips_the_code_after_them(x):
    assert myia.jit(break_in_nested_ifs)(x, 4) == pytest.approx(break_in_nested_ifs(x, 4), rel=1e-12)
    check_grads(break_in_nested_ifs, (x, 4), argnums=0)


def log_on_its_own_line(x):
    y = math.log(x)
    return y * 2.0 + 1.0


def test_values_used_once_are_written_inside_expressions_on_their_line():
    jit_source = str(myia.source(poly_loop, 1.0, 3))
    assert "x = x * 0.9 + math.sin(x) * 0.1" in jit_source.replace("_2", ""), jit_source
    text = str(myia.source(log_on_its_own_line, 2.0))
    assert "= math.log(x)" in text, text  # another line: a statement of its own
    with pytest.raises(ValueError) as info:
        myia.jit(log_on_its_own_line)(-1.0)
    assert "y = math.log(x)" in "".join(getattr(info.value, "__notes__", [])), info.value


def test_which_loops_are_for_loops():
    def text(fn, *args):
        return str(myia.source(fn, *args))

    assert "for i in range(i, n):" in text(poly_loop, 1.0, 3)
    for fn in (count_from_float, count_read_after, count_by_two):  # a float, i read after, a step of 2
        assert "while True" in text(fn, 1.0, 3), text(fn, 1.0, 3)
    backward = text(myia.grad(count_down_tape), 1.0, 3)
    assert "in range(i - 2, -1, -2):" in backward, backward  # the tape (2 values a step), backwards


def test_loop_gradient_runs_in_constant_stack():
    n = 20_000
    g = myia.grad(poly_loop)(1.0, n)
    h = 1e-6
    fd = (poly_loop(1.0 + h, n) - poly_loop(1.0 - h, n)) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-5, abs=1e-12)


def poly_loop_adjoint(x, n):
    """The gradient of `poly_loop` written by hand: the same operations, run backwards."""
    xs = []
    i = 0
    while i < n:
        xs.append(x)
        x = x * 0.9 + math.sin(x) * 0.1
        i = i + 1
    d = 1.0
    for v in reversed(xs):
        d = d * 0.1 * math.cos(v) + d * 0.9
    return d


def test_million_iteration_loop_gradient():
    n = 1_000_000
    limit = sys.getrecursionlimit()
    g = myia.grad(poly_loop)
    assert g(1.0, n) == pytest.approx(poly_loop_adjoint(1.0, n), rel=1e-9)
    assert g(0.3, 1000) == pytest.approx(poly_loop_adjoint(0.3, 1000), rel=1e-12)
    assert sys.getrecursionlimit() == limit


def fails_on_line(x):
    y = x * 2.0
    z = np.ones(3) @ np.ones(y)  # ERRLINE fails_on_line
    return z


def _errline(fn) -> int:
    import inspect

    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if "ERRLINE" in line)


@pytest.mark.parametrize("make", [myia.jit, myia.grad], ids=["jit", "grad"])
def test_runtime_error_names_the_user_line(make):
    with pytest.raises(Exception) as info:
        make(fails_on_line)(2.0)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert f"{__file__}:{_errline(fails_on_line)}" in notes


def two_scalars(x, y):
    return x * y + 1.0


def test_cache_hits_do_not_recompile():
    f = myia.jit(two_scalars)
    f(1.0, 2.0)
    f(3.0, 4.0)
    assert f.compilations == 1
    f(np.ones(3), 2.0)
    f(np.zeros(3), 5.0)
    assert f.compilations == 2
    f(np.ones(4), 2.0)
    assert f.compilations == 3
    g = myia.grad(two_scalars, argnums=(0, 1))
    assert g(2.0, 3.0) == (3.0, 2.0)
    assert g(5.0, 7.0) == (7.0, 5.0)
    assert g.compilations == 1


@pytest.mark.parametrize(
    "make",
    [myia.jit, myia.grad, myia.value_and_grad],
    ids=["jit", "grad", "value_and_grad"],
)
def test_source_of_each_api_function(make):
    text = myia.source(make(poly_loop), 1.0, 3)
    compile(text, "<source>", "exec")
    assert "def " in text and "import" not in text
    assert "math.sin(x" in text  # user names and the math call appear as written
    assert "# line " in text  # statements point back at the user's lines


def test_generated_code_uses_operators_and_numpy_directly():
    def mlp(w, x):
        return np.sum(np.tanh(x @ w))

    text = myia.source(mlp, np.ones((3, 2)), np.ones((4, 3)))
    assert "x @ w" in text and "np.tanh(" in text
