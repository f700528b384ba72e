"""Dead values across graph boundaries: what node-by-node dead code elimination cannot see.

- `prune_results`: the items of a tuple that a call returns (a loop's final values, the
  variables an `if` statement assigns) that no caller takes out are not built: each leaf
  of the call (a branch's `make_tuple`) puts None there instead, and the types of the
  call, of its leaves and of the calls in between say so.
- `prune_parameters`: a parameter whose value reaches nothing but its own graph's calls,
  at its own position, is dropped, with the arguments that fed it: a loop variable carried
  from one iteration to the next and never used otherwise (`count = count + k`), where
  what computes it from itself applies primitives that cannot raise (an application that
  may is kept, as the statement it is: `myia.opt.effects`).

Both apply to graphs that are only called (not used as values), so every call is seen.

Example:
    >>> prune_results(manager); prune_parameters(manager)     # doctest: +SKIP
"""

from __future__ import annotations

from myia.infer.abstract import NONE, ATuple
from myia.infer.build import typed_constant
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph
from myia.opt.effects import applies_raising
from myia.prim.registry import REGISTRY, Primitive

_SWITCH = REGISTRY.lookup("switch")
_GETITEM = REGISTRY.lookup("getitem")
_MAKE_TUPLE = REGISTRY.lookup("make_tuple")


def graph_calls(mng: Manager) -> tuple[dict[Graph, list[Apply]], set[Graph]]:
    """The calls of each graph, and the graphs also used otherwise (as values)."""
    calls: dict[Graph, list[Apply]] = {}
    escaping: set[Graph] = set()
    for node in list(mng.all_nodes):
        if isinstance(node, Constant) and isinstance(node.value, Graph):
            for user, i in mng.uses.get(node, ()):
                if i == 0:
                    calls.setdefault(node.value, []).append(user)
                else:
                    escaping.add(node.value)
    for sites in calls.values():
        sites.sort(key=_node_id)
    return calls, escaping


def called_at_known_sites(mng: Manager, root: Graph):
    """`(g, sites)` for each graph but `root` that is only called, at the calls `sites`,
    each passing one argument per parameter (the graphs whose parameters a pass may
    change together with their calls), in a stable order.

    Example:
        >>> for g, sites in called_at_known_sites(manager, root):  # doctest: +SKIP
        ...     assert all(len(c.inputs) - 1 == len(g.parameters) for c in sites)
    """
    calls, escaping = graph_calls(mng)
    for g in sorted(calls, key=_node_id):
        sites = calls[g]
        if g is root or g in escaping or g.return_ is None:
            continue
        if any(len(c.inputs) - 1 != len(g.parameters) for c in sites):
            continue
        yield g, sites


def prune_parameters(mng: Manager, root: Graph) -> list[Apply]:
    """Drop the dead parameters (see the module); the calls changed."""
    changed: list[Apply] = []
    for g, sites in list(called_at_known_sites(mng, root)):
        dead = [k for k, p in enumerate(g.parameters) if _only_carried(mng, g, k, p)]
        if not dead:
            continue
        for c in sites:
            for k in reversed(dead):
                mng.remove_input(c, k + 1)
            changed.append(c)
        mng.set_parameters(g, [p for k, p in enumerate(g.parameters) if k not in dead])
    return changed


def _only_carried(mng: Manager, g: Graph, k: int, p) -> bool:
    """Whether the value of `p`, the k-th parameter of `g`, reaches nothing but the k-th
    argument of the calls of `g`, through applications of primitives that have no effect
    and cannot raise."""
    seen = {p}
    stack = [p]
    while stack:
        for u, i in mng.uses.get(stack.pop(), ()):
            if _calls(u, g):
                if i != k + 1:
                    return False
            elif u not in seen:
                if not _pure(u):
                    return False
                seen.add(u)
                stack.append(u)
    return True


def _pure(node: Apply) -> bool:
    """An application of a primitive that has no effect and cannot raise (not a return)."""
    fn = node.inputs[0]
    if node is node.graph.return_ or not isinstance(fn, Constant):
        return False
    prim = fn.value
    return isinstance(prim, Primitive) and not prim.effect and not applies_raising(node)


def prune_results(mng: Manager, root: Graph) -> list[Apply]:
    """Replace the tuple items no caller reads by None (see the module); the leaves
    changed."""
    calls, escaping = graph_calls(mng)
    changed: list[Apply] = []
    for g in sorted(calls, key=_node_id):
        if g is root or g in escaping or g.return_ is None:
            continue
        leaves, path = _leaves(mng, g.output, g)
        if leaves is None:
            continue
        tails = {c for c in path if _calls(c, g)}
        outside = [c for c in calls[g] if c not in tails]
        changed += _prune(mng, outside, leaves, path | set(calls[g]))
    for node in sorted(mng.all_nodes, key=_node_id):
        if not (isinstance(node, Apply) and node in mng.all_nodes and _is_switch_call(node)):
            continue
        if _returned(mng, node):
            continue  # a tail position: the graph's own result (see above)
        leaves, path = _leaves(mng, node, None)
        if leaves is not None:
            changed += _prune(mng, [node], leaves, path)
    return changed


def _prune(mng: Manager, callers: list[Apply], leaves: list[Apply], typed: set) -> list[Apply]:
    """Put None in the items of `leaves` that no user of `callers` reads, in nested tuples
    too; the nodes of `typed` (the callers, the leaves and what lies between) and the reads
    of the callers' items take the new types."""
    t = leaves[0].abstract
    if not isinstance(t, ATuple) or not callers:
        return []
    tree: dict | None = {}
    for c in callers:
        tree = _merge(tree, _usage(mng, c, t))
    tree = _feasible(mng, tree, leaves, t)
    if tree is None or not _changes(tree, leaves, t):
        return []
    changed: list[Apply] = []
    for leaf in leaves:
        _clear(mng, leaf, tree, t, changed)
    for n in typed:
        if isinstance(n.abstract, ATuple) and len(n.abstract.items) == len(t.items):
            n.abstract = _retyped(n.abstract, tree)
    for c in callers:
        _retype_reads(mng, c, tree)
    return changed


def _usage(mng: Manager, node: Apply, t) -> dict | None:
    """Which items of the tuple `node` (of type `t`) its users read: {index: what is read
    of that item (None: all of it)}; None when a user takes the whole tuple (an effect of
    a graph, which keeps the call, reads none)."""
    tree: dict | None = {}
    for u, i in mng.uses.get(node, ()):
        if u is u.graph.return_ and i > 1:
            continue
        k = _item(u, i)
        if k is None or not isinstance(t, ATuple):
            return None
        k %= len(t.items)
        item = t.items[k]
        sub = _usage(mng, u, item) if isinstance(item, ATuple) else None
        tree = _merge(tree, {k: sub})
    return tree


def _merge(a: dict | None, b: dict | None) -> dict | None:
    if a is None or b is None:
        return None
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if k in out else v
    return out


def _feasible(mng: Manager, tree, leaves: list, t):
    """`tree`, where an item read in part is read whole unless every leaf builds it there
    (a `make_tuple` used only by the leaf) or puts None."""
    if tree is None:
        return None
    out = {}
    for k, sub in tree.items():
        if sub is not None:
            inner = [leaf.inputs[k + 1] for leaf in leaves]
            built = [x for x in inner if not _is_none(x)]
            if built and all(
                x.is_apply(_MAKE_TUPLE) and len(mng.uses.get(x, ())) == 1 for x in built
            ):
                sub = _feasible(mng, sub, built, t.items[k])
            else:
                sub = None
        out[k] = sub
    return out


def _changes(tree, leaves: list, t) -> bool:
    """Whether pruning by `tree` puts None anywhere it is not yet."""
    for k in range(len(t.items)):
        inner = [leaf.inputs[k + 1] for leaf in leaves]
        if k not in tree:
            if any(not _is_none(x) for x in inner):
                return True
        elif tree[k] is not None:
            built = [x for x in inner if not _is_none(x)]
            if _changes(tree[k], built, t.items[k]):
                return True
    return False


def _clear(mng: Manager, leaf: Apply, tree: dict, t, changed: list) -> None:
    for k in range(len(t.items)):
        x = leaf.inputs[k + 1]
        if _is_none(x):
            continue
        if k not in tree:
            mng.set_edge(leaf, k + 1, typed_constant(None, leaf.loc))
        elif tree[k] is not None:
            _clear(mng, x, tree[k], t.items[k], changed)
            x.abstract = _retyped(x.abstract, tree[k])
    changed.append(leaf)


def _retyped(t: ATuple, tree: dict) -> ATuple:
    items = []
    for k, x in enumerate(t.items):
        if k not in tree:
            items.append(NONE)
        elif tree[k] is not None and isinstance(x, ATuple):
            items.append(_retyped(x, tree[k]))
        else:
            items.append(x)
    return ATuple(items)


def _retype_reads(mng: Manager, node: Apply, tree: dict) -> None:
    """Give the reads of the pruned items of `node` (getitems, nested) their new types."""
    for u, i in mng.uses.get(node, ()):
        k = _item(u, i)
        if k is None:
            continue
        sub = tree.get(k % len(node.abstract.items))
        if sub is not None and isinstance(u.abstract, ATuple):
            u.abstract = _retyped(u.abstract, sub)
            _retype_reads(mng, u, sub)


def _is_none(x) -> bool:
    return isinstance(x, Constant) and x.value is None


def _leaves(mng: Manager, out, g: Graph | None):
    """The `make_tuple`s a value ends in, through called switches whose branches are used
    only there and (when `g` is given) calls of `g` in tail position; and the nodes on the
    way. (None, None) when it ends elsewhere."""
    leaves: list[Apply] = []
    path: set[Apply] = set()
    stack = [out]
    caller = out if g is None else None
    while stack:
        n = stack.pop()
        if not isinstance(n, Apply):
            return None, None
        if n.is_apply(_MAKE_TUPLE):
            leaves.append(n)
            path.add(n)
        elif n is not caller and not tail_only(mng, n):
            return None, None
        elif g is not None and _calls(n, g):
            path.add(n)
        elif _is_switch_call(n) and called_once(mng, n.inputs[0]):
            path.add(n)
            for x in n.inputs[0].inputs[2:]:
                h = x.value
                if mng.graph_use_count(h) != 1 or h.parameters or h.return_ is None:
                    return None, None
                stack.append(h.output)
        else:
            return None, None
    if not leaves or len({len(leaf.inputs) for leaf in leaves}) != 1:
        return None, None
    return leaves, path


def tail_only(mng: Manager, n: Apply) -> bool:
    """Whether the value of `n` is only what its graph returns (a call in tail position):
    a call on the way to the leaves takes their new type, which no other user expects."""
    return all(u is n.graph.return_ and i == 1 for u, i in mng.uses.get(n, ()))


def called_once(mng: Manager, switch: Apply) -> bool:
    """Whether the switch `switch` has one user, the call whose result is rewritten (two
    calls of one switch share its branches: what one of them does not read, the other may)."""
    return len(mng.uses.get(switch, ())) == 1


def _is_switch_call(n: Apply) -> bool:
    f = n.inputs[0]
    return (
        len(n.inputs) == 1
        and isinstance(f, Apply)
        and f.is_apply(_SWITCH)
        and all(isinstance(x, Constant) and isinstance(x.value, Graph) for x in f.inputs[2:])
    )


def _returned(mng: Manager, n: Apply) -> bool:
    return any(u is u.graph.return_ and i == 1 for u, i in mng.uses.get(n, ()))


def _item(user: Apply, i: int) -> int | None:
    """The index `user` takes out of its input `i`, if it is a getitem by a constant."""
    if i == 1 and user.is_apply(_GETITEM):
        k = user.inputs[2]
        if isinstance(k, Constant) and isinstance(k.value, int) and not isinstance(k.value, bool):
            return k.value
    return None


def _calls(n: Apply, g: Graph) -> bool:
    f = n.inputs[0]
    return isinstance(f, Constant) and f.value is g


def _node_id(n) -> int:
    return n.id
