"""Gradients of the shared corpus (tests/corpus/) and of random programs.

This file owns the first-order gradient check (`check_grads`, central finite differences)
of every corpus case marked `grad=True`, and Hypothesis tests that differentiate the
random programs of tests/random_programs.py (`programs()`) once and twice and compare
with finite differences of the Python function. When the corpus is missing (or has no `CASES`),
its tests are skipped. Cases that fail because of a bug in myia are listed
in `GRAD_KNOWN_FAILURES` and run as strict xfails, so a fix shows up as an XPASS.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import myia
from myia.testing import check_grads
from tests.differential import fd_directional, locally_smooth, off_boundaries, second_difference
from tests.random_programs import load_function, programs
from tests.test_corpus import REFUSED

try:
    from tests import corpus as _corpus
except ImportError as e:  # the corpus is written by another engineer
    _corpus, _CORPUS_MISSING = None, f"tests/corpus cannot be imported: {e}"
else:
    _CORPUS_MISSING = None if getattr(_corpus, "CASES", None) else "tests/corpus has no CASES"


# Function name -> the myia bug that makes its gradient check fail (one line).
GRAD_KNOWN_FAILURES: dict[str, str] = {}


def _grad_cases():
    if _CORPUS_MISSING:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=_CORPUS_MISSING))]
    params = []
    for i, case in enumerate(_corpus.CASES):
        if not getattr(case, "grad", False):
            continue
        name = case.fn.__name__
        if name in REFUSED:
            continue  # refused on purpose, checked in test_corpus.py
        marks = []
        if name in GRAD_KNOWN_FAILURES:
            marks.append(
                pytest.mark.xfail(strict=True, reason=f"myia bug: {GRAD_KNOWN_FAILURES[name]}")
            )
        params.append(pytest.param(case.fn, tuple(case.args), id=f"{name}-{i}", marks=marks))
    return params


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("fn, args", _grad_cases())
def test_corpus_gradient(fn, args):
    check_grads(fn, args, order=1)


# Random programs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grad_program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("grad_random_programs")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
def test_random_program_gradient(grad_program_dir, data):
    source, fn_name, arg_strategy = data.draw(programs(max_depth=2), label="program")
    fn = load_function(source, fn_name, grad_program_dir)
    args = off_boundaries(data.draw(arg_strategy, label="args"))
    nums = tuple(i for i, a in enumerate(args) if isinstance(a, float))
    rng = np.random.default_rng(0)
    v = [float(rng.standard_normal()) for _ in nums]
    assume(locally_smooth(fn, args, nums, v))
    val, grads = myia.value_and_grad(fn, argnums=nums)(*args)
    assert val == pytest.approx(fn(*args), rel=1e-12, abs=1e-12), source
    assert all(type(g) is float for g in grads), f"{[type(g) for g in grads]}\n{source}"
    an = sum(g * d for g, d in zip(grads, v))
    fd = fd_directional(fn, args, nums, v, 1e-6)
    assert abs(an - fd) <= 1e-5 + 1e-4 * abs(fd), (
        f"myia (vjp . v): {an!r}, finite differences: {fd!r} at {args}\n{source}"
    )


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
def test_random_program_second_derivative(grad_program_dir, data):
    source, fn_name, arg_strategy = data.draw(programs(max_depth=2), label="program")
    fn = load_function(source, fn_name, grad_program_dir)
    args = off_boundaries(data.draw(arg_strategy, label="args"))
    i = data.draw(st.integers(0, len(args) - 2), label="argnum")
    coarse = second_difference(fn, args, i, 1e-3)
    fd = second_difference(fn, args, i, 1e-4)
    # No kink of the first derivative (branch switch, clip) near the point.
    assume(math.isfinite(fd) and abs(coarse - fd) <= 1e-4 + 1e-3 * abs(fd))
    d2 = myia.grad(myia.grad(fn, argnums=i), argnums=i)(*args)
    assert type(d2) is float, f"{type(d2)}\n{source}"
    assert abs(d2 - fd) <= 1e-4 + 1e-3 * abs(fd), (
        f"myia: {d2!r}, finite differences: {fd!r} for argument {i} at {args}\n{source}"
    )
