"""The adjoint of a loop: a forward loop that saves, a backward loop that reads.

A loop is a graph H that calls itself in tail position (`regions`). Its forward graph takes
one more parameter, the *tape*: a stack (`stack_push`, `stack_pop`) onto which each run of
H's region (one iteration, or the last test that leaves the loop) pushes its residual, at
its leaf. The backward pass pops the tape: the last run, which ended at an exit of the loop,
is differentiated from the sensitivity of the loop's value; then a backward loop runs the
other runs, newest first, each from the sensitivities of the parameters of the run after it.
It carries those sensitivities, and the sensitivities of the values around the loop that
its iterations contribute to (a weight used in every iteration), which each iteration
adds to. Nothing is a closure: the tape holds tuples of values.

Which sensitivities the backward loop carries is found by building its body and building
it again with the ones it found, until they do not change.
"""

from __future__ import annotations

from myia.ad.regions import Region
from myia.ad.reverse import Accumulator, Scope
from myia.infer.abstract import (
    AFunction,
    AList,
    AResidual,
    AStack,
    ATuple,
    GraphFn,
)
from myia.infer.build import Builder, typed_constant
from myia.infer.sensitivity import sens_type
from myia.ir.nodes import Apply, Graph, Node
from myia.prim.registry import lookup
from myia.prim.sens import materialize
from myia.prim.structures import ZERO

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_push = lookup("stack_push")
_pop = lookup("stack_pop")
_is = lookup("is_")
_switch = lookup("switch")


def forward_loop(rev, node: Apply, header: Graph, fg: Graph) -> Node:
    """The forward of a call of the loop `header` from `fg`: the forward loop, started with
    an empty tape; its value, and the tape as the residual."""
    region = Region([header], "loop", rev.mng)
    tape_type = AStack(AResidual(region.cell))
    hf = rev.forward_region(region, extra_params=[("tape", tape_type)], owner=fg)
    region.tape_type = tape_type
    b = Builder(fg, node.loc)
    pair = b.call(
        hf,
        [*[rev.fwd_input(x) for x in node.inputs[1:]], None],
        ATuple((rev.values.fwd_type(node.abstract), tape_type)),
    )
    value = b.apply(_getitem, pair, 0)
    value.name = node.name
    rev.subregions[node] = ("loop", region, b.apply(_getitem, pair, 1))
    return value


def loop_leaf(rev, region: Region, g: Graph, fg: Graph, restuple: Node, b: Builder) -> Node:
    """The output of a leaf of a loop's forward: the residual pushed on the tape, then the
    next iteration (a back edge) or the value with the tape (an exit)."""
    hf = region.fwd_graphs[region.root]
    tape = hf.parameters[-1]
    pushed = b.call(_push, [tape, restuple], region.tape_type)
    out = g.output
    if region.is_back_edge(out):
        call = Apply(
            [typed_constant(hf), *[rev.fwd_input(a) for a in out.inputs[1:]], pushed], fg, out.loc
        )
        call.abstract = ATuple((rev.values.fwd_type(region.root.output.abstract), region.tape_type))
        return call
    return b.apply(_make_tuple, rev.fwd_input(out), pushed)


def backprop_loop(
    rev, node: Apply, region: Region, tape_fwd: Node, d: Node, scope, acc, b: Builder
) -> None:
    """The backward of a call of a loop (see the module)."""
    header = region.root
    tape = scope.ref(tape_fwd, b)
    popped = b.apply(_pop, tape)
    res_type = AResidual(region.cell)
    last = b.call(_getitem, [popped, 0], res_type)
    rest = b.call(_getitem, [popped, 1], region.tape_type)
    last_scope = Scope(region, scope.graph, last, scope)
    local = Accumulator(rev, last_scope)
    rev.backprop(header, last_scope, local, d, want="exit")
    params = header.parameters
    d_params = [local.total(p, b) for p in params]
    for n in local.touched():
        if not region.owns(n):
            acc.add(n, local.total(n, b), b)
    if "back" in region.leaf_kinds[header]:
        inits = node.inputs[1:]
        d_params = _backward_loop(rev, region, rest, d_params, inits, last_scope, scope, acc, b)
    for a, dp in zip(node.inputs[1:], d_params):
        if dp is not None:
            acc.add(a, dp, b)


def _backward_loop(
    rev,
    region: Region,
    tape: Node,
    d_params: list,
    inits: list,
    last_scope,
    scope,
    acc,
    b: Builder,
) -> list:
    """The sensitivities of the loop's initial arguments `inits` (the zeros of a carried
    variable take their shape from its initial argument, but those of a list of run-time
    length from its value in the last iteration, read in `last_scope`: a list the loop
    grows is longer there)."""
    carried = [i for i, dp in enumerate(d_params) if dp is not None]
    outer: list[Node] = []
    while True:
        bl, out_type, new_carried, new_outer = _build(rev, region, carried, outer, scope)
        if set(new_carried) <= set(carried) and set(new_outer) <= set(outer):
            break
        carried = sorted(set(carried) | set(new_carried))
        outer = sorted(set(outer) | set(new_outer), key=lambda n: n.id)
    params = region.root.parameters
    init = [tape]
    for i in carried:
        # A list a loop grows is longer in the last iteration than where the loop starts.
        grows = isinstance(params[i].abstract, AList) and params[i].abstract.items is None
        at, where = (params[i], last_scope) if grows else (inits[i], scope)
        init.append(_canonical(rev, b, d_params[i], params[i].abstract, at, where))
    for n in outer:
        init.append(_canonical(rev, b, acc.total(n, b), n.abstract, n, scope))
    out = b.call(bl, init, out_type)
    result = [None] * len(params)
    for k, i in enumerate(carried):
        result[i] = b.apply(_getitem, out, k)
    for k, n in enumerate(outer):
        acc.parts[n] = [b.apply(_getitem, out, len(carried) + k)]
    return result


def _canonical(rev, b: Builder, d, t, primal: Node, scope) -> Node:
    """The sensitivity `d` (None: absent) as a value of the sensitivity type of `t` (what
    the backward loop carries), with real zeros where it has none, shaped like the forward
    value of `primal`."""
    return materialize(b, d, t, scope.primal(rev.fmap.get(primal), b))


def _build(rev, region: Region, carried: list[int], outer: list[Node], scope):
    """The backward loop graph for the sensitivities `carried` (of the header's
    parameters) and `outer` (of values around the loop); also those its body makes."""
    header = region.root
    params = header.parameters
    bl = header.derive("bwd_loop")
    bl.flags["loop"] = True
    tape = bl.add_parameter("tape")
    tape.abstract = region.tape_type
    dps = []
    for i in carried:
        p = bl.add_parameter(f"d_{params[i].name}")
        p.abstract = sens_type(params[i].abstract)
        dps.append(p)
    accs = []
    for n in outer:
        p = bl.add_parameter(f"d_{n.name or 'v'}")
        p.abstract = sens_type(n.abstract)
        accs.append(p)
    b = Builder(bl, header.loc)
    done = b.apply(_is, tape, None)
    exit_ = header.derive("bwd_loop_done")
    exit_.flags["branch"] = True
    body = header.derive("bwd_loop_body")
    body.flags["branch"] = True
    eb = Builder(exit_, header.loc)
    exit_.output = eb.apply(_make_tuple, *dps, *accs)
    bb = Builder(body, header.loc)
    popped = bb.apply(_pop, tape)
    res = bb.call(_getitem, [popped, 0], AResidual(region.cell))
    rest = bb.call(_getitem, [popped, 1], region.tape_type)
    body_scope = Scope(region, body, res, scope)
    inner = Accumulator(rev, body_scope)
    for n, p in zip(outer, accs):
        inner.parts[n] = [p]
    d_leaf_items = [typed_constant(ZERO)] * len(params)
    for i, p in zip(carried, dps):
        d_leaf_items[i] = p
    d_leaf = bb.apply(_make_tuple, *d_leaf_items)
    rev.backprop(header, body_scope, inner, d_leaf, want="back")
    new_d = [inner.total(p, bb) for p in params]
    new_carried = [i for i, x in enumerate(new_d) if x is not None]
    new_outer = [n for n in inner.touched() if not region.owns(n)]
    args = [rest]
    for i in carried:
        args.append(_canonical(rev, bb, new_d[i], params[i].abstract, params[i], body_scope))
    for n in outer:
        args.append(_canonical(rev, bb, inner.total(n, bb), n.abstract, n, body_scope))
    out_type = ATuple([p.abstract for p in (*dps, *accs)])
    body.output = bb.call(bl, args, out_type)
    sw = b.call(
        _switch, [done, exit_, body], AFunction([GraphFn(exit_, None), GraphFn(body, None)])
    )
    bl.output = b.call(sw, [], out_type)
    return bl, out_type, new_carried, new_outer
