"""The sensitivity additions: `gadd` walks structures, `gadd_numbers` (used by gradients
specialized to the primal types) adds numbers and arrays; ZERO is neutral to both."""

from __future__ import annotations

import numpy as np
import pytest

import myia
from myia.ir import Graph
from myia.prim import ZERO, lookup

gadd, gadd_numbers = lookup("gadd"), lookup("gadd_numbers")


@pytest.mark.parametrize("a, b", [(1.5, 2.25), (np.arange(3.0), np.ones(3)), (np.float32(2), 3.0)])
def test_gadd_numbers_adds_like_gadd(a, b):
    assert np.array_equal(gadd_numbers.impl(a, b), gadd.impl(a, b))
    assert gadd_numbers.impl(ZERO, b) is b
    assert gadd_numbers.impl(a, ZERO) is a
    assert gadd_numbers.impl(ZERO, ZERO) is ZERO


def test_gadd_numbers_differentiates():
    g = Graph("g")
    x, y = g.add_parameter("x"), g.add_parameter("y")
    g.output = g.apply(gadd_numbers, g.apply(lookup("mul"), x, x), y)
    for optimize in (True, False):
        dx, dy = myia.grad(g, argnums=(0, 1), optimize=optimize)(3.0, 2.0)
        assert (dx, dy) == (6.0, 1.0)
