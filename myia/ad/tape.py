"""Loops of an adjoint program on a tape: one backpropagator per run of a loop, not one
closure per iteration.

The J transform (`myia.ad.grad`) makes each iteration of a loop push its backpropagators,
closures over that iteration's values, on the chain. That is what lets adjoints be
differentiated again, but a closure and a link per iteration is costly when the program
only has to run: allocations, calls in the backward pass, and the garbage collector
walking a million live closures. `tape_loops` rewrites an *optimized* adjoint program that
will run and never be differentiated again (the last stage of `grad`, see `myia.api`).

A loop it rewrites is a J graph of a loop header whose output is `switch(c, body, exit)(k')`
where the body reaches the header again through direct tail calls (the loops of `while`
and `for` with straight-line bodies; others keep their chain). In the rewritten loop:

- each iteration appends the values its backpropagators close over to a tape, a list made
  when the loop starts (`myia.prim.tape`), and passes the caller's chain on unchanged;
- at the exit, one backpropagator for the whole loop goes on the chain, below the
  exiting iteration's own closures;
- that backpropagator is a loop over the tape, newest iteration first, whose body is the
  iteration's backpropagators inlined (lambda-lifted: their free variables are read from
  the tape), so that the optimizer simplifies one iteration of the backward pass as one
  graph.

`flatten_tuple_params` then gives the backward loop one variable per sensitivity it
carries, instead of a tuple rebuilt each iteration, and the optimizer runs again;
`version_on_zero_tests` gives a backward loop that tests its sensitivities for ZERO a
version without the tests, for when they are not ZERO (and the optimizer runs once more).

Example:
    >>> g = optimize(grad_graph(...), args=...)     # doctest: +SKIP
    >>> g = loops_on_tapes(g)                       # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from myia.ir.clone import clone, inline_clone
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, prim_of
from myia.opt.pipeline import Optimizer
from myia.opt.rewrites import may_return_zero, zero_guard
from myia.prim import lookup as P
from myia.prim.sens import ZERO

_make_tuple = P("make_tuple")
_switch = P("switch")
_sens_get = P("sens_get")
_tape_new = P("tape_new")
_tape_push = P("tape_push")
_tape_get = P("tape_get")
_tape_len = P("tape_len")
_add = P("add")
_sub = P("sub")
_eq = P("eq")
_is_zero = P("is_zero")
_GADDS = (P("gadd"), P("gadd_numbers"))

# Longest path of blocks from a loop's header back to itself that is rewritten.
MAX_BLOCKS = 8


@dataclass
class _Loop:
    """A loop found in an adjoint program: `graphs` starts with the header, followed by
    the blocks of the path back to it; `pushes[j]` are the backpropagator graphs block `j`
    pushes on the chain, oldest first."""

    graphs: list[Graph]
    switch: Apply
    continue_first: bool
    pushes: list[list[Graph]]


def loops_on_tapes(root: Graph) -> Graph:
    """The optimized adjoint program `root` with its loops on tapes, optimized again (in
    place)."""
    mng = Manager(root)
    if tape_loops(root, mng):
        flatten_tuple_params(root, mng)
        # The rewritten graphs are not the root, whose types the optimizer would use:
        # no inference this time.
        Optimizer(root, adjoint=True).run()
        if version_on_zero_tests(root):
            Optimizer(root, adjoint=True).run()
    return root


def tape_loops(root: Graph, mng: Manager | None = None) -> bool:
    """Rewrite the loops of the adjoint program `root` onto tapes (see the module's
    docstring); True when one was rewritten. `mng`: a manager of `root`, if there is one."""
    mng = mng or Manager(root)
    uses = _graph_uses(mng)
    # Loops are disjoint (a loop inside another's body makes that body branch), so all
    # are found first, then rewritten.
    loops = [
        loop
        for g in sorted(mng.graphs, key=lambda g: g.id)
        if (loop := _find_loop(mng, g, uses)) is not None
    ]
    for loop in loops:
        _rewrite(mng, loop, uses[loop.graphs[0]])
    return bool(loops)


def _graph_of(node: Node) -> Graph | None:
    return node.value if isinstance(node, Constant) and isinstance(node.value, Graph) else None


def _graph_uses(mng: Manager) -> dict[Graph, list[tuple[Apply, int]]]:
    """For each graph, the edges that use it as a constant."""
    uses: dict[Graph, list[tuple[Apply, int]]] = defaultdict(list)
    for node in mng.all_nodes:
        g = _graph_of(node)
        if g is not None:
            uses[g].extend(mng.uses.get(node, ()))
    return uses


def _find_loop(mng: Manager, g0: Graph, uses: dict) -> _Loop | None:
    if "j_of" not in g0.flags or not g0.parameters:
        return None
    out = g0.output
    if not (isinstance(out, Apply) and out.graph is g0 and len(out.inputs) == 2):
        return None
    sw = out.inputs[0]
    if not (isinstance(sw, Apply) and sw.graph is g0 and sw.is_apply(_switch)):
        return None
    found = [
        (continue_first, path)
        for continue_first, first in ((True, sw.inputs[2]), (False, sw.inputs[3]))
        if (path := _path_back(mng, g0, first)) is not None
    ]
    if not found:
        return None
    continue_first, path = found[0]
    graphs = [g0, *path]
    scope = set().union(*(mng.scope(g) for g in graphs))
    for user, i in uses[g0]:
        if i != 0 or (user.graph in scope and user is not path[-1].output):
            return None  # the header escapes as a value, or the loop has another way back
    pushes = []
    for g in graphs:
        p = _pushes(mng, g, g.output.inputs[1])
        if p is None:
            return None
        pushes.append(p)
    return _Loop(graphs, sw, continue_first, pushes)


def _path_back(mng: Manager, g0: Graph, first: Node) -> list[Graph] | None:
    """The blocks from `first` back to the header `g0` through direct tail calls, each
    called from nowhere else, or None."""
    path: list[Graph] = []
    nargs = 1  # the switch calls the first block with the chain only
    g = _graph_of(first)
    while g is not g0:
        if (
            g is None
            or g in path
            or len(path) >= MAX_BLOCKS
            or "j_of" not in g.flags
            or mng.graph_use_count(g) != 1
            or len(g.parameters) != nargs
        ):
            return None
        out = g.output
        if not (isinstance(out, Apply) and out.graph is g and len(out.inputs) >= 2):
            return None
        path.append(g)
        nargs = len(out.inputs) - 1
        g = _graph_of(out.inputs[0])
    return path if path and len(g0.parameters) == nargs else None


def _pushes(mng: Manager, g: Graph, chain: Node) -> list[Graph] | None:
    """The closure graphs `chain` pushes on `g`'s chain parameter (oldest first), when it
    is only a sequence of pushes used once each; else None."""
    k = g.parameters[0]
    out: list[Graph] = []
    node = chain
    while node is not k:
        if not (
            isinstance(node, Apply)
            and node.graph is g
            and node.is_apply(_make_tuple)
            and len(node.inputs) == 3
            and len(mng.uses[node]) == 1
            and _graph_of(node.inputs[1]) is not None
        ):
            return None
        out.append(_graph_of(node.inputs[1]))
        node = node.inputs[2]
    if len(mng.uses[k]) != 1:
        return None
    return out[::-1]


def _rewrite(mng: Manager, loop: _Loop, calls: list[tuple[Apply, int]]) -> None:
    g0 = loop.graphs[0]
    scope = set().union(*(mng.scope(g) for g in loop.graphs))
    # Every iteration on the tape went on: the header's test was true (or false).
    known = {loop.switch.inputs[1]: Constant(loop.continue_first)}
    # What each backpropagator closes over from the loop's iterations (loop invariants
    # stay free variables of the backward loop).
    envs = [
        [
            (
                b,
                sorted(
                    (n for n in mng.free_variables_total[b] if n.graph in scope and n not in known),
                    key=lambda n: n.id,
                ),
            )
            for b in pushes
        ]
        for pushes in loop.pushes
    ]
    width = sum(len(env) for block in envs for _, env in block)
    entries = [e for block in envs for e in block]
    back = _backward(mng, g0, entries, max(width, 1), known)
    saved = [[n for _, env in block for n in env] for block in envs]
    if width == 0:
        saved[-1] = [Constant(None)]  # one marker per iteration: the backward loop counts
    tapes = [mng.add_parameter(g, "tape") for g in loop.graphs]
    for user, _ in calls:
        if user is not loop.graphs[-1].output:
            fresh = Apply([Constant(_tape_new)], user.graph, g0.loc)
            mng.replace(user, Apply([*user.inputs, fresh], user.graph, user.loc, user.name))
    for j in range(1, len(loop.graphs)):
        g = loop.graphs[j]
        out = g.output
        tape = _push_all(g, tapes[j], saved[j])
        call = Apply([_copy(out.inputs[0]), g.parameters[0], *out.inputs[2:], tape], g, out.loc)
        mng.set_output(g, call)
    k0 = g0.parameters[0]
    cont = Graph(f"{g0.name}:continue", g0.loc)
    first = loop.switch.inputs[2 if loop.continue_first else 3]
    cont.output = Apply([_copy(first), k0, _push_all(cont, tapes[0], saved[0])], cont, g0.loc)
    whole = Graph(f"B:{g0.name}:loop", g0.loc)
    dout = whole.add_parameter("dout")
    length = Apply([Constant(_tape_len), tapes[0]], whole, g0.loc)
    whole.output = Apply([Constant(back), tapes[0], length, dout], whole, g0.loc)
    exit_ = Graph(f"{g0.name}:exit", g0.loc)
    chain: Node = Apply([Constant(_make_tuple), Constant(whole), k0], exit_, g0.loc)
    for b in loop.pushes[0]:
        chain = Apply([Constant(_make_tuple), Constant(b), chain], exit_, g0.loc)
    other = loop.switch.inputs[3 if loop.continue_first else 2]
    exit_.output = Apply([_copy(other), chain], exit_, g0.loc)
    branches = [Constant(cont), Constant(exit_)]
    if not loop.continue_first:
        branches.reverse()
    sw = Apply([Constant(_switch), loop.switch.inputs[1], *branches], g0, loop.switch.loc)
    mng.set_output(g0, Apply([sw], g0, g0.output.loc))


def _copy(node: Node) -> Node:
    """A node to use in one more place (constants are not shared between uses)."""
    return Constant(node.value, node.loc) if isinstance(node, Constant) else node


def _push_all(g: Graph, tape: Node, values: list[Node]) -> Node:
    for v in values:
        tape = Apply([Constant(_tape_push), tape, v], g, v.loc)
    return tape


def _backward(mng: Manager, g0: Graph, entries: list, width: int, known: dict) -> Graph:
    """The backward loop `(tape, i, dout)`: while `i > 0`, the backpropagators of the
    iteration whose values end at position `i` of the tape, newest first (the nodes of
    `known` are constants in every iteration)."""
    back = Graph(f"B:{g0.name}:tape", g0.loc)
    back.flags["tape_backward"] = True
    tape = back.add_parameter("tape")
    i = back.add_parameter("i")
    d = back.add_parameter("dout")
    done = Graph(f"B:{g0.name}:tape_done", g0.loc)
    done.output = d
    step = Graph(f"B:{g0.name}:tape_step", g0.loc)
    base = Apply([Constant(_sub), i, Constant(width)], step, g0.loc)
    offsets, pos = [], 0
    for _, env in entries:
        offsets.append(pos)
        pos += len(env)
    cur: Node = d
    for (b, env), off in reversed(list(zip(entries, offsets))):
        free = dict(known)
        for j, n in enumerate(env):
            at = (
                base
                if off + j == 0
                else Apply([Constant(_add), base, Constant(off + j)], step, n.loc)
            )
            free[n] = Apply([Constant(_tape_get), tape, at], step, n.loc)
        cur = inline_clone(b, step, [cur], mng, b.loc, free=free)
    step.output = Apply([Constant(back), tape, base, cur], step, g0.loc)
    test = Apply([Constant(_eq), i, Constant(0)], back, g0.loc)
    sw = Apply([Constant(_switch), test, Constant(done), Constant(step)], back, g0.loc)
    back.output = Apply([sw], back, g0.loc)
    return back


def flatten_tuple_params(root: Graph, mng: Manager | None = None) -> bool:
    """Give the backward loops `tape_loops` made one parameter per element of a tuple they
    carry from one iteration to the next (nested tuples too); True when one changed.

    A parameter is split when every call of the loop from inside itself passes a
    `make_tuple` of the same length; the other calls pass the elements of their value
    (`sens_get`, which also splits a symbolic ZERO)."""
    mng = mng or Manager(root)
    constants: dict[Graph, list[Constant]] = defaultdict(list)
    for node in mng.all_nodes:
        g = _graph_of(node)
        if g is not None and g.flags.get("tape_backward"):
            constants[g].append(node)
    changed = False
    for g, nodes in constants.items():
        # The calls are rewritten with the same callee nodes: `nodes` stays complete.
        while _flatten_one(mng, g, [(u, i) for c in nodes for u, i in mng.uses.get(c, ())]):
            changed = True
    return changed


def _flatten_one(mng: Manager, g: Graph, calls: list[tuple[Apply, int]]) -> bool:
    if not calls or any(i != 0 for _, i in calls):
        return False
    scope = mng.scope(g)
    inner = [c for c, _ in calls if c.graph in scope]
    if not inner:
        return False
    for j, p in enumerate(g.parameters):
        args = [c.inputs[1 + j] for c in inner]
        if not all(isinstance(a, Apply) and a.is_apply(_make_tuple) for a in args):
            continue
        size = len(args[0].inputs) - 1
        if any(len(a.inputs) - 1 != size for a in args):
            continue
        parts = [Parameter(g, g.loc, f"{p.name}_{t}") for t in range(size)]
        params = list(g.parameters)
        mng.set_parameters(g, params + parts)
        # The tuple is rebuilt where it is used (in the branch that needs it, if one does).
        for user, i in list(mng.uses[p]):
            mng.set_edge(user, i, Apply([Constant(_make_tuple), *parts], user.graph, g.loc))
        mng.set_parameters(g, params[:j] + parts + params[j + 1 :])
        for call, _ in calls:
            a = call.inputs[1 + j]
            if call.graph in scope:
                elements = list(a.inputs[1:])
            else:
                elements = [
                    Apply([Constant(_sens_get), a, Constant(t)], call.graph, call.loc)
                    for t in range(size)
                ]
            new = [*call.inputs[: 1 + j], *elements, *call.inputs[2 + j :]]
            mng.replace(call, Apply(new, call.graph, call.loc, call.name))
        return True
    return False


def version_on_zero_tests(root: Graph, mng: Manager | None = None) -> bool:
    """Give each backward loop that tests its carried sensitivities for ZERO at every
    iteration (`is_zero(dout)`, the guards of the backpropagators it inlines) a second
    version where they are not ZERO, entered when they are not at the start; True when
    one was made.

    The tests are those of parameters whose next value is never ZERO when none of them
    is (a product, a sum of such values...): then none is ZERO in any iteration, and the
    tests are False in the whole loop. The usual case: the sensitivity a loop carries back
    is not ZERO (the loop's result is used), and the backward loop runs without tests."""
    mng = mng or Manager(root)
    loops = [
        g for g in mng.graphs if g.flags.get("tape_backward") and not g.flags.get("tape_version")
    ]
    uses = _graph_uses(mng)  # (a loop nested in another keeps its generic entry in the copy)
    changed = False
    for g in sorted(loops, key=lambda g: g.id):
        changed = _version(mng, g, uses[g]) or changed
    return changed


def _version(mng: Manager, g: Graph, uses: list[tuple[Apply, int]]) -> bool:
    scope = mng.scope(g)
    guarded = {
        node.inputs[1]
        for h in scope
        for node in mng.nodes[h]
        if node.is_apply(_is_zero) and node.inputs[1] in g.parameters
    }
    jumps = [u for u, i in uses if i == 0 and u.graph in scope]
    calls = [u for u, i in uses if i == 0 and u.graph not in scope]
    while guarded:
        position = {p: g.parameters.index(p) for p in guarded}
        bad = {
            p
            for p in guarded
            if not all(_never_zero_given(j.inputs[1 + position[p]], guarded) for j in jumps)
        }
        if not bad:
            break
        guarded -= bad
    if not guarded or not jumps or not calls:
        return False
    fast = clone(g, manager=mng)
    fast.flags["tape_version"] = True
    g.flags["tape_version"] = True
    # The clone is not reachable yet: its tests become False through the manager once
    # the entries below reference it.
    index = [g.parameters.index(p) for p in sorted(guarded, key=g.parameters.index)]
    for call in calls:
        entry = _dispatch(g, fast, index, call.graph.loc)
        mng.replace(call, Apply([Constant(entry), *call.inputs[1:]], call.graph, call.loc))
    assumed = {fast.parameters[j] for j in index}
    for node in [n for h in mng.scope(fast) for n in mng.nodes[h]]:
        if node.is_apply(_is_zero) and node.inputs[1] in assumed:
            mng.replace(node, Constant(False, node.loc))
    return True


def _dispatch(generic: Graph, fast: Graph, index: list[int], loc) -> Graph:
    """A graph with the loop's parameters that runs `fast` when none of the parameters at
    `index` is ZERO, else `generic`."""
    entry = Graph(f"{generic.name}:entry", loc)
    params = [entry.add_parameter(p.name, p.loc) for p in generic.parameters]
    out: Graph = fast
    for j in reversed(index):
        test = Graph(f"{generic.name}:test", loc)
        go_generic = Graph(f"{generic.name}:zero", loc)
        go_generic.output = Apply([Constant(generic), *params], go_generic, loc)
        go_on = Graph(f"{generic.name}:nonzero", loc)
        go_on.output = Apply([Constant(out), *(params if out is fast else ())], go_on, loc)
        c = Apply([Constant(_is_zero), params[j]], test, loc)
        sw = Apply([Constant(_switch), c, Constant(go_generic), Constant(go_on)], test, loc)
        test.output = Apply([sw], test, loc)
        out = test
    entry.output = Apply([Constant(out)], entry, loc)
    return entry


def _never_zero_given(node: Node, assumed: set, depth: int = 8) -> bool:
    """Whether `node` is never ZERO when the parameters in `assumed` are not: a
    parameter of those, a constant other than ZERO, a primitive that never gives ZERO, a
    sum of sensitivities one of which is never ZERO, or a rule's ZERO guard on one of
    them (which then computes its value)."""
    if depth <= 0:
        return False
    if isinstance(node, Constant):
        return node.value is not ZERO
    if node in assumed:
        return True
    prim = prim_of(node)
    if prim is not None:
        if prim in _GADDS:
            return any(_never_zero_given(a, assumed, depth - 1) for a in node.inputs[1:])
        return not may_return_zero(prim)
    guard = zero_guard(node)
    if guard is not None and guard[0] in assumed:
        return _never_zero_given(guard[1], assumed, depth - 1)
    return False
