"""Regions of a typed primal program, as the reverse transform sees them.

A *region* is a graph with the branches of the switches in its tail position (and theirs):
code that runs from the region's entry to one of its *leaves* (an output that is not a
switch). A function's body is a region; so is each side of a joined `if` (a `switch` whose
value the code after it uses) and the body of a loop (a graph that calls itself in tail
position: those calls are its back edges, its other leaves its exits).

A region's forward pass returns, besides its value, its *residual*: the tuple of the
forward values its backward pass reads, one slot each. Each leaf fills the slots of the
values computed on its path, and puts a placeholder (None, of type BOTTOM) in the others;
the backward pass reads a slot only on the path that filled it.

Example:
    >>> Region.of(graph, "function").graphs               # doctest: +SKIP
"""

from __future__ import annotations

from myia.branches import branches, switch_of_call, tail_switch
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, toposort


class ResidualCell:
    """The items of a region's residual type, filled once its backward pass is built."""

    def __init__(self, name: str):
        self.name = name
        self.items: tuple = ()


class Region:
    """A region (see the module): its graphs, leaves and residual slots. The two sides of
    a joined switch are one region with two roots (they share one residual)."""

    def __init__(self, roots: list[Graph], kind: str, mng: Manager):
        self.roots = roots
        self.root = roots[0]
        self.kind = kind  # "function", "branch" (the sides of a joined switch) or "loop"
        self.mng = mng
        self.graphs: list[Graph] = []
        self.parent_of: dict[Graph, Graph | None] = {}
        self.leaf_kinds: dict[Graph, set] = {}
        self.slots: list[Node] = []  # forward nodes
        self.slot_index: dict[Node, int] = {}
        self.cell = ResidualCell(self.root.name)
        self.fwd_graphs: dict[Graph, Graph] = {}
        stack = [(r, None) for r in reversed(roots)]
        while stack:
            g, parent = stack.pop()
            self.graphs.append(g)
            self.parent_of[g] = parent
            sw = tail_switch(g)
            if sw is not None:
                for b in branches(sw):
                    stack.append((b, g))
        for g in reversed(self.graphs):
            sw = tail_switch(g)
            if sw is not None:
                self.leaf_kinds[g] = set().union(*(self.leaf_kinds[b] for b in branches(sw)))
            else:
                self.leaf_kinds[g] = {"back" if self.is_back_edge(g.output) else "exit"}
        self.members = set(self.graphs)
        self._fwd_set: set | None = None

    def is_back_edge(self, node: Node) -> bool:
        return (
            self.kind == "loop"
            and isinstance(node, Apply)
            and isinstance(node.inputs[0], Constant)
            and node.inputs[0].value is self.root
        )

    def owns(self, node: Node) -> bool:
        return node.graph in self.members

    def owns_fwd(self, node: Node) -> bool:
        """Whether a forward node is computed in one of this region's forward graphs."""
        return self.owns_fwd_graph(node.graph)

    def owns_fwd_graph(self, g: Graph) -> bool:
        if self._fwd_set is None or len(self._fwd_set) != len(self.fwd_graphs):
            self._fwd_set = set(self.fwd_graphs.values())
        return g in self._fwd_set

    def slot(self, fwd_node: Node) -> int:
        k = self.slot_index.get(fwd_node)
        if k is None:
            k = self.slot_index[fwd_node] = len(self.slots)
            self.slots.append(fwd_node)
        return k

    def order(self, g: Graph) -> list[Apply]:
        """The applications of `g` (effects included), inputs first, but its tail switch
        call and back edge, which the region handles itself."""
        fvs = self.mng.free_variables_total
        out = []
        tail = g.output
        for n in toposort(
            g.return_,
            lambda n: n.graph is g,
            lambda h: sorted((x for x in fvs.get(h, ()) if x.graph is g), key=_node_id),
        ):
            if isinstance(n, Apply) and n.graph is g and n is not g.return_:
                if n is tail and (switch_of_call(n) is not None or self.is_back_edge(n)):
                    continue
                out.append(n)
        return out


def _node_id(n) -> int:
    return n.id  # a stable order (sets of nodes iterate in the order of their addresses)
