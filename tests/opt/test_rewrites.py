"""Each optimizer rewrite: a *before* function whose optimized graph must match an *after*
function's graph, and the reference evaluator giving the same results before and after."""

from __future__ import annotations

import math

import numpy as np
import pytest

import myia
from myia.ad.wrappers import grad_graph
from myia.backend.vm import run_graph
from myia.ir import Apply, Constant, Graph, Parameter, clone
from myia.ir.nodes import Node
from myia.opt.pipeline import Optimizer, optimize
from myia.opt.rewrites import REWRITES
from myia.prim import ZERO

RULES = dict(REWRITES)


def graphs_match(a: Graph, b: Graph) -> bool:
    """Structural equality of two graphs (and the graphs their constants hold)."""
    seen: dict = {}
    pending = [(a, b)]
    while pending:
        g, h = pending.pop()
        if seen.get(g) is h:
            continue
        if g in seen or len(g.parameters) != len(h.parameters):
            return False
        seen[g] = h
        pairs = dict(zip(g.parameters, h.parameters))
        stack = [(g.output, h.output)]
        while stack:
            x, y = stack.pop()
            if x in pairs:
                if pairs[x] is not y:
                    return False
                continue
            if type(x) is not type(y):
                return False
            if isinstance(x, Constant):
                if isinstance(x.value, Graph) and isinstance(y.value, Graph):
                    pending.append((x.value, y.value))
                elif not _same_value(x.value, y.value):
                    return False
            elif isinstance(x, Apply):
                if len(x.inputs) != len(y.inputs):
                    return False
                stack.extend(zip(x.inputs, y.inputs))
            elif isinstance(x, Parameter):
                return False  # a parameter of an enclosing graph not paired above
            pairs[x] = y
    return True


def _same_value(u, v) -> bool:
    if isinstance(u, np.ndarray) or isinstance(v, np.ndarray):
        return isinstance(u, np.ndarray) and isinstance(v, np.ndarray) and np.array_equal(u, v)
    return type(u) is type(v) and u == v


def only(*names):
    return [(n, RULES[n]) for n in names]


def optimized_with(fn, names) -> Graph:
    root = clone(myia.ir(fn), total=True)
    return Optimizer(root, only(*names)).run()


# Before / after pairs ---------------------------------------------------------------------


def getitem_before(x, y):
    t = (x, y)
    return t[1]


def getitem_after(x, y):
    return y


def switch_before(x):
    return x * 2.0 if True else x * 3.0


def switch_after(x):
    return x * 2.0


def fold_before(x):
    return x * (2.0 * 3.0 + math.pi)


def fold_after(x):
    return x * (6.0 + math.pi)


def square(v):
    return v * v


def inline_before(x):
    return square(x) + 1.0


def inline_after(x):
    return x * x + 1.0


def _fold_constants_after(fn):
    """The after graphs fold their own constant arithmetic the same way."""
    return optimized_with(fn, ["constant_fold"])


@pytest.mark.parametrize(
    "before, after, rules",
    [
        (getitem_before, getitem_after, ["getitem_of_tuple"]),
        (switch_before, switch_after, ["switch_of_constant", "truth_of_comparison", "constant_fold", "inline"]),
        (fold_before, fold_after, ["constant_fold"]),
        (inline_before, inline_after, ["inline"]),
    ],
    ids=["getitem_of_tuple", "switch_of_constant", "constant_fold", "inline"],
)
def test_before_matches_after(before, after, rules):
    got = optimized_with(before, rules)
    want = _fold_constants_after(after)
    assert graphs_match(got, want), f"optimized:\n{got}\n\nexpected:\n{want}"


def test_gadd_zero_and_sens_get_of_structures():
    g = Graph("g")
    x = g.add_parameter("x")
    t = g.apply(myia.prim.lookup("make_tuple"), x, ZERO)
    s0 = g.apply(myia.prim.lookup("sens_get"), t, 0)
    s1 = g.apply(myia.prim.lookup("sens_get"), t, 1)
    g.output = g.apply(myia.prim.lookup("gadd"), s0, s1)
    out = Optimizer(g, only("sens_get_of_structure", "gadd_zero")).run()
    assert out.output is out.parameters[0]


def test_is_zero_folds_on_values_that_cannot_be_zero():
    g = Graph("g")
    x = g.add_parameter("x")
    y = g.apply(myia.prim.lookup("mul"), x, x)
    g.output = g.apply(myia.prim.lookup("is_zero"), y)
    out = Optimizer(g, only("is_zero_fold")).run()
    assert isinstance(out.output, Constant) and out.output.value is False


def test_run_chain_of_a_known_chain_unrolls():
    def f(x):
        return x * x

    gg = optimize(grad_graph(myia.ir(f), 0, False, False))
    names = {getattr(n.inputs[0].value, "flags", {}).get("run_chain") for g in [gg] for n in _applies(gg)
             if isinstance(n.inputs[0], Constant) and isinstance(n.inputs[0].value, Graph)}
    assert True not in names, str(gg)


def _applies(root: Graph) -> list[Node]:
    from myia.ir import Manager

    mng = Manager(root)
    return [n for n in mng.all_nodes if isinstance(n, Apply)]


# Every rewrite preserves values (reference evaluator before and after) ----------------------


def mlp_loss(w1, b1, w2, x, y):
    h = np.tanh(x @ w1 + b1)
    err = h @ w2 - y
    return np.mean(err * err)


def loop_fn(x, n):
    s = 0.0
    for i in range(n):
        if i % 3 == 0:
            s = s + x * i
        else:
            s = s - math.sin(x)
    return s


def closures_fn(x):
    def scale(k):
        return lambda v: v * k * x

    fs = (scale(2.0), scale(3.0))
    return fs[0](x) + fs[1](1.0)


CASES = [
    (mlp_loss, lambda r: (r.standard_normal((3, 4)), r.standard_normal(4), r.standard_normal(4),
                          r.standard_normal((5, 3)), r.standard_normal(5))),
    (loop_fn, lambda r: (float(r.standard_normal()), 7)),
    (closures_fn, lambda r: (float(r.standard_normal()),)),
]


def _close(a, b):
    if isinstance(a, tuple):
        return all(_close(x, y) for x, y in zip(a, b))
    return np.allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", [n for n, _ in REWRITES])
@pytest.mark.parametrize("fn, make_args", CASES, ids=[c[0].__name__ for c in CASES])
def test_each_rewrite_preserves_values(name, fn, make_args):
    rng = np.random.default_rng(0)
    nums = tuple(i for i, a in enumerate(make_args(rng)) if not isinstance(a, int))
    for graph in (myia.ir(fn), grad_graph(myia.ir(fn), nums, False, False)):
        after = Optimizer(clone(graph, total=True), only(name)).run()
        for _ in range(3):
            args = make_args(rng)
            assert _close(run_graph(graph, args), run_graph(after, args)), name


@pytest.mark.parametrize("fn, make_args", CASES, ids=[c[0].__name__ for c in CASES])
def test_the_whole_pipeline_preserves_values(fn, make_args):
    rng = np.random.default_rng(1)
    nums = tuple(i for i, a in enumerate(make_args(rng)) if not isinstance(a, int))
    graph = grad_graph(myia.ir(fn), nums, False, False)
    after = optimize(graph)
    for _ in range(3):
        args = make_args(rng)
        assert _close(run_graph(graph, args), run_graph(after, args))
