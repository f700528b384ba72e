"""The optimizer: one run of typed rewrites to a fixed point, over a worklist of nodes.

Each node is tried, in order, with: constant folding (a primitive on constants), the
simplifications its primitive declares (`getitem(make_tuple(a, b), 0)` is `a`), the pattern
table of `myia.opt.patterns`, inlining (a call of a graph used once, or small, that is
neither a loop nor recursive: beta reduction, which brings the body's nodes, typed, to the
worklist) and common-subexpression elimination within its graph. Dead code goes as the
manager drops the nodes that lose their last user; effects of a graph (its statements
whose values are unused) that cannot raise are dropped (`myia.opt.effects`). Every rewrite keeps the types of the nodes it makes current
(they are built typed), so nothing is inferred again.

Example:
    >>> optimize(typed_graph)                      # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque

from myia.infer.abstract import AArray, AScalar
from myia.infer.build import fold_nodes, type_of, typed_constant
from myia.infer.walks import same_kind
from myia.ir.clone import inline_clone
from myia.ir.manager import Manager, cyclic_graphs
from myia.ir.nodes import Apply, Constant, Graph, Node, toposort
from myia.opt.effects import RaiseCheck
from myia.opt.factors import PRODUCT_TREE, gather_constants
from myia.opt.invariants import hoist_invariants
from myia.opt.patterns import (
    AXIS_REDUCTIONS,
    RULES,
    RuleTable,
    canonical_axis,
    implied_operand,
)
from myia.opt.propagate import propagate_constants
from myia.opt.prune import prune_parameters, prune_results
from myia.opt.tapes import flatten_tapes
from myia.opt.unwrap import unwrap_results
from myia.prim.registry import REGISTRY, Primitive

INLINE_MAX_NODES = 40
_SWITCH = REGISTRY.lookup("switch")
RUNS = [0]  # optimizer runs, in all (the tests count them per compile)


class Optimizer:
    """Rewrites the graphs reachable from `root` until nothing changes."""

    def __init__(self, root: Graph, adjoint: bool = False, flat_tapes: bool | None = None):
        self.root = root
        self.flat_tapes = adjoint if flat_tapes is None else flat_tapes
        self.mng = Manager(root)
        self.adjoint = adjoint
        self.rules = _rule_table(adjoint)
        self.queued: set[Node] = set()
        self.work: deque = deque()
        self.cse: dict[Graph, dict] = {}
        self._cycles: tuple[int, set] | None = None
        self.counts: dict[str, int] = {}

    def push(self, node: Node) -> None:
        if isinstance(node, Apply) and node not in self.queued and node is not node.graph.return_:
            self.queued.add(node)
            self.work.append(node)

    def push_graph(self, g: Graph) -> None:
        for n in toposort(g.return_, lambda n: n.graph is g):
            self.push(n)

    def run(self) -> Graph:
        RUNS[0] += 1
        for g in sorted(self.mng.graphs, key=lambda g: g.id):
            self.push_graph(g)
        while self.work:
            self.drain()
            self.prune_effects()
            if not self.work:
                self.prune_across()
        return self.root

    def drain(self) -> None:
        mng = self.mng
        while self.work:
            node = self.work.popleft()
            self.queued.discard(node)
            if node not in mng.all_nodes:
                continue
            new = self.rewrite(node)
            if new is None or new is node:
                continue
            users = sorted({u for u, _ in mng.uses.get(node, ())}, key=_node_id)
            graph = node.graph
            # Only the nodes the rewrite made are walked: O(size of the rewrite), not O(graph).
            known = mng.all_nodes
            fresh = [
                n
                for n in toposort(new, lambda n, g=graph, k=known: n.graph is g and n not in k)
                if n not in known
            ]
            operands = [x for x in node.inputs if isinstance(x, Apply)]
            mng.replace(node, new)
            for before in getattr(self, "_pending_graphs", ()):
                for g in sorted(set(mng.graphs) - before, key=lambda g: g.id):
                    self.push_graph(g)
            self._pending_graphs = []
            for n in fresh:
                self.push(n)
            self.push(new)
            for u in users:  # (and theirs: a pattern reads two levels down)
                self.push(u)
                for uu in sorted({v for v, _ in mng.uses.get(u, ())}, key=_node_id):
                    self.push(uu)
            for x in operands:  # (one user fewer: a rewrite of theirs may apply now)
                if x in known:
                    self.push(x)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    # Rewrites ---------------------------------------------------------------------------------

    def rewrite(self, node: Apply) -> Node | None:
        fn = node.inputs[0]
        if isinstance(fn, Constant) and isinstance(fn.value, Primitive):
            prim = fn.value
            ok, value = fold_nodes(prim, node.inputs[1:])
            if ok:
                self.count("fold")
                return typed_constant(value, node.loc)
            if prim.simplify is not None:
                same = prim.simplify(node.inputs[1:])
                if same is not None and same is not node:
                    self.count(prim.name + ".simplify")
                    return same
            for rule in self.rules.candidates(prim, node):
                new = rule.apply(node, self.mng)
                if new is not None and _same_type(new, node):
                    self.count(rule.text)
                    return new
            if prim in AXIS_REDUCTIONS:
                new = canonical_axis(node)
                if new is not None:
                    self.count("canonical axis")
                    return new
            if prim.elementwise:
                new = implied_operand(node)
                if new is not None:
                    self.count("implied operand")
                    return new
            if self.adjoint and prim in PRODUCT_TREE:
                new = gather_constants(node, self.mng)
                if new is not None:
                    self.count("gather constants")
                    return new
            return self.common(node, prim)
        if isinstance(fn, Constant) and isinstance(fn.value, Graph):
            return self.inline(node, fn.value)
        if len(node.inputs) == 1 and fn.is_apply(_SWITCH):
            return self.common(node)  # an `if` whose two calls select alike is computed once
        return None

    def common(self, node: Apply, prim: Primitive | None = None) -> Node | None:
        """An identical application earlier in the same graph, if any (CSE): of `prim`, or
        (`prim` None) the call of a switch."""
        if prim is not None and prim.effect:
            return None
        key = _app_key(node, prim)
        table = self.cse.setdefault(node.graph, {})
        other = table.get(key)
        if (
            other is not None
            and other is not node
            and other in self.mng.all_nodes
            and (_app_key(other, prim) == key)
        ):
            self.count("cse")
            return other
        table[key] = node
        return None

    def recursive(self, g: Graph) -> bool:
        if self._cycles is None or self._cycles[0] != len(self.mng.graphs):
            self._cycles = (len(self.mng.graphs), cyclic_graphs(self.mng))
        return g in self._cycles[1]

    def inline(self, node: Apply, g: Graph) -> Node | None:
        """Beta reduction of a call of `g`: a graph called once (not from inside itself),
        or a small graph that is not recursive."""
        if g is self.root or g.return_ is None or len(node.inputs) - 1 != len(g.parameters):
            return None
        once = self.mng.graph_use_count(g) == 1
        if once:
            if self.mng.nested_in(node.graph, g):
                return None
        elif self.recursive(g) or len(self.mng.nodes[g]) > INLINE_MAX_NODES:
            return None
        effects: list[Node] = []
        before = set(self.mng.graphs)
        created: list[Node] = []
        out = inline_clone(
            g,
            node.graph,
            list(node.inputs[1:]),
            self.mng,
            loc=node.loc,  # myia's own nodes (a rule graph's) take the user's line of the call
            effects=effects,
            created=created,
        )
        ret = node.graph.return_
        for e in effects:
            self.mng.add_input(ret, e)
        self.count("inline")
        seen: set[Node] = set()  # one walk for all the effects (a statement each)
        for e in effects:
            if isinstance(e, Apply):
                for n in toposort(e, lambda n, s=seen: n.graph is node.graph and n not in s):
                    self.push(n)
                    seen.add(n)
        for n in created:  # also those only the copies of nested graphs use
            self.push(n)
        self._pending_graphs = getattr(self, "_pending_graphs", []) + [before]
        return out

    # Across graphs ----------------------------------------------------------------------------

    def prune_across(self) -> None:
        """Dead tuple items of calls, constant parameters (`myia.opt.propagate`), then dead
        parameters (`myia.opt.prune`), on adjoints flat tapes (`myia.opt.tapes`), then
        results of one live item (`myia.opt.unwrap`)."""
        steps = [
            ("dead result", prune_results),
            ("constant parameter", propagate_constants),
            ("dead parameter", prune_parameters),
            ("loop invariant", hoist_invariants),
        ]
        if self.flat_tapes:
            steps.append(("flat tape", lambda mng, root: flatten_tapes(mng)))
        steps.append(("one live item", unwrap_results))
        for what, prune in steps:
            changed = prune(self.mng, self.root)
            if changed:
                self.count(what)
            for n in changed:
                self.push(n)
                for u, _ in sorted(self.mng.uses.get(n, ()), key=lambda ui: _node_id(ui[0])):
                    self.push(u)

    # Effects ----------------------------------------------------------------------------------

    def prune_effects(self) -> None:
        """Drop the effects of graphs that cannot raise: expression statements, assigned
        values, ifs and loops whose values are not used and in which nothing may raise
        (`myia.opt.effects`)."""
        check = RaiseCheck(self.mng)
        for g in list(self.mng.graphs):
            ret = g.return_
            if ret is None or len(ret.inputs) <= 2 or g not in self.mng.graphs:
                continue  # (or dropped with an effect of a graph before it)
            effects = set(ret.inputs[2:])
            drop = {
                i
                for i, e in enumerate(ret.inputs)
                if i >= 2 and (e is ret.inputs[1] or not check.may_raise(e, effects))
            }
            users = sorted(
                {u for i in drop for u, _ in self.mng.uses.get(ret.inputs[i], ()) if u is not ret},
                key=_node_id,
            )
            self.mng.remove_inputs(ret, drop)
            for u in users:
                self.push(u)


_TABLES: dict[bool, RuleTable] = {}


def _rule_table(adjoint: bool) -> RuleTable:
    """The rules of `RULES` an optimizer runs (`adjoint`: with those of adjoints only), in
    one table for every run (which keeps what it learns of the shapes of nodes)."""
    table = _TABLES.get(adjoint)
    if table is None:
        table = _TABLES[adjoint] = RuleTable([r for r in RULES if adjoint or not r.adjoint_only])
    return table


def _same_type(new: Node, node: Apply) -> bool:
    """A rewrite keeps the type of what it replaces (a Python float and a NumPy float are
    one kind)."""
    a, t = type_of(new), node.abstract
    return a == t or same_kind(a, t)


def _app_key(node: Apply, prim: Primitive | None) -> tuple:
    key = tuple(_key(x) for x in node.inputs)
    if (
        prim is not None
        and prim.commutative
        and all(isinstance(type_of(x), (AArray, AScalar)) for x in node.inputs[1:])
    ):
        # Numbers and arrays commute (the concatenation of tuples and lists does not). Equal
        # operands hash alike: ordered by hash, `a * b` and `b * a` have one key (two keys
        # that differ but hash alike may keep their order: a missed CSE, never a wrong one).
        return (key[0], *sorted(key[1:], key=hash))
    return key


def _key(node: Node):
    if isinstance(node, Constant):
        v = node.value
        try:
            hash(v)
        except TypeError:
            return ("id", id(v))
        if isinstance(v, (float, complex)):  # 0.0 and -0.0 are equal but not the same
            return ("c", type(v), repr(v))
        return ("c", type(v), v)
    return node  # a node is its own key (nodes hash and compare by identity)


def optimize(graph: Graph, adjoint: bool = False, flat_tapes: bool | None = None) -> Graph:
    """Optimize the typed program `graph` in place (see the module) and return it.
    `adjoint`: the rewrites of gradient programs too; `flat_tapes` (by default, as
    `adjoint`): give tapes flat elements (`opt.tapes`), which changes the type of a tape
    (keep it off where a tape crosses from one program to another)."""
    return Optimizer(graph, adjoint, flat_tapes).run()


def _node_id(n) -> int:
    return n.id  # a stable order (sets of nodes iterate in the order of their addresses)
