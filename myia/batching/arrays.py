"""Batching rules of array primitives: reductions, shapes, joins, products, constructors.

Every rule moves what varies to a leading batch axis and shifts the axes the primitive
names by one: `sum(x, axis=0)` of an example is `sum(xs, axis=1)` of the batch, and
`axis=None` (every axis of an example) is every axis but the batch's. Shapes, axes and
other parameters must be the same for every example (constants of the program); a rule
refuses a batched one with the user's line.

Example:
    >>> # vmap(lambda x: np.sum(x)): sum(xs[B, n, m], axis=(1, 2)) -> (B,)
"""

from __future__ import annotations

import string

import numpy as np

from myia.infer.abstract import AArray
from myia.infer.build import type_of
from myia.prim.registry import lookup

_reshape = lookup("reshape")
_getitem = lookup("getitem")
_expand_dims = lookup("expand_dims")
_broadcast_to = lookup("broadcast_to")
_copy = lookup("copy")
_astype = lookup("astype")


def shift(axis, rank: int):
    """The axis (an int or a tuple of them) of an example of `rank` dimensions as an axis
    of the batch."""
    if isinstance(axis, (tuple, list)):
        return tuple(shift(a, rank) for a in axis)
    return int(axis) % max(rank, 1) + 1 if rank else 1


def _flat(r, i: int = 0):
    """Batched input i with each example flattened: (size, -1)."""
    return r.apply(_reshape, r.moved(i), (r.size, -1))


def reduction(r):
    """`prim(a, axis, ...)`: the axes shifted; `axis=None` is every axis of an example."""
    _only_first(r)
    axis = r.const(1) if r.nargs > 1 else None
    rank = r.rank(0)
    new = tuple(range(1, rank + 1)) if axis is None else shift(axis, rank)
    return r.apply(r.prim, r.moved(0), new, *[r.x(i) for i in range(2, r.nargs)])


def flat_reduction(r):
    """A primitive for which `axis=None` flattens (`argmax`, `cumsum`, `sort`): an
    example is flattened first."""
    _only_first(r)
    axis = r.const(1) if r.nargs > 1 else None
    if axis is None:
        return r.apply(r.prim, _flat(r), 1, *[r.x(i) for i in range(2, r.nargs)])
    return r.apply(r.prim, r.moved(0), shift(axis, r.rank(0)), *[r.x(i) for i in range(2, r.nargs)])


def _norm(r):
    _only_first(r)
    order, axis = r.const(1), r.const(2)
    rank = r.rank(0)
    if axis is None:
        if order is None or rank == 1:
            return r.apply(r.prim, _flat(r), order, 1, r.x(3))
        new = (1, 2) if rank == 2 else None
        if new is None:
            raise r.refuse("the norm of an array of more than 2 dimensions with an `ord`")
        return r.apply(r.prim, r.moved(0), order, new, r.x(3))
    return r.apply(r.prim, r.moved(0), order, shift(axis, rank), r.x(3))


def axes_at(positions: tuple, ranks=None):
    """The rule of a primitive whose inputs at `positions` are axes of its first input
    (`swapaxes`, `moveaxis`, `trace`), of the rank of that input (or the output's when
    `ranks` is "out")."""

    def rule(r):
        _only_first(r)
        rank = r.out_type.ndim if ranks == "out" else r.rank(0)
        args = [r.moved(0)]
        for i in range(1, r.nargs):
            args.append(shift(r.const(i), rank) if i in positions else r.x(i))
        return r.apply(r.prim, *args)

    return rule


def _expand(r):
    _only_first(r)
    axis = r.const(1)
    rank = r.out_type.ndim
    return r.apply(r.prim, r.moved(0), shift(axis, rank))


def _squeeze(r):
    _only_first(r)
    axis = r.const(1)
    t = r.types[0]
    if axis is None:
        if not isinstance(t, AArray) or not t.known_shape:
            raise r.refuse("squeeze without an axis needs a known shape")
        axis = tuple(i for i, d in enumerate(t.shape) if d == 1)
    return r.apply(r.prim, r.moved(0), shift(axis, r.rank(0)))


def _flip(r):
    _only_first(r)
    axis = r.const(1)
    rank = r.rank(0)
    return r.apply(
        r.prim, r.moved(0), tuple(range(1, rank + 1)) if axis is None else shift(axis, rank)
    )


def _transpose(r):
    _only_first(r)
    axes = r.const(1) if r.nargs > 1 else None
    rank = r.rank(0)
    perm = tuple(range(rank, 0, -1)) if axes is None else shift(tuple(axes), rank)
    return r.apply(lookup("transpose"), r.moved(0), (0, *perm))


def _reshape_rule(r):
    _only_first(r)
    shape = r.const(1)
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return r.apply(r.prim, r.moved(0), (r.size, *shape))


def _flatten(r):
    return _flat(r)


def _broadcast(r):
    _only_first(r)
    shape = r.const(1)
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return r.apply(r.prim, r.aligned(0, len(shape)), (r.size, *shape))


def _join(axis_offset: int):
    """`concatenate(arrays, axis)` (offset 0) and `stack(arrays, axis)` (offset 1, the
    new axis counts): every array given the batch axis, the axis shifted."""

    def rule(r):
        if r.batched(1):
            raise r.refuse("its axis varies from example to example")
        axis = r.const(1)
        if axis is None:
            raise r.refuse("axis=None (flattening) is not supported; reshape first")
        seq = r.types[0]
        items = getattr(seq, "items", None)
        first = seq.elem if items is None else items[0]
        rank = (first.ndim if isinstance(first, AArray) else 0) + axis_offset
        return r.apply(r.prim, r.moved(0), shift(axis, rank))

    return rule


def _split(r):
    if r.batched(1) or r.batched(2):
        raise r.refuse("where it splits varies from example to example")
    return r.apply(r.prim, r.moved(0), r.x(1), shift(r.const(2), r.rank(0)))


def _tile(r):
    _only_first(r)
    reps = r.const(1)
    reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    rank = max(r.rank(0), len(reps))
    reps = (1,) * (rank - len(reps)) + reps
    return r.apply(r.prim, r.aligned(0, rank), (1, *reps))


def _repeat(r):
    _only_first(r)
    axis = r.const(2)
    if axis is None:
        return r.apply(r.prim, _flat(r), r.x(1), 1)
    return r.apply(r.prim, r.moved(0), r.x(1), shift(axis, r.rank(0)))


def _matmul(r):
    """`a @ b`: as `np.matmul` of the batch where NumPy's broadcasting of stacks gives each
    example's product, else as a contraction with a letter for the batch."""
    ra, rb = r.rank(0), r.rank(1)
    ba, bb = r.batched(0), r.batched(1)
    if ra >= 2 and rb >= 2:
        rank = max(ra, rb)
        args = [r.aligned(i, rank) if r.batched(i) else r.x(i) for i in range(2)]
        return r.apply(r.prim, *args)
    if (ba and not bb and ra == 1) or (bb and not ba and rb >= 2) or (ba and not bb and rb == 1):
        return r.apply(
            r.prim, r.x(0), r.x(1)
        )  # (B, k) @ (k, m), (k,) @ (B, k, m), (B, n, k) @ (k,)
    if bb and not ba and ra == 2 and rb == 1:  # (n, k) @ (B, k) is (B, k) @ (k, n)
        return r.apply(r.prim, r.x(1), r.apply(lookup("transpose"), r.x(0), None))
    return _contract_matmul(r, ra, rb)


def _contract_matmul(r, ra: int, rb: int):
    if ra > 2 or rb > 2:
        raise r.refuse("a product of a vector and a stack of matrices")
    a = "ik"[2 - ra :]
    b = "kj"[:rb]
    out = (a[0] if ra == 2 else "") + (b[1] if rb == 2 else "")
    return _contract(r, [a, b], out, [r.x(0), r.x(1)], [r.batched(0), r.batched(1)])


def _contract(r, subs: list, out: str, operands: list, batched: list):
    letter = next(c for c in string.ascii_letters if c not in "".join(subs) + out)
    new = [(letter + s) if bat else s for s, bat in zip(subs, batched)]
    spec = ",".join(new) + "->" + letter + out
    return r.apply(lookup("contract"), spec, *operands)


def _contract_rule(r):
    if r.batched(0):
        raise r.refuse("its subscripts vary from example to example")
    subscripts = r.const(0)
    if "->" not in subscripts:
        raise r.refuse("einsum subscripts without '->'")
    ins, out = subscripts.split("->")
    return _contract(
        r,
        ins.split(","),
        out,
        [r.x(i) for i in range(1, r.nargs)],
        [r.batched(i) for i in range(1, r.nargs)],
    )


def _solve(r):
    a = r.moved(0)
    b = r.moved(1)
    if r.rank(1) == 1:
        x = r.apply(r.prim, a, r.apply(_expand_dims, b, -1))
        return r.apply(_getitem, x, (Ellipsis, 0))
    return r.apply(r.prim, a, b)


def _diag(r):
    """`np.diag(v, k)`: of a vector, the matrix with it on a diagonal (the vector times
    the rows of an identity); of a matrix, its diagonal (indexed by constant ranges)."""
    _only_first(r)
    k = r.const(1)
    t = r.types[0]
    if not isinstance(t, AArray) or not t.known_shape:
        raise r.refuse("np.diag of a value of unknown shape")
    x = r.x(0)
    if t.ndim == 1:
        n = t.shape[0]
        size = n + abs(k)
        m = np.arange(n)
        ri, ci = (m, m + k) if k >= 0 else (m - k, m)
        zeros = r.apply(lookup("zeros"), (r.size, size, size), t.dtype)
        return r.apply(lookup("setitem"), zeros, (slice(None), ri, ci), x)
    rows, cols = t.shape
    i = np.arange(max(0, min(rows, cols - k) if k >= 0 else min(rows + k, cols)))
    ri, ci = (i, i + k) if k >= 0 else (i - k, i)
    return r.apply(_getitem, x, (slice(None), ri, ci))


def _full(r):
    """`np.full(shape, value)` with a value that varies: the values broadcast to the
    examples' shape (a copy, so that it can be updated)."""
    if r.batched(0) or (r.nargs > 2 and r.batched(2)):
        raise r.refuse("its shape varies from example to example")
    shape = r.const(0)
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    v = r.aligned(1, len(shape))
    out = r.apply(_copy, r.apply(_broadcast_to, v, (r.size, *shape)))
    want = r.out_type.dtype
    return out if type_of(out).dtype == want else r.apply(_astype, out, want)


def _only_first(r):
    for i in range(1, r.nargs):
        if r.batched(i):
            raise r.refuse(f"its argument {i + 1} varies from example to example")


def register() -> None:
    """Register the rules of this module."""
    for name in ("sum", "mean", "prod", "max", "min", "var", "std", "all", "any"):
        lookup(name).defbatch(reduction)
    for name in ("argmax", "argmin", "cumsum", "cumprod", "sort", "argsort"):
        lookup(name).defbatch(flat_reduction)
    lookup("norm").defbatch(_norm)
    lookup("swapaxes").defbatch(axes_at((1, 2)))
    lookup("moveaxis").defbatch(axes_at((1, 2)))
    lookup("trace").defbatch(axes_at((2, 3)))
    lookup("reverse_cumsum").defbatch(axes_at((1,)))
    lookup("expand_dims").defbatch(_expand)
    lookup("squeeze").defbatch(_squeeze)
    lookup("flip").defbatch(_flip)
    lookup("transpose").defbatch(_transpose)
    lookup("attr.T").defbatch(_transpose)
    lookup("reshape").defbatch(_reshape_rule)
    lookup("flatten").defbatch(_flatten)
    lookup("ravel").defbatch(_flatten)
    lookup("broadcast_to").defbatch(_broadcast)
    lookup("concatenate").defbatch(_join(0))
    lookup("stack").defbatch(_join(1))
    lookup("split").defbatch(_split)
    lookup("tile").defbatch(_tile)
    lookup("repeat").defbatch(_repeat)
    lookup("matmul").defbatch(_matmul)
    lookup("contract").defbatch(_contract_rule)
    lookup("solve").defbatch(_solve)
    lookup("full").defbatch(_full)
    lookup("diag").defbatch(_diag)
