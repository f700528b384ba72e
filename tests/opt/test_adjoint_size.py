"""The size of optimized adjoints: for straight-line code, the optimized gradient program
makes at most three times the primitive calls of the optimized forward program (issue
target), and no closure or chain is left."""

from __future__ import annotations

import numpy as np
import pytest

import myia
from benchmarks.myia_workloads import logsumexp_softmax, mlp_loss
from myia.ir import Apply, Constant, Manager
from myia.prim.registry import Primitive


def layer_norm(x, g, b):
    mu = np.mean(x, axis=1, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=1, keepdims=True)
    y = (x - mu) / np.sqrt(var + 1e-5) * g + b
    return np.sum(y * y)


def scalar_mix(x, y):
    return np.sin(x * y) + np.exp(x / y) * 0.5 - np.tanh(y) ** 2


def _calls(graph) -> int:
    """Primitive calls of a program (tuples and returns left out), and its graphs."""
    mng = Manager(graph)
    prims = [
        n for n in mng.all_nodes
        if isinstance(n, Apply) and isinstance(n.inputs[0], Constant) and isinstance(n.inputs[0].value, Primitive)
        and n.inputs[0].value.name not in ("make_tuple", "return_")
    ]
    return len(prims), len(mng.graphs)


rng = np.random.default_rng(0)
CASES = [
    (mlp_loss, (rng.standard_normal((5, 4)), rng.standard_normal(4), rng.standard_normal((4, 3)),
                rng.standard_normal(3), rng.standard_normal((6, 5)), rng.standard_normal((6, 3))), (0, 1, 2, 3)),
    (logsumexp_softmax, (rng.standard_normal((4, 3)), rng.standard_normal((6, 4)), np.eye(3)[[0, 1, 2, 0, 1, 2]]), 0),
    (layer_norm, (rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal(5)), (0, 1, 2)),
    (scalar_mix, (0.7, 1.3), (0, 1)),
]


@pytest.mark.parametrize("fn, args, argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_straight_line_adjoints_make_at_most_three_times_the_calls(fn, args, argnums):
    forward, _ = _calls(myia.ir(myia.jit(fn), *args, stage="optimized"))
    backward, graphs = _calls(myia.ir(myia.grad(fn, argnums=argnums), *args, stage="optimized"))
    assert backward <= 3 * forward, (forward, backward)
    assert graphs == 1  # straight code: no closure, no chain
