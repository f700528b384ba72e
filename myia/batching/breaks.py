"""Loops left early on a condition that varies from example to example (`break`, and
`return` inside a loop, which leaves it with the value to return).

In the program, such a loop's body ends with a branch one side of which goes on with the
loop (a call of its header) and the other of which is the loop's value (a `break` or a
`return`). Batched, the loop carries two more values: `done` (the examples that left
it) and `res` (the loop's value for them). Each run of the body, for the examples still
in the loop (`alive`: not done, and the loop's test holds), the branch computes the side
that leaves for every example, keeps its value in `res` for those that take it, marks them
done, and goes on with the loop for all (the state of the examples not alive frozen where
the loop's test varies, as in `myia.batching.control`; where it does not, the loop runs
in lockstep and the state of the examples done is not read). The loop runs while any
example is alive; its exit is `np.where(done, res, value at the exit)`. The side that
leaves is computed for examples that do not take it, so it must be safe
(`control.unsafe`); where the loop's test is the same for every example, a side whose own
indexing uses an index the same for every example (the loop's counter) is computed only
where some example still in the loop takes it (`_guarded`): an index valid for one
example is valid for all. The body reads what it is given through `grad_mask` by the
examples alive, the side that leaves by those leaving and the side going on by the
others (`control.mark_run`), so that the runs of the examples done add nothing to
gradients.

In a gradient program the loop's value holds its tape (`myia.batching.tapes`): `res`
keeps of it only the entry the leaving run pushed (the residual its backward pass starts
from), the exit's tape ends with it for the examples done, and the entries pushed by the
runs that went on are masked with the examples still alive.

Example:
    >>> # while i < 5: (i += 1; if x > 3.0: break; x = x * 1.7)     (x varies)
    >>> # hit = alive & (x > 3.0); res = where(hit, x, res); done = done | hit
"""

from __future__ import annotations

import numpy as np

from myia.batching import specs as S
from myia.batching.tapes import entry_type
from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AStack, ATuple
from myia.infer.build import Builder, typed_constant
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import lookup

_and = lookup("logical_and")
_not = lookup("logical_not")
_or = lookup("logical_or")
_any = lookup("any")
_switch = lookup("switch")
_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_pop = lookup("stack_pop")
_push = lookup("stack_push")


def leaving(bt, node: Apply, graphs: list[Graph]) -> tuple[Graph, int] | None:
    """(the loop, the index of the side that leaves it) where the call `node` of a branch
    ends a run of a loop's body with one side going on with the loop and the other
    leaving it; None otherwise."""
    from myia.batching.control import _cycle

    if node is not node.graph.output or len(graphs) != 2:
        return None
    reached = [
        {
            t
            for t in _tail_calls(g, set())
            if t is not node.graph  # (the header's own test)
            and t.flags.get("loop")
            and node.graph in _cycle(bt, t)
        }
        for g in graphs
    ]
    loops = set().union(*reached)
    if len(loops) != 1 or all(reached):
        return None
    loop = next(iter(loops))
    return loop, [bool(r) for r in reached].index(False)


def leaving_sides(bt, body: Graph, header: Graph) -> list[Graph]:
    """The sides of the branches in `body` on a varying condition that leave the loop
    `header` or go on with it (`leave` computes each only where an example takes it).

    Example:
        >>> # for i in ...: (if xs[i] > t: break; s = s + xs[i])    -> [if_true, if_false]
    """
    out = []
    for node in sorted(bt.mng.nodes.get(body, ()), key=lambda n: n.id):
        fn = node.inputs[0] if isinstance(node, Apply) else None
        if not (isinstance(fn, Apply) and fn.is_apply(_switch) and bt.spec_of(fn.inputs[1])):
            continue
        graphs = [x.value for x in fn.inputs[2:] if isinstance(x, Constant)]
        if len(graphs) == 2 and all(isinstance(g, Graph) for g in graphs):
            left = leaving(bt, node, graphs)
            if left is not None and left[0] is header:
                out.extend(graphs)
    return out


def _tail_calls(g: Graph, seen: set) -> set:
    """The graphs `g` may end by calling, through the sides of the branches it ends with."""
    out = g.output
    if g in seen or not isinstance(out, Apply) or out.graph is not g:
        return set()
    seen.add(g)
    fn = out.inputs[0]
    if isinstance(fn, Constant) and isinstance(fn.value, Graph):
        return {fn.value}
    if isinstance(fn, Apply) and fn.is_apply(_switch):
        sides = [x.value for x in fn.inputs[2:] if isinstance(x, Constant)]
        return set().union(*(_tail_calls(h, seen) for h in sides if isinstance(h, Graph)))
    return set()


def kept_type(bt, t):
    """The per-example type of what `res` keeps of a loop's value of type `t`: the value,
    but of a tape (the forward loop of a gradient) only the entry pushed last (the
    residual of the run that left the loop, which its backward pass starts from)."""
    if isinstance(t, AStack):
        return entry_type(t, bt.masked)
    items = S.parts(t)
    if items is not None and any(holds_tape(x) for x in items):
        return ATuple([kept_type(bt, x) for x in items])
    return t


def _keep(bt, b: Builder, v: Node, t) -> Node:
    """What `res` keeps of the loop's value `v` (of per-example type `t`)."""
    if isinstance(t, AStack):
        return b.apply(_getitem, b.apply(_pop, v), 0)
    items = S.parts(t)
    if items is not None and any(holds_tape(x) for x in items):
        return b.apply(
            _make_tuple, *[_keep(bt, b, b.apply(_getitem, v, k), x) for k, x in enumerate(items)]
        )
    return v


def _restore(bt, b: Builder, done: Node, t, kept: Node, v: Node) -> Node:
    """The loop's value: `v` (at the exit), with what `res` keeps where `done`; a tape's
    last entry is the kept one (see `kept_type`)."""
    from myia.batching.control import where_parts

    if isinstance(t, AStack):
        low = b.apply(_pop, v)
        elem = entry_type(t, bt.masked)
        spec = S.fit(True, elem)
        top = where_parts(bt, b, done, elem, kept, b.apply(_getitem, low, 0), spec, spec, spec)
        return b.apply(_push, b.apply(_getitem, low, 1), top)
    items = S.parts(t)
    if items is not None and any(holds_tape(x) for x in items):
        parts = [
            _restore(bt, b, done, x, b.apply(_getitem, kept, k), b.apply(_getitem, v, k))
            for k, x in enumerate(items)
        ]
        return b.apply(_make_tuple, *parts)
    spec = S.fit(True, t)
    return where_parts(bt, b, done, t, kept, v, spec, spec, spec)


def extra_parameters(bt, g: Graph, bg: Graph) -> None:
    """The parameters `done` and `res` of the rewritten header `bg` of the loop `g`."""
    done = bg.add_parameter("done", g.loc)
    done.abstract = AArray(np.dtype(bool), (bt.size,))
    res = bg.add_parameter("res", g.loc)
    t = kept_type(bt, g.output.abstract)
    res.abstract = bt.value_type(t, S.fit(True, t), g.loc)
    bt.left[g] = (done, res)


def initial(bt, b: Builder, g: Graph) -> list[Node]:
    """`done` and `res` where the loop `g` starts: no example has left it (zeros)."""
    t = kept_type(bt, g.output.abstract)
    if _holds_varying_tape(bt, t):
        raise MyiaTypeError(
            "vmap cannot batch the gradient of this loop: examples leave it at different "
            "runs (a break or a return on a condition that varies), and the residual of a "
            "run holds the tape of an inner loop, which cannot be kept for each example; "
            "differentiate the sum of the mapped function instead (myia.grad of np.sum of "
            "myia.vmap), or loop over the examples",
            b.loc,
        )
    none = typed_constant(None)
    res = bt.broadcast(b, bt.zeros(b, t, none), t, False, S.fit(True, t))
    return [typed_constant(np.zeros(bt.size, dtype=bool)), res]


def _holds_varying_tape(bt, t) -> bool:
    """Whether a value of type `t` holds a tape whose entries vary from example to
    example (or are masked)."""
    if isinstance(t, AStack):
        return t in bt.masked or S.fit(True, t.elem) is not False
    items = S.parts(t)
    return items is not None and any(_holds_varying_tape(bt, x) for x in items)


def go(bt, b: Builder, header: Graph, test: Node, batched: bool, mask=None) -> Node:
    """Whether the loop `header`, which examples may leave, runs its body again (`test`:
    its rewritten test, `batched` or not; `mask`: the examples that run the loop, where
    not all do, `control.running`); `alive` is kept for the back edges."""
    done, _ = bt.left[header]
    alive = b.apply(_not, done)
    if mask is not None:
        alive = b.apply(_and, alive, mask)
    if batched:
        alive = b.apply(_and, test, alive)
        bt.alive[header] = alive
        return b.apply(_any, alive, None, False)
    bt.alive[header] = alive
    return b.apply(_and, test, b.apply(_any, alive, None, False))


def state_at(bt, g: Graph, header: Graph) -> tuple[Node, Node, Node]:
    """(alive, done, res) at a back edge made in `g` of the loop `header`: as the innermost
    branch that leaves the loop around `g` left them, else as the run started."""
    h = g
    while h is not None and h is not header:
        if h in bt.left_at:
            return bt.left_at[h]
        h = bt.mng.parents.get(h)
    return (bt.alive[header], *bt.left[header])


def leave(bt, node: Apply, bg: Graph, graphs: list[Graph], cond: Node, loop, k: int) -> Node:
    """The branch `node` (on the batched `cond`) whose side `k` leaves the loop `loop` and
    whose other side goes on with it (see the module)."""
    from myia.batching.control import (
        frozen_args,
        mark_run,
        refuse_unsafe_side,
        tail_target,
        unsafe,
        where_parts,
    )

    out, on = graphs[k], graphs[1 - k]
    guard = set()
    for g, within in ((out, None), (on, loop)):
        side = f"the side that {'leaves' if g is out else 'goes on with'} the loop"
        why = unsafe(bt, g, within)
        ends = g is out or tail_target([g]) is loop  # (the side going on: at its end)
        if why is not None and ends and unsafe(bt, g, within, indexing={g}) is None:
            guard.add(g)  # (its own indexing is safe where some example takes it)
            continue
        refuse_unsafe_side(node, side, why)
    b = Builder(bg, node.loc)
    alive, done, res = state_at(bt, node.graph, loop)
    c = bt.value(cond)
    taken = c if k == 0 else b.apply(_not, c)
    hit = b.apply(_and, alive, taken)
    going = b.apply(_and, alive, b.apply(_not, taken))
    mark_run(bt, node, out, hit)  # (each side read for the examples taking it)
    mark_run(bt, node, on, going)
    t = loop.output.abstract
    spec = bt.out.get(loop, False)
    kt = kept_type(bt, t)
    ks = S.fit(True, kt)

    def keep(kb: Builder) -> Node:
        args = [bt.argument(kb, x, p) for x, p in zip(node.inputs[1:], out.parameters)]
        value = kb.call(typed_constant(bt.graph(out), node.loc), args, bt.value_type(t, spec))
        return where_parts(bt, kb, hit, kt, _keep(bt, kb, value, t), res, ks, ks, ks)

    kept_t = bt.value_type(kt, ks, node.loc)
    kept = _guarded(b, hit, keep, lambda _: res, kept_t) if out in guard else keep(b)
    done = b.apply(_or, done, hit)
    bt.left_at[on] = (going, done, kept)

    def go_on(ob: Builder) -> Node:
        args = [bt.argument(ob, x, p) for x, p in zip(node.inputs[1:], on.parameters)]
        return ob.call(typed_constant(bt.graph(on), node.loc), args, bt.value_type(t, spec))

    if on not in guard:
        return go_on(b)
    # The side that goes on is computed only where some example still in the loop takes
    # it; it gives the arguments of its call of the loop (`Batcher.arguments`), else the
    # loop's state is passed as it is (every example is done: the loop's test ends it).
    bt.returns_args[on] = loop
    ptypes = ATuple([p.abstract for p in loop.parameters])
    args_t = bt.value_type(ptypes, S.fit(tuple(bt.spec_of(p) for p in loop.parameters), ptypes))
    state = _guarded(
        b, going, go_on, lambda sb: sb.apply(_make_tuple, *map(bt.value, loop.parameters)), args_t
    )
    args = [b.apply(_getitem, state, i) for i in range(len(loop.parameters))]
    if loop in bt.loops:
        args = frozen_args(bt, b, loop, args, going)
    args += [done, kept]
    if loop in bt.masks:
        args.append(bt.masks[loop])
    return b.call(typed_constant(bt.graph(loop), node.loc), args, bt.value_type(t, spec))


def _guarded(b: Builder, mask: Node, some, none, out_t) -> Node:
    """`some()` where some example of `mask` holds, else `none()` (each made by the
    function given in a graph of its own, with a builder there)."""
    fns = []
    for make, kind in ((some, "some"), (none, "none")):
        g = Graph(f"{b.graph.name}:{kind}", b.loc)
        g.flags["branch"] = True
        g.output = make(b.at(g))
        fns.append(typed_constant(g, b.loc))
    return b.call(b.apply(_switch, b.apply(_any, mask, None, False), *fns), [], out_t)


def merged_exit(bt, b: Builder, header: Graph, value: Node) -> Node:
    """The value of the exit of the loop `header`: `res` for the examples that left it."""
    done, res = bt.left[header]
    return _restore(bt, b, done, header.output.abstract, res, value)


def holds_tape(t) -> bool:
    """Whether a value of type `t` holds a tape (the value of a loop in a gradient)."""
    items = S.parts(t)
    if items is not None:
        return any(holds_tape(x) for x in items)
    return isinstance(t, AStack)
