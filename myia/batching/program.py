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
from myia.infer.abstract import (
    AArray,
    AbstractValue,
    ADict,
    AList,
    ATuple,
    abstract_of_value,
    describe,
)
from myia.infer.build import Builder
from myia.infer.walks import drop_values
from myia.ir.manager import Manager
from myia.ir.nodes import Graph
from myia.prim.registry import lookup
from myia.trees import is_namedtuple

_getitem = lookup("getitem")
_moveaxis = lookup("moveaxis")


def _children(x):
    """(keys, items) of a structure (a value or its type), None for a leaf."""
    if isinstance(x, (tuple, list)):
        return range(len(x)), list(x)
    if isinstance(x, dict):
        return list(x), list(x.values())
    if isinstance(x, ATuple) or (isinstance(x, AList) and x.items is not None):
        return range(len(x.items)), list(x.items)
    if isinstance(x, ADict):
        return list(x.keys), list(x.values)
    return None


def _is_dict(x) -> bool:
    return isinstance(x, (dict, ADict))


def axes_tree(axes, value, where: str):
    """`axes` (an int, None, or a prefix tree of them) spread over the leaves of `value`
    (a value or its type): a tree of `value`'s structure (tuples and dicts) with an int or
    None at each leaf."""
    sub = _children(value)
    if axes is None or (isinstance(axes, int) and not isinstance(axes, bool)):
        if sub is None:
            return axes
        keys, items = sub
        out = [axes_tree(axes, v, where) for v in items]
        return dict(zip(keys, out)) if _is_dict(value) else tuple(out)
    if sub is not None and isinstance(axes, (tuple, list)) and not _is_dict(value):
        if len(axes) != len(sub[1]):
            raise MyiaTypeError(
                f"vmap {where} has {len(axes)} entries for a structure of {len(sub[1])}"
            )
        return tuple(axes_tree(a, v, where) for a, v in zip(axes, sub[1]))
    if sub is not None and isinstance(axes, dict) and _is_dict(value):
        keys, items = sub
        if set(axes) != set(keys):
            raise MyiaTypeError(
                f"vmap {where} has the keys {sorted(axes, key=repr)}, the value "
                f"{sorted(keys, key=repr)}"
            )
        return {k: axes_tree(axes[k], v, where) for k, v in zip(keys, items)}
    raise MyiaTypeError(
        f"vmap {where} must be an int, None, or a tuple, list or dict matching the "
        f"structure of the value, not {axes!r} for {_describe(value)}"
    )


def _describe(value) -> str:
    return describe(value) if isinstance(value, AbstractValue) else f"a {type(value).__name__}"


def leaves(value, tree):
    """The (leaf, axis) pairs of `value` (a value or its type) and its axes tree."""
    sub = _children(value)
    if sub is None:
        yield value, tree
        return
    for k, v in zip(*sub):
        yield from leaves(v, tree[k])


def argument_trees(in_axes, args) -> tuple:
    """The axes tree of each argument (values or types) for `in_axes`."""
    if isinstance(in_axes, (tuple, list)):
        if len(in_axes) != len(args):
            raise MyiaTypeError(
                f"vmap in_axes has {len(in_axes)} entries for {len(args)} arguments"
            )
        return tuple(axes_tree(a, x, "in_axes") for a, x in zip(in_axes, args))
    return tuple(axes_tree(in_axes, x, "in_axes") for x in args)


def batch_size(args: tuple, trees: tuple) -> int:
    """The number of examples: the size of every batched leaf along its axis (`args`:
    values or types)."""
    sizes = []
    for k, (a, t) in enumerate(zip(args, trees)):
        for leaf, ax in leaves(a, t):
            if ax is None:
                continue
            shape = leaf.shape if isinstance(leaf, (np.ndarray, AArray)) else None
            if shape is None or not -len(shape) <= ax < len(shape):
                raise MyiaTypeError(
                    f"vmap in_axes={ax} for argument {k}, {_describe(leaf)}"
                    f"{f' of shape {shape}' if shape is not None else ''}, that has no axis {ax}"
                )
            if shape[ax] is None:
                raise MyiaTypeError(
                    f"vmap needs the size of the batch axis of argument {k} when compiling"
                )
            sizes.append((shape[ax], k, ax))
    if not sizes:
        raise MyiaTypeError("vmap needs at least one argument with a batch axis (in_axes)")
    if len({n for n, _, _ in sizes}) > 1:
        described = ", ".join(f"argument {k} has {n} along axis {ax}" for n, k, ax in sizes)
        raise MyiaTypeError(f"vmap got batch axes of different sizes: {described}")
    return sizes[0][0]


def per_example(value, tree):
    """The first example of `value`: each batched leaf indexed at 0 along its axis."""
    sub = _children(value)
    if sub is not None:
        out = [per_example(v, tree[k]) for k, v in zip(*sub)]
        if isinstance(value, dict):
            return dict(zip(sub[0], out))
        return type(value)(*out) if is_namedtuple(value) else type(value)(out)
    return value if tree is None else np.take(value, 0, axis=tree)


def example_type(t, tree):
    """The type of an example of a value of type `t` with the axes tree `tree` (a 0-d
    example is a NumPy number, as indexing gives)."""
    sub = _children(t)
    if sub is not None:
        out = [example_type(v, tree[k]) for k, v in zip(*sub)]
        if isinstance(t, ADict):
            return ADict(t.keys, out)
        return type(t)(out)
    if tree is None:
        return t
    shape = t.shape[: tree % t.ndim] + t.shape[tree % t.ndim + 1 :]
    if shape:
        return AArray(t.dtype, shape)
    return drop_values(abstract_of_value(np.zeros((), t.dtype)[()]))


def in_spec(tree):
    """The batch spec of an argument whose axes tree is `tree`."""
    if isinstance(tree, (tuple, dict)):
        out = tuple(in_spec(t) for t in (tree.values() if isinstance(tree, dict) else tree))
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
    if isinstance(tree, (tuple, dict)):
        keys, items = _children(t)
        new = [_move_in(b, b.apply(_getitem, x, k), it, tree[k]) for k, it in zip(keys, items)]
        return S.rebuild(b, t, new)
    return b.apply(_moveaxis, x, tree, 0)


def _move_out(bt: Batcher, b: Builder, out, t, spec, axes):
    """The result `out` (per-example type `t`, spec `spec`) with its batch axes where
    `axes` says (an unbatched leaf with an axis is broadcast, as JAX does)."""
    items = S.parts(t)
    if isinstance(axes, (tuple, list, dict)):
        if (
            items is None
            or len(axes) != len(items)
            or isinstance(axes, dict) != isinstance(t, ADict)
        ):
            raise MyiaTypeError(
                f"vmap out_axes={axes!r} does not match the structure of the result"
            )
        keys = list(t.keys) if isinstance(t, ADict) else range(len(items))
        subs = spec if isinstance(spec, tuple) else (spec,) * len(items)
        new = [
            _move_out(
                bt,
                b,
                b.apply(_getitem, out, k),
                it,
                s,
                axes[k] if isinstance(axes, dict) else axes[i],
            )
            for i, (k, it, s) in enumerate(zip(keys, items, subs))
        ]
        return S.rebuild(b, t, new)
    if items is not None:
        subs = spec if isinstance(spec, tuple) else (spec,) * len(items)
        keys = list(t.keys) if isinstance(t, ADict) else range(len(items))
        new = [
            _move_out(bt, b, b.apply(_getitem, out, k), it, s, axes)
            for k, it, s in zip(keys, items, subs)
        ]
        return S.rebuild(b, t, new)
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


def output_type(t, out_axes, size: int):
    """The type of the result of `vmap` for a per-example result of type `t`: each part
    that can vary with its batch axis where `out_axes` says (what `vmap_program` gives)."""
    tree = axes_tree(out_axes, t, "out_axes")
    return _output_type(t, tree, size)


def _output_type(t, tree, size):
    sub = _children(t)
    if sub is not None:
        out = [_output_type(v, tree[k], size) for k, v in zip(*sub)]
        return ADict(t.keys, out) if isinstance(t, ADict) else type(t)(out)
    if tree is None or not S.fit(True, t):
        return t
    full = S.batch_type(t, True, size)
    if isinstance(full, AArray):
        shape = list(full.shape[1:])
        shape.insert(tree % full.ndim, size)
        return AArray(full.dtype, shape)
    return full


def call_program(fn: Graph, arg_types: list, spec: tuple) -> Graph:
    """The program of `myia.vmap(fn, in_axes, out_axes)(...)` inside compiled code, for
    arguments of `arg_types` (`spec`: ("vmap", in_axes, out_axes); `fn` is typed for one
    example)."""
    _, in_axes, out_axes = spec
    trees = argument_trees(in_axes, arg_types)
    return vmap_program(fn, arg_types, trees, out_axes, batch_size(tuple(arg_types), trees))


def call_type(arg_types: list, spec: tuple):
    """(the per-example argument types, a function giving the result type from the
    per-example result type) of a call of `myia.vmap(...)` inside compiled code."""
    _, in_axes, out_axes = spec
    trees = argument_trees(in_axes, arg_types)
    size = batch_size(tuple(arg_types), trees)
    examples = [example_type(t, tree) for t, tree in zip(arg_types, trees)]
    return examples, lambda out: output_type(out, out_axes, size)
