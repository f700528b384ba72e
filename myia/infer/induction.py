"""Counting loops in closed form, on the typed program.

A loop here is a header graph L that calls itself in tail position, as the parser makes
`while` and `for` (and `recursion.py` its `descend` loops):

    L(p):  c = test(p_i, bound)          (truth and not_ on it allowed)
           switch(c, back, exit)()       (or switch(c, exit, back)())
    back:  L(p_0 + s_0, p_1 + s_1, ...)  (each s_j an int constant, 0 for a parameter
                                          passed on unchanged)
    exit:  anything reading the final p (not L, not the test's nodes)

where `test` compares an int parameter p_i that steps by s_i != 0 with an int `bound` that
does not change in the loop (a constant or a value from outside it): `==`, `!=`, `<`,
`<=`, `>`, `>=`, either way round. Such a loop does nothing but count: its trip count k
is a function of p_i's start, s_i and `bound`, and so is whether it ends at all (`n != 0`
stepping by -1 never ends from a negative start). `count_loops` writes each call of such a
loop as

    k, ends = trip_count(p_i, s_i, bound)
    if ends: exit(p_j + k * s_j for every j)
    else:    the loop as it was (it runs forever, as Python's would); for a `descend` loop
             of a recursion (flags["descent"]: the user's function and line), the
             `MyiaRecursionError` Python's RecursionError would be

so that the program is the same, without the iterations. Any other loop (one whose
iteration computes anything but its steps, reads anything but its parameters, or has an
effect) is left as it is.

Example:
    >>> count_loops(specialize(parse(fn), types))   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from myia.branches import is_loop, tail_switch
from myia.errors import MyiaRecursionError
from myia.infer.abstract import AFunction, AScalar, GraphFn
from myia.infer.build import Builder, typed_constant
from myia.ir.clone import inline_clone
from myia.ir.manager import Manager, cyclic_graphs
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter
from myia.prim.registry import lookup

_switch = lookup("switch")
_truth = lookup("truth")
_not = lookup("not_")
_add = lookup("add")
_sub = lookup("sub")
_mul = lookup("mul")
_floordiv = lookup("floordiv")
_eq = lookup("eq")
_ge = lookup("ge")
_max = lookup("builtin.max")
_raise = lookup("raise_")
_COMPARE = {lookup(k): k for k in ("eq", "ne", "lt", "le", "gt", "ge")}
_SWAPPED = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
_NEGATED = {"eq": "ne", "ne": "eq", "lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}


def count_loops(program: Graph, mng: Manager | None = None) -> Graph:
    """`program` with each call of a loop that only counts replaced by its closed form (see
    the module); `mng`, where given, manages `program`."""
    mng = mng or Manager(program)
    for g in sorted(cyclic_graphs(mng), key=lambda g: g.id):
        if g in mng.graphs and is_loop(g):
            form = _counting(mng, g)
            if form is not None:
                _rewrite(mng, g, *form)
    return program


def _is_int(n: Node) -> bool:
    t = n.abstract
    return isinstance(t, AScalar) and (t.kind is int or issubclass(t.kind, np.integer))


def _counting(mng: Manager, loop: Graph):
    """(the exit branch, the steps of the parameters, the test: (index, op, bound)) of a
    loop that only counts, else None."""
    sw = tail_switch(loop)
    if sw is None or len(loop.return_.inputs) != 2:
        return None
    chain, cond, negate = [], sw.inputs[1], False
    while isinstance(cond, Apply) and cond.graph is loop and _callee(cond) in (_truth, _not):
        negate ^= _callee(cond) is _not
        chain.append(cond)
        cond = cond.inputs[1]
    if not (isinstance(cond, Apply) and cond.graph is loop and _callee(cond) in _COMPARE):
        return None
    chain.append(cond)
    if _applications(mng, loop) != {*chain, sw, loop.output}:
        return None
    on_true, on_false = sw.inputs[2].value, sw.inputs[3].value
    if _back_call(loop, on_true) is not None:
        back, exit_ = on_true, on_false
    elif _back_call(loop, on_false) is not None:
        back, exit_, negate = on_false, on_true, not negate
    else:
        return None
    steps = _steps(mng, loop, _back_call(loop, back))
    if steps is None or any(loop in mng.graph_constants[h] for h in mng.scope(exit_)):
        return None
    if any(n.graph is loop and n not in loop.parameters for n in mng.free_variables_total[exit_]):
        return None
    op = _COMPARE[_callee(cond)]
    a, b = cond.inputs[1], cond.inputs[2]
    if b in loop.parameters:
        a, b, op = b, a, _SWAPPED[op]
    if a not in loop.parameters or not (_is_int(a) and _is_int(b)):
        return None
    i = loop.parameters.index(a)
    if steps[i] == 0 or b.graph is loop or (b.graph is not None and b.graph in mng.scope(loop)):
        return None
    return exit_, steps, (i, _NEGATED[op] if negate else op, b)


def _back_call(loop: Graph, g: Graph) -> Apply | None:
    """The call of `loop` that is the output of the branch `g`, or None."""
    out = g.output
    return out if isinstance(out, Apply) and _callee(out) is loop else None


def _steps(mng: Manager, loop: Graph, call: Apply) -> list[int] | None:
    """The constant step of each parameter at the back edge `call` (in a branch graph that
    computes nothing else and has no effect), or None."""
    back = call.graph
    if back.parameters or mng.children[back]:
        return None
    made = {call}
    steps = []
    for p, arg in zip(loop.parameters, call.inputs[1:]):
        if arg is p:
            steps.append(0)
            continue
        step = _step_of(p, arg)
        if step is None or not _is_int(p) or arg.graph is not back:
            return None
        made.add(arg)
        steps.append(step)
    reads = {p for p in loop.parameters if _is_int(p)}
    if _applications(mng, back) != made or not set(back.return_.inputs[2:]) <= made | reads:
        return None  # (an int's step or read, kept as a statement, does not raise)
    return steps


def _applications(mng: Manager, g: Graph) -> set[Node]:
    return {n for n in mng.nodes[g] if isinstance(n, Apply) and n is not g.return_}


def _step_of(p: Parameter, arg: Node) -> int | None:
    if not isinstance(arg, Apply) or len(arg.inputs) != 3:
        return None
    fn, x, y = _callee(arg), arg.inputs[1], arg.inputs[2]
    if fn is _add and y is p:
        x, y = y, x
    if x is not p or not isinstance(y, Constant) or type(y.value) is not int:
        return None
    if fn is _add:
        return y.value
    return -y.value if fn is _sub else None


def _callee(node: Apply):
    """The constant `node` calls (a primitive, a graph), or None."""
    fn = node.inputs[0]
    return fn.value if isinstance(fn, Constant) else None


def _trip_count(b: Builder, x0: Node, step: int, op: str, bound: Node):
    """(k, ends): how many iterations run from `x0` while `x op bound`, x stepping by
    `step`, and whether they end (True where they always do)."""
    if op == "eq":  # one iteration at most: the next x differs
        return b.apply(_mul, b.apply(_eq, x0, bound), 1), True
    if op == "ne":  # ends where bound - x0 is a multiple of step, reached forwards
        if step == 1:
            k = b.apply(_sub, bound, x0)
            return k, b.apply(_ge, k, 0)
        if step == -1:
            k = b.apply(_sub, x0, bound)
            return k, b.apply(_ge, k, 0)
        k = b.apply(_floordiv, b.apply(_sub, bound, x0), step)
        # k * step == bound - x0 with k >= 0; for k < 0, max(k, 0) * step == 0 != bound - x0
        reached = b.apply(_mul, b.apply(_max, k, 0), step)
        return k, b.apply(_eq, reached, b.apply(_sub, bound, x0))
    # `<`, `<=`, `>`, `>=`: the distance left (> 0 while the loop runs), shrinking by rate
    if op in ("lt", "le"):
        distance, rate = b.apply(_sub, bound, x0), step
    else:
        distance, rate = b.apply(_sub, x0, bound), -step
    if op in ("le", "ge"):
        distance = b.apply(_add, distance, 1)
    if rate < 0:  # moving away: no iteration, or no end
        return 0, b.apply(_ge, 0, distance)
    if rate != 1:  # ceil(distance / rate)
        distance = b.apply(_floordiv, b.apply(_add, distance, rate - 1), rate)
    return b.apply(_max, distance, 0), True


def _rewrite(mng: Manager, loop: Graph, exit_: Graph, steps: list[int], test) -> None:
    i, op, bound = test
    scope = mng.scope(loop)
    uses = [(u, k) for c in _graph_uses(mng, loop) for u, k in mng.uses[c] if u.graph not in scope]
    if not uses or any(k != 0 for _, k in uses):
        return
    loc = exit_.loc
    closed = loop.derive("counted")
    closed.loc = loop.loc
    qs = []
    for p in loop.parameters:
        q = closed.add_parameter(p.name)
        q.abstract = p.abstract
        qs.append(q)
    b = Builder(closed, loop.loc)
    k, ends = _trip_count(b, qs[i], steps[i], op, bound)
    finals = {
        p: q if s == 0 else b.apply(_add, q, b.apply(_mul, k, s))
        for p, q, s in zip(loop.parameters, qs, steps)
    }
    vtype = loop.output.abstract
    if ends is True:
        effects: list[Node] = []
        closed.output = inline_clone(exit_, closed, [], mng, free=finals, effects=effects)
        closed.return_.inputs = [*closed.return_.inputs, *effects]
    else:
        done = loop.derive("counted_exit")
        done.loc = loc
        done.flags["branch"] = True
        effects: list[Node] = []
        done.output = inline_clone(exit_, done, [], mng, free=finals, effects=effects)
        done.return_.inputs = [*done.return_.inputs, *effects]
        forever = loop.derive("counted_forever")
        forever.loc = loc
        forever.flags["branch"] = True
        fb = Builder(forever, loop.loc)
        if loop.flags.get("descent") is not None:
            forever.output = fb.apply(_raise, MyiaRecursionError, too_deep(loop))
        else:
            forever.output = fb.call(loop, qs, vtype)
        options = AFunction([GraphFn(done, None), GraphFn(forever, None)])
        closed.output = b.call(b.call(_switch, [ends, done, forever], options), [], vtype)
    for u, _ in uses:
        mng.set_edge(u, 0, typed_constant(closed, u.inputs[0].loc))


def _graph_uses(mng: Manager, g: Graph) -> list[Constant]:
    """The constants of `g` in the graphs that use it."""
    return [
        x
        for h in sorted(mng.graphs, key=lambda h: h.id)
        if g in mng.graph_constants[h]
        for n in sorted(mng.nodes[h], key=lambda n: n.id)
        if isinstance(n, Apply)
        for x in n.inputs
        if isinstance(x, Constant) and x.value is g
    ]


def too_deep(descent: Graph) -> str:
    """The message of the `MyiaRecursionError` of the recursion whose `descend` loop is
    `descent`, which never reaches its base case."""
    name, where = descent.flags["descent"]
    return (
        f"the recursion of `{name}` does not end: it never reaches its base case from "
        f"these arguments (Python would raise RecursionError)\n  at {where}: {where.line_text()}"
    )
