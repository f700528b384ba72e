"""The graph manager: the only way to mutate managed graphs, and the keeper of their indexes.

A `Manager` holds a set of root graphs and every graph reachable from them through graph
constants. It keeps, updated incrementally on every mutation, the users of every node, the
nodes each graph owns, each graph's direct free variables and the graphs each graph uses as
constants. From those it derives on demand (and caches until the next mutation) the total
free variables of each graph (including those of graphs it uses), graph nesting (parents,
children, scopes) and the set of reachable graphs.

Example:
    >>> mng = Manager(graph)                 # doctest: +SKIP
    >>> mng.replace(old_node, new_node)      # doctest: +SKIP
    >>> mng.free_variables_total[closure]    # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter, defaultdict

from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter

_MUTATIONS = [0]


def mutation_count() -> int:
    """How many mutations managers have made; caches of compiled graphs compare it."""
    return _MUTATIONS[0]


class Manager:
    """Keeps users, free variables and nesting of a set of graphs true under mutation.

    Managing a nested graph also manages the graphs that own its free variables (they are
    added to the roots), so nesting is always known.
    """

    def __init__(self, *roots: Graph):
        self.roots: set[Graph] = set()
        self.all_nodes: set[Node] = set()
        self.uses: dict[Node, set[tuple[Apply, int]]] = defaultdict(set)
        self.nodes: dict[Graph, set[Node]] = defaultdict(set)
        self.free_variables_direct: dict[Graph, Counter] = defaultdict(Counter)
        self.graph_constants: dict[Graph, Counter] = defaultdict(Counter)
        self._graph_refs: Counter = Counter()
        self._graphs: set[Graph] = set()
        self._derived: dict | None = None
        self._needs_sweep = False
        for g in roots:
            self.add_root(g)

    # Building the indexes -------------------------------------------------------------------

    def add_root(self, graph: Graph) -> None:
        """Manage `graph` and everything reachable from it, and keep it alive."""
        self.roots.add(graph)
        self._add_graph(graph)

    def _add_graph(self, graph: Graph) -> None:
        self._add_nodes([], [graph])

    def _add_nodes(self, pending: list[Node], graphs: list[Graph] | None = None) -> None:
        """Add the nodes `pending` and what they reach, then the graphs `graphs` and those
        reached (a worklist of each: no recursion, however deep graphs nest or chain)."""
        graphs = [] if graphs is None else graphs
        while pending or graphs:
            if not pending:
                graph = graphs.pop()
                if graph in self._graphs:
                    continue
                self._graphs.add(graph)
                self._derived = None
                pending = list(graph.parameters)
                if graph.return_ is not None:
                    pending.append(graph.return_)
                continue
            node = pending.pop()
            if node in self.all_nodes:
                continue
            self.all_nodes.add(node)
            if node.graph is not None:
                self.nodes[node.graph].add(node)
            if isinstance(node, Apply):
                for i, inp in enumerate(node.inputs):
                    if self._add_edge(node, i, inp, graphs):
                        pending.append(inp)

    def _add_edge(self, node: Apply, i: int, inp: Node, graphs: list[Graph] | None = None) -> bool:
        """Record the edge; True when `inp` is not yet known (the caller adds it). A graph
        the edge reaches that is not managed yet goes to `graphs` (added now without)."""
        self.uses[inp].add((node, i))
        owner = inp.graph
        if owner is not None:
            if owner is not node.graph:
                self.free_variables_direct[node.graph][inp] += 1
                self._derived = None
                if owner not in self._graphs:
                    # A free variable of a graph of an enclosing function: manage that too.
                    self.roots.add(owner)
                    self._reach(owner, graphs)
        elif isinstance(inp, Constant) and isinstance(inp.value, Graph):
            self.graph_constants[node.graph][inp.value] += 1
            self._graph_refs[inp.value] += 1
            self._derived = None
            if inp.value not in self._graphs:
                self._reach(inp.value, graphs)
        return inp not in self.all_nodes

    def _reach(self, graph: Graph, graphs: list[Graph] | None) -> None:
        if graphs is not None:
            graphs.append(graph)
        else:
            self._add_graph(graph)

    def _drop_edge(self, node: Apply, i: int, inp: Node) -> None:
        """Forget the edge, and `inp` too when that was its last use."""
        self._drop_edge_only(node, i, inp)
        if not self.uses[inp]:
            self._drop_node(inp)

    def _drop_node(self, root: Node) -> None:
        pending = [root]
        while pending:
            node = pending.pop()
            if node not in self.all_nodes or self.uses.get(node):
                continue
            if isinstance(node, Parameter):
                continue
            if node.graph is not None and node is node.graph.return_:
                continue
            self.all_nodes.discard(node)
            self.uses.pop(node, None)
            if node.graph is not None:
                self.nodes[node.graph].discard(node)
            if isinstance(node, Apply):
                for i, inp in enumerate(node.inputs):
                    self._drop_edge_only(node, i, inp)
                    if not self.uses[inp]:
                        pending.append(inp)

    def _drop_edge_only(self, node: Apply, i: int, inp: Node) -> None:
        self.uses[inp].discard((node, i))
        g = node.graph
        if inp.graph is not None and inp.graph is not g:
            c = self.free_variables_direct[g]
            c[inp] -= 1
            if c[inp] <= 0:
                del c[inp]
        if isinstance(inp, Constant) and isinstance(inp.value, Graph):
            c = self.graph_constants[g]
            c[inp.value] -= 1
            if c[inp.value] <= 0:
                del c[inp.value]
            self._graph_refs[inp.value] -= 1
            self._needs_sweep = True  # also catches cycles of recursive graphs
        self._derived = None

    def _sweep(self) -> None:
        """Drop graphs no longer reachable from the roots (cycles of recursion included),
        until none is: the nodes of a dropped graph may hold the last uses of others."""
        while self._needs_sweep:
            self._needs_sweep = False
            self._sweep_once()

    def _sweep_once(self) -> None:
        live: set[Graph] = set()
        stack = list(self.roots)
        while stack:
            g = stack.pop()
            if g in live:
                continue
            live.add(g)
            stack.extend(self.graph_constants[g])
        orphans: list[Node] = []
        for g in self._graphs - live:
            for node in list(self.nodes[g]):
                if isinstance(node, Apply):
                    for i, inp in enumerate(node.inputs):
                        self._drop_edge_only(node, i, inp)
                        orphans.append(inp)
                self.all_nodes.discard(node)
                self.uses.pop(node, None)
            self.nodes.pop(g, None)
            self.free_variables_direct.pop(g, None)
            self.graph_constants.pop(g, None)
        self._graphs = live
        self._needs_sweep = False  # the edges dropped so far were those of dead graphs
        for node in orphans:
            if node in self.all_nodes and not self.uses.get(node):
                self._drop_node(node)
        self._derived = None

    # Mutations --------------------------------------------------------------------------------

    def set_edge(self, node: Apply, i: int, value: Node) -> None:
        """Make `value` the input `i` of `node`."""
        _MUTATIONS[0] += 1
        old = node.inputs[i]
        if old is value:
            return
        node.inputs[i] = value
        if self._add_edge(node, i, value):
            self._add_nodes([value])
        self._drop_edge(node, i, old)

    def replace(self, old: Node, new: Node) -> None:
        """Make every user of `old` use `new` instead."""
        if old is new:
            return
        for user, i in list(self.uses.get(old, ())):
            self.set_edge(user, i, new)

    def add_input(self, node: Apply, value: Node) -> None:
        """Append `value` to the inputs of `node` (an effect to a graph's return node)."""
        _MUTATIONS[0] += 1
        node.inputs.append(value)
        if self._add_edge(node, len(node.inputs) - 1, value):
            self._add_nodes([value])

    def remove_input(self, node: Apply, i: int) -> None:
        """Remove input `i` of `node` (an effect of a graph's return node)."""
        _MUTATIONS[0] += 1
        old = node.inputs[i]
        for j in range(i, len(node.inputs)):
            self._drop_edge_only(node, j, node.inputs[j])
        del node.inputs[i]
        for j in range(i, len(node.inputs)):
            self._add_edge(node, j, node.inputs[j])
        if not self.uses[old]:
            self._drop_node(old)

    def remove_inputs(self, node: Apply, drop: set[int]) -> None:
        """Remove the inputs at the positions `drop` of `node` (effects of a graph's return
        node), in one pass over its inputs."""
        if not drop:
            return
        _MUTATIONS[0] += 1
        first = min(drop)
        old = [node.inputs[i] for i in sorted(drop)]
        for j in range(first, len(node.inputs)):
            self._drop_edge_only(node, j, node.inputs[j])
        node.inputs[first:] = [x for j, x in enumerate(node.inputs) if j >= first and j not in drop]
        for j in range(first, len(node.inputs)):
            self._add_edge(node, j, node.inputs[j])
        for x in old:
            if x in self.all_nodes and not self.uses[x]:
                self._drop_node(x)

    def set_output(self, graph: Graph, node: Node) -> None:
        """Make `node` the output of `graph`."""
        self.set_edge(graph.return_, 1, node)

    def add_parameter(self, graph: Graph, name: str | None = None) -> Parameter:
        """Append a new parameter to a managed graph and return it."""
        _MUTATIONS[0] += 1
        p = Parameter(graph, graph.loc, name)
        graph.parameters.append(p)
        self.all_nodes.add(p)
        self.nodes[graph].add(p)
        return p

    def set_parameters(self, graph: Graph, params: list[Parameter]) -> None:
        """Replace the parameter list of `graph` (dropped parameters must be unused)."""
        _MUTATIONS[0] += 1
        for p in graph.parameters:
            if p not in params and not self.uses.get(p):
                self.all_nodes.discard(p)
                self.nodes[graph].discard(p)
        graph.parameters = list(params)
        for p in params:
            self.all_nodes.add(p)
            self.nodes[graph].add(p)

    # Derived indexes --------------------------------------------------------------------------

    @property
    def graphs(self) -> set[Graph]:
        """Every graph reachable from the roots."""
        if self._needs_sweep:
            self._sweep()
        return self._graphs

    def _derive(self) -> dict:
        if self._needs_sweep:
            self._sweep()
        if self._derived is not None:
            return self._derived
        total = self._total_free_variables()
        parents: dict[Graph, Graph | None] = {}
        depth: dict[Graph, int] = {}
        expanded: set[Graph] = set()
        for start in self._graphs:
            stack = [start]
            while stack:
                g = stack[-1]
                if g in depth:
                    stack.pop()
                    continue
                owners = {n.graph for n in total[g]}
                pending = [o for o in owners if o not in depth]
                if pending:
                    if g in expanded:
                        raise ValueError(f"cyclic graph nesting around {g!r}")
                    expanded.add(g)
                    stack.extend(pending)
                    continue
                stack.pop()
                # The owners lie on one chain of enclosing graphs: the deepest is the parent.
                parent = max(owners, key=depth.__getitem__) if owners else None
                parents[g] = parent
                depth[g] = 0 if parent is None else depth[parent] + 1
        children: dict[Graph, set[Graph]] = {g: set() for g in self._graphs}
        for g, p in parents.items():
            if p is not None:
                children[p].add(g)
        self._derived = {"total": total, "parents": parents, "children": children}
        return self._derived

    def _total_free_variables(self) -> dict[Graph, set[Node]]:
        """Direct free variables plus those of the graphs used, minus the graph's own nodes,
        propagated callees first (a fixed point only inside cycles of recursion)."""
        graphs = self._graphs
        total = {g: set(self.free_variables_direct[g]) for g in graphs}
        order = _callees_first(graphs, self.graph_constants)
        changed = True
        while changed:
            changed = False
            for g in order:
                tg = total[g]
                before = len(tg)
                for h in self.graph_constants[g]:
                    if h is not g:
                        tg.update(n for n in total.get(h, ()) if n.graph is not g)
                changed |= len(tg) != before
        return total

    @property
    def free_variables_total(self) -> dict[Graph, set[Node]]:
        """For each graph, the nodes of other graphs it or the graphs it uses depend on."""
        return self._derive()["total"]

    @property
    def parents(self) -> dict[Graph, Graph | None]:
        """For each graph, the graph it is nested in (None at top level)."""
        return self._derive()["parents"]

    @property
    def children(self) -> dict[Graph, set[Graph]]:
        """For each graph, the graphs directly nested in it."""
        return self._derive()["children"]

    def graph_use_count(self, graph: Graph) -> int:
        """How many edges use `graph` as a constant."""
        return self._graph_refs[graph]

    def scope(self, graph: Graph) -> set[Graph]:
        """`graph` and every graph nested in it, at any depth."""
        children = self.children
        out = {graph}
        stack = [graph]
        while stack:
            for c in children[stack.pop()]:
                if c not in out:
                    out.add(c)
                    stack.append(c)
        return out

    def nested_in(self, h: Graph, g: Graph) -> bool:
        """Whether `h` is `g` or nested in it, at any depth. With one root (a top-level
        graph: the owners of a managed closure's free variables are roots too), a graph
        nested in `g` is reached from `g` through graph constants (every graph that uses
        a graph nested in `g` is `g` or nested in it, and the root is not): where `h` is
        not, the answer needs no nesting, which would be derived again after every
        mutation (quadratic in the graphs of an unrolled recursion, inlined one copy at
        a time)."""
        if h is g:
            return True
        if len(self.roots) == 1 and not self._reaches(g, h):
            return False
        parents = self.parents
        while h is not None:
            if h is g:
                return True
            h = parents.get(h)
        return False

    def _reaches(self, g: Graph, h: Graph) -> bool:
        """Whether `h` is reached from `g` through graph constants."""
        seen, stack = {g}, [g]
        while stack:
            for k in self.graph_constants.get(stack.pop(), ()):
                if k is h:
                    return True
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
        return False

    def ordered_free_variables(self, graph: Graph) -> list[Node]:
        """The total free variables of `graph` in the fixed order closures use."""
        return sorted(self.free_variables_total[graph], key=lambda n: n.id)


def manage(*graphs: Graph) -> Manager:
    """A manager for `graphs` (a new one each call)."""
    return Manager(*graphs)


def _callees_first(graphs, uses) -> list:
    """The graphs ordered so that a graph comes after the graphs it uses (except in cycles)."""
    order: list = []
    done: set = set()
    for start in graphs:
        if start in done:
            continue
        stack = [(start, iter(uses[start]))]
        done.add(start)
        while stack:
            g, it = stack[-1]
            for h in it:
                if h not in done and h in graphs:
                    done.add(h)
                    stack.append((h, iter(uses[h])))
                    break
            else:
                stack.pop()
                order.append(g)
    return order


def cyclic_graphs(mng: Manager) -> set[Graph]:
    """Graphs that can reach themselves through graph constants (Tarjan's SCCs)."""
    index: dict[Graph, int] = {}
    low: dict[Graph, int] = {}
    on: set[Graph] = set()
    stack: list[Graph] = []
    out: set[Graph] = set()
    counter = 0
    for start in mng.graphs:
        if start in index:
            continue
        work = [(start, iter(mng.graph_constants[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            g, it = work[-1]
            advanced = False
            for h in it:
                if h not in index:
                    index[h] = low[h] = counter
                    counter += 1
                    stack.append(h)
                    on.add(h)
                    work.append((h, iter(mng.graph_constants[h])))
                    advanced = True
                    break
                if h in on:
                    low[g] = min(low[g], index[h])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[g])
            if low[g] == index[g]:
                comp = []
                while True:
                    h = stack.pop()
                    on.discard(h)
                    comp.append(h)
                    if h is g:
                        break
                if len(comp) > 1 or g in mng.graph_constants[g]:
                    out.update(comp)
    return out
