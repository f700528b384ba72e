"""Activity analysis: which values of a typed primal program may depend on the inputs a
gradient is taken with respect to, and can carry a sensitivity.

A value that does not (an input outside `argnums`, a loop counter, an int, anything
computed from those alone) gets no sensitivity: the reverse transform adds no
contributions to it, so its sensitivity is statically zero and nothing computes it, also
where a loop carries it from one iteration to the next.

The analysis is a forward propagation over the whole program, insensitive to context:
a call's result is active when one of its inputs is (a closure when it closes over an
active value), a parameter when an argument of one of its graph's call sites is, and every
parameter of a graph used as a value (passed, returned, chosen by a `switch`) is active.

Example:
    >>> active = active_nodes(Manager(g), g, (0,))      # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict

from myia.infer.abstract import AZero
from myia.infer.sensitivity import sens_type
from myia.ir.manager import Manager
from myia.ir.nodes import Constant, Graph, Node
from myia.prim.registry import Primitive, lookup

_SWITCH = lookup("switch")


def active_nodes(mng: Manager, root: Graph, argnums) -> set[Node]:
    """The nodes of the graphs `mng` manages whose values may depend on the parameters
    `argnums` of `root` and may carry a sensitivity."""
    constants: dict[Graph, list[Constant]] = defaultdict(list)
    escaping: set[Graph] = set()
    for node in mng.all_nodes:
        if isinstance(node, Constant) and isinstance(node.value, Graph):
            constants[node.value].append(node)
            if any(i != 0 and not u.is_apply(_SWITCH) for u, i in mng.uses.get(node, ())):
                escaping.add(node.value)
    closing_over: dict[Node, list[Graph]] = defaultdict(list)
    for g, fvs in mng.free_variables_total.items():
        for n in fvs:
            closing_over[n].append(g)
    active: set[Node] = set()
    work: list[Node] = []

    def activate(n: Node) -> None:
        if n not in active and _can_carry(n):
            active.add(n)
            work.append(n)

    for n in [root.parameters[i] for i in argnums] + [p for g in escaping for p in g.parameters]:
        activate(n)
    while work:
        n = work.pop()
        for g in closing_over.get(n, ()):
            for c in constants.get(g, ()):
                active.add(c)
                work.append(c)
        for user, i in mng.uses.get(n, ()):
            fn = user.inputs[0]
            if i > 0 and isinstance(fn, Constant):
                if isinstance(fn.value, Primitive) and fn.value.nondiff:
                    continue
                if isinstance(fn.value, Graph) and i <= len(fn.value.parameters):
                    activate(fn.value.parameters[i - 1])
            if user is user.graph.return_:
                if i == 1:
                    # The calls whose result is the graph's output (a switch selecting the
                    # graph is one: its call is activated through its uses).
                    for c in constants.get(user.graph, ()):
                        for u, _ in mng.uses.get(c, ()):
                            if isinstance(u.inputs[0], Constant):
                                activate(u)
                continue
            activate(user)
    return active


def _can_carry(n: Node) -> bool:
    """Whether `n` may have a sensitivity (a function value has one: its environment)."""
    return n.abstract is None or sens_type(n.abstract) is not AZero
