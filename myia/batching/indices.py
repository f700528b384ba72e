"""Indexing with an index that varies from example to example (`table[k]`, `k` an int or
an int array per example, or a tuple of ints, int arrays and constant slices:
`np.take(a, k, axis=1)` is `a[:, k]`; `x[k] = v` on a copy of an array; `np.take_along_axis(a, k, axis)`) in a graph
run for some examples only: a side of a branch on a varying condition, the body of a
loop whose test varies or that examples leave (`control.find_sides`,
`control.mark_run`). vmap computes such a graph for every example, and the index of an
example that does not run it may be out of range (it would raise); so the index of those
examples is replaced by 0, valid where the axis is not empty: `np.where(mask, k, 0)`,
`mask` the examples that run the graph (those of each graph it is run from, in
`bt.taken`; in the body of the backward loop of such a loop, the examples that ran the
run whose entry it popped). The examples that run it keep their index, and raise where
NumPy does. An axis of length 0, or of a length known only when the program runs, is
refused when compiling (0 is not valid there). The derivatives of these (`index_sens`,
`clear_at`, `along_axis_sens`) read the index from the residuals, where it is that of
the example, and clip it into the axis: in range for the examples that ran the indexing,
and what the others get there is not selected.

Example:
    >>> # if x > 0.0: y = table[k]    -> table[np.where(x > 0.0, k, 0)] (k varies)
"""

from __future__ import annotations

import numpy as np

from myia.infer.abstract import AArray, AConst, AScalar, ATuple
from myia.infer.build import type_of
from myia.infer.walks import constant_value, is_constant
from myia.ir.nodes import Apply, Graph, Node
from myia.prim.registry import lookup

_getitem = lookup("getitem")
_setitem = lookup("setitem")
_take_along_axis = lookup("take_along_axis")
_where = lookup("where")
_and = lookup("logical_and")
_expand_dims = lookup("expand_dims")


def int_axes(t) -> list | None:
    """The axes an index of type `t` picks with ints (an int or an int array: axis 0; a
    tuple of ints, int arrays and constant slices, as `np.take(a, k, axis=1)` gives: the
    axes of its ints and arrays), None for another index."""
    if isinstance(t, ATuple):
        if all(is_int(x) or is_slice(x) or _int_array(x) for x in t.items):
            return [k for k, x in enumerate(t.items) if not is_slice(x)]
        return None
    if is_int(t) or _int_array(t):
        return [0]
    return None


def _int_array(t) -> bool:
    return isinstance(t, AArray) and t.dtype.kind in "iu"


def is_int(t) -> bool:
    """Whether `t` is the type of an int (a Python or a NumPy int, or a bool)."""
    return isinstance(t, AScalar) and (t.kind in (int, bool) or np.dtype(t.kind).kind in "iu")


def is_slice(t) -> bool:
    """Whether `t` is the type of a constant slice (`:` in an index)."""
    return isinstance(t, AConst) and isinstance(t.value, slice)


def unsafe_index(bt, node: Apply, top: Graph):
    """Why the application `node`, an indexing in a graph run from `top` (a graph `unsafe`
    checks, computed for examples that do not run it), could fail for those examples:
    None where it is `x[k]`, `x[k] = v` (on a copy of an array) or
    `np.take_along_axis(x, k, axis)` on an array with an index that varies, of ints, on
    axes that are not empty, in a graph run only from `top` (through one runner each),
    `top` run for some examples only (`control.find_sides`): its index is then replaced
    for the others (see the module); a reason otherwise."""
    from myia.batching.control import _runner

    array = node.inputs[1].abstract if len(node.inputs) > 2 else None
    plain = "indexes with a value computed when it runs"
    if not isinstance(array, AArray) or top not in bt.sides:
        return plain
    k = node.inputs[2]
    if node.is_apply(_take_along_axis):
        axis = type_of(node.inputs[3])
        if not (is_constant(axis) and isinstance(constant_value(axis), int)):
            return plain
        axes = [constant_value(axis) % array.ndim]
    elif node.is_apply(_getitem) and len(node.inputs) == 3 or node.is_apply(_setitem):
        axes = int_axes(type_of(k))
    else:
        return plain
    if bt.spec_of(k) is False or axes is None:
        return plain
    h = node.graph
    while h is not top:
        h = _runner(bt, h)
        if h is None:
            return plain
    if not array.known_shape or len(array.shape) <= max(axes, default=0):
        return _EMPTY
    if any(array.shape[a] == 0 for a in axes):
        return _EMPTY
    return None


_EMPTY = (
    "indexes, with an index that varies, an axis that may be empty (its length is 0 or "
    "known only when the program runs; the index of the examples that do not take it is "
    "replaced by 0)"
)


def safe_index(bt, b, k: Node, rank: int) -> Node:
    """The batched int index `k` (of per-example rank `rank`) with 0 for the examples that
    do not run the graph being rewritten (`bt.reader`): those outside the mask of each
    graph it is run from that runs for some examples only, or, in the body of a backward
    loop, of each entry it popped from a masked tape (`popped_mask`); `k` where there is
    none."""
    mask = run_mask(bt, b)
    if mask is None:
        return k
    if rank:
        mask = b.apply(_expand_dims, mask, tuple(range(1, rank + 1)))
    return b.apply(_where, mask, k, 0)


def run_mask(bt, b) -> Node | None:
    """The examples that run the graph being rewritten (`bt.reader`), where some do not:
    those of each graph it is run from that runs for some examples only
    (`shared.running_mask`), or, in the body of a backward loop, of each entry it popped
    from a masked tape (`popped_mask`); None where every example runs it."""
    from myia.batching.shared import running_mask

    mask = running_mask(bt, b)
    return popped_mask(bt, b, bt.reader) if mask is None else mask


def popped_mask(bt, b, g: Graph) -> Node | None:
    """The examples that ran the runs of the forward loops whose entries the backward
    loops around `g` popped from masked tapes (`tapes.pop_rule`): the others read there
    the residuals of a run made on their frozen state, an index out of range among them
    (the setitem of a gradient reads the sensitivity at the index); None where `g` is in
    no such loop."""
    mask, h = None, g
    while h is not None:
        for p in h.parameters:
            m = bt.pop_masks.get(p)
            if m is not None:
                mask = m if mask is None else b.apply(_and, mask, m)
        h = bt.mng.parents.get(h)
    return mask
