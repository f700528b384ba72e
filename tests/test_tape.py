"""Loops of gradient programs on tapes (`myia.ad.tape`): each pass keeps the values the
reference evaluator computes, compiled gradients match finite differences, and a rewritten
loop's iterations make no closures."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import myia
from myia.ad.tape import flatten_tuple_params, tape_loops, version_on_zero_tests
from myia.ad.wrappers import grad_graph
from myia.api import _graph_of, signature_abstract
from myia.backend.vm import run_graph
from myia.infer import infer
from myia.ir import Constant, Graph
from myia.opt.pipeline import Optimizer, optimize
from myia.testing import check_grads
from tests.backend.test_numpy_backend import poly_loop as while_poly


def for_poly(x, n):
    for _ in range(n):
        x = x * 0.9 + math.sin(x) * 0.1
    return x


def two_states(x, y, n):
    for _ in range(n):
        x, y = y * 0.5 + x, math.sin(x) * y
    return x * y


def matrix_steps(w, h, n):
    for _ in range(n):
        h = np.tanh(h @ w + 0.1)
    return np.sum(h * h)


def helper(v, c):
    return math.exp(-v * v) * c + v


def calls_in_body(x, c, n):
    for _ in range(n):
        x = helper(x, c) * 0.5
    return x


def closure_in_body(x, c, n):
    for _ in range(n):

        def scale(v):
            return v * c + x

        x = scale(math.cos(x))
    return x


def nested_loops(x, n):
    for i in range(n):
        for _ in range(i):
            x = x * 0.95 + math.sin(x) * 0.05
        x = x + 0.01
    return x


def branch_in_body(x, n):
    for _ in range(n):
        if x > 0.5:
            x = x * 0.8
        else:
            x = x + math.sin(x)
    return x


def loop_with_break(x, n):
    i = 0
    while i < n:
        x = x * 1.1 + 0.1
        if x > 3.0:
            break
        i = i + 1
    return x


PROGRAMS = [
    (while_poly, (0.7, 25), True),
    (for_poly, (1.3, 30), True),
    (for_poly, (1.3, 0), True),
    (two_states, (0.4, 0.9, 12), True),
    (matrix_steps, (np.linspace(-0.5, 0.5, 9).reshape(3, 3), np.linspace(0.1, 0.3, 3), 6), True),
    (calls_in_body, (0.3, 1.7, 10), True),
    (closure_in_body, (0.2, 0.6, 8), True),
    (nested_loops, (0.5, 6), True),
    (branch_in_body, (0.3, 9), False),
    (loop_with_break, (0.2, 40), False),
]
IDS = [f"{fn.__name__}-{args[-1]}" for fn, args, _ in PROGRAMS]


def _float_args(args) -> tuple[int, ...]:
    return tuple(i for i, a in enumerate(args) if not isinstance(a, int))


def _close(a, b) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_close, a, b))
    return np.allclose(a, b, rtol=1e-12, atol=1e-14)


def _uses(graph: Graph, name: str) -> bool:
    from myia.ir.manager import Manager

    mng = Manager(graph)
    return any(
        isinstance(n, Constant) and getattr(n.value, "name", None) == name for n in mng.all_nodes
    )


@pytest.mark.parametrize("fn, args, taped", PROGRAMS, ids=IDS)
def test_each_pass_keeps_the_values(fn, args, taped):
    primal = _graph_of(fn)
    abstract = signature_abstract(args)
    g = optimize(grad_graph(primal, _float_args(args), False, True, infer(primal, abstract)), args=abstract)
    expected = run_graph(g, args)
    assert tape_loops(g) is taped
    assert _close(run_graph(g, args), expected)
    if not taped:
        return
    assert _uses(g, "tape_push")
    Optimizer(g, args=abstract).run()
    assert _close(run_graph(g, args), expected)
    assert flatten_tuple_params(g)
    assert _close(run_graph(g, args), expected)
    Optimizer(g, args=abstract).run()
    assert _close(run_graph(g, args), expected)
    version_on_zero_tests(g)
    assert _close(run_graph(g, args), expected)
    Optimizer(g, args=abstract).run()
    assert _close(run_graph(g, args), expected)


@pytest.mark.parametrize("fn, args, taped", PROGRAMS, ids=IDS)
def test_gradients_match_finite_differences(fn, args, taped):
    check_grads(fn, args, argnums=_float_args(args))
    check_grads(fn, args, argnums=_float_args(args), order=2)


def _loop_body(source: str, function: str) -> str:
    """The lines of the first loop (`while` or `for`) of the generated `function`."""
    lines = source[source.index(f"def {function}"):].splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.lstrip().startswith(("while True", "for ")))
    indent = len(lines[i]) - len(lines[i].lstrip())
    body = []
    for ln in lines[i + 1:]:
        if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
            break
        body.append(ln)
    return "\n".join(body)


def test_iterations_make_no_closures():
    source = str(myia.source(myia.grad(while_poly), 1.0, 3))
    forward = _loop_body(source, "J_poly_loop_while_header")
    assert ".append(" in forward
    assert "def " not in forward and "lambda" not in forward


def test_tape_is_fresh_for_each_call():
    g = myia.value_and_grad(for_poly)
    first = g(0.5, 20)
    assert g(0.5, 20) == first
    assert g(0.5, 3) == myia.value_and_grad(for_poly, optimize=False)(0.5, 3)


def loop_as_aux(x, n):
    y = x
    for _ in range(n):
        y = y * math.cos(y)
    return x * 2.0, y  # the loop's result is not differentiated: its sensitivity is ZERO


def _backward_loops(source: str) -> list[str]:
    """The bodies of the loops over a tape (`for j in range(i - k, -1, -k):`)."""
    lines = source.splitlines()
    bodies = []
    for n, line in enumerate(lines):
        if re.match(r"\s*for \w+ in range\(\w+ - \d+, -1, -\d+\):", line):
            indent = len(line) - len(line.lstrip())
            body = []
            for ln in lines[n + 1:]:
                if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
                    break
                body.append(ln)
            bodies.append("\n".join(body))
    return bodies


def test_backward_loops_without_zero_tests_when_the_sensitivity_is_not_zero():
    source = str(myia.source(myia.grad(for_poly), 0.7, 4))
    bodies = _backward_loops(source)
    assert len(bodies) == 2, source  # the loop with its ZERO tests, and the one without
    assert sum("is zero" in b for b in bodies) == 1, source
    fast = next(b for b in bodies if "is zero" not in b)
    # One statement, as written by hand: the sensitivity factored out, the constants the
    # loop carries (its other sensitivities) set after it, the tape read inside.
    assert len(fast.strip().splitlines()) == 1 and "* (0.1 * math.cos(" in fast, fast
    check_grads(for_poly, (0.7, 4), argnums=0)


def test_a_loop_whose_sensitivity_is_zero_takes_the_tested_version():
    (value, aux), g = myia.value_and_grad(loop_as_aux, has_aux=True)(0.7, 5)
    assert value == 1.4 and g == 2.0 and type(g) is float
    assert aux == pytest.approx(loop_as_aux(0.7, 5)[1])
