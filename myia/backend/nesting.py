"""How deep the code generator writes expressions inside each other.

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

from myia.ir.manager import Manager
from myia.ir.nodes import Node

MAX_NESTING = 32


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
