"""The optimizer's driver: run the rewrites of `myia.opt.rewrites` to a fixed point.

`optimize(graph)` works on a copy (the parsed and transformed graphs are shared and cached)
and returns it. Common-subexpression elimination runs between rounds; dead code disappears
as the manager drops nodes that lose their last user.

Example:
    >>> g2 = optimize(myia.ir(f, stage="grad"))     # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict

from myia.errors import MyiaError
from myia.infer import AScalar, abstract_of_value, infer
from myia.infer.abstract import constant_value, is_constant
from myia.infer.engine import InferenceBudgetExceeded
from myia.ir.clone import clone
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, toposort
from myia.opt import cancellation, factoring, scaling  # noqa: F401 - they register their rewrites
from myia.opt.rewrites import REWRITES, prim_of
from myia.opt.specialize import calls_itself
from myia.prim.tape import EFFECTS

INLINE_MAX_NODES = 40
# Inference runs at the start of a round when the previous one changed the graphs (new
# nodes to type), at most this many times: by then the rules of primitives are inlined,
# and later rounds only simplify what those types allowed.
INFER_ROUNDS = 3
_COMMUTATIVE = {"add", "mul"}  # a + b and b * a are merged with a + b, a * b by CSE
_IMPURE = {"raise_", "grad_of", "apply", "unit_sens", "grad_output", *EFFECTS}


class Optimizer:
    """Rewrites the graphs of one manager until nothing changes (or `max_rounds`)."""

    def __init__(
        self,
        root: Graph,
        rewrites=None,
        max_rounds: int = 50,
        args=None,
        check=False,
        adjoint: bool = False,
    ):
        self.check = check
        self.mng = Manager(root)
        if args is not None and any(map(_one_value, args)) and calls_itself(self.mng, root):
            # The root's parameters become constants below: calls from inside it keep
            # the original, whose parameters they bind.
            root = _entry(root)
            self.mng = Manager(root)
        self.root = root
        if rewrites is None:
            # Rewrites exact only up to rounding, or taking x - x to be zero, are for
            # adjoints (see `rewrite(adjoint_only=True)`); programs as the user wrote them
            # compute what NumPy computes.
            rewrites = [
                (n, rw) for n, rw in REWRITES if adjoint or not getattr(rw, "adjoint_only", False)
            ]
        self.rewrites = list(rewrites)
        self._dispatch: dict = {}  # primitive -> the rewrites to try on its applications
        self.max_rounds = max_rounds
        self.args = args
        self.types = None
        self.gave_up = False  # inference exceeded its budget once: no types this time
        self._recursive: set[Graph] | None = None
        self.counts: dict[str, int] = defaultdict(int)
        # Copies of recursive graphs with constant arguments bound (`specialized_call`).
        self.specializations: dict[tuple, Graph] = {}
        self.specialization_counts: dict[Graph, int] = defaultdict(int)
        # Analyses of rewrites, recomputed when what they depend on changes.
        self.analyses: dict[str, object] = {}
        # Parameters of the root with one possible value (the bools and the ints that
        # steer recursion, which the compiled code's cache key pins) are constants.
        for p, a in zip(list(self.root.parameters), args or ()):
            if _one_value(a):
                self.mng.replace(p, Constant(constant_value(a), p.loc))

    def infer(self) -> None:
        """Abstract values of the nodes for this round (types, dtypes, shapes, constants),
        when the arguments are known. Type and shape errors of the user's program are raised
        here, before anything runs; a failure of the analysis itself only means no types."""
        if self.args is None or self.gave_up:
            return
        try:
            self.types = infer(self.root, self.args)
        except MyiaError:
            # A type or shape error of the user's program: raised before running when
            # checking a program of the user's own nodes (`jit`); in adjoints, whose
            # joins are less precise, the run-time check (with the user's line) decides.
            if self.check:
                raise
            self.types = None
        except InferenceBudgetExceeded:
            self.types, self.gave_up = None, True  # it would give up again
        except Exception:  # noqa: BLE001 - the optimizer works without types
            self.types = None

    def abstract(self, node: Node):
        """The abstract value of `node` from this round's inference, or None.

        Only nodes of the root graph (analysed once, on the arguments themselves) are
        trusted; nodes of graphs called from several places or in loops get None.
        Constants have their own exact abstract value (with or without inference).
        """
        try:
            if isinstance(node, Constant):
                return abstract_of_value(node.value)
            if self.types is None or node.graph is not self.root:
                return None
            return self.types.abstract(node)
        except Exception:  # noqa: BLE001 - a node the analysis did not see
            return None

    # Analyses -----------------------------------------------------------------------------

    def recursive_graphs(self) -> set[Graph]:
        """Graphs on a cycle of the call graph (recursion, loops): never inlined."""
        if self._recursive is None:
            self._recursive = _cyclic(self.mng)
        return self._recursive

    def inlinable(self, g: Graph) -> bool:
        if g is self.root or g in self.recursive_graphs() or g.flags.get("run_chain"):
            return False
        if g.flags.get("j_rule") or g.flags.get("custom_bprop") or g.flags.get("rule_bprop"):
            return (
                True  # rules of primitives (shared by the calls of a primitive on the same types)
            )
        if self.mng.graph_use_count(g) <= 1:
            return True
        return len(self.mng.nodes[g]) <= INLINE_MAX_NODES and not self.mng.graph_constants[g]

    def nodes_of(self, g: Graph) -> list[Apply]:
        """The Apply nodes of `g`, inputs first where they feed the output (nodes only
        closures use come after)."""
        order = toposort(g.output, lambda n: n.graph is g)
        seen = set(order)
        rest = sorted((n for n in self.mng.nodes[g] if n not in seen), key=lambda n: n.id)
        return [n for n in order + rest if isinstance(n, Apply) and n.graph is g]

    # Driver -------------------------------------------------------------------------------

    def step(self) -> bool:
        """One pass over every node of every graph; True when something changed.

        Graphs made during the pass (copies, specializations) are visited too, in a next
        wave. Which graphs are recursive is computed once a wave: rewriting the graphs
        seen can only break cycles, so a stale answer only delays an inlining; new graphs
        (a specialization that calls itself) get their answer in their own wave."""
        changed = False
        visited: set[Graph] = set()
        while True:
            self._recursive = None
            pending = sorted((g for g in self.mng.graphs if g not in visited), key=lambda g: g.id)
            if not pending:
                return changed
            visited.update(pending)
            changed = self._pass(pending) or changed

    def rewrites_for(self, prim) -> list:
        """The rewrites to try on an application of `prim` (None: not a primitive)."""
        found = self._dispatch.get(prim)
        if found is None:
            found = [
                (name, rw)
                for name, rw in self.rewrites
                if getattr(rw, "prims", None) is None or prim in rw.prims
            ]
            self._dispatch[prim] = found
        return found

    def _pass(self, graphs: list[Graph]) -> bool:
        changed = False
        for g in graphs:
            # (Unreferenced graphs are gone; asking the manager for the reachable ones
            # would sweep after every rewrite.)
            if g.return_ is None or (g not in self.mng.roots and not self.mng.graph_use_count(g)):
                continue
            for node in self.nodes_of(g):
                if node not in self.mng.all_nodes:
                    continue
                for name, rw in self.rewrites_for(prim_of(node)):
                    new = rw(self, node)
                    if new is not None and new is not node:
                        self.mng.replace(node, new)
                        self.counts[name] += 1
                        changed = True
                        break
        return changed

    def cse(self) -> bool:
        """Merge identical applications of pure primitives within each graph."""
        changed = False
        for g in list(self.mng.graphs):
            seen: dict[tuple, Node] = {}
            for node in self.nodes_of(g):
                prim = prim_of(node)
                if prim is None or prim.name in _IMPURE:
                    continue
                key = tuple(_key(i) for i in node.inputs)
                if prim.name in _COMMUTATIVE:
                    key = (key[0], *sorted(key[1:], key=repr))
                other = seen.get(key)
                if other is None:
                    seen[key] = node
                elif node in self.mng.all_nodes:
                    self.mng.replace(node, other)
                    self.counts["cse"] += 1
                    changed = True
        return changed

    def run(self) -> Graph:
        """Rounds to a fixed point, inferring types again after a round that changed the
        graphs (at most INFER_ROUNDS times); at the fixed point, if the graphs changed since
        the last inference, one more inference and rounds to a fixed point."""
        inferred, stale = 0, True  # stale: the graphs changed since the last inference
        for _ in range(self.max_rounds):
            if stale and inferred < INFER_ROUNDS:
                self.infer()
                inferred, stale = inferred + 1, False
            changed = self.step()
            changed = self.cse() or changed
            stale = stale or changed
            if not changed:
                if not stale or self.args is None or inferred > INFER_ROUNDS:
                    break
                self.infer()
                inferred, stale = inferred + 1, False
        return self.root


def _one_value(a) -> bool:
    return isinstance(a, AScalar) and a.kind in (int, bool) and is_constant(a)


def _entry(g: Graph) -> Graph:
    """A graph that calls `g` with its own parameters (named and flagged like `g`)."""
    entry = Graph(g.name, g.loc)
    entry.flags = {k: v for k, v in g.flags.items() if k in ("argnames", "defaults")}
    params = [entry.add_parameter(p.name, p.loc) for p in g.parameters]
    entry.output = entry.apply(Constant(g), *params, loc=g.loc)
    return entry


def _key(node: Node):
    if isinstance(node, Constant):
        v = node.value
        try:
            hash(v)
        except TypeError:
            return ("id", id(v))
        return ("c", type(v), v)
    return ("n", id(node))


def _cyclic(mng: Manager) -> set[Graph]:
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


def optimize(
    graph: Graph, rewrites=None, args=None, check: bool = False, adjoint: bool = False
) -> Graph:
    """An optimized copy of `graph` (the original and its cached parts stay untouched).

    With `args` (example arguments or their abstract values), rewrites also use the types
    and shapes inference finds; with `check`, type and shape errors it finds are raised.
    `adjoint`: the graph is a gradient program, where the rewrites marked `adjoint_only`
    apply too.
    """
    root = clone(graph, total=True)
    return Optimizer(root, rewrites, args=args, check=check, adjoint=adjoint).run()
