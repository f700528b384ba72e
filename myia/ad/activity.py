"""Activity analysis: which values of a primal program may depend on the inputs a gradient
is taken with respect to.

A value that does not (an input outside `argnums`, a loop counter, anything computed from
those alone) needs no sensitivity: the J transform adds no contributions to it, so that
its sensitivity is the constant ZERO and the work to compute it is dead code, also where
the optimizer cannot see that the result is dropped (in a loop, whose backward pass
carries the sensitivities of everything the loop closes over).

The analysis is a forward propagation over the whole program, insensitive to context and
conservative: a call's result is active when one of its inputs is (a closure is active
when it closes over an active value), a parameter when an argument of one of its graph's
call sites is, and every parameter of a graph used as a value (passed, returned, chosen
by a `switch`) is active.

Example:
    >>> active = active_nodes(Manager(g), g, (0,))      # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict

from myia.ir.manager import Manager
from myia.ir.nodes import Constant, Graph, Node
from myia.prim.registry import Primitive


def active_nodes(mng: Manager, root: Graph, argnums) -> set[Node]:
    """The nodes of the graphs `mng` manages whose values may depend on the parameters
    `argnums` of `root`."""
    constants: dict[Graph, list[Constant]] = defaultdict(list)
    escaping: set[Graph] = set()
    for node in mng.all_nodes:
        if isinstance(node, Constant) and isinstance(node.value, Graph):
            constants[node.value].append(node)
            if any(i != 0 for _, i in mng.uses.get(node, ())):
                escaping.add(node.value)
    closing_over: dict[Node, list[Graph]] = defaultdict(list)
    for g, fvs in mng.free_variables_total.items():
        for n in fvs:
            closing_over[n].append(g)
    active: set[Node] = set()
    work: list[Node] = []

    def activate(n: Node) -> None:
        if n not in active:
            active.add(n)
            work.append(n)

    for n in [root.parameters[i] for i in argnums] + [p for g in escaping for p in g.parameters]:
        activate(n)
    while work:
        n = work.pop()
        for g in closing_over.get(n, ()):
            for c in constants.get(g, ()):
                activate(c)
        for user, i in mng.uses.get(n, ()):
            fn = user.inputs[0]
            if i > 0 and isinstance(fn, Constant):
                if isinstance(fn.value, Primitive) and fn.value.nondiff:
                    continue
                if isinstance(fn.value, Graph) and i <= len(fn.value.parameters):
                    activate(fn.value.parameters[i - 1])
            activate(user)
    return active
