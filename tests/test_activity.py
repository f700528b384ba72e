"""Activity analysis (`myia.ad.activity`): which values depend on the differentiated
inputs, and gradients that leave out the sensitivities of the others."""

from __future__ import annotations

import math

import numpy as np
import pytest

import myia
from myia.ad.activity import active_nodes
from myia.ir import Apply, Constant, Graph
from myia.ir.manager import Manager
from myia.parser import parse
from myia.testing import check_grads


def mixed(x, y, n):
    a = y * 2.0
    b = math.sin(x) + a
    c = n + 1
    return b * c


def _named(mng: Manager, graph: Graph) -> dict[str, bool]:
    """For each parameter and named node of `graph`: whether it is active."""
    return {n.name: n in mng.active for n in mng.nodes[graph] if n.name}


def _activity(fn, argnums):
    g = parse(fn)
    mng = Manager(g)
    mng.active = active_nodes(mng, g, argnums)
    return mng, g


def test_values_of_other_inputs_are_inactive():
    mng, g = _activity(mixed, (0,))
    named = _named(mng, g)
    assert named["x"] and named["b"]
    assert not named["y"] and not named["a"] and not named["n"] and not named["c"]
    mng, g = _activity(mixed, (1,))
    named = _named(mng, g)
    assert named["y"] and named["a"] and named["b"] and not named["x"]


def closes_over(x, y):
    def f(v):
        return v * x

    return f(y) + f(2.0)


def test_closures_over_active_values_are_active():
    mng, g = _activity(closes_over, (0,))
    closures = [
        n for n in mng.all_nodes
        if isinstance(n, Constant) and isinstance(n.value, Graph) and n.value.name.endswith("f")
    ]
    assert closures and all(c in mng.active for c in closures)
    calls = [u for c in closures for u, i in mng.uses[c] if i == 0]
    assert len(calls) == 2 and all(isinstance(c, Apply) and c in mng.active for c in calls)


def rnn(w, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ w + h)
    return np.sum(h * h)


def test_inactive_sensitivities_are_never_built():
    rng = np.random.default_rng(3)
    args = (rng.standard_normal((4, 4)) * 0.3, rng.standard_normal((5, 2, 4)), rng.standard_normal((2, 4)))
    source = myia.source(myia.grad(rnn, argnums=0), *args)
    assert "getitem_sens" not in source  # the sensitivity of xs[t] with respect to xs
    assert "getitem_sens" in myia.source(myia.grad(rnn, argnums=1), *args)
    for argnums in (0, 1, 2, (0, 2)):
        check_grads(rnn, args, argnums=argnums)


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_gradients_of_some_inputs_match_finite_differences(argnums):
    check_grads(closes_over, (0.7, 1.3), argnums=argnums, order=2)
    check_grads(mixed, (0.7, 1.3, 3), argnums=argnums)
