"""Linear self-recursion as two loops, on the typed primal program.

A graph F is a *linear recursion* when it calls itself at one place S, reached from F's
body through the branches of `if` statements only (each branch graph used by one switch,
called once; no loop and no closure on the way), so that every run of F makes at most one
call of itself, not in tail position. The arguments of S and the conditions that lead to
it cannot depend on S's value (the IR is data flow), so each level's arguments and
conditions can be computed before any level's value:

    F(p):  ...  if c0: B0  else: (... if c1: B1 else: (... v = F(a) ; k2(v)) ; k1) ; k0

becomes (`k` are the *continuations*: at each level on the way to S, what the graph computes
from the value of its call, S or the call of the `if` leading to S)

    F(p):            v, stack = descend(q, empty)             (q: the parameters that vary)
                     return ascend(v, stack)
    descend(q, st):  F's body, where S is the back edge descend(a, push(st, residual)) and
                     each branch B_i that does not lead to S returns (k0(...k_i(B_i)), st)
    ascend(v, st):   while st is not empty: residual, st = pop(st); v = k0(...k2(v))

The *residual* of a level is what the continuations read of the level's values other than
S's value: a parameter passed down unchanged is the same at every level and is read from F
itself, not pushed; when nothing is pushed, the stack is a count of the levels. Both loops
are header graphs that call themselves in tail position, as the parser makes them, so
reverse mode, forward mode and vmap (and the gradients of gradients) see loops, and the
program runs in constant Python stack however deep the recursion goes (`descend` and
`ascend` are nested in F).

A recursion of another shape (two calls of itself, `fib`; a call inside a loop or a
closure; a continuation read by a graph nested in it) is a different program and stays
a recursion; so does mutual recursion. `loop_recursions` runs after specialization
(`pipeline.primal_program`), and ends with `induction.count_loops` on the program: a
`descend` loop (flags["descent"]: the function's name and the self call's line) whose
stack is a count only counts, and becomes the closed form of its depth, raising
`MyiaRecursionError` where the recursion never reaches its base case.

Example:
    >>> loop_recursions(specialize(parse(rec_pow), types))   # doctest: +SKIP
"""

from __future__ import annotations

from myia.branches import is_loop, switch_of_call
from myia.infer.abstract import AFunction, AStack, ATuple, GraphFn, abstract_of_value
from myia.infer.build import Builder
from myia.infer.induction import count_loops
from myia.infer.walks import drop_values, holds_function
from myia.ir.clone import clone, inline_clone
from myia.ir.manager import Manager, cyclic_graphs
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort
from myia.prim.registry import lookup

_switch = lookup("switch")
_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_push = lookup("stack_push")
_pop = lookup("stack_pop")
_is_not = lookup("is_not")
_not = lookup("not_")
_add = lookup("add")
_lt = lookup("lt")
_COUNT = drop_values(abstract_of_value(0))
_SKIPPED_FLAGS = ("loop", "rule", "custom_bprop", "custom_bwd")


def loop_recursions(program: Graph) -> Graph:
    """`program` with each linear self-recursion it holds written as two loops (see the
    module); the other graphs are left as they are."""
    mng = Manager(program)
    for g in sorted(cyclic_graphs(mng), key=lambda g: g.id):
        if g in mng.graphs:
            plan = _plan(mng, g)
            if plan is not None:
                _rewrite(mng, plan)
    count_loops(program, mng)
    return program


class _Plan:
    """What the rewrite of a linear recursion F needs: the levels from F's body to the
    self call (each a graph and its call: of the `if` leading on, or the self call), the
    nodes of each level's continuation (what depends on its call), the indices of the
    parameters passed down unchanged, and the residual."""

    def __init__(self, graph, levels, after, unchanged: set[int], residual: list[Node]):
        self.graph = graph
        self.levels = levels
        self.after = after
        self.unchanged = unchanged
        self.residual = residual


def _plan(mng: Manager, f: Graph) -> _Plan | None:
    if any(f.flags.get(k) for k in _SKIPPED_FLAGS) or is_loop(f):
        return None
    site = _self_call(mng, f)
    if site is None:
        return None
    scope = mng.scope(f)
    levels = [(site.graph, site)]
    while levels[-1][0] is not f:
        up = _branch_call(mng, levels[-1][0], scope)
        if up is None:
            return None
        levels.append((up.graph, up))
    levels.reverse()
    if len(levels) < 2 or site.abstract != f.output.abstract:
        return None
    unchanged = {j for j, p in enumerate(f.parameters) if site.inputs[1 + j] is p}
    kept = {f.parameters[j] for j in unchanged}
    path = {g for g, _ in levels}
    residual: set[Node] = set()
    after = []
    for g, call in levels:
        found = _continuation(mng, g, call, path)
        if found is None:
            return None
        after.append(found[0])
        residual.update(n for n in found[1] if n not in kept)
    if any(holds_function(n.abstract) for n in residual):
        return None
    return _Plan(f, levels, after, unchanged, sorted(residual, key=lambda n: n.id))


def _self_call(mng: Manager, f: Graph) -> Apply | None:
    """The one call of `f` inside its scope (not through a loop: a loop is not a branch),
    or None where `f` is used otherwise or more than once there."""
    sites = []
    for g in sorted(mng.scope(f), key=lambda g: g.id):
        if f not in mng.graph_constants[g]:
            continue
        for n in mng.nodes[g]:
            if isinstance(n, Apply):
                for i, x in enumerate(n.inputs):
                    if isinstance(x, Constant) and x.value is f:
                        if i != 0:
                            return None
                        sites.append(n)
    return sites[0] if len(sites) == 1 else None


def _branch_call(mng: Manager, g: Graph, scope: set) -> Apply | None:
    """The call of the switch that selects the branch graph `g` (used once, by one switch
    called once with no arguments, outside a loop), or None."""
    if g.parameters or mng.graph_use_count(g) != 1:
        return None
    users = [h for h in sorted(scope, key=lambda h: h.id) if g in mng.graph_constants[h]]
    if len(users) != 1 or users[0].flags.get("loop") or is_loop(users[0]):
        return None
    parent = users[0]
    for n in mng.nodes[parent]:
        if n.is_apply(_switch) and any(
            isinstance(x, Constant) and x.value is g for x in n.inputs[2:]
        ):
            uses = mng.uses[n]
            if len(uses) != 1:
                return None
            ((call, i),) = uses
            if i != 0 or switch_of_call(call) is not n or call.graph is not parent:
                return None
            return call
    return None


def _continuation(mng: Manager, g: Graph, call: Apply, path: set):
    """The nodes of `g` that depend on `call` (its output and its effects: statements
    kept because they may raise), and the values of the levels (of the graphs of `path`)
    they read; None where a graph nested in `g` reads one of them."""
    live = [
        n
        for root in g.return_.inputs[1:]
        for n in toposort(root, lambda n: n.graph is g)
        if n.graph is g
    ]
    after = {call}
    for n in live:
        if isinstance(n, Apply) and any(i in after for i in n.inputs):
            after.add(n)
    for n in after:
        if any(u.graph is not g for u, _ in mng.uses[n]):
            return None
    needed: set[Node] = set()

    def read(x: Node) -> None:
        if isinstance(x, Constant):
            if isinstance(x.value, Graph):
                for fv in mng.free_variables_total.get(x.value, ()):
                    if fv.graph in path:
                        needed.add(fv)
        elif x not in after and x.graph in path:
            needed.add(x)

    read(g.output)
    for n in after:
        if n is not call:
            for x in n.inputs:
                read(x)
    return after, needed


def _rewrite(mng: Manager, plan: _Plan) -> None:
    f = plan.graph
    loc = plan.levels[-1][1].loc  # the loops are the self call's
    vtype = f.output.abstract
    st_type = AStack(ATuple([n.abstract for n in plan.residual])) if plan.residual else _COUNT
    pair_type = ATuple((vtype, st_type))
    varying = [p for j, p in enumerate(f.parameters) if j not in plan.unchanged]

    down = f.derive("descend")
    down.loc = loc
    down.flags["loop"] = True
    down.flags["descent"] = (f.name, loc)
    qs = {}
    for p in varying:
        q = Parameter(down, p.loc, p.name)
        q.abstract = p.abstract
        down.parameters.append(q)
        qs[p] = q
    st = down.add_parameter("stack" if plan.residual else "depth")
    st.abstract = st_type
    copies: dict[Node, Node] = {}
    top: list[Node] = []  # the copies of F's effects
    inline_clone(f, down, [qs.get(p, p) for p in f.parameters], mng, effects=top, mapping=copies)
    if any(copies[call] is call for _, call in plan.levels):
        return  # a level closes over nothing of F's: the recursion cannot vary
    *upper, (_, site) = plan.levels
    for i, (_, call) in enumerate(upper):
        here = copies[call]
        here.abstract = pair_type
        copied = top if i == 0 else here.graph.return_.inputs[2:]
        _finish(here.graph, here, _pre_effects(plan, i, copied))
        nxt = copies[plan.levels[i + 1][1]].graph
        sw = here.inputs[0]
        if i == 0 and sw.inputs[2].value is not nxt:  # a loop's body is its first side
            neg = Builder(down, loc).apply(_not, sw.inputs[1])
            sw.inputs = [sw.inputs[0], neg, sw.inputs[3], sw.inputs[2]]
        (k,) = [k for k, x in enumerate(sw.inputs) if k > 1 and x.value is not nxt]
        other = sw.inputs[k].value
        if other in mng.graphs:  # it closes over nothing of F's: shared with F, not copied
            other = clone(other, manager=mng)
            sw.inputs[k] = Constant(other, sw.inputs[k].loc)
        value, effects = _resume(mng, plan, i, other.output, copies, other)
        out = Builder(other, loc).apply(_make_tuple, value, st)
        _finish(other, out, [*other.return_.inputs[2:], *effects])
    leaf = copies[site].graph
    b = Builder(leaf, loc)
    if plan.residual:
        pushed = b.apply(_push, st, b.apply(_make_tuple, *[copies[n] for n in plan.residual]))
    else:
        pushed = b.apply(_add, st, 1)
    args = [copies[site.inputs[1 + j]] for j in range(len(f.parameters)) if j not in plan.unchanged]
    _finish(
        leaf,
        b.call(down, [*args, pushed], pair_type),
        _pre_effects(plan, len(upper), leaf.return_.inputs[2:]),
    )

    fb = Builder(f, loc)
    pair = fb.call(down, [*varying, None if plan.residual else 0], pair_type)
    first = fb.apply(_getitem, pair, 0)
    stack = fb.apply(_getitem, pair, 1)
    up = _ascend(mng, plan, vtype, st_type, loc, None if plan.residual else stack)
    mng.remove_inputs(f.return_, set(range(2, len(f.return_.inputs))))  # now the loops'
    mng.set_output(f, fb.call(up, [first, stack if plan.residual else 0], vtype))


def _ascend(mng: Manager, plan: _Plan, vtype, st_type, loc, depth: Node | None) -> Graph:
    """The loop that pops the levels and applies their continuations; where the stack is
    the count `depth` of the levels, it counts the levels up to it (`for _ in range(depth)`
    in the generated code)."""
    f = plan.graph
    up = f.derive("ascend")
    up.loc = loc
    up.flags["loop"] = True
    v = up.add_parameter("v")
    v.abstract = vtype
    st = up.add_parameter("stack" if plan.residual else "level")
    st.abstract = st_type
    b = Builder(up, loc)
    more = b.apply(_is_not, st, None) if plan.residual else b.apply(_lt, st, depth)
    exit_ = f.derive("ascend_done")
    exit_.loc = loc
    exit_.flags["branch"] = True
    exit_.output = v
    body = f.derive("ascend_body")
    body.loc = loc
    body.flags["branch"] = True
    bb = Builder(body, loc)
    if plan.residual:
        popped = bb.apply(_pop, st)
        res = bb.apply(_getitem, popped, 0)
        rest = bb.apply(_getitem, popped, 1)
        values = {n: bb.apply(_getitem, res, k) for k, n in enumerate(plan.residual)}
    else:
        rest = bb.apply(_add, st, 1)
        values = {}
    value, effects = _resume(mng, plan, len(plan.levels) - 1, v, values, body)
    _finish(body, bb.call(up, [value, rest], vtype), effects)
    options = AFunction([GraphFn(body, None), GraphFn(exit_, None)])
    up.output = b.call(b.call(_switch, [more, body, exit_], options), [], vtype)
    return up


def _resume(mng: Manager, plan: _Plan, level: int, value: Node, values: dict, target: Graph):
    """The value of F from `value`, the value of the call of level `level`, and the
    effects on the way: the continuations of that level and of those above it copied
    into `target`, reading the residual from `values`."""
    f = plan.graph
    free = {n: values[n] for n in plan.residual if n in values}
    effects: list[Node] = []
    for k in range(level, -1, -1):
        g, call = plan.levels[k]
        args = [values.get(p, p) for p in f.parameters] if g is f else []
        copied: list[Node] = []
        value = inline_clone(g, target, args, mng, free={**free, call: value}, effects=copied)
        kept = zip(g.return_.inputs[2:], copied)
        effects += [c for e, c in kept if e in plan.after[k] and e is not call]
    return value, effects


def _finish(g: Graph, output: Node, effects: list[Node]) -> None:
    """Give the graph `g` (being built, not managed yet) its output and effects."""
    g.output = output
    g.return_.inputs = [*g.return_.inputs, *effects]


def _pre_effects(plan: _Plan, k: int, copied: list[Node]) -> list[Node]:
    """Of the copies `copied` of the effects of level `k`'s graph, those before its call."""
    pairs = zip(plan.levels[k][0].return_.inputs[2:], copied)
    return [c for e, c in pairs if e not in plan.after[k]]
