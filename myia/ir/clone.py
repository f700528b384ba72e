"""Cloning graphs: a graph with everything nested in it, or with everything it reaches.

Example:
    >>> g2 = clone(g)                    # doctest: +SKIP
    >>> g3 = clone(g, total=True)        # doctest: +SKIP
"""

from __future__ import annotations

from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort


def clone(graph: Graph, *, total: bool = False, manager: Manager | None = None) -> Graph:
    """A copy of `graph` and of every graph nested in it (they close over its nodes).

    With `total=True`, every graph `graph` reaches through graph constants is copied too;
    otherwise graphs outside its scope are shared with the original. Nodes keep their source
    locations and names; graph flags are copied.
    """
    return clone_graphs(graph, total=total, manager=manager)[graph]


def clone_graphs(graph: Graph, *, total: bool = False, manager: Manager | None = None) -> dict[Graph, Graph]:
    """The mapping from each copied graph to its copy (see `clone`)."""
    mng = manager or Manager(graph)
    if graph not in mng.graphs:
        mng.add_root(graph)
    targets = set(mng.graphs) if total else mng.scope(graph)
    parents = mng.parents
    depth: dict[Graph, int] = {}
    for g in targets:
        d, p = 0, parents[g]
        while p is not None:
            d, p = d + 1, parents[p]
        depth[g] = d
    gmap: dict[Graph, Graph] = {}
    for g in targets:
        ng = Graph(g.name, g.loc)
        ng.flags = dict(g.flags)
        gmap[g] = ng
    nmap: dict[Node, Node] = {}
    for g in sorted(targets, key=lambda g: (depth[g], g.id)):
        ng = gmap[g]
        for p in g.parameters:
            q = Parameter(ng, p.loc, p.name)
            ng.parameters.append(q)
            nmap[p] = q

    def copy(n: Node) -> Node:
        if n in nmap:
            return nmap[n]
        if isinstance(n, Constant) and isinstance(n.value, Graph) and n.value in gmap:
            return Constant(gmap[n.value], n.loc)
        return n

    for g in sorted(targets, key=lambda g: (depth[g], g.id)):
        ng = gmap[g]
        fv_hook = lambda h, g=g: [x for x in mng.free_variables_total.get(h, ()) if x.graph is g]
        for node in toposort(g.output, lambda n, g=g: n.graph is g, fv_hook):
            if isinstance(node, Apply) and node.graph is g:
                nmap[node] = Apply([copy(i) for i in node.inputs], ng, node.loc, node.name)
        ng.return_ = Apply([copy(i) for i in g.return_.inputs], ng, g.return_.loc)
    return gmap


def inline_clone(graph: Graph, target: Graph, args: list[Node], manager: Manager) -> Node:
    """Copy the body of `graph` into `target` with its parameters bound to `args`.

    Graphs nested in `graph` are copied too (their free variables now point into
    `target`). Returns the copy of `graph`'s output. `manager` must manage `graph`.
    """
    scope = manager.scope(graph)
    nested = scope - {graph}
    gmap: dict[Graph, Graph] = {}
    for g in nested:
        ng = Graph(g.name, g.loc)
        ng.flags = dict(g.flags)
        gmap[g] = ng
    nmap: dict[Node, Node] = dict(zip(graph.parameters, args))
    for g, ng in gmap.items():
        for p in g.parameters:
            q = Parameter(ng, p.loc, p.name)
            ng.parameters.append(q)
            nmap[p] = q
    parents = manager.parents
    depth: dict[Graph, int] = {}
    for g in scope:
        d, p = 0, parents[g]
        while p is not None and p in scope:
            d, p = d + 1, parents[p]
        depth[g] = d

    def copy(n: Node) -> Node:
        if n in nmap:
            return nmap[n]
        if isinstance(n, Constant) and isinstance(n.value, Graph) and n.value in gmap:
            return Constant(gmap[n.value], n.loc)
        return n

    for g in sorted(scope, key=lambda g: (depth[g], g.id)):
        owner = target if g is graph else gmap[g]
        fv_hook = lambda h, g=g: [x for x in manager.free_variables_total.get(h, ()) if x.graph is g]
        for node in toposort(g.output, lambda n, g=g: n.graph is g, fv_hook):
            if isinstance(node, Apply) and node.graph is g:
                nmap[node] = Apply([copy(i) for i in node.inputs], owner, node.loc, node.name)
        if g is not graph:
            gmap[g].return_ = Apply([copy(i) for i in g.return_.inputs], gmap[g], g.return_.loc)
    return copy(graph.output)
