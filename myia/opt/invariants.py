"""Loop-invariant code: array operations inside a loop (or a recursion) that read only
values of the code around it are computed once, before it.

A node is moved out of the scope of a graph that calls itself (a loop header, its body, a
recursive function, with the graphs nested in them) when it applies an elementwise
primitive, `matmul` or `live_array` (a read of an array the program holds), its value is an
array, and every input is a constant or a node of a graph around that scope. It moves to
the nearest of those graphs that owns one of its inputs, when that graph does not call
itself (a node invariant in an inner loop but not in the outer one stays). On arrays these
operations raise no error (their shapes are known; a division by zero is inf, with NumPy's
warning), so computing one before a loop that runs no iteration changes no result.

Example:
    >>> hoist_invariants(manager, root)      # doctest: +SKIP
"""

from __future__ import annotations

from myia.infer.abstract import AArray
from myia.ir.manager import Manager, cyclic_graphs
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import REGISTRY, Primitive

_LIVE_ARRAY = REGISTRY.lookup("live_array")
_MOVABLE = frozenset((REGISTRY.lookup("matmul"), _LIVE_ARRAY))


def hoist_invariants(mng: Manager, root: Graph) -> list[Node]:
    """Move the loop-invariant array operations out of loops (see the module); the nodes
    made."""
    cyclic = cyclic_graphs(mng)
    made: list[Node] = []
    for loop in sorted(cyclic, key=lambda g: g.id):
        if loop not in mng.graphs:
            continue
        scope = mng.scope(loop)
        around = _around(mng, loop)
        moved = True
        while moved:  # a node moved may make the nodes that use it movable
            moved = False
            for g in sorted(scope, key=lambda g: g.id):
                for node in sorted(mng.nodes[g], key=lambda n: n.id):
                    target = _target(node, scope, around, cyclic)
                    if target is None:
                        continue
                    new = Apply(list(node.inputs), target, node.loc, node.name)
                    new.abstract = node.abstract
                    mng.replace(node, new)
                    made.append(new)
                    moved = True
    return made


def _around(mng: Manager, g: Graph) -> list[Graph]:
    """The graphs `g` is nested in, the nearest first."""
    out = []
    p = mng.parents.get(g)
    while p is not None:
        out.append(p)
        p = mng.parents.get(p)
    return out


def _target(node: Node, scope: set, around: list, cyclic: set) -> Graph | None:
    """The graph `node` moves to, or None."""
    if not isinstance(node, Apply) or node is node.graph.return_:
        return None
    fn = node.inputs[0]
    if not (isinstance(fn, Constant) and isinstance(fn.value, Primitive)):
        return None
    prim = fn.value
    if prim.effect or not (prim.elementwise or prim in _MOVABLE):
        return None
    if not isinstance(node.abstract, AArray):
        return None
    owners = set()
    for x in node.inputs[1:]:
        if isinstance(x, Constant):
            if isinstance(x.value, Graph):
                return None
            continue
        if x.graph in scope:
            return None
        owners.add(x.graph)
    if not owners:  # constants only: folded, but for a read of an array the program holds
        if prim is not _LIVE_ARRAY:
            return None
        return next((g for g in around if g not in cyclic), None)
    target = next((g for g in around if g in owners), None)
    if target is None or target in cyclic:
        return None
    return target
