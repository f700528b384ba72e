"""Manager invariants: incrementally kept indexes equal those recomputed from scratch."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import myia
from myia.backend.vm import run_graph
from myia.ir import Apply, Constant, Graph, Manager, clone
from myia.ir.nodes import toposort
from myia.prim import lookup


def from_scratch(roots):
    """Users, nodes, direct and total free variables, recomputed by a plain walk."""
    graphs, stack = set(), list(roots)
    nodes_of: dict[Graph, set] = {}
    uses = Counter()
    while stack:
        g = stack.pop()
        if g in graphs:
            continue
        graphs.add(g)
        owned = set(g.parameters)
        for n in toposort(g.return_, lambda n: n.graph is g):
            if n.graph is g:
                owned.add(n)
            if isinstance(n, Constant) and isinstance(n.value, Graph):
                stack.append(n.value)
        nodes_of[g] = owned
    direct = {g: set() for g in graphs}
    consts = {g: set() for g in graphs}
    for g in graphs:
        for n in nodes_of[g]:
            for i, inp in enumerate(n.inputs):
                uses[(inp, n, i)] += 1
                if inp.graph is not None and inp.graph is not g:
                    direct[g].add(inp)
                if isinstance(inp, Constant) and isinstance(inp.value, Graph):
                    consts[g].add(inp.value)
    total = {g: set(direct[g]) for g in graphs}
    changed = True
    while changed:
        changed = False
        for g in graphs:
            before = len(total[g])
            for h in consts[g]:
                total[g] |= {n for n in total[h] if n.graph is not g}
            changed |= len(total[g]) != before
    return graphs, nodes_of, uses, direct, total


def assert_consistent(mng: Manager):
    graphs, nodes_of, uses, direct, total = from_scratch(mng.roots)
    assert mng.graphs == graphs
    for g in graphs:
        assert mng.nodes[g] == nodes_of[g], g.name
        assert set(mng.free_variables_direct[g]) == direct[g], g.name
        assert mng.free_variables_total[g] == total[g], g.name
    kept = Counter()
    for node, users in mng.uses.items():
        for user, i in users:
            if user.graph in graphs:
                kept[(node, user, i)] += 1
    assert kept == uses
    for g in graphs:
        p = mng.parents[g]
        owners = {n.graph for n in total[g]}
        assert (p is None) == (not owners)
        if p is not None:
            assert p in owners


def nested(x, n):
    def scale(v):
        return v * x

    def twice(f, v):
        return f(f(v))

    s = 0.0
    i = 0
    while i < n:
        if i % 2 == 0:
            s = s + twice(scale, float(i))
        else:
            s = s - scale(1.0)
        i += 1
    return s


def closures3(x):
    def a(y):
        def b(z):
            def c(w):
                return x * y * z * w

            return c(2.0)

        return b(3.0)

    return a(4.0)


@pytest.mark.parametrize("fn,args", [(nested, (1.5, 5)), (closures3, (2.0,))])
def test_indexes_after_construction(fn, args):
    g = clone(myia.ir(fn), total=True)
    assert_consistent(Manager(g))


def _applies(mng):
    return sorted((n for n in mng.all_nodes if isinstance(n, Apply)), key=lambda n: n.id)


@pytest.mark.parametrize("seed", range(6))
def test_indexes_after_random_replacements(seed):
    rng = np.random.default_rng(seed)
    g = clone(myia.ir(nested), total=True)
    mng = Manager(g)
    for _ in range(8):
        applies = [n for n in _applies(mng) if n is not n.graph.return_]
        if not applies:
            break
        node = applies[rng.integers(len(applies))]
        mng.replace(node, Constant(float(rng.integers(5))))
        assert_consistent(mng)


def test_set_edge_to_new_closure_and_back():
    g = clone(myia.ir(closures3), total=True)
    mng = Manager(g)
    out = g.output
    h = Graph("extra")
    y = h.add_parameter("y")
    h.output = h.apply(lookup("mul"), y, g.parameters[0])
    call = Apply([Constant(h), Constant(3.0)], g)
    mng.replace(out, call)
    assert h in mng.graphs
    assert mng.free_variables_total[h] == {g.parameters[0]}
    assert mng.parents[h] is g
    assert_consistent(mng)
    assert run_graph(g, (2.0,)) == 6.0
    mng.set_output(g, out)
    assert h not in mng.graphs
    assert_consistent(mng)


def test_add_parameter_and_set_edge():
    g = clone(myia.ir(closures3), total=True)
    mng = Manager(g)
    p = mng.add_parameter(g, "extra")
    assert p in mng.nodes[g]
    mul = Apply([Constant(lookup("mul")), g.output, p], g)
    mng.set_output(g, mul)
    assert_consistent(mng)
    assert run_graph(g, (2.0, 10.0)) == closures3(2.0) * 10.0
    mng.set_edge(mul, 2, Constant(0.5))
    assert_consistent(mng)
    assert run_graph(g, (2.0, 10.0)) == closures3(2.0) * 0.5


def test_scopes_and_children():
    g = clone(myia.ir(closures3), total=True)
    mng = Manager(g)
    names = {h.name for h in mng.scope(g)}
    assert {"closures3", "a", "b", "c"} <= names
    a = next(h for h in mng.graphs if h.name == "a")
    assert mng.parents[a] is g
    assert {h.name for h in mng.children[a]} == {"b"}
    for h in mng.graphs:
        for k in mng.graphs:
            assert mng.nested_in(h, k) == (h in mng.scope(k))
    b = next(iter(mng.children[a]))
    assert mng.nested_in(b, g) and mng.nested_in(b, b) and not mng.nested_in(a, b)


def test_a_graph_only_a_dropped_closure_reaches_through_its_captures_is_dropped():
    # `root` makes the closure `inner`, which captures `c = (tail, x)`, the only use of
    # `tail`. Once `inner` is unreachable, `c` loses its last user and goes, and so must
    # `tail`: one sweep of the unreachable graphs left it, and `scope` then failed on it.
    root = Graph("root")
    x = root.add_parameter("x")
    tail = Graph("tail")
    y = tail.add_parameter("y")
    tail.output = y
    c = root.apply(lookup("make_tuple"), Constant(tail), x)
    inner = Graph("inner")
    inner.output = inner.apply(lookup("getitem"), c, 1)
    root.output = root.apply(lookup("make_tuple"), Constant(inner), x)
    mng = Manager(root)
    assert {inner, tail} <= mng.graphs
    mng.set_output(root, x)
    assert mng.graphs == {root}
    assert mng.scope(root) == {root}
    assert_consistent(mng)


def test_a_clone_copies_the_effects_of_its_graphs():
    # An effect (a statement whose value is unused, kept after the output) of a nested
    # graph was shared with the original: the copy then closed over the original's node.
    root = Graph("root")
    x = root.add_parameter("x")
    branch = Graph("branch")
    branch.output = branch.apply(lookup("mul"), x, x)
    effect = branch.apply(lookup("add"), x, 1.0)
    branch.return_.inputs.append(effect)
    root.output = root.apply(Constant(branch))
    copy = clone(root)
    copied = copy.output.inputs[0].value
    assert copied is not branch
    assert copied.return_.inputs[2].graph is copied
    assert copied.return_.inputs[2].inputs[1] is copy.parameters[0]
    mng = Manager(copy)
    assert mng.parents[copied] is copy
    assert_consistent(mng)


@pytest.mark.parametrize("fn,args", [(nested, (1.5, 5)), (closures3, (2.0,))])
@pytest.mark.parametrize("total", [False, True])
def test_clones_evaluate_like_originals(fn, args, total):
    g = myia.ir(fn)
    c = clone(g, total=total)
    assert c is not g
    assert run_graph(c, args) == run_graph(g, args) == fn(*args)
    mine = Manager(c).scope(c)
    assert not (mine & Manager(g).graphs)
