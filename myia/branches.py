"""Branch graphs: every `if` has its own.

A branch graph (a side of `switch(c, T, F)()`) is used by one switch, and that switch is
called once. Specialization can give several switches one branch graph (a function
specialized twice whose branch captures only values of the function around it), and so can
inlining (a function inlined twice); common-subexpression elimination can give two calls
one switch (two copies of one `if` on the same condition, as in a function called twice).
`unshare_branches` copies them, so that reverse mode makes one forward region per `if` and
the code generator writes each branch where it runs. A loop (a graph that calls itself in
tail position, `is_loop`) entered from two places (the optimizer inlines the first test of
a loop, whose sides then enter it from two branches) is copied for each entry after the
first by `unshare_loops`, so that reverse mode makes one forward loop per entry. A switch on a condition known when
compiling is its branch, called directly: `inline_known_branches` puts its code in place (a
loop's back edge inside it is then in the loop's code again).

Example:
    >>> unshare_branches(Manager(graph))      # doctest: +SKIP
    >>> unshare_loops(Manager(graph))         # doctest: +SKIP
"""

from __future__ import annotations

from myia.ir.clone import clone, inline_clone
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import REGISTRY

_SWITCH = REGISTRY.lookup("switch")


def switch_of_call(node: Node):
    """The `switch(c, T, F)` a node calls with no arguments, or None.

    Example:
        >>> switch_of_call(graph.output)              # doctest: +SKIP
    """
    if isinstance(node, Apply) and len(node.inputs) == 1:
        f = node.inputs[0]
        if isinstance(f, Apply) and _branch_switch(f):
            return f
    return None


def _branch_switch(node: Apply) -> bool:
    return node.is_apply(_SWITCH) and all(
        isinstance(x, Constant) and isinstance(x.value, Graph) for x in node.inputs[2:]
    )


def tail_switch(g: Graph):
    """The switch whose call is the output of `g` (its tail position), or None (a switch
    call `g` returns from a graph around it is a value of that graph).

    Example:
        >>> tail_switch(graph)                        # doctest: +SKIP
    """
    out = g.output
    return switch_of_call(out) if isinstance(out, Apply) and out.graph is g else None


def branches(sw: Apply) -> list[Graph]:
    """The branch graphs of the switch `sw`.

    Example:
        >>> branches(tail_switch(graph))              # doctest: +SKIP
    """
    return [x.value for x in sw.inputs[2:]]


def is_loop(g: Graph) -> bool:
    """A graph that calls itself in tail position (through the switches of its tail).

    Example:
        >>> is_loop(header)                           # doctest: +SKIP
        True
    """
    stack = [g]
    seen = set()
    while stack:
        h = stack.pop()
        if h in seen:
            continue
        seen.add(h)
        out = h.output
        if (
            isinstance(out, Apply)
            and isinstance(out.inputs[0], Constant)
            and out.inputs[0].value is g
        ):
            return True
        sw = tail_switch(h)
        if sw is not None:
            stack.extend(branches(sw))
    return False


def unshare_loops(mng: Manager) -> None:
    """Give each entry of a loop its own loop: a loop called from several places outside
    itself is copied for each call after the first (with the graphs nested in it; repeated
    until no loop is entered twice, so that the loops inside copies are unshared too).

    Example:
        >>> unshare_loops(Manager(graph))             # doctest: +SKIP
    """
    while _unshare_loops_once(mng):
        pass


def _unshare_loops_once(mng: Manager) -> bool:
    changed = False
    for g in sorted(mng.graphs, key=lambda g: g.id):
        if not g.parameters or not is_loop(g):
            continue
        inside = mng.scope(g)
        entries = sorted(
            (
                u
                for c in mng.all_nodes
                if isinstance(c, Constant) and c.value is g
                for u, i in mng.uses.get(c, ())
                if i == 0 and u.graph not in inside
            ),
            key=lambda u: u.id,
        )
        for call in entries[1:]:
            copy = Constant(clone(g, manager=mng), call.inputs[0].loc)
            copy.abstract = call.inputs[0].abstract
            mng.set_edge(call, 0, copy)
            changed = True
    return changed


def unshare_branches(mng: Manager) -> None:
    """Give each `if` its own switch and branch graphs: a switch of branch graphs called
    several times is copied for each call after the first; a graph without parameters that
    several switches select is copied for each switch after the first (a copy shares the
    branches of its own ifs in turn: repeated until none is shared)."""
    _unshare_switches(mng)
    while _unshare_once(mng):
        pass


def _unshare_switches(mng: Manager) -> None:
    switches = sorted(
        (n for n in mng.all_nodes if isinstance(n, Apply) and _branch_switch(n)),
        key=lambda n: n.id,
    )
    for sw in switches:
        calls = sorted(
            (u for u, i in mng.uses.get(sw, ()) if i == 0 and len(u.inputs) == 1),
            key=lambda u: u.id,
        )
        for call in calls[1:]:
            copy = Apply(list(sw.inputs), sw.graph, sw.loc, sw.name)
            copy.abstract = sw.abstract
            mng.set_edge(call, 0, copy)


def _unshare_once(mng: Manager) -> bool:
    uses: dict[Graph, list[tuple[Apply, int]]] = {}
    changed = False
    for node in list(mng.all_nodes):
        if isinstance(node, Constant) and isinstance(node.value, Graph):
            for user, i in sorted(mng.uses.get(node, ()), key=lambda u: (u[0].id, u[1])):
                uses.setdefault(node.value, []).append((user, i))
    for g, gu in sorted(uses.items(), key=lambda kv: kv[0].id):
        if (
            len(gu) < 2
            or g.parameters
            or not all(u.is_apply(_SWITCH) and i in (2, 3) for u, i in gu)
        ):
            continue
        for user, i in sorted(gu, key=lambda ui: (ui[0].id, ui[1]))[1:]:
            copy = Constant(clone(g, manager=mng), user.inputs[i].loc)
            copy.abstract = user.inputs[i].abstract
            mng.set_edge(user, i, copy)
            changed = True
    return changed


def inline_known_branches(mng: Manager) -> None:
    """Replace each direct call of a branch graph (the switch around it folded) by its code."""
    while True:
        calls = sorted(
            (
                n
                for n in mng.all_nodes
                if isinstance(n, Apply)
                and len(n.inputs) == 1
                and isinstance(n.inputs[0], Constant)
                and isinstance(n.inputs[0].value, Graph)
                and n.inputs[0].value.flags.get("branch")
                and not n.inputs[0].value.parameters
            ),
            key=lambda n: n.id,
        )
        if not calls:
            return
        node = calls[0]
        g = node.inputs[0].value
        effects: list = []
        out = inline_clone(g, node.graph, [], mng, effects=effects)
        for e in effects:
            mng.add_input(node.graph.return_, e)
        mng.replace(node, out)
