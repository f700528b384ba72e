"""What the optimizer and backend suites share: programs made twice (one to keep as it is,
one to rewrite: `optimize` works in place), their evaluation by the reference evaluator,
and the comparison of results.

`identical(a, b)` is exact: same Python type, same value bit for bit where it matters
(signs of zeros, NaN where NaN), same shape and dtype, recursively. `close(a, b, rtol)` is
the same but for values equal up to rounding (the `adjoint_only` rewrites reassociate
constants). Evaluation returns `("ok", value)` or `("raise", exception type)`, so that a
rewrite that removes or adds an error is seen too.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np

from myia.backend.vm import run_graph
from myia.ir.nodes import Graph
from myia.opt.optimize import Optimizer
from myia.pipeline import gradient_of, typed_program


def evaluate(graph: Graph, args: tuple):
    """`("ok", value)` or `("raise", type)` of the reference evaluator on `args`."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return ("ok", run_graph(graph, copy.deepcopy(tuple(args))))
        except Exception as e:  # noqa: BLE001  (compared with the other side's outcome)
            return ("raise", type(e))


def python_outcome(fn, args: tuple):
    """`("ok", value)` or `("raise", type)` of `fn` (plain Python or compiled code) on
    `args`."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return ("ok", fn(*copy.deepcopy(tuple(args))))
        except Exception as e:  # noqa: BLE001
            return ("raise", type(e))


def typed_pair(fn, args: tuple, adjoint: bool = False):
    """The typed program of `fn` for `args`, twice: as specialized, and optimized (with
    the optimizer, whose `counts` say which rewrites fired)."""
    before = typed_program(fn, args, optimized=False)
    after = typed_program(fn, args, optimized=False)
    assert before is not after
    opt = Optimizer(after, adjoint)
    opt.run()
    return before, after, opt


_PAIRS: dict = {}


def cached_pair(fn, args: tuple, adjoint: bool = False):
    """`typed_pair`, made once per function and argument signature (Hypothesis draws many
    inputs of one signature)."""
    from myia.keys import signature

    key = (fn, adjoint, signature(tuple(args)))
    if key not in _PAIRS:
        _PAIRS[key] = typed_pair(fn, args, adjoint)
    return _PAIRS[key]


def gradient_pair(fn, args: tuple, argnums):
    """The gradient program of `fn` for `args`, unoptimized and optimized."""
    before = gradient_of(fn, args, argnums, False, False, optimized=False)
    after = gradient_of(fn, args, argnums, False, False, optimized=True)
    return before, after


def _float_same(a, b) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _float_close(a, b, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _floats_agree(g: np.ndarray, e: np.ndarray, rtol, atol) -> bool:
    g, e = np.asarray(g, np.float64), np.asarray(e, np.float64)
    both_nan = np.isnan(g) & np.isnan(e)
    if rtol is None:
        same = (g == e) & (np.signbit(g) == np.signbit(e))
    else:
        finite = np.isfinite(g) & np.isfinite(e)
        with np.errstate(all="ignore"):
            near = np.abs(g - e) <= atol + rtol * np.maximum(np.abs(g), np.abs(e))
        same = (g == e) | (finite & near)
    return bool(np.all(same | both_nan))


def mismatch(got, expected, rtol: float | None = None, atol: float = 0.0, where="result"):
    """Why `got` differs from `expected` (None when it does not): exactly, or up to
    `rtol` (relative) and `atol` for floats."""
    if type(got) is not type(expected):
        return f"{where}: type {type(got).__name__} != {type(expected).__name__} ({got!r} vs {expected!r})"
    if isinstance(expected, np.ndarray):
        if got.shape != expected.shape or got.dtype != expected.dtype:
            return f"{where}: {got.dtype}{got.shape} != {expected.dtype}{expected.shape}"
        if expected.dtype.kind in "fc":
            parts = [(got.real, expected.real), (got.imag, expected.imag)]
            for g, e in parts if expected.dtype.kind == "c" else parts[:1]:
                if not _floats_agree(g, e, rtol, atol):
                    return f"{where}: {got!r} != {expected!r}"
            return None
        if not np.array_equal(got, expected):
            return f"{where}: {got!r} != {expected!r}"
        return None
    if isinstance(expected, (tuple, list)):
        if len(got) != len(expected):
            return f"{where}: length {len(got)} != {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            m = mismatch(g, e, rtol, atol, f"{where}[{i}]")
            if m:
                return m
        return None
    if isinstance(expected, dict):
        if list(got) != list(expected):
            return f"{where}: keys {list(got)} != {list(expected)}"
        for k in expected:
            m = mismatch(got[k], expected[k], rtol, atol, f"{where}[{k!r}]")
            if m:
                return m
        return None
    if isinstance(expected, (float, np.floating)):
        ok = (
            _float_same(float(got), float(expected))
            if rtol is None
            else _float_close(float(got), float(expected), rtol, atol)
        )
        return None if ok else f"{where}: {got!r} != {expected!r}"
    if isinstance(expected, (complex, np.complexfloating)):
        ok = all(
            _float_same(x, y) if rtol is None else _float_close(x, y, rtol, atol)
            for x, y in ((got.real, expected.real), (got.imag, expected.imag))
        )
        return None if ok else f"{where}: {got!r} != {expected!r}"
    try:
        equal = bool(got == expected)
    except Exception:  # noqa: BLE001
        equal = got is expected
    return None if equal else f"{where}: {got!r} != {expected!r}"


def assert_outcomes(got, expected, rtol: float | None = None, atol: float = 0.0, what=""):
    """Two outcomes of `evaluate` (or `python_outcome`) agree: both raised the same
    exception type, or both returned the same values (exactly, or up to `rtol`)."""
    if got[0] != expected[0] or got[0] == "raise":
        assert got == expected, f"{what}: {got} != {expected}"
        return
    m = mismatch(got[1], expected[1], rtol, atol)
    assert m is None, f"{what}: {m}"


def corpus_params(only_grad: bool) -> list:
    """The corpus programs (tests/corpus/) that compile, as pytest parameters (with
    `only_grad`, those whose gradient is checked), named after their functions."""
    import pytest

    from tests.corpus import CASES
    from tests.test_corpus import REFUSED
    from tests.test_grad_corpus import GRAD_KNOWN_FAILURES

    out, seen = [], {}
    for case in CASES:
        name = case.fn.__name__
        if name in REFUSED or (only_grad and (not case.grad or name in GRAD_KNOWN_FAILURES)):
            continue
        seen[name] = seen.get(name, 0) + 1
        out.append(pytest.param(case, id=name if seen[name] == 1 else f"{name}-{seen[name]}"))
    return out
