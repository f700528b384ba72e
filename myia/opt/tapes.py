"""Flat tapes: a loop's tape holds the leaves of its residuals, not nested tuples.

Reverse mode pushes each iteration's residual tuple on the tape; a residual may hold the
residual tuple of a function called in the loop, which may hold another. Written as they
are, reading one saved value takes one `[k]` per level, and saving it one tuple per level.
`flatten_tapes` changes the element type of each tape to the tuple of its leaves (the leaf
itself when there is only one): each push takes the leaves out of the residual, each
read of the top builds the nested residual back from them. The optimizer's simplifications
then cancel both sides (`getitem(make_tuple(a, b), 0)` is `a`), so a loop that saves one
float pushes `(x, tape)`.

Example:
    >>> flatten_tapes(manager)      # doctest: +SKIP
"""

from __future__ import annotations

from myia.infer.abstract import (
    NONE,
    ADict,
    AList,
    AResidual,
    AStack,
    ATuple,
    AUnion,
    AbstractValue,
)
from myia.infer.build import typed_constant
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Node, prim_of
from myia.prim.registry import REGISTRY

_PUSH = REGISTRY.lookup("stack_push")
_POP = REGISTRY.lookup("stack_pop")
_GETITEM = REGISTRY.lookup("getitem")
_MAKE_TUPLE = REGISTRY.lookup("make_tuple")
_IS = REGISTRY.lookup("is_")
_PLUMBING = (_PUSH, _POP, _IS, _GETITEM, _MAKE_TUPLE)


def flatten_tapes(mng: Manager) -> list[Node]:
    """Give each tape the tuple of its residuals' leaves as elements (see the module);
    the nodes made or changed."""
    changed: list[Node] = []
    stacks = sorted(
        {n.abstract for n in mng.all_nodes if isinstance(n, Apply) and n.is_apply(_PUSH)},
        key=repr,
    )
    for stack in stacks:
        if isinstance(stack, AStack):
            changed += _flatten(mng, stack)
    return changed


def _flatten(mng: Manager, stack: AStack) -> list[Node]:
    paths = _leaf_paths(stack.elem)
    if paths is None or paths == [((), stack.elem)]:
        return []
    kept = [(p, t) for p, t in paths if t != NONE]
    flat = kept[0][1] if len(kept) == 1 else ATuple([t for _, t in kept])
    new = AStack(flat)
    nodes = sorted(mng.all_nodes, key=lambda n: n.id)
    typed = [n for n in nodes if _contains(n.abstract, stack)]
    for n in typed:
        for u, i in mng.uses.get(n, ()):
            p = prim_of(u)
            if n.abstract == stack and p is not None and p not in _PLUMBING:
                return []  # a stack primitive of second order: left as it is
    pushes = [n for n in typed if n.is_apply(_PUSH) and n.abstract == stack]
    pops = [n for n in nodes if n.is_apply(_POP) and n.inputs[1].abstract == stack]
    for p in pops:
        if any(not _getitem_of(u, i) for u, i in mng.uses.get(p, ())):
            return []
    out: list[Node] = []
    for push in pushes:
        v = push.inputs[2]
        leaves = [_path_read(push.graph, v, path, t, push.loc) for path, t in kept]
        out.extend(leaves)
        if len(leaves) == 1:
            mng.set_edge(push, 2, leaves[0])
        else:
            tup = Apply([typed_constant(_MAKE_TUPLE), *leaves], push.graph, push.loc)
            tup.abstract = flat
            mng.set_edge(push, 2, tup)
            out.append(tup)
    for pop in pops:
        tops = [u for u, i in mng.uses.get(pop, ()) if u.inputs[2].value % 2 == 0]
        for top in sorted(tops, key=lambda n: n.id):
            new_top = Apply([typed_constant(_GETITEM), pop, typed_constant(0)], top.graph, top.loc)
            new_top.abstract = flat
            reads = {
                path: (
                    new_top
                    if len(kept) == 1
                    else _read(top.graph, new_top, k, t, top.loc)
                )
                for k, (path, t) in enumerate(kept)
            }
            rebuilt = _rebuild(top.graph, stack.elem, (), reads, top.loc)
            mng.replace(top, rebuilt)
            out += [new_top, rebuilt, *reads.values()]
    memo: dict = {}
    for n in typed:
        n.abstract = _substitute(n.abstract, stack, new, memo)
    for pop in pops:
        pop.abstract = ATuple((flat, new))
    return out + typed + pops


def _leaf_paths(t: AbstractValue, seen=None):
    """The paths (tuples of indices) and types of the leaves of a residual type; None
    when it holds a stack or a residual that names itself (not flattened)."""
    seen = set() if seen is None else seen
    if isinstance(t, (ATuple, AResidual)):
        if isinstance(t, AResidual):
            if id(t.cell) in seen or t.items is None:
                return None
            seen = seen | {id(t.cell)}
        out = []
        for k, x in enumerate(t.items):
            sub = _leaf_paths(x, seen)
            if sub is None:
                return None
            out += [((k, *p), y) for p, y in sub]
        return out
    if _has_stack(t):
        return None
    return [((), t)]


def _has_stack(t) -> bool:
    if isinstance(t, (AStack, AResidual)):
        return True
    if isinstance(t, AUnion):
        return any(_has_stack(x) for x in t.options)
    if isinstance(t, ADict):
        return any(_has_stack(x) for x in t.values)
    if isinstance(t, AList):
        items = t.items if t.items is not None else (t.elem,)
        return any(_has_stack(x) for x in items)
    return False


def _path_read(graph, v: Node, path: tuple, t, loc) -> Node:
    """The leaf at `path` of the residual `v` (None where the residual holds None: a slot
    not filled on the way to this push)."""
    node = v
    for k in path:
        if isinstance(node, Constant) and node.value is None:
            return node
        if node.is_apply(_MAKE_TUPLE):
            node = node.inputs[k + 1]
            continue
        outer = node.abstract
        item = outer.items[k] if isinstance(outer, (ATuple, AResidual)) else t
        node = _read(graph, node, k, item, loc)
    return node


def _read(graph, tup: Node, k: int, t, loc) -> Apply:
    node = Apply([typed_constant(_GETITEM), tup, typed_constant(k)], graph, loc)
    node.abstract = t
    return node


def _rebuild(graph, t, path: tuple, reads: dict, loc) -> Node:
    """The value of type `t` at `path` of a residual, from the reads of its leaves."""
    if path in reads:
        return reads[path]
    if not isinstance(t, (ATuple, AResidual)):
        return typed_constant(None, loc)  # a leaf that is always None
    items = [_rebuild(graph, x, (*path, k), reads, loc) for k, x in enumerate(t.items)]
    node = Apply([typed_constant(_MAKE_TUPLE), *items], graph, loc)
    node.abstract = ATuple(t.items)
    return node


def _getitem_of(u: Apply, i: int) -> bool:
    k = u.inputs[2] if u.is_apply(_GETITEM) and i == 1 else None
    return isinstance(k, Constant) and isinstance(k.value, int) and not isinstance(k.value, bool)


def _contains(t, stack: AStack, seen=None) -> bool:
    if t is None:
        return False
    if t == stack:
        return True
    seen = set() if seen is None else seen
    if isinstance(t, AResidual):
        if id(t.cell) in seen or t.items is None:
            return False
        return any(_contains(x, stack, seen | {id(t.cell)}) for x in t.items)
    if isinstance(t, ATuple):
        return any(_contains(x, stack, seen) for x in t.items)
    if isinstance(t, AList):
        items = t.items if t.items is not None else (t.elem,)
        return any(_contains(x, stack, seen) for x in items)
    if isinstance(t, ADict):
        return any(_contains(x, stack, seen) for x in t.values)
    if isinstance(t, AUnion):
        return any(_contains(x, stack, seen) for x in t.options)
    if isinstance(t, AStack):
        return _contains(t.elem, stack, seen)
    return False


def _substitute(t, old: AStack, new: AStack, memo: dict):
    """`t` with the type `old` replaced by `new` (residual cells are updated in place:
    every residual of a region has one cell)."""
    if t == old:
        return new
    if isinstance(t, AResidual):
        if id(t.cell) not in memo:
            memo[id(t.cell)] = True
            if t.items is not None:
                t.cell.items = tuple(_substitute(x, old, new, memo) for x in t.items)
        return t
    if isinstance(t, ATuple):
        return ATuple(_substitute(x, old, new, memo) for x in t.items)
    if isinstance(t, AList):
        if t.items is not None:
            return AList([_substitute(x, old, new, memo) for x in t.items])
        return t.of(_substitute(t.elem, old, new, memo))
    if isinstance(t, ADict):
        return ADict(t.keys, [_substitute(x, old, new, memo) for x in t.values])
    if isinstance(t, AUnion):
        return AUnion(_substitute(x, old, new, memo) for x in t.options)
    if isinstance(t, AStack):
        return AStack(_substitute(t.elem, old, new, memo))
    return t
