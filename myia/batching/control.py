"""Control flow on a condition that varies from example to example, in batched programs.

- A branch (`if`, a conditional expression, a value chosen by `switch`) whose condition
  is batched computes both sides for every example and selects, part by part, with
  `np.where(condition, true_side, false_side)`. That is only done where both sides are
  *safe*: computing a side an example does not take must not change what the program
  does, so a side (and every graph it calls or makes) may not raise (`raise_`: an
  `assert`, a `raise`), may not recurse, may not loop (it might not end for the examples
  that do not take it) except in loops whose test is the same for every example and in
  loops it enters, which are given the examples taking it (`mask_sides`: they end at once
  for the others), and may not index with a value computed at run time (it might be out
  of range for them), except, where every example runs the branch (`everyone_runs`), the
  side's own indexing with an index the same for every example: the side is then
  computed only where some example takes it (`np.any` guards), and indexing with an int
  index that varies, replaced by 0 for the examples that do not take the side
  (`myia.batching.indices`); and, there too, the side's own `raise_` (a failing
  `assert` at the top of the mapped function, the base case of a recursion that raises):
  the side is computed, and raises, only where some example takes it, and then the
  branch's value is the side's (`_selected`). Arithmetic that would give
  nan or inf on the side not taken is fine: it is computed on arrays, and not selected,
  and prints no RuntimeWarning: the inputs of the primitives NumPy warns about outside
  their domain (`np.log`, a division, `np.exp`) are, for the examples not taking the
  side, a value in it (`myia.batching.elementwise.quieted`);
  a side reads the values that vary from outside it through `grad_mask` by the examples
  taking it (`mark_taken`, `taken_read`), so that its derivatives there (0 * nan in
  reverse mode) add nothing to the gradient. A value the same for every example that a
  side combines with values that vary adds to its gradient the sum over the examples
  taking the side only (`myia.batching.shared`); one it reads from outside is read
  through `grad_mask` by `np.any` of them (what the side computes from it alone counts
  where some example takes the side).
- A loop whose test is batched runs while the test holds for any example; the state of
  an example whose test no longer holds is frozen (`np.where(test, new, old)` on every
  loop variable at the back edge), so that the loop ends with the state each example had
  when its own test failed. The body is computed for finished examples too, so it must be
  safe in the sense above; it reads what it is given through `grad_mask` by the examples
  still running (as a side does, `mark_taken`), so that its derivatives on the frozen
  state of the others add nothing to the gradient.
- Anything else on a batched condition (an unsafe side, a recursion that is not a loop, a
  function value chosen by the condition and passed on) is refused with a
  `MyiaTypeError` naming the line.

Example:
    >>> # def f(x): return x if x > 0.0 else -x     -> np.where(x > 0.0, x, -x)
"""

from __future__ import annotations

import numpy as np

from myia.batching import specs as S
from myia.batching.indices import unsafe_index
from myia.batching.tapes import select as select_tapes
from myia.batching.transform import raises, unbound
from myia.errors import MyiaError, MyiaTypeError
from myia.infer.abstract import BOTTOM, AArray, ADict, AList, AScalar, AStack, ATuple
from myia.infer.build import Builder, type_of, typed_constant
from myia.infer.walks import is_constant
from myia.ir.manager import cyclic_graphs
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import lookup

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_switch = lookup("switch")
_where = lookup("where")
_any = lookup("any")
_expand_dims = lookup("expand_dims")
_and = lookup("logical_and")
_not = lookup("logical_not")
_RAISE = lookup("raise_")
_grad_mask = lookup("grad_mask")
_setitem = lookup("setitem")
# Indexing primitives: unsafe on a side not taken when the index is computed at run time.
_INDEXING = {lookup(n) for n in ("getitem", "take", "take_along_axis", "setitem", "item")}


def where_parts(
    bt, b: Builder, c: Node, t, tv: Node, fv: Node, st, sf, want, tapes=False, same=None
) -> Node:
    """`np.where(c, tv, fv)` part by part for values of per-example type `t` (specs `st`,
    `sf`; the result has spec `want`); `c` is a batched bool of shape (size,). With
    `tapes`, `tv` and `fv` are the arguments two sides give the next iteration of a loop,
    so a tape in them is the same tape with one entry pushed on each side. `same` (see
    `shared`) gives the parts both sides take from one value around them: that value."""
    if isinstance(same, Node):
        return bt.broadcast(b, bt.ready(same), t, bt.spec_of(same), want)
    if want is False:
        return tv
    items = S.parts(t)
    if items is not None:
        n = len(items)
        sts = st if isinstance(st, tuple) else (st,) * n
        sfs = sf if isinstance(sf, tuple) else (sf,) * n
        keys = t.keys if isinstance(t, ADict) else range(n)
        subs = same if isinstance(same, tuple) and len(same) == n else (None,) * n
        subs = (same,) * n if same in (0, 1) else subs
        new = [
            where_parts(
                bt,
                b,
                c,
                x,
                b.apply(_getitem, tv, k),
                b.apply(_getitem, fv, k),
                s1,
                s2,
                w,
                tapes,
                u,
            )
            for x, k, s1, s2, w, u in zip(items, keys, sts, sfs, want, subs)
        ]
        return S.rebuild(b, t, new)
    if isinstance(t, AStack):
        if tapes:
            return select_tapes(bt, b, c, t, tv, fv)
        if same in (0, 1):  # the tape of a loop one side runs; the other's is empty
            return (tv, fv)[same]
        raise MyiaTypeError(
            "vmap cannot batch the gradient of a branch whose condition varies from example "
            "to example and whose sides keep two different tapes of a loop in one place; "
            "map the function inside the loss and differentiate that (grad of a sum of "
            "vmap), or loop over the examples",
            tv.loc,
        )
    if isinstance(t, AList):
        raise MyiaTypeError(
            "vmap cannot select a list of run-time length by a condition that varies from "
            "example to example (the lengths may differ)",
            tv.loc,
        )
    if type_of(fv) is BOTTOM or unbound(fv):  # unbound on that side (a return's slot)
        return bt.broadcast(b, tv, t, st, True)
    if type_of(tv) is BOTTOM or unbound(tv):
        return bt.broadcast(b, fv, t, sf, True)
    a = bt.broadcast(b, tv, t, st, True)
    f = bt.broadcast(b, fv, t, sf, True)
    rank = t.ndim if isinstance(t, AArray) else 0
    cr = b.apply(_expand_dims, c, tuple(range(1, rank + 1))) if rank else c
    return b.apply(_where, cr, a, f)


def select(bt, node: Apply, bg: Graph, graphs: list[Graph], cond: Node) -> Node:
    """The call `node` of `switch(cond, T, F)` with a batched `cond`: both sides, then
    `np.where` (both must be safe, see the module). Where both sides end by calling the
    same graph (the next iteration of a loop, after a `continue`), the arguments of that
    call are selected, and the graph called once."""
    from myia.batching.breaks import leave, leaving

    left = leaving(bt, node, graphs)
    if left is not None and left[0] in bt.breaking:
        return leave(bt, node, bg, graphs, cond, *left)
    target = tail_target(graphs)
    if target is not None and node is node.graph.output:
        b = Builder(bg, node.loc)
        args = arguments_of(bt, node, bg, graphs, cond, target)
        return bt.call_graph(
            b, node, target, [b.apply(_getitem, args, k) for k in range(len(target.parameters))]
        )
    guarded = _check_sides(bt, node, graphs, None, node.graph, guard=True)
    b = Builder(bg, node.loc)
    c = bt.value(cond)
    mask_sides(bt, b, node, graphs, c)
    mark_taken(bt, b, node, graphs, c)
    raising = [k for k in (0, 1) if _raises_in(bt, graphs[k])]
    if not guarded or len(raising) == 2:
        return _selected(bt, b, node, graphs, c, (0, 1))
    out_t = bt.value_type(node.abstract, bt.spec_of(node), node.loc)
    if raising:  # it raises where some example takes the side that raises, else the other
        (k,) = raising
        fns = []
        for which in ((k,), (1 - k,)):
            g = Graph(f"{bg.name}:{'tf'[which[0]]}", node.loc)
            g.flags["branch"] = True
            g.output = _selected(bt, b.at(g), node, graphs, c, which)
            fns.append(typed_constant(g, node.loc))
        some = b.apply(_any, c if k == 0 else b.apply(_not, c), None, False)
        return b.call(b.apply(_switch, some, *fns), [], out_t)
    fns = []
    for which in ((0,), (0, 1), (1,)):
        g = Graph(f"{bg.name}:{'_'.join('tf'[k] for k in which)}", node.loc)
        g.flags["branch"] = True
        g.output = _selected(bt, b.at(g), node, graphs, c, which)
        fns.append(typed_constant(g, node.loc))
    g = Graph(f"{bg.name}:t_tf", node.loc)
    g.flags["branch"] = True
    inner = b.at(g)
    some_f = inner.apply(_any, inner.apply(_not, c), None, False)
    g.output = inner.call(inner.apply(_switch, some_f, fns[1], fns[0]), [], out_t)
    some_t = b.apply(_any, c, None, False)
    return b.call(b.apply(_switch, some_t, typed_constant(g, node.loc), fns[2]), [], out_t)


def _selected(bt, b: Builder, node: Apply, graphs: list[Graph], c: Node, which) -> Node:
    """The value of the branch `node` on the batched `c` from its sides `which` (both:
    `np.where`; one: that side's, where every example takes it, `select`)."""
    sides = {}
    for k in which:
        g = graphs[k]
        args = [bt.argument(b, x, p) for x, p in zip(node.inputs[1:], g.parameters)]
        if g in bt.taken:
            mask = bt.taken[g][0]
            args = [
                masked(b, v, p.abstract, bt.spec_of(p), mask) for v, p in zip(args, g.parameters)
            ]
        out_t = bt.value_type(node.abstract, bt.out.get(g, False))
        sides[k] = b.call(typed_constant(bt.graph(g), node.loc), args, out_t)
    raising = [k for k in which if _raises_in(bt, graphs[k])]
    if raising:  # computed where an example takes it, which raises (see `unsafe`)
        return sides[raising[0]]
    st, sf = (bt.out.get(g, False) for g in graphs)
    if len(which) == 1:
        (k,) = which
        return bt.broadcast(b, sides[k], node.abstract, (st, sf)[k], bt.spec_of(node))
    same = shared(*(g.output for g in graphs), graphs)
    return where_parts(
        bt, b, c, node.abstract, sides[0], sides[1], st, sf, bt.spec_of(node), False, same
    )


def _raises_in(bt, g: Graph) -> bool:
    """Whether the side `g` of a branch raises (an `assert` that fails, a `raise`)."""
    return any(raises(x) for x in bt.mng.nodes.get(g, ()))


def shared(a, o, graphs: list[Graph]):
    """The parts of the outputs `a` and `o` of the sides `graphs` of a branch that are
    one value made around them (a tape both sides keep in their residuals): that value;
    the parts one side leaves empty (None: a tape of a loop the other side runs, see
    `where_parts`): the index of the other side; a tuple of such trees for tuples both
    sides make, None elsewhere. (`a` and `o` are nodes, or the items of a constant.)"""
    if a is o and isinstance(a, Node) and not isinstance(a, Constant) and a.graph not in graphs:
        return a
    empty = [_value(x) is None for x in (a, o)]
    if empty[0] != empty[1]:
        return empty.index(False)
    items = [_items(x, graphs) for x in (a, o)]
    if None not in items and len(items[0]) == len(items[1]):
        return tuple(shared(x, y, graphs) for x, y in zip(*items))
    return None


def _value(x):
    """The value of `x` where it is a constant (or the item of one), else `x`."""
    return x.value if isinstance(x, Constant) else x


def _items(x, graphs: list[Graph]):
    """The items of `x` where it is a tuple one of `graphs` makes or a constant tuple."""
    if isinstance(x, Apply) and x.is_apply(_make_tuple) and x.graph in graphs:
        return x.inputs[1:]
    v = _value(x)
    return v if isinstance(v, tuple) else None


def _check_sides(bt, node: Apply, graphs: list[Graph], loop, home=None, guard=False) -> bool:
    """Refuse the branch `node` on a varying condition if a side of it is unsafe. With
    `guard`, whether it is safe only where a side is computed when some example takes it
    (its own indexing with an index the same for every example: valid for one example,
    it is for all, the examples' arrays having one shape), where every example runs the
    graph of `node` (`everyone_runs`): then `select` computes a side only where some
    example takes it.

    Example:
        >>> # if x[i] > best: best = x[i]     -> guarded: x[:, i] is computed if np.any(...)
    """
    masked = [maskable(bt, node, g) for g in graphs]
    whys = [unsafe(bt, g, loop, home, masked=m) for g, m in zip(graphs, masked)]
    if guard and any(whys) and everyone_runs(bt, node.graph):
        again = [unsafe(bt, g, loop, home, {g}, m) for g, m in zip(graphs, masked)]
        if not any(again):
            return True
    for why in whys:
        refuse_unsafe_side(node, "a side", why, "or compute the side with np.where yourself")
    return False


def everyone_runs(bt, g: Graph) -> bool:
    """Whether every example really runs `g` each time the batched program does: `g` is
    the mapped function, or is called only from one graph every example runs, not as a
    side of a branch on a varying condition nor from a loop whose test varies or which
    examples leave (which run for examples that are done).

    Example:
        >>> # for i in range(n): if x[i] > 0.0: ...    -> the body of the loop: True
    """
    seen = set()
    while g is not bt.root:
        up = _runner(bt, g)
        if up is None or g in seen:
            return False
        seen.add(g)
        if g.flags.get("loop") and (g in bt.breaking or loop_test(bt, g.output) is not None):
            return False
        for node in bt.mng.nodes.get(up, ()):
            if not isinstance(node, Apply):
                continue
            uses = [
                i for i, x in enumerate(node.inputs) if isinstance(x, Constant) and x.value is g
            ]
            if not uses or uses == [0]:
                continue
            if not (
                node.is_apply(_switch) and 1 not in uses and bt.spec_of(node.inputs[1]) is False
            ):
                return False
            if up in bt.breaking:
                return False
        g = up
    return True


def maskable(bt, node: Apply, g: Graph) -> bool:
    """Whether the side `g` of the branch `node` on a varying condition can be told which
    examples take it (`mask_sides`): the graph of `node` is the only one that refers to
    it, so that it can read the condition there (as a closure of that graph), and it is
    a side of no other branch.

    Example:
        >>> # if x > 0.0: (while x < 9.0: x = 2.0 * x)    -> the side `if_true`: True
    """
    return _runner(bt, g) is node.graph and bt.side_masks.get(g, node) is node


def _runner(bt, g: Graph) -> Graph | None:
    """The one graph that refers to `g` (for a loop's header: from outside the loop, where
    it is entered), None where there is not one."""
    if bt.cyclic is None:
        bt.cyclic = cyclic_graphs(bt.mng)
    if bt.referrers is None:
        bt.referrers = {}
        for h in sorted(bt.inside, key=lambda x: x.id):
            for k in bt.mng.graph_constants.get(h, ()):
                bt.referrers.setdefault(k, set()).add(h)
    users = bt.referrers.get(g, set())
    if g.flags.get("loop") and g in bt.cyclic:
        users = users - _cycle(bt, g)
    return next(iter(users)) if len(users) == 1 else None


def mask_sides(bt, b: Builder, node: Apply, graphs: list[Graph], c: Node) -> None:
    """Record, for each side of the branch `node` on the batched condition `c` (a side
    that enters a loop, see `maskable`), the examples that take it (and run the graph of
    `node`: `running`), so that a loop it enters runs for those examples only: the mask
    is an extra parameter of the loop's header (`Batcher.call_graph`), and the loop's
    test holds only where it does (`loop_call`); for the other examples the loop ends at
    once, as a loop of no run does.

    Example:
        >>> # if x > 0.0: (while x < 9.0: ...)    -> masks[while] = the parameter `mask`
    """
    outer = running(bt, node.graph)
    for k, g in enumerate(graphs):
        loops = loops_entered(bt, g) if maskable(bt, node, g) else ()
        if not loops:
            continue
        taken = c if k == 0 else b.apply(_not, c)
        bt.side_masks[g] = node
        bt.masks[g] = taken if outer is None else b.apply(_and, outer, taken)
        for h in loops:
            if h in bt.graphs and h in bt.masks:  # (given its parameter by a side around)
                continue
            bt.masks[h] = None  # (its parameter, made with its rewritten graph)
            if h in bt.graphs:  # (made early: the parent of a closure a type names)
                if _filled(bt, h, g):
                    raise MyiaError(f"internal error: the loop {h!r} was rewritten before its mask")
                bt.add_mask(h)


def _filled(bt, h: Graph, g: Graph) -> bool:
    """Whether the header `h` of a loop the side `g` enters, or a graph of its cycle or
    one running it from `g` (the exit of a loop before it), is rewritten already (and
    so calls it without its mask). A header is made before it is filled where a type
    names a closure in the loop (`Batcher.value_type`: its parents are made first): it
    takes its mask then."""
    around, x = _cycle(bt, h), _runner(bt, h)
    while x is not None and x is not g and x not in around:
        around.add(x)
        x = _runner(bt, x)
    return any(k in bt.graphs and k not in bt.pending for k in around)


def mark_taken(bt, b: Builder, node: Apply, graphs: list[Graph], c: Node) -> None:
    """Record, for each side of the branch `node` on the batched condition `c` that only
    `node`'s graph refers to (and that is not rewritten yet), the examples taking it, so
    that the values that vary it reads from outside are read through `grad_mask`
    (`taken_read`): what it adds to their gradients is zero for the examples that do
    not take it (where its derivatives may be nan: `np.sqrt` of a negative number).

    Example:
        >>> # if x > 0.0: np.sqrt(x)    -> np.sqrt(grad_mask(x, x > 0.0))
    """
    for k, g in enumerate(graphs):
        mark_run(bt, node, g, c if k == 0 else b.apply(_not, c))


def mark_run(bt, node: Apply, g: Graph, mask: Node) -> None:
    """Record that the graph `g` the call `node` may make (a side of a branch, the body of
    a loop whose test varies or that examples leave: `loop_call`, a side leaving a loop
    or going on with it: `breaks.leave`) is run for the examples of `mask` only, where
    only `node`'s graph refers to it and it is not rewritten yet (see `mark_taken`)."""
    fresh = g not in bt.graphs or g in bt.pending
    if fresh and g not in bt.taken and _runner(bt, g) is node.graph:
        bt.taken[g] = (mask, node.graph)


def taken_read(bt, node: Node, v: Node) -> Node:
    """The rewritten `node` (`v`) as the graph being rewritten (`bt.reader`) reads it:
    where that graph is in a side of a branch on a varying condition (`mark_taken`) and
    `node` is outside the side (is not in a graph run from it), `grad_mask` of its value
    as the branch's graph reads it, by the examples taking the side (by `np.any` of them
    where `node` is the same for every example; the masks of nested sides compose); `v`
    elsewhere."""
    if bt.reader is None:
        return v
    h = next((x for x in _callers(bt, bt.reader) if x in bt.taken), None)
    if h is None or (node.graph is not None and h in _callers(bt, node.graph)):
        return v
    key = (h, node)
    if key not in bt.taken_reads:
        mask, branch = bt.taken[h]
        spec = bt.spec_of(node)
        if spec is False:
            if h not in bt.taken_some:
                some = Builder(bt.graph(branch), node.loc).apply(_any, mask, None, False)
                bt.taken_some[h] = some
            mask, spec = bt.taken_some[h], S.fit(True, node.abstract)
        reader, bt.reader = bt.reader, branch
        outer = bt.value(node)
        bt.reader = reader
        b = Builder(bt.graph(h), node.loc)
        bt.taken_reads[key] = masked(b, outer, node.abstract, spec, mask)
    return bt.taken_reads[key]


def find_sides(bt, node: Apply, graphs: list[Graph]) -> None:
    """Record (in the analysis) the graphs `graphs` the call `node` of a switch chooses
    from that are run for some examples only (those `mark_run` marks): the sides of a
    branch on a varying condition, the body (not the exit) of a loop whose test varies or
    that examples leave, where only the graph of `node` refers to them, and only there (a
    graph two branches share is rewritten once: it has no one mask)."""
    if loop_test(bt, node) is not None:
        graphs = graphs[:1]
    for g in graphs:
        one = _runner(bt, g) is node.graph and bt.mng.graph_use_count(g) == 1
        if one and g not in bt.sides:
            bt.sides.add(g)
            bt._changed = True


def _inexact(t) -> bool:
    """Whether `t` is the type of a number or an array of floats or complex numbers."""
    if isinstance(t, AArray):
        dtype = t.dtype
    else:
        dtype = np.dtype(t.kind) if isinstance(t, AScalar) else S.number_dtype(t)
    return dtype is not None and np.issubdtype(dtype, np.inexact)


def _callers(bt, g: Graph) -> list[Graph]:
    """`g`, the graph it is run from (`_runner`: a loop a side enters is run from the
    side), that graph's, and so on (where no one graph runs it: the graph it is nested
    in)."""
    out = []
    while g is not None and g not in out:
        out.append(g)
        g = _runner(bt, g) or bt.mng.parents.get(g)
    return out


def masked(b: Builder, v: Node, t, spec, mask: Node) -> Node:
    """The batched value `v` (per-example type `t`, spec `spec`) with `grad_mask` by
    `mask` on its parts of float or complex numbers that vary; `v` if it has none."""
    if spec is False:
        return v
    items = S.parts(t)
    if items is not None:
        specs = spec if isinstance(spec, tuple) else (spec,) * len(items)
        keys = t.keys if isinstance(t, ADict) else range(len(items))
        old = [b.apply(_getitem, v, k) for k in keys]
        new = [masked(b, x, u, s, mask) for x, u, s in zip(old, items, specs)]
        return v if new == old else S.rebuild(b, t, new)
    return b.apply(_grad_mask, v, mask) if _inexact(t) else v


def running(bt, g: Graph) -> Node | None:
    """The batched mask of the examples that really run `g` where `g` is run only from a
    side of a branch on a varying condition that enters a loop (`mask_sides`), None where
    every example does.

    Example:
        >>> # if x > 0.0: while x < 9.0: x = 2.0 * x    -> the loop's test: (x < 9.0) & (x > 0.0)
    """
    h, seen = g, set()
    while h is not None and h not in seen:
        if h in bt.masks:
            return bt.masks[h]
        seen.add(h)
        h = _runner(bt, h)
    return None


def refuse_unsafe_side(node: Apply, side: str, why, advice: str = "") -> None:
    """Refuse the branch `node` on a varying condition whose `side` is unsafe (`why`, from
    `unsafe`: the reason and where), naming the user's line; nothing if `why` is None."""
    if why is None:
        return
    reason, loc = why
    line = f" (line {loc.lineno})" if loc is not None and loc.lineno else ""
    raise MyiaTypeError(
        "vmap cannot batch this branch: its condition varies from example to "
        f"example, and {side} {reason}{line}, so it cannot be computed for the "
        "examples that do not take it; make the condition the same for every "
        f"example (in_axes=None){', ' + advice if advice else ''}",
        node.loc,
    )


def tail_target(graphs: list[Graph]) -> Graph | None:
    """The graph every one of `graphs` ends by calling (through nested branches), if
    they all end by calling one."""
    found = set()
    for g in graphs:
        out = g.output
        if not isinstance(out, Apply) or out.graph is not g:
            return None
        fn = out.inputs[0]
        if isinstance(fn, Constant) and isinstance(fn.value, Graph):
            found.add(fn.value)
        elif isinstance(fn, Apply) and fn.is_apply(_switch) and len(out.inputs) == 1:
            sides = fn.inputs[2:]
            if not all(isinstance(x, Constant) and isinstance(x.value, Graph) for x in sides):
                return None
            found.add(tail_target([x.value for x in sides]))
        else:
            return None
    return found.pop() if len(found) == 1 and None not in found else None


def arguments_of(bt, node: Apply, bg: Graph, graphs: list[Graph], cond: Node, target: Graph):
    """The tuple of the arguments the sides `graphs` of the call `node` of a switch end
    by passing to `target`: each side rewritten to return them (`Batcher.fill`), selected
    with `np.where` on a batched `cond`, by the switch otherwise."""
    b = Builder(bg, node.loc)
    ptypes = ATuple([p.abstract for p in target.parameters])
    spec = S.fit(tuple(bt.spec_of(p) for p in target.parameters), ptypes)
    out_t = bt.value_type(ptypes, spec)
    for g in graphs:
        bt.returns_args[g] = target
    fns = [typed_constant(bt.graph(g), node.loc) for g in graphs]
    c = bt.value(cond)
    if bt.spec_of(cond) is False:
        return b.call(b.apply(_switch, c, *fns), [], out_t)
    _check_sides(bt, node, graphs, target)
    mask_sides(bt, b, node, graphs, c)
    mark_taken(bt, b, node, graphs, c)
    sides = [b.call(f, [], out_t) for f in fns]
    return where_parts(bt, b, c, ptypes, sides[0], sides[1], spec, spec, spec, tapes=True)


def select_values(bt, node: Apply, bg: Graph) -> Node:
    """`switch(cond, x, y)` on values (not functions) with a batched `cond`."""
    b = Builder(bg, node.loc)
    c, x, y = node.inputs[1:]
    return where_parts(
        bt,
        b,
        bt.value(c),
        node.abstract,
        bt.value(x),
        bt.value(y),
        bt.spec_of(x),
        bt.spec_of(y),
        bt.spec_of(node),
    )


def unsafe(
    bt, g: Graph, loop: Graph | None = None, home: Graph | None = None, indexing=(), masked=False
):
    """Why computing `g` for an example that does not take it could change what the
    program does, with where: (reason, location), or None when it is safe. In the body of
    the loop `loop`, the call of its header is the loop itself (not walked into). A side
    of a branch in `home` may not go on with a loop `home` is in: `np.where` after it
    would make the loop a recursion (a `return` or `break` in a loop, on a condition
    that varies). The graphs `indexing` are run only where some example really runs
    them (the body of a loop whose test is the same for every example, a side computed
    only where an example takes it): their own indexing with an index the same for
    every example is safe (the examples' arrays have one shape), and so is their own
    `raise_` (some example really raises; one in a graph they call is not). With
    `masked`, `g` is told which examples take it (`mask_sides`): a loop it enters
    (`loops_entered`) runs for those only, and ends for the others, so it is safe (its
    body is checked as any loop's is)."""
    if bt.cyclic is None:
        bt.cyclic = cyclic_graphs(bt.mng)
    own = _cycle(bt, loop) if loop is not None else set()
    own |= _same_for_all(bt)
    if masked:
        for h in loops_entered(bt, g):
            own |= _cycle(bt, h)
    seen, stack = {g}, [g]
    while stack:
        h = stack.pop()
        if home is not None and h in bt.cyclic and home in _cycle(bt, h):
            return (
                "goes on with the loop it is in or recurses (a return or a break in a loop)",
                h.loc,
            )
        if h in bt.cyclic and h not in own:
            return "loops or recurses", h.loc
        for node in sorted(bt.mng.nodes.get(h, ()), key=lambda n: n.id):
            if not isinstance(node, Apply):
                continue
            fn = node.inputs[0]
            if isinstance(fn, Constant) and fn.value is _RAISE and h not in indexing:
                return "can raise an error", node.loc
            if isinstance(fn, Constant) and fn.value in _INDEXING:
                index = node.inputs[2:3] if fn.value is _setitem else node.inputs[2:]
                same = h in indexing and not any(bt.spec_of(x) for x in index)
                if not same and not all(is_constant(type_of(x)) for x in index):
                    why = unsafe_index(bt, node, g)
                    if why is not None:
                        return why, node.loc
        for k in sorted(bt.mng.graph_constants.get(h, ()), key=lambda x: x.id):
            if k not in seen and k is not loop:
                seen.add(k)
                stack.append(k)
    return None


def _same_for_all(bt) -> set:
    """The graphs of the loops whose test is the same for every example: they run the
    same iterations for every example, so computing them for those that do not take a
    side ends as it does for those that do."""
    out: set = set()
    for h in sorted(bt.cyclic, key=lambda g: g.id):
        if h.flags.get("loop") and h not in out:
            fn = h.output.inputs[0] if isinstance(h.output, Apply) else None
            if isinstance(fn, Apply) and fn.is_apply(_switch) and bt.spec_of(fn.inputs[1]) is False:
                out |= _cycle(bt, h)
    return out


def loops_entered(bt, g: Graph) -> set:
    """The headers of the loops run only from `g` (entered from it or from a graph run
    only from it: a loop after a loop is entered from the exit of the first).

    Example:
        >>> # if x > 0.0: (while a: ...; while b: ...)    -> {while a, while b}
    """
    out = set()
    for h in sorted(bt.cyclic, key=lambda x: x.id):
        if not h.flags.get("loop") or h is g:
            continue
        x, seen = _runner(bt, h), {h}
        while x is not None and x is not g and x not in seen:
            seen.add(x)
            x = _runner(bt, x)
        if x is g:
            out.add(h)
    return out


def _cycle(bt, header: Graph) -> set:
    """The graphs on the cycles through the loop header `header`."""
    return {g for g in bt.reach(header) if header in bt.reach(g)}


def loop_test(bt, node: Node):
    """The batched test of the loop whose header returns the call `node` (the switch
    between the body and the exit), or None when `node` is not that call."""
    if not isinstance(node, Apply) or not node.graph.flags.get("loop"):
        return None
    if node is not node.graph.output:
        return None
    fn = node.inputs[0]
    if not (isinstance(fn, Apply) and fn.is_apply(_switch)):
        return None
    cond = fn.inputs[1]
    if bt.spec_of(cond) is False and node.graph not in bt.breaking:
        return None
    return cond


def loop_call(bt, node: Apply, bg: Graph, cond: Node) -> Node:
    """The header's call of the switch between the loop's body and its exit, on a batched
    test, or of a loop examples may leave (`myia.batching.breaks`): the body while the
    test holds for any example still in the loop (see the module)."""
    from myia.batching.breaks import go, leaving_sides

    header = node.graph
    sides = [x.value for x in node.inputs[0].inputs[2:]]

    batched = bt.spec_of(cond) is not False
    # (in a gradient, the backward pass of the run that left reads the exit's residuals
    # too, where an index may be out of range: the sensitivity of an indexing clips it,
    # `myia.batching.structures._index_sens`)
    indexing = {sides[0], *leaving_sides(bt, sides[0], header)} if not batched else ()
    why = unsafe(bt, sides[0], header, indexing=indexing)
    if why is not None:
        reason, loc = why
        line = f" (line {loc.lineno})" if loc is not None and loc.lineno else ""
        varies = (
            "its test varies from example to example"
            if batched
            else "examples leave it at different runs (a break or a return on a condition "
            "that varies)"
        )
        raise MyiaTypeError(
            f"vmap cannot batch this loop: {varies}, and its body {reason}{line}, so it "
            "cannot run on for the examples that are done; make the condition the same "
            "for every example (in_axes=None)",
            node.loc,
        )
    b = Builder(bg, node.loc)
    c = bt.value(cond)
    mask = running(bt, header)
    if batched and mask is not None:  # in a side of a branch: for the examples taking it
        c = b.apply(_and, c, mask)
    if header in bt.breaking:
        bt.exits[sides[1]] = header
        more = go(bt, b, header, c, batched, mask)
    else:
        more = b.apply(_any, c, None, False)
    if batched:
        bt.loops[header] = c
    mark_run(bt, node, sides[0], bt.alive.get(header, c))  # (the examples still running)
    choice = b.apply(_switch, more, *[typed_constant(bt.graph(g), node.loc) for g in sides])
    return b.call(choice, [], bt.value_type(node.abstract, bt.out.get(header, False)))


def frozen_args(bt, b: Builder, header: Graph, args: list, c: Node) -> list:
    """The arguments of a back edge of a loop with a batched test `c` (or of the backward
    loop of one, `c` the mask it popped): the new state where `c` holds, the old one
    where it does not. The tape is the new one (every run pushes: `myia.batching.tapes`)."""
    out = []
    reader, bt.reader = bt.reader, header  # (the state as it is, not as the body reads it)
    for new, p in zip(args, header.parameters):
        if isinstance(p.abstract, AStack):
            out.append(new)
            continue
        old = bt.value(p)
        spec = bt.spec_of(p)
        out.append(where_parts(bt, b, c, p.abstract, new, old, spec, spec, spec))
    bt.reader = reader
    return out
