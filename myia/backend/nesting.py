"""How deep the code generator writes expressions inside each other, and which tuples it
unpacks once rather than index at each read (`taken_apart`).

A value used once, by an argument of the next value in the same graph, may be written
inside that value's expression, and so on up a chain. Writing, compiling and running an
expression recurse on its depth, so every `MAX_NESTING`-th value of such a chain is
assigned to a name instead: `written_inside(...)` says whether a value may stay inside.

Example:
    >>> depths = {}
    >>> written_inside(manager, depths, node)       # doctest: +SKIP
    True
"""

from __future__ import annotations

from myia.infer.abstract import ATuple
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Node
from myia.prim.registry import REGISTRY

MAX_NESTING = 32
_GETITEM = REGISTRY.lookup("getitem")


def written_inside(mng: Manager, depths: dict[Node, int], node: Node) -> bool:
    """Whether `node` (used once) may be written inside its user's expression, as far as
    depth goes: False for every `MAX_NESTING`-th value of its chain, counted from the top.
    `depths` keeps the depths found (each chain is walked once, without recursion)."""
    depth = depths.get(node)
    if depth is None:
        chain, depth = [node], -1
        while True:
            ((user, _),) = mng.uses[chain[-1]]
            if user in depths:
                depth = depths[user]
                break
            uses = mng.uses.get(user, ())
            if len(uses) != 1:
                break
            ((above, i),) = uses
            if above.graph is not user.graph or i == 0:
                break
            chain.append(user)
        for n in reversed(chain):
            depth = depths[n] = depth + 1
    return depth % MAX_NESTING != MAX_NESTING - 1


def taken_apart(node: Apply, uses: list) -> bool:
    """Whether `node` is a tuple whose `uses`, in its graph, read two or more of its items
    by constant indices and nothing else: it is unpacked once (`p, tape = t`)."""
    t = node.abstract
    if not isinstance(t, ATuple) or not t.items:
        return False
    taken = set()
    for u, i in uses:
        k = u.inputs[2] if u.is_apply(_GETITEM) and i == 1 else None
        if not (isinstance(k, Constant) and type(k.value) is int and u.graph is node.graph):
            return False
        taken.add(k.value % len(t.items))
    return len(taken) >= 2
