"""Loop-invariant array operations are computed once, before the loop (`opt/invariants`):
the generated code shows it, and every result is the Python function's, for loops that
run no iteration too; scalar operations (which may raise on Python floats) stay."""

from __future__ import annotations

import numpy as np
import pytest

import myia
from myia.testing import check_grads


def _code(fn, *args) -> list[str]:
    return [line.split("#")[0] for line in myia.source(fn, *args).splitlines()]


def _before_loop(code: list[str], text: str) -> bool:
    loop = next(k for k, line in enumerate(code) if line.strip().startswith(("for ", "while ")))
    return any(text in line for line in code[:loop]) and not any(
        text in line for line in code[loop:]
    )


def weighted_sum(w, x, n):
    acc = np.zeros(w.shape[0])
    for i in range(n):
        acc = acc + np.tanh(w @ x) * i
    return acc


def summed(w, x, n):
    return np.sum(weighted_sum(w, x, n))


def nested(w, x, n):
    acc = np.zeros(w.shape[0])
    for i in range(n):
        y = w @ x * (i + 1.0)
        for _j in range(n):
            acc = acc + np.sin(y) + np.cos(w @ x)
    return acc


def scalar_ratio(a, b, n):
    s = 0.0
    for _i in range(n):
        s = s + a / b
    return s


W = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
X = np.array([0.3, -0.2, 0.5])


@pytest.mark.parametrize("n", [0, 1, 5])
def test_an_invariant_is_computed_once_before_the_loop(n):
    assert _before_loop(_code(weighted_sum, W, X, n), "np.tanh(")
    np.testing.assert_allclose(myia.jit(weighted_sum)(W, X, n), weighted_sum(W, X, n), rtol=1e-13)
    check_grads(summed, (W, X, n))  # its gradient, whose loops move invariants out too


@pytest.mark.parametrize("n", [0, 3])
def test_nested_loops(n):
    code = _code(nested, W, X, n)
    assert _before_loop(code, "np.cos(")  # invariant in both loops: out of both
    np.testing.assert_allclose(myia.jit(nested)(W, X, n), nested(W, X, n), rtol=1e-13)


def test_a_scalar_operation_stays_in_a_loop_that_runs_no_iteration():
    assert myia.jit(scalar_ratio)(1.0, 0.0, 0) == 0.0  # Python: no division, no error
    with pytest.raises(ZeroDivisionError):
        myia.jit(scalar_ratio)(1.0, 0.0, 2)
