"""The batching transform on typed graphs: each graph computes a batch of examples at once.

Two passes. The analysis finds, to a fixed point over every graph of the program, the
spec of each node (`myia.batching.specs`: which parts carry the batch axis, always
leading): a parameter is batched where any call passes a batched value, a primitive's
output where its inputs are (or as its `batch_spec` says, for structures), a call's as its
callee's output (the graphs a call may reach return in one spec). The rewrite then builds
`vmap:G` for each graph G, with the same structure: a call is a call of the rewritten
callee (a tail call stays a tail call), a closure is the rewritten closure, and an
application with batched inputs is what its primitive's batching rule builds
(`Primitive.batch`, see `myia.batching.rules`); one with none is copied. An unbatched value
passed where a batched one is expected is broadcast along the batch axis.

Control flow on a batched condition (`myia.batching.control`): a branch computes both
sides and selects with `np.where`, a loop runs until every example is done.

Example:
    >>> bt = Batcher(Manager(typed_root), 64); bt.analyse(typed_root, specs)  # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque

import numpy as np

from myia.ad.forward import _order
from myia.batching import specs as S
from myia.errors import MyiaError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    NONE,
    AArray,
    AConst,
    ADict,
    AFunction,
    AList,
    AResidual,
    AScalar,
    AStack,
    ATuple,
    GraphFn,
)
from myia.infer.build import Builder, type_of, typed_constant
from myia.infer.walks import map_functions
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import Primitive, lookup
from myia.prim.structures import Unbound

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_make_list = lookup("make_list")
_switch = lookup("switch")
_broadcast_to = lookup("broadcast_to")
_pop = lookup("stack_pop")
_RAISE = lookup("raise_")


class BatchRule:
    """What a primitive's batching rule sees of the application it batches: `b` (a typed
    builder in the rewritten graph), `size` (the batch size), `types` (the per-example types
    of the inputs), `out_type`, `x(i)` (the rewritten input i), `batched(i)`, `rank(i)`
    (its per-example rank), `const(i)` (its value when it is a constant), `moved(i)` (input
    i with the batch axis, broadcast if it has none) and `aligned(i, rank)` (a batched
    array input with ones after the batch axis, so that it broadcasts as one of `rank`
    dimensions per example)."""

    def __init__(self, bt: Batcher, node: Apply, b: Builder):
        self.bt = bt
        self.node = node
        self.b = b
        self.size = bt.size
        self.prim: Primitive = node.inputs[0].value
        self.types = [type_of(x) for x in node.inputs[1:]]
        self.out_type = node.abstract
        self.nargs = len(self.types)
        self.zero: Node | None = None  # (`shared.zeroed_product`)

    def x(self, i: int) -> Node:
        v = self.bt.input(self.b, self.node, i)
        if self.zero is not None and self.batched(i):
            from myia.batching.shared import zeroed

            return zeroed(self.b, v, self.types[i], self.zero)
        return v

    def spec(self, i: int):
        return self.bt.read_specs(self.node)[i]

    def batched(self, i: int) -> bool:
        return self.spec(i) is not False

    def rank(self, i: int) -> int:
        t = self.types[i]
        return t.ndim if isinstance(t, AArray) else 0

    def const(self, i: int):
        """The value of input i, a constant of the program (shapes, axes, indices)."""
        from myia.infer.walks import constant_value, is_constant

        x = self.node.inputs[1 + i]
        if isinstance(x, Constant):
            return x.value
        t = type_of(x)
        if self.batched(i) or not is_constant(t):
            raise self.refuse(f"its argument {i + 1} varies from example to example")
        return constant_value(t)

    def moved(self, i: int) -> Node:
        x = self.node.inputs[1 + i]
        return self.bt.broadcast(
            self.b, self.x(i), x.abstract, self.spec(i), S.fit(True, x.abstract)
        )

    def aligned(self, i: int, rank: int) -> Node:
        """Batched input i as an array of `rank + 1` dimensions (ones after the batch
        axis, then its own), so that it broadcasts as its per-example value does."""
        from myia.prim.arrays import expand_dims

        x = self.moved(i)
        extra = rank - self.rank(i)
        if extra <= 0:
            return x
        return self.b.apply(expand_dims, x, tuple(range(1, extra + 1)))

    def apply(self, prim: Primitive, *args) -> Node:
        return self.b.apply(prim, *args)

    def refuse(self, why: str) -> MyiaError:
        return MyiaTypeError(
            f"vmap cannot batch `{self.prim.name}` here: {why}; compute it outside the "
            "mapped function, or make it the same for every example (in_axes=None)",
            self.node.loc,
        )


class Batcher:
    """The batching transform of the graphs a manager holds (see the module), for a batch
    of `size` examples."""

    def __init__(self, mng: Manager, size: int):
        self.mng = mng
        self.size = size
        self.specs: dict[Node, object] = {}
        self.out: dict[Graph, object] = {}
        self.graphs: dict[Graph, Graph] = {}
        self.values: dict[Node, Node] = {}
        self.pending: deque[Graph] = deque()
        self.loops: dict[Graph, Node] = {}  # loop header -> its rewritten batched test
        # A side of a branch on a varying condition, or a loop it enters -> the examples
        # that take it (a loop's: its parameter); a side -> its branch (`control.mask_sides`)
        self.masks: dict[Graph, Node] = {}
        self.side_masks: dict[Graph, Apply] = {}
        self.referrers: dict[Graph, set] | None = None  # graph -> the graphs referring to it
        self.root: Graph | None = None  # the mapped function
        self.returns_args: dict[Graph, Graph] = {}  # branch -> the graph it ends by calling
        self.cyclic: set[Graph] | None = None
        self.seen_as: dict[Graph, object] = {}  # graph -> the type its callers see
        self.masked: set = set()  # the types of the masked tapes (`tapes`)
        self.pop_masks: dict[Node, Node] = {}  # a backward loop's tape -> the mask it popped
        self._changed = False
        self.inside: set[Graph] = set()  # the graphs rewritten (not those around a closure)
        # Loops examples may leave (`breaks`): header -> (done, res), the examples alive
        # in a run; a side going on after a branch leaving -> (alive, done, res); exits.
        self.breaking: dict[Graph, Apply] = {}  # header -> a branch leaving it
        self.left: dict[Graph, tuple] = {}
        self.alive: dict[Graph, Node] = {}
        self.left_at: dict[Graph, tuple] = {}
        self.exits: dict[Graph, Graph] = {}
        # A side of a branch on a varying condition -> (the examples taking it, the graph
        # of the branch); (side, node) -> the value of `node` read in it (`control.taken_read`)
        self.taken: dict[Graph, tuple[Node, Graph]] = {}
        self.taken_reads: dict[tuple[Graph, Node], Node] = {}
        self.reader: Graph | None = None  # the graph whose node is being rewritten
        # The sides of the branches on a varying condition (found by the analysis): what
        # they compute from values the same for every example is read per example
        # (`shared.shared_reads`); a side -> np.any of the examples taking it
        self.sides: set[Graph] = set()
        self.taken_some: dict[Graph, Node] = {}

    # Analysis ---------------------------------------------------------------------------------

    def spec_of(self, node: Node):
        if isinstance(node, Constant):
            return False
        return self.specs.get(node, False)

    def read_specs(self, node: Apply) -> list:
        """The specs of the inputs of the application `node` as it reads them: an input
        the same for every example that a side of a branch on a varying condition
        combines with values that vary is read batched (`shared.shared_reads`)."""
        from myia.batching.shared import shared_reads

        specs = [self.spec_of(x) for x in node.inputs[1:]]
        for i in shared_reads(self, node, specs):
            specs[i] = S.fit(True, node.inputs[1 + i].abstract)
        return specs

    def _raise(self, node: Node, spec) -> None:
        old = self.specs.get(node, False)
        try:
            new = S.fit(S.join(old, spec), node.abstract)
        except MyiaTypeError as e:
            raise MyiaTypeError(e.message, e.loc or node.loc) from None
        if new != old:
            self.specs[node] = new
            self._changed = True

    def _raise_out(self, g: Graph, spec) -> None:
        old = self.out.get(g, False)
        # fitted to the type its callers see: a part unbound in `g` (an early return's
        # slot) may vary where another graph they call sets it (see `bound`)
        new = S.fit(S.join(old, spec), self.seen_as.get(g, g.output.abstract))
        if new != old:
            self.out[g] = new
            self._changed = True

    def analyse(self, root: Graph, in_specs: list) -> None:
        """The specs of every node, when the parameters of `root` have `in_specs`."""
        self.root = root
        for p, s in zip(root.parameters, in_specs):
            self._raise(p, s)
        self.inside = self.reach(root)
        graphs = sorted(self.inside, key=lambda g: g.id)
        orders = {g: _order(self.mng, g, None) for g in graphs}
        self._changed = True
        while self._changed:
            self._changed = False
            for g in graphs:
                for node in orders[g]:
                    try:
                        spec = self.node_spec(node)
                    except MyiaTypeError as e:
                        raise MyiaTypeError(e.message, e.loc or node.loc) from None
                    self._raise(node, spec)
                self._raise_out(g, self.spec_of(g.output))
                if g.flags.get("loop") and self._pops_masked(g):
                    for p in g.parameters:  # it keeps the state where an entry's mask is off
                        self._raise(p, True)
                if g in self.breaking:  # examples leave it: its value varies
                    self._raise_out(g, True)
                    for p in g.parameters:  # and its tape says which examples ran
                        if isinstance(p.abstract, AStack) and p.abstract not in self.masked:
                            self.masked.add(p.abstract)
                            self._raise(p, True)
                            self._changed = True

    def _pops_masked(self, g: Graph) -> bool:
        """Whether `g` is the backward loop of a masked tape (it pops its tape parameter)."""
        return any(
            isinstance(p.abstract, AStack)
            and p.abstract in self.masked
            and any(use.is_apply(_pop) for use, _ in self.mng.uses.get(p, ()))
            for p in g.parameters
        )

    def reach(self, g: Graph) -> set:
        """The graphs `g` reaches through graph constants, `g` too."""
        seen, stack = {g}, [g]
        while stack:
            for k in self.mng.graph_constants.get(stack.pop(), ()):
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
        return seen

    def callees(self, node: Apply) -> tuple[list[Graph], Node | None]:
        """The graphs a call may call, and the condition of the switch choosing them
        (None when it is not a switch's choice)."""
        fn = node.inputs[0]
        if isinstance(fn, Constant) and isinstance(fn.value, Graph):
            return [fn.value], None
        if isinstance(fn, Apply) and fn.is_apply(_switch):
            sides = fn.inputs[2:]
            if all(isinstance(s, Constant) and isinstance(s.value, Graph) for s in sides):
                return [s.value for s in sides], fn.inputs[1]
        t = type_of(fn)
        graphs = [o.graph for o in getattr(t, "options", ()) if isinstance(o, GraphFn)]
        if not graphs or any(g not in self.mng.graphs for g in graphs):
            raise MyiaTypeError(
                f"vmap cannot batch a call of {fn!r}: its callee is not known", node.loc
            )
        cond = fn.inputs[1] if isinstance(fn, Apply) and fn.is_apply(_switch) else None
        return graphs, cond

    def node_spec(self, node: Apply):
        fn = node.inputs[0]
        if isinstance(fn, Constant) and isinstance(fn.value, Primitive):
            prim = fn.value
            specs = self.read_specs(node)
            if not any(s is not False for s in specs):
                return False
            if prim is _switch:
                if specs[0] is not False:
                    return S.fit(True, node.abstract)
                return S.join(specs[1], specs[2])
            if prim.batch_spec is not None:
                return prim.batch_spec(specs, node)
            return S.fit(True, node.abstract)
        graphs, cond = self.callees(node)
        args = node.inputs[1:]
        for i, a in enumerate(args):
            joined = self.spec_of(a)
            for g in graphs:
                joined = S.join(joined, self.spec_of(g.parameters[i]))
            for g in graphs:
                self._raise(g.parameters[i], joined)
        out = False
        for g in graphs:
            out = S.join(out, self.out.get(g, False))
            self.seen_as[g] = node.abstract
        if cond is not None and node.graph in self.breaking and node is node.graph.output:
            from myia.batching.control import find_sides

            find_sides(self, node, graphs)  # (the body of a loop examples leave)
        if cond is not None and self.spec_of(cond) is not False:
            from myia.batching.breaks import leaving
            from myia.batching.control import find_sides

            left = leaving(self, node, graphs)
            find_sides(self, node, graphs)
            if left is not None and left[0] not in self.breaking:
                self.breaking[left[0]] = node
                self._changed = True
            if node.graph.flags.get("loop") and node is node.graph.output:
                for p in node.graph.parameters:  # a loop freezes the examples that are done
                    self._raise(p, True)
                    if isinstance(p.abstract, AStack) and p.abstract not in self.masked:
                        self.masked.add(p.abstract)  # its tape says which examples ran
                        self._changed = True
            return S.fit(True, node.abstract)
        for g in graphs:
            self._raise_out(g, out)
        return out

    # Rewrite ----------------------------------------------------------------------------------

    def value_type(self, t, spec, loc=None):
        """The type of a value of per-example type `t` and spec `spec` in the rewritten
        program: batched where `spec` says, each function rewritten."""
        try:
            batched = S.batch_type(t, spec, self.size, self.masked)
        except MyiaTypeError as e:
            raise MyiaTypeError(e.message, e.loc or loc) from None
        return map_functions(
            batched,
            lambda o: GraphFn(self.graph(o.graph), None) if o.graph in self.mng.graphs else o,
        )

    def graph(self, g: Graph) -> Graph:
        """The rewritten graph of `g` (made now, filled by `run`)."""
        bg = self.graphs.get(g)
        if bg is not None:
            return bg
        parent = self.mng.parents.get(g)
        if parent in self.inside:  # filled first: a closure reads the values of its parent
            self.graph(parent)
        bg = self.graphs[g] = g.derive("vmap")
        self.pending.append(g)  # (before the graphs its parameters' types ask for)
        bg.flags.update({k: v for k, v in g.flags.items() if k in ("loop", "branch")})
        for p in g.parameters:
            q = bg.add_parameter(p.name, p.loc)
            q.abstract = self.value_type(p.abstract, self.spec_of(p), p.loc or g.loc)
            self.values[p] = q
        if g in self.breaking:
            from myia.batching.breaks import extra_parameters

            extra_parameters(self, g, bg)
        if g in self.masks and g.flags.get("loop"):  # (`control.mask_sides`)
            self.add_mask(g)
        return bg

    def add_mask(self, g: Graph) -> None:
        """Give the rewritten header of the loop `g` the parameter of the examples that
        run it (`control.mask_sides`), its last."""
        mask = self.masks[g] = self.graphs[g].add_parameter("mask", g.loc)
        mask.abstract = AArray(np.dtype(bool), (self.size,))

    def run(self) -> None:
        """Fill every rewritten graph asked for: parents before the closures in them, and a
        graph run for some examples only (`control.find_sides`) after the graph it is run
        from, which tells it which examples run it (`control.mark_run`, `mask_sides`), and
        so is a graph run from one (a closure called in a side, nested in a graph outside
        it): one made early (a type names a closure in it) waits for that graph's turn."""
        waited = 0
        while self.pending:
            g = self.pending.popleft()
            if waited <= len(self.pending) and not self._due(g):
                self.pending.append(g)
                waited += 1
                continue
            waited = 0
            self.fill(g)

    def _due(self, g: Graph) -> bool:
        """Whether the graphs `g` must be filled after (`run`) are filled or being filled."""
        from myia.batching.control import _callers, _runner

        before = [self.mng.parents.get(g)]
        before += [_runner(self, h) for h in _callers(self, g) if h in self.sides]
        return all(
            h is None or h not in self.inside or (h in self.graphs and h not in self.pending)
            for h in before
        )

    def fill(self, g: Graph) -> None:
        self.reader = g
        bg = self.graphs[g]
        target = self.returns_args.get(g)
        out = g.output
        for node in _order(self.mng, g, out if target is not None else None):
            if node not in self.values:  # (unless made early: `ready`)
                self.transform(node, bg)
        b = Builder(bg, g.return_.loc or g.loc)
        self.reader = None  # (a side's output read as it is adds no derivative of its own)
        if target is not None:
            bg.output = self.arguments(b, out, bg, target)
        else:
            spec = self.out.get(g, False)
            value = self.coerce(b, out, spec)  # a tail call stays one
            bg.output = self.bound(b, value, type_of(out), self.seen_as.get(g), spec)
            if g in self.exits:
                from myia.batching.breaks import merged_exit

                bg.output = merged_exit(self, b, self.exits[g], bg.output)
        bg.return_.inputs.extend(self.value(e) for e in g.return_.inputs[2:])

    def arguments(self, b: Builder, out: Apply, bg: Graph, target: Graph) -> Node:
        """The tuple of the arguments a branch ending with the call `out` passes to
        `target` (see `control.select`)."""
        from myia.batching.control import arguments_of

        fn = out.inputs[0]
        if isinstance(fn, Constant) and fn.value is target:
            params = target.parameters
            args = [self.argument(b, x, p) for x, p in zip(out.inputs[1:], params)]
            return b.apply(_make_tuple, *args)
        graphs, cond = self.callees(out)
        return arguments_of(self, out, bg, graphs, cond, target)

    def ready(self, node: Node) -> Node:
        """The rewritten `node`, made now if it is a node of the graph being filled not
        made yet (a value the sides of a branch share, used before its turn)."""
        if isinstance(node, Apply) and node not in self.values and node.graph in self.graphs:
            for x in node.inputs:
                if isinstance(x, Apply) and x.graph is node.graph:
                    self.ready(x)
            self.transform(node, self.graphs[node.graph])
        return self.value(node)

    def value(self, node: Node) -> Node:
        if isinstance(node, Constant):
            if isinstance(node.value, Graph):
                return typed_constant(self.graph(node.value), node.loc)
            return node
        out = self.values.get(node)
        if out is None:
            if node in self.values:
                raise MyiaTypeError(
                    "vmap cannot use a function chosen by a condition that varies from "
                    "example to example except by calling it where it is chosen",
                    node.loc,
                )
            if node.graph not in self.inside:  # captured from around the mapped closure
                out = node
            else:
                raise MyiaError(f"internal error: no batched value for {node!r}")
        if self.taken:
            from myia.batching.control import taken_read

            return taken_read(self, node, out)
        return out

    def input(self, b: Builder, app: Apply, i: int) -> Node:
        """The rewritten input i of the application `app`; an unbound variable (of type
        BOTTOM: no value) that is an item of a tuple or list is zeros of the item's type
        (see `argument`), and so are the slots of an item that one side of a branch
        leaves empty (a residual's)."""
        x = app.inputs[1 + i]
        v = self.value(x)
        if self.spec_of(x) is False and self.read_specs(app)[i] is not False:
            from myia.batching.shared import read_per_example

            return read_per_example(self, b, x, v)
        structure = app.is_apply(_make_tuple) or app.is_apply(_make_list)
        if not structure:
            return v
        item = S.parts(app.abstract)[i]
        if raises(x):
            return v
        if unbound(v) or type_of(x) is BOTTOM:
            return self.zeros(b, item, v)
        return self.bound(b, v, type_of(x), item, self.spec_of(x))

    def bound(self, b: Builder, v: Node, own, seen, spec) -> Node:
        """The output `v` of a graph (of type `own`), with zeros for its parts that are
        unbound (BOTTOM, or the None of an empty slot of a residual) where its callers
        see numbers or arrays (`seen`), so that `np.where` can merge them with the
        examples' values (see `argument`)."""
        if seen is None or own == seen or raises(v):
            return v
        empty = own is BOTTOM or own == NONE
        if empty and isinstance(seen, (AScalar, AArray, ATuple, AResidual)):
            z = self.zeros(b, seen, v)
            return self.broadcast(b, z, seen, False, spec) if z is not v else v
        own_items, seen_items = S.parts(own), S.parts(seen)
        if own_items is None or seen_items is None or len(own_items) != len(seen_items):
            return v
        subs = spec if isinstance(spec, tuple) else (spec,) * len(own_items)
        keys = own.keys if isinstance(own, ADict) else range(len(own_items))
        new = [
            self.bound(b, b.apply(_getitem, v, k), o, w, sp)
            for k, o, w, sp in zip(keys, own_items, seen_items, subs)
        ]
        return S.rebuild(b, own, new)

    def zeros(self, b: Builder, t, v: Node) -> Node:
        """Zeros of the per-example type `t` (numbers, arrays of known shape and structures
        of them), standing for the unbound variable `v`; `v` itself for other types."""
        items = S.parts(t)
        if items is not None:
            return S.rebuild(b, t, [self.zeros(b, x, v) for x in items])
        if isinstance(t, AScalar):
            return typed_constant(t.kind(0), v.loc)
        if isinstance(t, AArray) and t.known_shape:
            return b.apply(lookup("zeros"), t.shape, t.dtype)
        return v

    def argument(self, b: Builder, node: Node, p) -> Node:
        """The rewritten argument `node` of the parameter `p`, with its spec. A variable
        unbound on this path (the value slot of an early return, before the return sets
        it) is zeros: the program reads it only where it is bound, and `np.where` may
        merge it with the values of the examples where it is."""
        v = self.value(node)
        t = p.abstract
        if unbound(v):  # zeros, made first so that a structure's parts can be taken
            zeros = self.zeros(b, t, v)
            if self.spec_of(p) is False:
                return zeros
            return self.broadcast(b, zeros, t, False, self.spec_of(p))
        return self.coerce(b, node, self.spec_of(p))

    def coerce(self, b: Builder, node: Node, want) -> Node:
        """The rewritten `node`, broadcast where `want` is batched and it is not."""
        return self.broadcast(b, self.value(node), node.abstract, self.spec_of(node), want)

    def broadcast(self, b: Builder, v: Node, t, have, want) -> Node:
        """The value `v` (per-example type `t`, spec `have`) with the spec `want`."""
        if have == want or want is False or not S.fit(True, t):
            return v  # nothing to do, or nothing that can vary (None, a function)
        items = S.parts(t)
        if items is not None:
            haves = have if isinstance(have, tuple) else (have,) * len(items)
            wants = want if isinstance(want, tuple) else (want,) * len(items)
            keys = t.keys if isinstance(t, ADict) else range(len(items))
            new = [
                self.broadcast(b, b.apply(_getitem, v, k), x, h, w)
                for k, x, h, w in zip(keys, items, haves, wants)
            ]
            return S.rebuild(b, t, new)
        if unbound(v):
            # unbound on this path: zeros stand for it (see `argument`)
            if isinstance(t, AScalar) or (isinstance(t, AArray) and t.known_shape):
                full = S.batch_type(t, True, self.size)
                return b.apply(lookup("zeros"), full.shape, full.dtype)
            return v
        if isinstance(t, AScalar):
            return b.apply(_broadcast_to, v, (self.size,))
        if S.number_dtype(t) is not None:  # a Python or a NumPy bool: one kind first
            return b.apply(_broadcast_to, b.apply(lookup("truth"), v), (self.size,))
        if isinstance(t, AArray) and t.known_shape:
            return b.apply(_broadcast_to, v, (self.size, *t.shape))
        if isinstance(t, AArray):
            shape = b.apply(lookup("add"), (self.size,), b.apply(lookup("attr.shape"), v))
            return b.apply(_broadcast_to, v, shape)
        if t is BOTTOM or (isinstance(t, AList) and t.elem is BOTTOM):
            return v  # no value (a variable not assigned on this path, an empty list)
        if isinstance(t, AStack) and t not in self.masked and S.fit(True, t.elem) is False:
            return v  # a tape of what cannot vary (empty residuals): the same batched
        if isinstance(t, AStack) and type_of(v) == NONE:
            return v  # an empty tape (the zeros of a tape's slot): no entry to batch
        raise MyiaTypeError(
            f"vmap cannot give a batch axis to a value of type {t!r} (the same for every "
            "example, used where the examples differ)",
            v.loc,
        )

    @staticmethod
    def is_call(node: Apply) -> bool:
        return not _is_prim(node)

    def transform(self, node: Apply, bg: Graph) -> None:
        reader, self.reader = self.reader, node.graph
        self._transform(node, bg)
        self.reader = reader

    def _transform(self, node: Apply, bg: Graph) -> None:
        from myia.batching.control import select_values

        if self.is_call(node):
            self.values[node] = self.call(node, bg)
            return
        prim = node.inputs[0].value
        specs = [self.spec_of(x) for x in node.inputs[1:]]
        if prim is _switch and specs[0] is not False:
            if isinstance(node.abstract, AFunction):
                self.values[node] = None  # only called where it is chosen (see `call`)
            else:
                self.values[node] = select_values(self, node, bg)
            return
        if not any(s is not False for s in specs) or prim is _switch:
            from myia.batching.elementwise import quieted_shared

            b = Builder(bg, node.loc)
            args = [self.input(b, node, i) for i in range(len(node.inputs) - 1)]
            args = quieted_shared(self, b, prim, args)
            out = Apply([node.inputs[0], *args], bg, node.loc, node.name)
            if prim is _switch:
                b = Builder(bg, node.loc)
                want = self.spec_of(node)
                out.inputs[2:] = [self.coerce(b, x, want) for x in node.inputs[2:]]
            out.abstract = self.value_type(node.abstract, self.spec_of(node), node.loc)
            self.values[node] = out
            return
        if prim.batch is None:
            raise MyiaTypeError(
                f"vmap has no batching rule for `{prim.name}` on a value that varies from "
                "example to example; compute it outside the mapped function, or pass what "
                "it reads with in_axes=None",
                node.loc,
            )
        from myia.batching.control import masked
        from myia.batching.shared import zeroed_product

        b = Builder(bg, node.loc)
        rule = BatchRule(self, node, b)
        rule.zero = zeroed_product(self, b, node)
        out = prim.batch(rule)
        if rule.zero is not None:
            out = masked(b, out, node.abstract, self.spec_of(node), rule.zero)
        want = self.value_type(node.abstract, self.spec_of(node), node.loc)
        if not _agree(type_of(out), want):
            raise MyiaError(
                f"internal error: the batching rule of `{prim.name}` made {type_of(out)!r}, "
                f"not {want!r}",
                node.loc,
            )
        self.values[node] = out

    def call(self, node: Apply, bg: Graph) -> Node:
        from myia.batching.control import loop_call, loop_test, select

        graphs, cond = self.callees(node)
        test = loop_test(self, node)
        if test is not None:
            return loop_call(self, node, bg, test)
        if cond is not None and self.spec_of(cond) is not False:
            return select(self, node, bg, graphs, cond)
        b = Builder(bg, node.loc)
        params = graphs[0].parameters
        args = [self.argument(b, x, p) for x, p in zip(node.inputs[1:], params)]
        fn = node.inputs[0]
        if isinstance(fn, Constant) and isinstance(fn.value, Graph):
            return self.call_graph(b, node, fn.value, args)
        out_t = self.value_type(node.abstract, self.out.get(graphs[0], False), node.loc)
        return b.call(self.value(node.inputs[0]), args, out_t)

    def call_graph(self, b: Builder, node: Apply, g: Graph, args: list) -> Node:
        """The call `node` of the graph `g` on the rewritten `args` (of `g`'s specs): a
        back edge of a loop with a batched test freezes the examples that are done."""
        from myia.batching.control import frozen_args
        from myia.batching.tapes import back_edge_mask

        back = node.graph is not g and node.graph in self.mng.scope(g) and g.flags.get("loop")
        if back and g in self.breaking:
            from myia.batching.breaks import state_at

            alive, done, res = state_at(self, node.graph, g)
            if g in self.loops:  # (else the state of the examples done is not read)
                args = frozen_args(self, b, g, args, alive)
            args = [*args, done, res]
        elif back:
            c = self.loops[g] if g in self.loops else back_edge_mask(self, g, node)
            if c is not None:
                args = frozen_args(self, b, g, args, c)
        elif g in self.breaking:
            from myia.batching.breaks import initial

            args = [*args, *initial(self, b, g)]
        if g in self.masks and g.flags.get("loop"):
            from myia.batching.control import running

            mask = self.masks[g] if back else running(self, node.graph)
            if mask is None:
                raise MyiaError(f"internal error: no mask where {node!r} enters its loop")
            args = [*args, mask]
        out_t = self.value_type(node.abstract, self.out.get(g, False), node.loc)
        call = b.call(typed_constant(self.graph(g), node.loc), args, out_t)
        return self.broadcast(b, call, node.abstract, self.out.get(g, False), self.spec_of(node))


def unbound(v: Node) -> bool:
    """Whether `v` is a variable not assigned on this path (no value)."""
    return isinstance(v, Constant) and isinstance(v.value, Unbound)


def raises(v: Node) -> bool:
    """Whether `v` is a `raise_` (of type BOTTOM too, but an error, not an absent value:
    it is kept where it flows, so that the batched program raises where an example does)."""
    return isinstance(v, Apply) and v.is_apply(_RAISE)


def _is_prim(node: Apply) -> bool:
    fn = node.inputs[0]
    return isinstance(fn, Constant) and isinstance(fn.value, Primitive)


def _agree(got, want) -> bool:
    """Whether a rule's output type is the batched type the analysis expects (dimensions
    known only at run time match any; numbers may differ in how they are boxed; None
    stands where reverse mode's types let it, as in the program batched)."""
    if isinstance(got, AConst):
        return True
    if isinstance(want, AArray):
        return (
            isinstance(got, AArray)
            and got.dtype == want.dtype
            and len(got.shape) == len(want.shape)
            and all(a is None or b is None or a == b for a, b in zip(got.shape, want.shape))
        )
    items_w, items_g = S.parts(want), S.parts(got)
    if items_w is not None:
        return (
            items_g is not None
            and len(items_g) == len(items_w)
            and all(_agree(g, w) for g, w in zip(items_g, items_w))
        )
    if isinstance(want, AScalar):
        return isinstance(got, AScalar) and got.kind == want.kind
    return True
