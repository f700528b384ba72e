"""The heavy suite (`pytest -m slow`): the whole corpus on every backend and optimizer setting.

This file owns the cross product that the default run samples: every case of tests/corpus/
through `myia.jit` on each backend with the optimizer on and off (value and type against
Python), every gradient case's gradient on each of them (against the default compile,
which tests/test_grad_corpus.py checks against finite differences), every gradient case
at second order (grad of grad against finite differences), and every gradient case
through forward mode (`jvp` along a random direction against the gradient dotted with
it). It runs in CI as the second test command (`.ci/run`), not in the default `pytest`.
"""

from __future__ import annotations

import copy
import importlib.util

import numpy as np
import pytest

import myia
from myia.api import BACKENDS
from myia.testing import check_grads
from tests.corpus import CASES
from tests.test_corpus import KNOWN_FAILURES, REFUSED, assert_same
from tests.test_grad_corpus import GRAD_KNOWN_FAILURES

pytestmark = pytest.mark.slow

SETTINGS = [
    pytest.param(
        backend,
        optimize,
        marks=pytest.mark.skipif(
            backend == "torch" and importlib.util.find_spec("torch") is None,
            reason="torch is not installed (the test extra installs it)",
        ),
    )
    for backend in BACKENDS
    for optimize in (True, False)
]


def _cases(grad_only: bool, known: dict[str, str]):
    out = []
    for i, case in enumerate(CASES):
        name = case.fn.__name__
        if name in REFUSED or (grad_only and not case.grad):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=known[name])] if name in known else []
        out.append(pytest.param(case, id=f"{name}-{i}", marks=marks))
    return out


def _float_argnums(args) -> tuple[int, ...]:
    def has_float(a):
        if isinstance(a, (tuple, list)):
            return any(has_float(x) for x in a)
        if isinstance(a, dict):
            return any(has_float(x) for x in a.values())
        return isinstance(a, float) or (
            isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype.kind == "f"
        )

    return tuple(i for i, a in enumerate(args) if has_float(a))


# torch sums float32 in another order than NumPy: its float32 results differ by an ulp.
_FLOAT32_TOL = {"torch": 1e-5}


def _assert_close(got, expected, where, float32_tol=1e-9):
    if isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected), where
        for k, (g, e) in enumerate(zip(got, expected)):
            _assert_close(g, e, f"{where}[{k}]", float32_tol)
    elif isinstance(expected, dict):
        assert list(got) == list(expected), where
        for k in expected:
            _assert_close(got[k], expected[k], f"{where}[{k!r}]", float32_tol)
    else:
        assert np.shape(got) == np.shape(expected), where
        rtol = float32_tol if np.asarray(expected).dtype == np.float32 else 1e-9
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12, err_msg=where)


@pytest.mark.parametrize("backend, optimize", SETTINGS)
@pytest.mark.parametrize("case", _cases(False, KNOWN_FAILURES))
def test_value_on_every_setting(case, backend, optimize):
    expected = case.fn(*copy.deepcopy(case.args))
    got = myia.jit(case.fn, backend=backend, optimize=optimize)(*copy.deepcopy(case.args))
    assert_same(got, expected, float32_tol=_FLOAT32_TOL.get(backend, 1e-12))


@pytest.mark.parametrize("backend, optimize", SETTINGS)
@pytest.mark.parametrize("case", _cases(True, GRAD_KNOWN_FAILURES))
def test_gradient_on_every_setting(case, backend, optimize):
    nums = _float_argnums(case.args)
    expected = myia.grad(case.fn, argnums=nums)(*copy.deepcopy(case.args))
    grad = myia.grad(case.fn, argnums=nums, backend=backend, optimize=optimize)
    where = f"{backend}, optimize={optimize}"
    _assert_close(grad(*copy.deepcopy(case.args)), expected, where, _FLOAT32_TOL.get(backend, 1e-9))


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("case", _cases(True, GRAD_KNOWN_FAILURES))
def test_second_order(case):
    check_grads(case.fn, case.args, order=2)


@pytest.mark.parametrize("case", _cases(True, GRAD_KNOWN_FAILURES))
def test_forward_mode_matches_gradient(case):
    nums = _float_argnums(case.args)
    rng = np.random.default_rng(3)

    def direction(a):
        """A random tangent of a float value (its structure, shape and dtype); None else."""
        if isinstance(a, (tuple, list)):
            return type(a)(direction(x) for x in a)
        if isinstance(a, dict):
            return {k: direction(v) for k, v in a.items()}
        if isinstance(a, float):
            return float(rng.standard_normal())
        if isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype.kind == "f":
            t = rng.standard_normal(np.shape(a)).astype(a.dtype)
            return t if isinstance(a, np.ndarray) else a.dtype.type(t)
        return None

    tangents = tuple(direction(a) for a in case.args)
    _, t_out = myia.jvp(case.fn, copy.deepcopy(case.args), tangents)
    grads = myia.grad(case.fn, argnums=nums)(*copy.deepcopy(case.args))

    def dot(g, t):
        if isinstance(g, (tuple, list)):
            return sum(dot(a, b) for a, b in zip(g, t))
        if isinstance(g, dict):
            return sum(dot(g[k], t[k]) for k in g)
        return float(np.sum(np.asarray(g, dtype=np.float64) * np.asarray(t, dtype=np.float64)))

    expected = dot([grads[k] for k in range(len(nums))], [tangents[i] for i in nums])
    single = any(np.asarray(t).dtype == np.float32 for t in _leaves(tangents))
    tol = 1e-3 if single else 1e-8
    assert abs(float(t_out) - expected) <= tol * (1 + abs(expected)), (t_out, expected)


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [x for t in tree for x in _leaves(t)]
    if isinstance(tree, dict):
        return [x for t in tree.values() for x in _leaves(t)]
    return [] if tree is None else [tree]
