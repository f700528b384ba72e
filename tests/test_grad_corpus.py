"""Gradients of the shared corpus (tests/corpus.py) and of random programs.

This file owns the first-order gradient check (`check_grads`, central finite differences)
of every corpus case marked `grad=True`, and a Hypothesis test that differentiates the
random programs of tests/test_random_programs.py (`programs()`) and compares with finite
differences of the Python function. When either module is missing (or has no `CASES` /
`programs` yet), its tests are skipped. Cases that fail because of a bug in myia are listed
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

try:
    from tests import corpus as _corpus
except ImportError as e:  # the corpus is written by another engineer
    _corpus, _CORPUS_MISSING = None, f"tests/corpus.py cannot be imported: {e}"
else:
    _CORPUS_MISSING = None if getattr(_corpus, "CASES", None) else "tests/corpus.py has no CASES"

try:
    from tests.test_random_programs import load_function, programs
except ImportError as e:
    programs = load_function = None
    _PROGRAMS_MISSING = f"tests/test_random_programs.py offers no programs(): {e}"
else:
    _PROGRAMS_MISSING = None


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


def _fd_directional(fn, args, nums, v, eps):
    xs = list(args)
    for k, i in enumerate(nums):
        xs[i] = args[i] + eps * v[k]
    up = fn(*xs)
    for k, i in enumerate(nums):
        xs[i] = args[i] - eps * v[k]
    return (up - fn(*xs)) / (2 * eps)


def _locally_smooth(fn, args, nums, v) -> bool:
    """Finite differences at two step sizes agree: no branch switch, clip or kink near
    `args` (random programs branch on their inputs, so a few points sit on a boundary)."""
    a = _fd_directional(fn, args, nums, v, 1e-4)
    b = _fd_directional(fn, args, nums, v, 1e-6)
    return math.isfinite(a) and abs(a - b) <= 1e-5 + 1e-4 * abs(a)


@pytest.fixture(scope="module")
def grad_program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("grad_random_programs")


@pytest.mark.skipif(_PROGRAMS_MISSING is not None, reason=str(_PROGRAMS_MISSING))
@settings(
    max_examples=15,
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
    args = data.draw(arg_strategy, label="args")
    nums = tuple(i for i, a in enumerate(args) if isinstance(a, float))
    rng = np.random.default_rng(0)
    v = [float(rng.standard_normal()) for _ in nums]
    assume(_locally_smooth(fn, args, nums, v))
    val, grads = myia.value_and_grad(fn, argnums=nums)(*args)
    assert val == pytest.approx(fn(*args), rel=1e-12, abs=1e-12), source
    assert all(type(g) is float for g in grads), f"{[type(g) for g in grads]}\n{source}"
    an = sum(g * d for g, d in zip(grads, v))
    fd = _fd_directional(fn, args, nums, v, 1e-6)
    assert abs(an - fd) <= 1e-5 + 1e-4 * abs(fd), (
        f"myia (vjp . v): {an!r}, finite differences: {fd!r} at {args}\n{source}"
    )
