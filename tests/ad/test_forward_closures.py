"""Forward mode on closures passed around as values (made in a loop, carried by recursion),
at the third order and composed with reverse mode in every order, against the closed form;
and the transform itself, which must make one transformed graph per graph whichever graph
it is asked for first (a closure asked for before its parent was once transformed twice,
so that the types named a graph the program did not call, and a call took the tangents of
the wrong one: "missing 2 required positional arguments", in some runs only)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import myia
from myia.ad.forward import Forward
from myia.infer.walks import map_functions
from myia.ir.manager import Manager
from myia.ir.nodes import Apply
from myia.pipeline import primal_program


def wrap_scale(g, x):
    return lambda y: g(y) * x + y


def while_carrying(x):
    h = lambda y: np.sin(y)  # noqa: E731
    i = 0
    while i < 2:
        h = wrap_scale(h, x)
        i = i + 1
    return h(x)


def for_carrying(x):
    h = lambda y: np.sin(y)  # noqa: E731
    for _ in range(2):
        h = wrap_scale(h, x)
    return h(x)


def wrap_again(h, x, n):
    if n == 0:
        return h(x)
    return wrap_again(wrap_scale(h, x), x, n - 1)


def recursion_carrying(x):
    return wrap_again(lambda y: np.sin(y), x, 2)


def third_derivative(x):
    """d^3/dx^3 of x^2 sin(x) + x^2 + x, what the three functions above compute."""
    return 6 * math.cos(x) - 6 * x * math.sin(x) - x * x * math.cos(x)


def tangent_of(f):
    return lambda x: myia.jvp(f, (x,), (1.0,))[1]


NESTS = {
    "jvp jvp jvp": lambda f: myia.jit(tangent_of(tangent_of(tangent_of(f)))),
    "jvp grad grad": lambda f: tangent_of(myia.grad(myia.grad(f))),
    "grad jvp jvp": lambda f: myia.grad(tangent_of(tangent_of(f))),
    "grad grad jvp": lambda f: myia.grad(myia.grad(tangent_of(f))),
    "grad jvp grad": lambda f: myia.grad(tangent_of(myia.grad(f))),
}


@pytest.mark.parametrize("f", [while_carrying, for_carrying, recursion_carrying])
@pytest.mark.parametrize("nest", sorted(NESTS))
def test_third_derivatives_of_closures_carried_as_values(f, nest):
    for x in (0.8, -1.3):
        assert NESTS[nest](f)(x) == pytest.approx(third_derivative(x), rel=1e-10)


def _named_graphs(t) -> list:
    """The graphs the function values of type `t` may be."""
    found = []
    map_functions(t, lambda o: found.append(o.graph) or o)
    return found


@pytest.mark.parametrize("f", [while_carrying, for_carrying, recursion_carrying])
def test_one_transformed_graph_per_graph_whichever_comes_first(f):
    primal = primal_program(f, (0.8,))
    graphs = sorted(Manager(primal).graphs, key=lambda g: g.id)
    assert any(Manager(primal).parents.get(g) is not None for g in graphs)  # closures
    for first in graphs:
        fwd = Forward(Manager(primal))
        fwd.graph(first)
        root = fwd.graph(primal)
        fwd.run()
        made = Manager(root).graphs
        assert made == set(fwd.graphs.values()), first.name
        for g in made:
            for node in [*g.parameters, *Manager(root).nodes[g]]:
                t = getattr(node, "abstract", None)
                for named in _named_graphs(t) if t is not None else ():
                    assert named in made, (first.name, node, named.name)


def scale_float(x):
    return x * 2.0


def scale_int(n):
    return n * 2


def test_a_call_whose_callees_take_different_tangents_is_refused(monkeypatch):
    # The bug above made the graphs a call may call disagree on the tangents they take;
    # the transform refuses such a call rather than passing the tangents of one of them.
    primal = primal_program(while_carrying, (0.8,))
    graphs = [primal_program(scale_float, (0.5,)), primal_program(scale_int, (3,))]
    call = next(n for n in Manager(primal).nodes[primal] if isinstance(n, Apply))
    fwd = Forward(Manager(primal))
    monkeypatch.setattr(Forward, "callees", staticmethod(lambda node: graphs))
    with pytest.raises(myia.MyiaError, match="take different tangents"):
        fwd.parameters_of(call)
    monkeypatch.setattr(Forward, "callees", staticmethod(lambda node: graphs[:1]))
    assert fwd.parameters_of(call) == graphs[0].parameters
