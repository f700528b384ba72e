"""Long `if/elif/.../else` chains (myia/parser/chains.py): compiled flat, differentiated.

This file owns the tests that chains of more branches than Python nests blocks (100)
compile under `jit` and `grad` and agree with Python and with finite differences: a chain
assigning a variable, a chain of returns, a chain of returns without `else` (the code after
it is its `else`), inside a loop; 101 branches in the default run (the gradient of one), 300 behind
`@pytest.mark.slow`. Programs are written to a file (myia compiles from source).
"""

from __future__ import annotations

import math

import pytest

import myia
from myia.parser.chains import FLAT_FROM
from myia.testing import check_grads
from tests.random_programs import load_function


def _branches(n: int, test, body, indent: str) -> list[str]:
    lines = []
    for i in range(n):
        lines.append(f"{indent}{'el' if i else ''}if {test(i)}:")
        lines.append(f"{indent}    {body(i)}")
    return lines


def chain_source(n: int) -> str:
    """Four functions of chains of `n` branches."""
    lines = ["import math", "", "", "def assigned(x, k):"]
    lines += _branches(
        n, lambda i: f"k == {i}", lambda i: f"y = x * {i + 1}.0 + math.sin(x * {i}.0)", "    "
    )
    lines += ["    else:", "        y = -x * x", "    return y * x", "", ""]
    lines += ["def returned(x):"]
    lines += _branches(
        n,
        lambda i: f"x < {i * 0.1 - n * 0.05!r}",
        lambda i: f"return math.tanh(x * {i}.0) + x",
        "    ",
    )
    lines += ["    else:", "        return x * x", "", ""]
    lines += ["def returned_no_else(x):"]
    lines += _branches(
        n, lambda i: f"x < {i * 0.1 - n * 0.05!r}", lambda i: f"return x * {i}.0", "    "
    )
    lines += ["    y = x * 3.0", "    return y * x", "", ""]
    lines += ["def in_loop(x, m):", "    acc = 0.0", "    for j in range(m):"]
    lines += _branches(
        n, lambda i: f"j == {i}", lambda i: f"acc = acc + math.sin(x * {i + 1}.0)", "        "
    )
    lines += ["        else:", "            acc = acc * x", "    return acc", ""]
    return "\n".join(lines)


def _python_assigned(x, k, n):
    y = x * (k + 1) + math.sin(x * k) if 0 <= k < n else -x * x
    return y * x


def _check_chains(n: int, directory, grads) -> None:
    """jit of each function of chains of `n` branches against Python; `grads`: the names
    of those whose gradients are checked against finite differences too."""
    source = chain_source(n)
    fns = {
        name: load_function(source, name, directory)
        for name in ("assigned", "returned", "returned_no_else", "in_loop")
    }
    for k in (0, n // 2, n - 1, n + 5):
        assert fns["assigned"](0.7, k) == _python_assigned(0.7, k, n)
        assert myia.jit(fns["assigned"])(0.7, k) == fns["assigned"](0.7, k)
    if "assigned" in grads:
        check_grads(fns["assigned"], (0.7, n // 2))
        check_grads(fns["assigned"], (0.7, n + 5))
    for name in ("returned", "returned_no_else"):
        for x in (-n * 0.05 - 1.0, 0.0123, n * 0.05 + 1.0):
            assert myia.jit(fns[name])(x) == fns[name](x)
        if name in grads:
            check_grads(fns[name], (0.0123,))
    assert myia.jit(fns["in_loop"])(0.3, 4) == fns["in_loop"](0.3, 4)
    if "in_loop" in grads:
        check_grads(fns["in_loop"], (0.3, 4))


def test_chains_longer_than_python_nests(tmp_path):
    assert FLAT_FROM < 100
    # The optimizer's time grows with the square of a chain's length (one pruning round
    # per branch): the default run differentiates one function.
    _check_chains(101, tmp_path, grads=("assigned",))


@pytest.mark.slow
def test_chains_of_300_branches(tmp_path):
    _check_chains(300, tmp_path, grads=("assigned", "returned", "returned_no_else", "in_loop"))
