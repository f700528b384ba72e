"""Cloning graphs: a graph with everything nested in it, or with everything it reaches.

Example:
    >>> g2 = clone(g)                    # doctest: +SKIP
    >>> g3 = clone(g, total=True)        # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os

from myia.errors import InheritedLocation
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort


def clone(graph: Graph, *, total: bool = False, manager: Manager | None = None) -> Graph:
    """A copy of `graph` and of every graph nested in it (they close over its nodes).

    With `total=True`, every graph `graph` reaches through graph constants is copied too;
    otherwise graphs outside its scope are shared with the original. Nodes keep their source
    locations and names; graph flags are copied, and each copy's `copy_of` is its original.
    """
    return clone_graphs(graph, total=total, manager=manager)[graph]


def clone_graphs(
    graph: Graph, *, total: bool = False, manager: Manager | None = None
) -> dict[Graph, Graph]:
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
    for g in sorted(targets, key=lambda g: g.id):
        ng = Graph(g.name, g.loc)
        ng.flags = dict(g.flags)
        ng.copy_of = g
        gmap[g] = ng
    nmap: dict[Node, Node] = {}
    for g in sorted(targets, key=lambda g: (depth[g], g.id)):
        ng = gmap[g]
        for p in g.parameters:
            q = Parameter(ng, p.loc, p.name)
            q.abstract = p.abstract
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
        # From the return node: its effects (after the output) are the graph's nodes too.
        for node in toposort(g.return_, lambda n, g=g: n.graph is g, fv_hook):
            if isinstance(node, Apply) and node.graph is g and node is not g.return_:
                nmap[node] = Apply([copy(i) for i in node.inputs], ng, node.loc, node.name)
                nmap[node].abstract = node.abstract
        ng.return_ = Apply([copy(i) for i in g.return_.inputs], ng, g.return_.loc)
    return gmap


_MYIA_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _internal(loc) -> bool:
    if loc is None:
        return True
    if os.path.isabs(loc.filename):
        return _internal_file(loc.filename)
    return os.path.abspath(loc.filename).startswith(_MYIA_DIR)  # depends on the folder


@functools.lru_cache(maxsize=1024)
def _internal_file(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_MYIA_DIR)


def inline_clone(
    graph: Graph,
    target: Graph,
    args: list[Node],
    manager: Manager,
    loc=None,
    free: dict[Node, Node] | None = None,
    effects: list[Node] | None = None,
    created: list[Node] | None = None,
    mapping: dict[Node, Node] | None = None,
) -> Node:
    """Copy the body of `graph` into `target` with its parameters bound to `args`.

    With `effects`, the copies of the effects of `graph` (the inputs of its return node
    after the output) are appended to it.

    Node types (`abstract`) are copied. Graphs nested in `graph` (those that close over its
    nodes, directly or through other nested graphs) are copied too (`copy_of` names the
    original), their free variables now pointing into `target`. With
    `free`, the free variables it maps are replaced too (in `graph` and in every graph that
    closes over them), which lambda-lifts them. With `created`, every application copied
    into `target` is appended to it. With `mapping`, it is updated with every node copied
    (the original to its copy). It uses only the manager's incremental
    indexes (direct free variables, graph constants), so inlining does not recompute
    nesting. Returns the copy of `graph`'s output.
    """
    free = free or {}
    nested = sorted(_nested_graphs(graph, manager, free), key=lambda g: g.id)
    gmap: dict[Graph, Graph] = {}
    for g in nested:
        ng = Graph(g.name, g.loc)
        ng.flags = dict(g.flags)
        ng.copy_of = g
        gmap[g] = ng
    nmap: dict[Node, Node] = {**free, **dict(zip(graph.parameters, args))}
    for g, ng in gmap.items():
        for p in g.parameters:
            q = Parameter(ng, p.loc, p.name)
            q.abstract = p.abstract
            ng.parameters.append(q)
            nmap[p] = q
    owner_of = lambda g: target if g is graph else gmap[g]

    def copy(root: Node) -> Node:
        stack = [root]
        while stack:
            n = stack[-1]
            if n in nmap:
                stack.pop()
                continue
            if isinstance(n, Constant):
                stack.pop()
                v = n.value
                nmap[n] = Constant(gmap[v], n.loc) if isinstance(v, Graph) and v in gmap else n
                continue
            if not isinstance(n, Apply) or (n.graph is not graph and n.graph not in gmap):
                stack.pop()
                nmap[n] = n
                continue
            missing = [i for i in n.inputs if i not in nmap]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            where = n.loc
            if loc is not None and _internal(n.loc):
                where = InheritedLocation(loc.filename, loc.lineno, loc.col)
            nmap[n] = Apply([nmap[i] for i in n.inputs], owner_of(n.graph), where, n.name)
            nmap[n].abstract = n.abstract
            if created is not None and n.graph is graph:
                created.append(nmap[n])
        return nmap[root]

    out = copy(graph.output)
    if effects is not None:
        effects.extend(copy(e) for e in graph.return_.inputs[2:])
    for g, ng in gmap.items():
        ng.return_ = Apply([copy(i) for i in g.return_.inputs], ng, g.return_.loc)
    if mapping is not None:
        mapping.update(nmap)
    return out


def _nested_graphs(graph: Graph, manager: Manager, free) -> set[Graph]:
    """The graphs nested in `graph`: reachable from it through graph constants and closing
    over its nodes, over those of other graphs nested in it, or over the nodes `free` maps
    (the graphs that own those are not nested)."""
    reachable: list[Graph] = []
    seen = {graph}
    stack = [graph]
    while stack:
        g = stack.pop()
        for h in manager.graph_constants[g]:
            if h not in seen:
                seen.add(h)
                reachable.append(h)
                stack.append(h)
    nested: set[Graph] = set()
    inside = {graph}
    owners = {n.graph for n in free}  # they hold what the copies close over: not copied
    changed = True
    while changed:
        changed = False
        for h in reachable:
            if h in nested or h in owners:
                continue
            if any(n.graph in inside or n in free for n in manager.free_variables_direct[h]) or any(
                k in nested for k in manager.graph_constants[h]
            ):
                nested.add(h)
                inside.add(h)
                changed = True
    return nested
