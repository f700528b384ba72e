"""Results of one live item: a call that returns a tuple its callers read one item of.

After `prune_results` has put None in the items no caller reads, a graph only called (or a
called switch between branches, an `if` statement) may still build a tuple around what
its callers use:

- the whole result, when one item is left (`return (dx, None)` of a backward pass whose
  callers take `[0]`): it returns that item, and its callers use the call itself;
- an item that is a tuple of one element read only by `[0]` (the variables an `if`
  statement assigns, `((r,), tape)`): the element takes its place.

Each leaf (a `make_tuple` or a constant tuple a branch returns) is rebuilt without the
wrapper, and the call, the calls in tail position between it and the leaves (a recursion,
a loop; each used only as the result of its graph) and the reads take the new types. Only exact: the values read are the same nodes.

Example:
    >>> unwrap_results(manager, root)     # doctest: +SKIP
"""

from __future__ import annotations

from myia.infer.abstract import ATuple
from myia.infer.build import typed_constant
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.opt.prune import (
    _calls,
    _is_switch_call,
    _item,
    _node_id,
    called_once,
    graph_calls,
    tail_only,
)
from myia.prim.registry import REGISTRY
from myia.prim.structures import Unbound

_MAKE_TUPLE = REGISTRY.lookup("make_tuple")


def unwrap_results(mng: Manager, root: Graph) -> list[Node]:
    """Unwrap the results of one live item (see the module); the nodes changed."""
    calls, escaping = graph_calls(mng)
    changed: list[Node] = []
    for g in sorted(calls, key=_node_id):
        if g is root or g in escaping or g.return_ is None:
            continue
        sites = _leaves(mng, g.output, g)
        if sites is not None:
            leaves, path = sites
            outside = [c for c in calls[g] if c not in path]
            changed += _unwrap(mng, outside, leaves, path)
    for node in sorted(mng.all_nodes, key=_node_id):
        if not (isinstance(node, Apply) and node in mng.all_nodes and _is_switch_call(node)):
            continue
        if node.graph.output is node or node.graph.flags.get("loop"):
            continue
        if not called_once(mng, node.inputs[0]):
            continue  # (CSE gave two calls one switch: unwrapping one would break the other)
        sites = _leaves(mng, node, None)
        if sites is not None:
            changed += _unwrap(mng, [node], *sites)
    return changed


def _leaves(mng: Manager, out: Node, g: Graph | None):
    """The tuples a value ends in, as (graph returning it, node), through called switches
    whose branches are used only there and (when `g` is given) calls of `g` in tail
    position; and the calls on the way. None when it ends elsewhere."""
    leaves: list[tuple[Graph, Node]] = []
    path: set[Apply] = set()
    stack = [(out.graph, out)]
    caller = out if g is None else None
    while stack:
        h, n = stack.pop()
        if isinstance(n, Constant) and isinstance(n.value, tuple):
            leaves.append((h, n))
        elif not isinstance(n, Apply):
            return None
        elif n.is_apply(_MAKE_TUPLE):
            leaves.append((h, n))
        elif n is not caller and not tail_only(mng, n):
            return None  # a call on the way read elsewhere too (`[1]` of it in the branch)
        elif g is not None and _calls(n, g):
            path.add(n)
        elif _is_switch_call(n) and called_once(mng, n.inputs[0]):
            path.add(n)
            for x in n.inputs[0].inputs[2:]:
                b = x.value
                if mng.graph_use_count(b) != 1 or b.parameters or b.return_ is None:
                    return None
                stack.append((b, b.output))
        else:
            return None
    if not leaves or len({_width(n) for _, n in leaves}) != 1:
        return None
    return leaves, path


def _width(n: Node) -> int:
    return len(n.value) if isinstance(n, Constant) else len(n.inputs) - 1


def _part(n: Node, k: int) -> Node:
    """Item `k` of the leaf `n`, as a node."""
    if isinstance(n, Constant):
        return typed_constant(n.value[k], n.loc)
    return n.inputs[k + 1]


def _is_none(n: Node, k: int) -> bool:
    if isinstance(n, Constant):
        return n.value[k] is None
    x = n.inputs[k + 1]
    return isinstance(x, Constant) and x.value is None


def _unbound(n: Node, k: int) -> bool:
    x = n.value[k] if isinstance(n, Constant) else getattr(n.inputs[k + 1], "value", None)
    return isinstance(x, Unbound)


def _reads(mng: Manager, node: Node, n: int) -> list[tuple[Apply, int]] | None:
    """The getitems of `node` (a tuple of `n` items) and their indices; None when a user
    takes the whole tuple (an effect of a graph, which keeps the call, does not)."""
    out = []
    for u, i in mng.uses.get(node, ()):
        if u is u.graph.return_ and i > 1:
            continue
        k = _item(u, i)
        if k is None:
            return None
        out.append((u, k % n))
    return out


def _unwrap(mng: Manager, callers: list[Apply], leaves: list, path: set) -> list[Node]:
    t = callers[0].abstract if callers else None
    if not isinstance(t, ATuple) or any(c.abstract != t for c in callers):
        return []
    n = len(t.items)
    reads = [_reads(mng, c, n) for c in callers]
    if any(r is None for r in reads):
        return []
    live = [k for k in range(n) if any(not _is_none(leaf, k) for _, leaf in leaves)]
    if any(_unbound(leaf, k) for _, leaf in leaves for k in range(n)):
        return []  # a variable an `if` may leave unbound: raises where it is read
    if len(live) == 1 and all(k == live[0] for r in reads for _, k in r):
        return _whole(mng, callers, leaves, path, reads, live[0], t.items[live[0]])
    for k in range(n):
        if _one_element(mng, leaves, reads, k, t.items[k]):
            return _inner(mng, callers, leaves, path, reads, k, t)
    return []


def _whole(mng, callers, leaves, path, reads, k, item) -> list[Node]:
    """The result is its item `k`."""
    changed: list[Node] = []
    for h, leaf in leaves:
        mng.set_output(h, _part(leaf, k))
    for c in [*path, *callers]:
        c.abstract = item
        changed.append(c)
    for c, r in zip(callers, reads):
        for u, _ in r:
            mng.replace(u, c)
        ret = c.graph.return_
        for i in range(len(ret.inputs) - 1, 1, -1):
            if ret.inputs[i] is c and ret.inputs[1] is c:
                mng.remove_input(ret, i)  # an effect that is now the result
    return changed


def _one_element(mng, leaves, reads, k, item) -> bool:
    """Whether item `k` is a tuple of one element that every leaf builds and every read
    takes `[0]` of."""
    if not (isinstance(item, ATuple) and len(item.items) == 1):
        return False
    for _, leaf in leaves:
        if isinstance(leaf, Constant):
            if not (isinstance(leaf.value[k], tuple) and len(leaf.value[k]) == 1):
                return False
        else:
            x = leaf.inputs[k + 1]
            if len(mng.uses.get(leaf, ())) != 1:
                return False
            if not (isinstance(x, Constant) and isinstance(x.value, tuple)) and not (
                isinstance(x, Apply) and x.is_apply(_MAKE_TUPLE)
            ):
                return False
    for r in reads:
        for u, j in r:
            if j == k and _reads(mng, u, 1) is None:
                return False
    return True


def _inner(mng, callers, leaves, path, reads, k, t: ATuple) -> list[Node]:
    """Item `k` of the result is its element."""
    items = list(t.items)
    items[k] = t.items[k].items[0]
    new_t = ATuple(items)
    changed: list[Node] = []
    for h, leaf in leaves:
        if isinstance(leaf, Constant):
            value = list(leaf.value)
            value[k] = value[k][0]
            mng.set_output(h, typed_constant(tuple(value), leaf.loc))
        else:
            mng.set_edge(leaf, k + 1, _part(leaf.inputs[k + 1], 0))
            leaf.abstract = new_t
            changed.append(leaf)
    for c in [*path, *callers]:
        c.abstract = new_t
        changed.append(c)
    for r in reads:
        for u, j in r:
            if j == k:
                u.abstract = items[k]
                for v, _ in list(mng.uses.get(u, ())):
                    mng.replace(v, u)
                changed.append(u)
    return changed
