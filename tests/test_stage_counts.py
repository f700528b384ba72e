"""Each stage of a compile runs once per differentiation order (issue 12, item 5), and the
manager derives the nesting of graphs a bounded number of times.

A first call of `myia.jit(f)` parses `f` and each function it calls once, infers its
types once, monomorphizes once, optimizes once and generates code once; `myia.grad`
applied `k` times to `f` parses, infers, monomorphizes and generates code once too, and
builds and optimizes one gradient program per order (`k` of each). A second call with
arguments of the same types runs no stage. Within the one inference, each context of a
program without loops or recursion is analysed once (a context runs again only when a
callee's result grows). An unrolled recursion does not make the optimizer derive the
nesting of graphs once per inlined copy.

The stages are counted by wrapping their entry points (and, for the optimizer, by its
documented counter `myia.opt.optimize.RUNS`).
"""

from __future__ import annotations

import collections
import importlib.util
import itertools

import numpy as np
import pytest

import myia
import myia.ad.gradient
import myia.backend.codegen
import myia.infer.monomorphize
import myia.parser
from myia.infer.engine import UNROLL_DEPTH, Analysis
from myia.opt import optimize as optimizer
from tests.ad.fd import assert_close, fd_gradient

_names = itertools.count()

SOURCE = """
import numpy as np


def helper(a, b):
    return np.sin(a) * b + a


def inner(x):
    return helper(x, 2.0) * helper(x, 3.0)


def f(x):
    y = helper(x, 0.5)
    return inner(y) + helper(y, 1.5) * np.tanh(x)


def total(x):
    return np.sum(f(x))
"""


PARSED = {"parse f": 1, "parse inner": 1, "parse helper": 1}  # each function once


@pytest.fixture
def fresh(tmp_path):
    """`fresh()`: the function `f` of `SOURCE`, from a module myia has never parsed
    (`fresh("total")`: its function `total`)."""

    def load(fn_name: str = "f"):
        module_name = f"_myia_stage_counts_{next(_names)}"
        path = tmp_path / f"{module_name}.py"
        path.write_text(SOURCE)
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, fn_name)

    return load


@pytest.fixture
def counts(monkeypatch):
    """`counts()`: the runs of each stage since `counts.reset()` (a dict, stages that did
    not run left out); `counts.analyses`: the inferences made since (to read contexts)."""
    seen: collections.Counter = collections.Counter()
    analyses: list[Analysis] = []

    def counted(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            seen[label] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    parse = myia.parser._parse

    def parsing(fn):
        seen[f"parse {fn.__name__}"] += 1
        return parse(fn)

    monkeypatch.setattr(myia.parser, "_parse", parsing)
    counted(myia.infer.monomorphize.Monomorphizer, "run", "monomorphize")
    counted(myia.ad.gradient, "gradient_program", "gradient")
    counted(myia.backend.codegen.Codegen, "generate", "codegen")
    solve = Analysis.solve

    def solving(self, root):
        if self not in analyses:
            analyses.append(self)
            seen["infer"] += 1
        return solve(self, root)

    monkeypatch.setattr(Analysis, "solve", solving)
    runs_before = optimizer.RUNS[0]

    class Counts:
        def __call__(self) -> dict:
            out = dict(seen)
            out["optimize"] = optimizer.RUNS[0] - runs_before
            return {k: v for k, v in out.items() if v}

        def reset(self) -> None:
            nonlocal runs_before
            seen.clear()
            analyses.clear()
            runs_before = optimizer.RUNS[0]

        @property
        def analyses(self) -> list[Analysis]:
            return analyses

    return Counts()


def _nested_grad(fn, order: int):
    for _ in range(order):
        fn = myia.grad(fn)
    return fn


def _derivative(f, x: float, order: int) -> float:
    """The `order`-th derivative of `f` at `x` by central differences of the one before
    (the first by finite differences of `f` itself)."""
    if order == 1:
        return float(fd_gradient(f, (x,), 0))
    h = 1e-4
    d = _nested_grad(f, order - 1)
    return (d(x + h) - d(x - h)) / (2 * h)


def test_jit_runs_each_stage_once(fresh, counts):
    f = fresh()
    jf = myia.jit(f)
    counts.reset()
    assert jf(0.3) == pytest.approx(f(0.3), rel=1e-12)
    assert counts() == {**PARSED, "infer": 1, "monomorphize": 1, "optimize": 1, "codegen": 1}
    counts.reset()
    jf(0.7)  # the same types: nothing is compiled again
    assert counts() == {}


@pytest.mark.parametrize("order", [1, 2, 3])
def test_grad_builds_and_optimizes_one_program_per_order(fresh, counts, order):
    f = fresh()
    df = _nested_grad(f, order)
    counts.reset()
    got = df(0.3)
    assert counts() == {
        **PARSED,
        "infer": 1,
        "monomorphize": 1,
        "gradient": order,
        "optimize": order,
        "codegen": 1,
    }
    assert_close(got, _derivative(f, 0.3, order), rtol=1e-4 * 10 ** (order - 1), atol=1e-6)
    counts.reset()
    df(-0.2)
    assert counts() == {}


@pytest.mark.parametrize("order", [1, 2])
def test_each_context_of_a_program_without_loops_is_analysed_once(fresh, counts, order):
    f = fresh()
    df = _nested_grad(f, order)
    counts.reset()
    df(0.3)
    (analysis,) = counts.analyses
    contexts = [*analysis.contexts.values(), *analysis.value_contexts.values()]
    assert len(contexts) >= 4  # f, inner and helper on two signatures
    assert [c.graph.name for c in contexts if c.runs != 1] == []


def test_a_new_signature_compiles_again_once(fresh, counts):
    total = fresh("total")
    dt = myia.grad(total)
    dt(np.linspace(-1.0, 1.0, 3))
    counts.reset()
    x = np.linspace(-1.0, 1.0, 5)
    got = dt(x)  # another shape: the same parse, a new specialization
    assert counts() == {"infer": 1, "monomorphize": 1, "gradient": 1, "optimize": 1, "codegen": 1}
    assert_close(got, fd_gradient(total, (x,), 0), rtol=1e-6, atol=1e-8)


def rec_pow(x, n):
    if n == 0:
        return 1.0
    return x * rec_pow(x, n - 1)


def test_nesting_is_derived_a_bounded_number_of_times_whatever_the_recursion_depth(
    monkeypatch,
):
    """A recursion unrolled on its pinned `n` (up to `UNROLL_DEPTH` calls) is inlined copy
    by copy; the graphs' nesting (a walk of every graph's free variables) is not derived
    again for each copy, which made the compile quadratic in the depth (2n + 3
    derivations before)."""
    manager = importlib.import_module("myia.ir.manager")
    derived = []
    total = manager.Manager._total_free_variables

    def counting(self):
        derived.append(self)
        return total(self)

    monkeypatch.setattr(manager.Manager, "_total_free_variables", counting)
    counts = []
    for n in (3, UNROLL_DEPTH - 1):
        derived.clear()
        got = myia.grad(rec_pow)(1.01, n)
        assert got == pytest.approx(n * 1.01 ** (n - 1), rel=1e-12)
        counts.append(len(derived))
    assert counts[1] == counts[0] <= 5, counts
