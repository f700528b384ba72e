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
    AbstractValue,
    ADict,
    AList,
    AResidual,
    AStack,
    ATuple,
    AUnion,
    join,
)
from myia.infer.build import Builder, typed_constant
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
    held: set = set()  # every stack type the program's values hold, at any depth
    for t in {n.abstract for n in mng.all_nodes}:
        _stack_types(t, held, set())
    for stack in stacks:
        if isinstance(stack, AStack) and not _widened_elsewhere(stack, held):
            changed += _flatten(mng, stack)
    return changed


def _widened_elsewhere(stack: AStack, held: set) -> bool:
    """Whether values of `stack` may also flow through nodes of another stack type, one it
    joins into (as a sensitivity's stack pushed with a constant `0.0` reaches a `sens_pop`
    whose type has any float) or one that joins into it: those nodes would keep the
    nested elements while the pushes and pops of `stack` change to flat ones."""
    for other in held:
        if other != stack and join(other, stack) in (other, stack):
            return True
    return False


def _stack_types(t, out: set, seen: set) -> None:
    """Add to `out` the stack types in `t` (through structures and residuals)."""
    if isinstance(t, AStack):
        out.add(t)
        _stack_types(t.elem, out, seen)
    elif isinstance(t, AResidual):
        if id(t.cell) not in seen and t.items is not None:
            seen.add(id(t.cell))
            for x in t.items:
                _stack_types(x, out, seen)
    elif isinstance(t, (ATuple, AList)):
        for x in t.items if t.items is not None else (t.elem,):
            _stack_types(x, out, seen)
    elif isinstance(t, ADict):
        for x in t.values:
            _stack_types(x, out, seen)
    elif isinstance(t, AUnion):
        for x in t.options:
            _stack_types(x, out, seen)


def _flatten(mng: Manager, stack: AStack) -> list[Node]:
    nodes = sorted(mng.all_nodes, key=lambda n: n.id)
    found: dict[int, bool] = {}  # by the type object: nodes share their types
    for n in nodes:
        if id(n.abstract) not in found:
            found[id(n.abstract)] = _contains(n.abstract, stack)
    typed = [n for n in nodes if found[id(n.abstract)]]
    for n in typed:
        for u, _i in mng.uses.get(n, ()):
            p = prim_of(u)
            if n.abstract == stack and p is not None and p not in _PLUMBING:
                return []  # a stack primitive of second order: left as it is
    pushes = [n for n in typed if n.is_apply(_PUSH) and n.abstract == stack]
    paths = _leaf_paths([push.inputs[2] for push in pushes], stack.elem, ())
    if paths is None or paths == [((), stack.elem)]:
        return []
    kept = [(p, t) for p, t in paths if t != NONE]
    if not kept:
        return []
    flat = kept[0][1] if len(kept) == 1 else ATuple([t for _, t in kept])
    if flat == stack.elem:
        return []
    new = AStack(flat)
    pops = [n for n in nodes if n.is_apply(_POP) and n.inputs[1].abstract == stack]
    for p in pops:
        if any(not _getitem_of(u, i) for u, i in mng.uses.get(p, ())):
            return []
    out: list[Node] = []
    for push in pushes:
        v = push.inputs[2]
        leaves = [_path_read(v, path) for path, _ in kept]
        out.extend(leaves)
        if len(leaves) == 1:
            mng.set_edge(push, 2, leaves[0])
        else:
            tup = Builder(push.graph, push.loc).call(_MAKE_TUPLE, leaves, flat)
            mng.set_edge(push, 2, tup)
            out.append(tup)
    for pop in pops:
        tops = [u for u, i in mng.uses.get(pop, ()) if u.inputs[2].value % 2 == 0]
        for top in sorted(tops, key=lambda n: n.id):
            b = Builder(top.graph, top.loc)
            new_top = b.call(_GETITEM, [pop, 0], flat)
            reads = {
                path: (new_top if len(kept) == 1 else b.call(_GETITEM, [new_top, k], t))
                for k, (path, t) in enumerate(kept)
            }
            rebuilt = _rebuild(b, stack.elem, (), reads)
            mng.replace(top, rebuilt)
            out += [new_top, rebuilt, *reads.values()]
    memo: dict = {}
    for n in typed:
        n.abstract = _substitute(n.abstract, stack, new, memo)
    for pop in pops:
        pop.abstract = ATuple((flat, new))
    return out + typed + pops


def _leaf_paths(values: list[Node], t: AbstractValue, path: tuple):
    """The paths (tuples of indices) and types of the leaves of residuals of type `t`,
    whose values at `path` are `values` (one per push): a tuple is taken apart where every
    push builds it there (`make_tuple`, or a constant tuple) or puts None (a slot not
    filled on its path); anything else is a leaf. None when a leaf holds a stack (not
    flattened)."""
    parts = [_parts(v) for v in values]
    if (
        isinstance(t, (ATuple, AResidual))
        and t.items is not None
        and any(p is not None for p in parts)
        and all(p is not None or _is_none(v) for p, v in zip(parts, values))
        and all(len(p) == len(t.items) for p in parts if p is not None)
    ):
        out = []
        for k, x in enumerate(t.items):
            sub = [v if p is None else p[k] for p, v in zip(parts, values)]
            items = _leaf_paths(sub, x, (*path, k))
            if items is None:
                return None
            out += items
        return out
    if _has_stack(t):
        return None
    return [(path, t)]


def _parts(v: Node) -> list[Node] | None:
    """The items of a tuple built at `v` (None if it is not built there)."""
    if v.is_apply(_MAKE_TUPLE):
        return list(v.inputs[1:])
    if isinstance(v, Constant) and type(v.value) is tuple:
        return [typed_constant(x, v.loc) for x in v.value]
    return None


def _is_none(v: Node) -> bool:
    return isinstance(v, Constant) and v.value is None


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


def _path_read(v: Node, path: tuple) -> Node:
    """The leaf at `path` of the residual `v`, built there (see `_leaf_paths`)."""
    node = v
    for k in path:
        if _is_none(node):
            return node
        node = _parts(node)[k]
    return node


def _rebuild(b: Builder, t, path: tuple, reads: dict) -> Node:
    """The value of type `t` at `path` of a residual, from the reads of its leaves."""
    if path in reads:
        return reads[path]
    if not isinstance(t, (ATuple, AResidual)):
        return typed_constant(None, b.loc)  # a leaf that is always None
    items = [_rebuild(b, x, (*path, k), reads) for k, x in enumerate(t.items)]
    return b.call(_MAKE_TUPLE, items, ATuple(t.items))


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
        return t.rebuilt(_substitute(x, old, new, memo) for x in t.items)
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
