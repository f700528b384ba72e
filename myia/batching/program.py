"""The program of `myia.vmap`: the batched arguments in (each with its batch axis where
`in_axes` says), the batched result out (its batch axis where `out_axes` says).

`in_axes` and `out_axes` follow JAX: an int or None for every leaf, or a tree of them that
is a prefix of the arguments' structure (tuples, lists, dicts); `in_axes` as a tuple has
one entry per argument. The examples are the slices of the batched leaves along their
axes; the per-example program is specialized on one of them (`per_example`), batched
(`myia.batching.transform`), and called between moves of the batch axes.

Example:
    >>> g = vmap_program(primal, arg_types, axes, out_axes, 64)      # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from myia.batching import specs as S
from myia.batching.transform import Batcher
from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, ADict, AList, ATuple
from myia.infer.build import Builder
from myia.ir.manager import Manager
from myia.ir.nodes import Graph
from myia.prim.registry import lookup

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_make_list = lookup("make_list")
_make_dict = lookup("make_dict")
_moveaxis = lookup("moveaxis")


def axes_tree(axes, value, where: str):
    """`axes` (an int, None, or a prefix tree of them) spread over the leaves of `value`:
    a tree of `value`'s structure with an int or None at each leaf."""
    if axes is None or (isinstance(axes, int) and not isinstance(axes, bool)):
        if isinstance(value, (tuple, list)):
            return type(value)(axes_tree(axes, v, where) for v in value)
        if isinstance(value, dict):
            return {k: axes_tree(axes, v, where) for k, v in value.items()}
        return axes
    if isinstance(axes, (tuple, list)) and isinstance(value, (tuple, list)):
        if len(axes) != len(value):
            raise MyiaTypeError(
                f"vmap {where} has {len(axes)} entries for a structure of {len(value)}"
            )
        return type(value)(axes_tree(a, v, where) for a, v in zip(axes, value))
    if isinstance(axes, dict) and isinstance(value, dict):
        if set(axes) != set(value):
            raise MyiaTypeError(
                f"vmap {where} has the keys {sorted(axes, key=repr)}, the value "
                f"{sorted(value, key=repr)}"
            )
        return {k: axes_tree(axes[k], v, where) for k, v in value.items()}
    raise MyiaTypeError(
        f"vmap {where} must be an int, None, or a tuple, list or dict matching the "
        f"structure of the value, not {axes!r} for a {type(value).__name__}"
    )


def leaves(value, tree):
    """The (leaf, axis) pairs of `value` and its axes tree, in order."""
    if isinstance(value, (tuple, list)):
        for v, a in zip(value, tree):
            yield from leaves(v, a)
    elif isinstance(value, dict):
        for k in value:
            yield from leaves(value[k], tree[k])
    else:
        yield value, tree


def batch_size(args: tuple, trees: tuple) -> int:
    """The number of examples: the size of every batched leaf along its axis."""
    sizes = []
    for k, (a, t) in enumerate(zip(args, trees)):
        for leaf, ax in leaves(a, t):
            if ax is None:
                continue
            if not isinstance(leaf, np.ndarray) or not -leaf.ndim <= ax < leaf.ndim:
                raise MyiaTypeError(
                    f"vmap in_axes={ax} for argument {k}, a "
                    f"{type(leaf).__name__}{_shape(leaf)} that has no axis {ax}"
                )
            sizes.append((leaf.shape[ax], k, ax))
    if not sizes:
        raise MyiaTypeError("vmap needs at least one argument with a batch axis (in_axes)")
    if len({n for n, _, _ in sizes}) > 1:
        described = ", ".join(f"argument {k} has {n} along axis {ax}" for n, k, ax in sizes)
        raise MyiaTypeError(f"vmap got batch axes of different sizes: {described}")
    return sizes[0][0]


def _shape(leaf) -> str:
    return f" of shape {leaf.shape}" if isinstance(leaf, np.ndarray) else ""


def per_example(value, tree):
    """The first example of `value`: each batched leaf indexed at 0 along its axis."""
    if isinstance(value, (tuple, list)):
        return type(value)(per_example(v, a) for v, a in zip(value, tree))
    if isinstance(value, dict):
        return {k: per_example(v, tree[k]) for k, v in value.items()}
    return value if tree is None else np.take(value, 0, axis=tree)


def in_spec(tree):
    """The batch spec of an argument whose axes tree is `tree`."""
    if isinstance(tree, (tuple, list)):
        out = tuple(in_spec(t) for t in tree)
        return False if not any(out) else out
    if isinstance(tree, dict):
        out = tuple(in_spec(t) for t in tree.values())
        return False if not any(out) else out
    return tree is not None


def vmap_program(primal: Graph, arg_types: list, trees: tuple, out_axes, size: int) -> Graph:
    """The typed program mapping `primal` (the typed program of one example) over `size`
    examples: arguments of `arg_types` with their batch axes at `trees`, the result with
    its batch axes at `out_axes` (a prefix tree of the result's structure)."""
    specs = [S.fit(in_spec(t), p.abstract) for t, p in zip(trees, primal.parameters)]
    bt = Batcher(Manager(primal), size)
    bt.analyse(primal, specs)
    bg = bt.graph(primal)
    bt.run()
    g = Graph(f"vmap:{primal.name}", primal.loc)
    b = Builder(g, primal.loc)
    args = []
    for p, t, tree, spec in zip(primal.parameters, arg_types, trees, specs):
        q = g.add_parameter(p.name, p.loc)
        q.abstract = t
        moved = _move_in(b, q, t, tree)
        args.append(bt.broadcast(b, moved, p.abstract, spec, bt.spec_of(p)))
    out_spec = bt.out.get(primal, False)
    out = b.call(bg, args, bt.value_type(primal.output.abstract, out_spec))
    g.output = _move_out(bt, b, out, primal.output.abstract, out_spec, out_axes)
    return g


def _move_in(b: Builder, x, t, tree):
    """The argument `x` (of type `t`) with the batch axis of each leaf first."""
    if tree is None or tree == 0:
        return x
    if isinstance(tree, (tuple, list, dict)):
        keys = list(tree) if isinstance(tree, dict) else range(len(tree))
        items = t.values if isinstance(t, ADict) else t.items
        new = [
            _move_in(b, b.apply(_getitem, x, k), it, tree[k]) for k, it in zip(keys, items)
        ]
        return _rebuild(b, t, new)
    return b.apply(_moveaxis, x, tree, 0)


def _rebuild(b: Builder, t, new: list):
    if isinstance(t, ADict):
        return b.apply(_make_dict, t.keys, b.apply(_make_tuple, *new))
    return b.apply(_make_tuple if isinstance(t, ATuple) else _make_list, *new)


def _move_out(bt: Batcher, b: Builder, out, t, spec, axes):
    """The result `out` (per-example type `t`, spec `spec`) with its batch axes where
    `axes` says (an unbatched leaf with an axis is broadcast, as JAX does)."""
    items = S.parts(t)
    if isinstance(axes, (tuple, list, dict)):
        if items is None or len(axes) != len(items) or isinstance(axes, dict) != isinstance(t, ADict):
            raise MyiaTypeError(
                f"vmap out_axes={axes!r} does not match the structure of the result"
            )
        keys = list(t.keys) if isinstance(t, ADict) else range(len(items))
        subs = spec if isinstance(spec, tuple) else (spec,) * len(items)
        new = [
            _move_out(bt, b, b.apply(_getitem, out, k), it, s, axes[k] if isinstance(axes, dict) else axes[i])
            for i, (k, it, s) in enumerate(zip(keys, items, subs))
        ]
        return _rebuild(b, t, new)
    if items is not None:
        subs = spec if isinstance(spec, tuple) else (spec,) * len(items)
        keys = list(t.keys) if isinstance(t, ADict) else range(len(items))
        new = [
            _move_out(bt, b, b.apply(_getitem, out, k), it, s, axes)
            for k, it, s in zip(keys, items, subs)
        ]
        return _rebuild(b, t, new)
    if axes is None:
        if spec is not False:
            raise MyiaTypeError(
                "vmap out_axes=None for a result that varies from example to example"
            )
        return out
    if not S.fit(True, t):
        return out  # None, strings, functions: the same for every example
    if isinstance(t, AList):
        raise MyiaTypeError("vmap cannot return a list of run-time length")
    full = bt.broadcast(b, out, t, spec, True)
    rank = (t.ndim if isinstance(t, AArray) else 0) + 1
    if not -rank <= axes < rank:
        raise MyiaTypeError(f"vmap out_axes={axes} for a result of {rank} dimensions")
    return full if axes % rank == 0 else b.apply(_moveaxis, full, 0, axes)
