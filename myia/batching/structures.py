"""Batching rules of structures, indexing and attributes.

Tuples, lists of known length and dicts keep a spec per part (`make_tuple` of an
unbatched weight and a batched example is a tuple of one unbatched and one batched
value), so what does not vary is never copied per example. Indexing an array that varies
indexes each example (a leading `:` is added to the index); an index that varies (a
number or an int array per example) picks per example, with `np.arange` on the batch
axis where the array varies too. The shape, rank, size, dtype and length of a batched
array are those of one example: constants of the program.

Example:
    >>> # vmap(lambda x: x[1:, 0]): getitem(xs, (:, 1:, 0))
"""

from __future__ import annotations

import numpy as np

from myia.batching.indices import int_axes, is_int, is_slice, safe_index
from myia.batching.specs import fit, parts
from myia.infer.abstract import AArray, ADict, AList, ATuple
from myia.infer.build import type_of, typed_constant
from myia.infer.walks import constant_value, is_constant
from myia.ir.nodes import Node
from myia.prim.registry import lookup

_make_tuple = lookup("make_tuple")
_add = lookup("add")
_getitem = lookup("getitem")
_clip = lookup("clip")
_expand_dims = lookup("expand_dims")
_FULL = slice(None)


def _tuple_spec(specs, node):
    return fit(tuple(specs), node.abstract)


def _make(r):
    return r.apply(r.prim, *[r.x(i) for i in range(r.nargs)])


def _dict_spec(specs, node):
    return fit(specs[1], node.abstract)


def _getitem_spec(specs, node):
    t = node.inputs[1].abstract
    i = node.inputs[2].abstract
    items = parts(t)
    if items is not None and specs[1] is False and is_constant(i):
        k = constant_value(i)
        sx = fit(specs[0], t)
        subs = sx if isinstance(sx, tuple) else (False,) * len(items)
        if isinstance(t, ADict):
            return fit(subs[t.index(k)], node.abstract)
        if isinstance(k, slice):
            return fit(tuple(subs[k]), node.abstract)
        return fit(subs[k], node.abstract)
    return fit(True, node.abstract)


def _getitem_rule(r):
    t = r.types[0]
    if not isinstance(t, AArray):
        if r.batched(1):
            raise r.refuse("an index of a tuple, list or dict varies from example to example")
        if parts(t) is not None and is_constant(r.types[1]):
            return r.apply(_getitem, r.x(0), r.x(1))
        return r.apply(_getitem, r.moved(0), r.x(1))
    if r.batched(1):
        return _varying_index(r)
    return r.apply(_getitem, r.x(0), _leading(r, r.node.inputs[2]))


def _leading(r, index_node):
    """The index with a leading `:` for the batch axis (refused where NumPy would move
    the axes of several array indices to the front)."""
    t = type_of(index_node)
    items = t.items if isinstance(t, ATuple) else (t,)
    picks = [it for it in items if isinstance(it, AArray) or is_int(it)]
    if any(isinstance(it, AArray) for it in items) and len(picks) > 1:
        raise r.refuse("an index mixing several arrays or numbers with arrays")
    idx = r.bt.value(index_node)
    if isinstance(t, ATuple):
        return r.apply(_add, (_FULL,), idx)
    return r.apply(_make_tuple, _FULL, idx)


def _varying_index(r):
    """`x[i]` with an index that varies (ints or an int array per example), 0 for the
    examples that do not run the graph it is in (`myia.batching.indices`)."""
    return r.apply(_getitem, r.moved(0), _picks(r, 1, safe=True))


def _picks(r, pos: int, within=None, safe=False):
    """The index (input `pos`) that varies, as the index of the batch that picks each
    example's own: an int or an int array `k`, `(arange(size), k)`; a tuple of ints, int
    arrays and constant slices (as `np.take(a, k, axis=1)` gives), `_tuple_picks`.
    With `within` (the shape of an example), each int is clipped into its axis
    (`_index_sens`); with `safe`, it is 0 for the examples that do not run the graph being
    rewritten (`indices.safe_index`)."""
    it = r.types[pos]
    if isinstance(it, ATuple):
        return _tuple_picks(r, pos, it.items, within, safe)
    if not (is_int(it) or (isinstance(it, AArray) and it.dtype.kind in "iu")):
        raise r.refuse("an index that varies must be made of ints or be one int array")
    k = r.x(pos)
    rank = it.ndim if isinstance(it, AArray) else 0
    if within is not None:
        k = r.apply(_clip, k, -within[0], within[0] - 1)
    if safe:
        k = safe_index(r.bt, r.b, k, rank)
    batch = typed_constant(np.arange(r.size).reshape((r.size,) + (1,) * rank))
    return r.apply(_make_tuple, batch, k)


def _tuple_picks(r, pos: int, items, within, safe) -> Node:
    """`_picks` of an index tuple of ints, int arrays and constant slices (the example's
    advanced indices are its ints and arrays): `(arange(size), ...)`, each item that
    varies given the axes it broadcasts with (ones after the batch axis). NumPy puts the
    axes of broadcast advanced indices where the first of them is when they are adjacent,
    else first. The batch's are adjacent if the example's are and start the index; where
    the example's are adjacent after slices and have axes (`a[:, k]`, `k` an array), the
    slices before them become aranges, advanced indices too, so that the axes come in
    the example's order: `a[arange(size), arange(n), k]`."""
    if int_axes(r.types[pos]) is None:
        raise r.refuse("an index that varies must be made of ints, int arrays and constant slices")
    spec = r.spec(pos)
    specs = spec if isinstance(spec, tuple) else (spec,) * len(items)
    idx = r.x(pos)
    picks, varies, ranks = [], [], []
    for j, t in enumerate(items):
        k = r.apply(_getitem, idx, j)
        rank = t.ndim if isinstance(t, AArray) else 0
        if not is_slice(t):
            if within is not None:
                k = r.apply(_clip, k, -within[j], within[j] - 1)
            if safe:
                k, unsafe = safe_index(r.bt, r.b, k, rank), k
                specs = specs[:j] + (specs[j] or k is not unsafe,) + specs[j + 1 :]
        picks.append(k)
        varies.append(specs[j] is not False and not is_slice(t))
        ranks.append(rank)
    advanced = [j for j, t in enumerate(items) if not is_slice(t)]
    ndim = max(ranks)
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1))
    at = advanced[0] if adjacent and ndim else 0
    shape = within if within is not None else r.types[0].shape
    if at and (shape is None or any(n is None for n in shape[:at])):
        raise r.refuse("an int array index after slices of axes of lengths known at run time")
    lead = at + ndim  # the axes of an advanced index after the batch axis
    index = [typed_constant(np.arange(r.size).reshape((r.size,) + (1,) * lead))]
    for j in range(at):
        picked = np.arange(shape[j])[constant_value(items[j])]
        index.append(typed_constant(picked.reshape((1,) * (1 + j) + (-1,) + (1,) * (lead - 1 - j))))
    for j in range(at, len(items)):
        k = picks[j]
        if varies[j] and lead > ranks[j]:
            k = r.apply(_expand_dims, k, tuple(range(1, 1 + lead - ranks[j])))
        index.append(k)
    return r.apply(_make_tuple, *index)


def _index_sens(r):
    """The sensitivity of `x` from that of `x[i]`: zeros of the batch's shape, the
    sensitivity added at the index of each example. An index that varies is clipped into
    the array: for an example that ran `x[i]` it was in range (or `x[i]` raised), and for
    one that did not (a side of a branch it did not take, whose sensitivity `np.where`
    drops), the index read from its residuals may not be."""
    from myia.prim.indexing import index_type

    if r.batched(0) or r.batched(1):
        raise r.refuse("the shape of the array varies from example to example")
    shape = tuple(r.const(0))
    slot = index_type(AArray(r.const(1), shape), r.types[2])
    rank = slot.ndim if isinstance(slot, AArray) else 0
    index = _picks(r, 2, shape) if r.batched(2) else _leading(r, r.node.inputs[3])
    return r.apply(r.prim, (r.size, *shape), r.x(1), index, r.aligned(3, rank))


def _clear_at(r):
    """The sensitivity of `x` from that of `x[i] = v`: that of the copy, cleared at the
    index; an index that varies is clipped into the array, as in `_index_sens`."""
    t = r.types[0]
    if not isinstance(t, AArray):
        raise r.refuse("the value is not an array")
    if r.batched(1):
        if not t.known_shape:
            raise r.refuse("the index cleared varies, in an array of a shape known at run time")
        return r.apply(r.prim, r.moved(0), _picks(r, 1, t.shape))
    return r.apply(r.prim, r.x(0), _leading(r, r.node.inputs[2]))


def _seq_fill(r):
    return r.apply(r.prim, r.x(0), r.moved(1))


def _setitem_spec(specs, node):
    t = node.inputs[1].abstract
    items = parts(t)
    i = node.inputs[2].abstract
    if items is not None and specs[1] is False and is_constant(i) and not isinstance(t, ADict):
        k = constant_value(i)
        sx = fit(specs[0], t)
        subs = list(sx if isinstance(sx, tuple) else (False,) * len(items))
        subs[k] = specs[2]
        return fit(tuple(subs), node.abstract)
    return fit(True, node.abstract)


def _setitem_rule(r):
    from myia.prim.indexing import index_type

    t = r.types[0]
    if not isinstance(t, AArray):
        if r.batched(1):
            raise r.refuse("the index of a list or dict assigned to varies from example to example")
        if parts(t) is not None and is_constant(r.types[1]) and not isinstance(t, ADict):
            return r.apply(r.prim, r.x(0), r.x(1), r.x(2))
        raise r.refuse("an assignment to a list or dict of a value that varies")
    slot = index_type(t, r.types[1])
    rank = slot.ndim if isinstance(slot, AArray) else 0
    v = r.aligned(2, rank) if r.batched(2) else r.x(2)
    if r.batched(1):  # each example's own slot (0 for those not running it: `_picks`)
        return r.apply(r.prim, r.moved(0), _picks(r, 1, safe=True), v)
    return r.apply(r.prim, r.moved(0), _leading(r, r.node.inputs[2]), v)


def _along_axis_sens(r):
    """The sensitivity of `take_along_axis(x, indices, axis)`'s input: of the batch's
    shape, the indices and the sensitivity given the batch axis. Indices that vary are
    clipped into the axis, as in `_index_sens`."""
    from myia.batching.arrays import shift

    if r.batched(0) or r.batched(1) or r.batched(3):
        raise r.refuse("the shape or the axis varies from example to example")
    shape, axis = tuple(r.const(0)), r.const(3)
    if axis is None:
        raise r.refuse("axis=None")
    k = r.moved(2)
    if r.batched(2):
        n = shape[axis]
        k = r.apply(_clip, k, -n, n - 1)
    return r.apply(r.prim, (r.size, *shape), r.x(1), k, shift(axis, len(shape)), r.moved(4))


def _per_example(r):
    """An attribute of one example (shape, rank, size, dtype, length): a constant."""
    t = r.out_type
    if is_constant(t):
        return typed_constant(constant_value(t), r.node.loc)
    if r.prim.name == "len" and isinstance(r.types[0], AList):
        return r.apply(r.prim, r.x(0))
    if r.prim.name in ("attr.shape", "len") and isinstance(r.types[0], AArray):
        shape = r.apply(lookup("attr.shape"), r.x(0))  # of the batch: the examples' after it
        return r.apply(_getitem, shape, slice(1, None) if r.prim.name == "attr.shape" else 1)
    raise r.refuse("its value is not known when compiling")


def _take(r):
    if r.batched(1) or r.batched(2):
        raise r.refuse("its indices vary from example to example")
    from myia.batching.arrays import shift

    axis = r.const(2)
    if axis is None:
        flat = r.apply(lookup("reshape"), r.x(0), (r.size, -1))
        return r.apply(r.prim, flat, r.x(1), 1)
    return r.apply(r.prim, r.x(0), r.x(1), shift(axis, r.rank(0)))


def _take_along(r):
    """`np.take_along_axis(a, k, axis)` (and `permute_along_axis`): the indices of the
    examples that do not run the graph being rewritten are 0 (`indices.safe_index`)."""
    from myia.batching.arrays import shift

    axis = r.const(2)
    if axis is None:
        raise r.refuse("take_along_axis with axis=None")
    k = r.moved(1)
    if r.batched(1) and r.prim.name == "take_along_axis":  # (a permutation is in range)
        k = safe_index(r.bt, r.b, k, r.rank(1))
    return r.apply(r.prim, r.moved(0), k, shift(axis, r.rank(0)))


def _unpack_spec(specs, node):
    return fit(specs[0], node.abstract)


def _unpack(r):
    """`a, b = x`: the length of an example is known when compiling."""
    t = r.types[0]
    if isinstance(t, AArray):
        n = r.const(1)
        if not t.shape or t.shape[0] != n:
            raise r.refuse(f"an example of shape {t.shape} does not unpack into {n} values")
        return r.x(0)
    return r.apply(r.prim, r.x(0), r.x(1))


def _rows(r):
    """`tuple(x)` of an array: the rows of each example."""
    t = r.types[0]
    if not isinstance(t, AArray) or not t.shape or t.shape[0] is None:
        raise r.refuse("tuple() of a value that varies needs an array of known length")
    x = r.x(0)
    return r.apply(_make_tuple, *[r.apply(_getitem, x, (_FULL, k)) for k in range(t.shape[0])])


def _builtin_sum(r):
    """`sum(xs, start)`: of an array, its sum over the rows of each example."""
    if r.batched(1):
        raise r.refuse("its start varies from example to example")
    t = r.types[0]
    if isinstance(t, AArray):
        total = r.apply(lookup("sum"), r.x(0), 1, None, False)
        return r.apply(_add, total, r.x(1))
    return r.apply(r.prim, r.x(0), r.x(1))


def _append(r):
    """`xs.append(v)` on a list of run-time length: the list of batched elements."""
    return r.apply(r.prim, r.moved(0), r.moved(1))


def _never(specs, node):
    """The spec of a value that is the same for every example (`x is None` is a fact of
    the structure of `x`, which the examples share)."""
    return False


def register() -> None:
    """Register the rules of this module."""
    lookup("make_tuple").defbatch(_make, _tuple_spec)
    lookup("make_list").defbatch(_make, _tuple_spec)
    lookup("make_dict").defbatch(_make, _dict_spec)
    lookup("getitem").defbatch(_getitem_rule, _getitem_spec)
    lookup("setitem").defbatch(_setitem_rule, _setitem_spec)
    for name in ("attr.shape", "attr.ndim", "attr.size", "attr.dtype", "len"):
        lookup(name).defbatch(_per_example, _never)
    lookup("unpack_seq").defbatch(_unpack, _unpack_spec)
    lookup("builtin.tuple").defbatch(_rows)
    lookup("builtin.sum").defbatch(_builtin_sum)
    lookup("list_append").defbatch(_append)
    lookup("is_").defbatch(_make, _never)
    lookup("is_not").defbatch(_make, _never)
    lookup("index_sens").defbatch(_index_sens)
    lookup("clear_at").defbatch(_clear_at)
    lookup("seq_fill").defbatch(_seq_fill)
    lookup("take").defbatch(_take)
    lookup("take_along_axis").defbatch(_take_along)
    lookup("permute_along_axis").defbatch(_take_along)
    lookup("along_axis_sens").defbatch(_along_axis_sens)
