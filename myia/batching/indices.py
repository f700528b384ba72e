"""Indexing with an index that varies from example to example (`table[k]`, `k` an int or
an int array per example) in a graph run for some examples only: a side of a branch on
a varying condition, the body of a loop whose test varies or that examples leave
(`control.find_sides`, `control.mark_run`). vmap computes such a graph for every
example, and the index of an example that does not run it may be out of range (it
would raise); so the index of those examples is replaced by 0, valid where the axis is
not empty: `np.where(mask, k, 0)`, `mask` the examples that run the graph (those of each
graph it is run from, in `bt.taken`). The examples that run it keep their index, and
raise where NumPy does. An axis of length 0, or of a length known only when the program
runs, is refused when compiling (0 is not valid there).

Example:
    >>> # if x > 0.0: y = table[k]    -> table[np.where(x > 0.0, k, 0)] (k varies)
"""

from __future__ import annotations

import numpy as np

from myia.infer.abstract import AArray, AScalar, ATuple
from myia.infer.build import type_of
from myia.ir.nodes import Apply, Graph, Node
from myia.prim.registry import lookup

_getitem = lookup("getitem")
_where = lookup("where")
_expand_dims = lookup("expand_dims")


def _ints(t) -> list | None:
    """The types of the ints of an index of type `t` (an int, an int array, or a tuple of
    ints), None for another index."""
    if isinstance(t, ATuple):
        return list(t.items) if all(_is_int(x) for x in t.items) else None
    if _is_int(t) or (isinstance(t, AArray) and t.dtype.kind in "iu"):
        return [t]
    return None


def _is_int(t) -> bool:
    return isinstance(t, AScalar) and (t.kind in (int, bool) or np.dtype(t.kind).kind in "iu")


def unsafe_index(bt, node: Apply, top: Graph):
    """Why the application `node`, an indexing in a graph run from `top` (a graph `unsafe`
    checks, computed for examples that do not run it), could fail for those examples:
    None where it is `x[k]` on an array with an index that varies, of ints, on axes that
    are not empty, in a graph run only from `top` (through one runner each), `top` run
    for some examples only (`control.find_sides`): its index is then replaced for the
    others (see the module); a reason otherwise."""
    from myia.batching.control import _runner

    index = node.inputs[2:]
    array = node.inputs[1].abstract if len(node.inputs) > 1 else None
    plain = "indexes with a value computed when it runs"
    if not (node.is_apply(_getitem) and isinstance(array, AArray) and len(index) == 1):
        return plain
    ints = _ints(type_of(index[0]))
    if bt.spec_of(index[0]) is False or ints is None or top not in bt.sides:
        return plain
    h = node.graph
    while h is not top:
        h = _runner(bt, h)
        if h is None:
            return plain
    axes = len(ints) if len(ints) > 1 else 1
    if not array.known_shape or len(array.shape) < axes or 0 in array.shape[:axes]:
        return (
            "indexes, with an index that varies, an axis that may be empty (its length is 0 "
            "or known only when the program runs; the index of the examples that do not "
            "take it is replaced by 0)"
        )
    return None


def safe_index(bt, b, k: Node, rank: int) -> Node:
    """The batched int index `k` (of per-example rank `rank`) with 0 for the examples that
    do not run the graph being rewritten (`bt.reader`): those outside the mask of each
    graph it is run from that runs for some examples only; `k` where there is none."""
    from myia.batching.shared import running_mask

    mask = running_mask(bt, b)
    if mask is None:
        return k
    if rank:
        mask = b.apply(_expand_dims, mask, tuple(range(1, rank + 1)))
    return b.apply(_where, mask, k, 0)
