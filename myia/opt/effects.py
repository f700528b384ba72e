"""Which effects of a graph may raise: what the optimizer must keep of unused statements.

The parser keeps expression statements, assigned values, joined `if`s and loops as effects
of their graph (extra inputs of its return node, `myia.parser.lower`), so that they run
even where their values are not used. The optimizer drops those that cannot raise; this
module says which may. An application may raise when its primitive says so for the types
of its inputs (`Primitive.may_raise`, declared in `myia.prim.raising`: `x / y` of Python
floats may, of NumPy floats it may not; `raise_` always does), or when it calls a graph
that holds such an application (directly or through the graphs it uses), or a function
value the types do not name. An effect may raise when an application it consists of may:
the walk from it goes through the nodes of its graph but stops at the graph's other
effects, which are judged on their own (and run anyway when they are kept).

Example:
    >>> check = RaiseCheck(manager)                     # doctest: +SKIP
    >>> check.may_raise(effect, effects_of_its_graph)   # doctest: +SKIP
    True
"""

from __future__ import annotations

from myia.infer.abstract import AFunction, GraphFn
from myia.infer.build import type_of
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import REGISTRY, Primitive

_SWITCH = REGISTRY.lookup("switch")


def _is_graph(x: Node) -> bool:
    return isinstance(x, Constant) and isinstance(x.value, Graph)


def _callees(fn: Node) -> tuple[list[Graph], list[Primitive]] | None:
    """The graphs and primitives the function node `fn` may be (None: not known)."""
    if isinstance(fn, Constant):
        if isinstance(fn.value, Graph):
            return [fn.value], []
        if isinstance(fn.value, Primitive):
            return [], [fn.value]
    if fn.is_apply(_SWITCH) and all(_is_graph(x) for x in fn.inputs[2:]):
        return [x.value for x in fn.inputs[2:]], []  # (the type may name graphs since copied)
    t = fn.abstract
    if not isinstance(t, AFunction):
        return None
    graphs = [o.graph for o in t.options if isinstance(o, GraphFn)]
    prims = [o for o in t.options if isinstance(o, Primitive)]
    return graphs, prims


def applies_raising(node: Apply) -> bool:
    """The application itself may raise (the graphs it calls aside)."""
    callees = _callees(node.inputs[0])
    if callees is None:
        return True
    _, prims = callees
    if not prims:
        return False
    types = [type_of(x) for x in node.inputs[1:]]
    return any(p.may_raise(types) for p in prims)


class RaiseCheck:
    """What may raise in the graphs of `mng`, as they are now (make a new one after a
    rewrite)."""

    def __init__(self, mng: Manager):
        self.mng = mng
        self.memo: dict[Node, bool] = {}
        self.raisers = self._raisers()

    def _raisers(self) -> set[Graph]:
        """The graphs a call of which may raise: those holding an application that may,
        and those that use one of them."""
        uses: dict[Graph, set[Graph]] = {}
        out: set[Graph] = set()
        for g in self.mng.graphs:
            used = set(self.mng.graph_constants[g])
            for n in self.mng.nodes[g]:
                if not isinstance(n, Apply) or n is g.return_:
                    continue
                callees = _callees(n.inputs[0])
                if callees is not None:
                    used.update(callees[0])
                if g not in out and applies_raising(n):
                    out.add(g)
            uses[g] = used
        changed = True
        while changed:
            changed = False
            for g, used in uses.items():
                if g not in out and any(h in out for h in used):
                    out.add(g)
                    changed = True
        return out

    def _node_raises(self, n: Apply) -> bool:
        if applies_raising(n):
            return True
        graphs = [
            x.value for x in n.inputs if isinstance(x, Constant) and isinstance(x.value, Graph)
        ]
        callees = _callees(n.inputs[0])
        if callees is not None:
            graphs.extend(callees[0])
        known = self.mng.graphs
        # A graph the manager does not hold is not known: it may raise.
        return any(g in self.raisers or g not in known for g in graphs)

    def may_raise(self, e: Node, effects: set[Node]) -> bool:
        """Whether running the effect `e` may raise; `effects`: those of its graph (where
        the walk stops)."""
        if not isinstance(e, Apply):
            return False
        graph = e.graph
        memo = self.memo
        stack = [(e, False)]
        while stack:
            n, done = stack.pop()
            if done:
                memo[n] = self._node_raises(n) or any(
                    memo.get(x, False) for x in n.inputs if x not in effects
                )
                continue
            if n in memo:
                continue
            stack.append((n, True))
            for x in n.inputs:
                inner = isinstance(x, Apply) and x.graph is graph and x not in memo
                if inner and x not in effects:
                    stack.append((x, False))
        return memo[e]
