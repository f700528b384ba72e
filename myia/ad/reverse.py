"""Reverse mode on typed graphs: the forward and backward programs of each function.

For a function graph G the transform builds a forward graph (G's parameters in; `(value,
residual)` out) and backward graphs, one per type of output sensitivity (`(residual,
dout)` in; the sensitivities of G's parameters, then of its free variables, out). The
statically absent parts of a sensitivity (`AZero`) are known from its type: a backward
graph is built for the sensitivities its callers have, and an absent sensitivity is never
computed, tested or added.

Inside a function the structure of the primal program is kept (see `regions`): a joined
`switch` is a switch in the forward pass (returning its residual with its value) and in the
backward pass (on the saved condition; each side updates the sensitivities of the values
around it, passing on those it does not contribute to); a loop is a forward loop pushing
each iteration's residual on a stack and a backward loop popping them (`loops`). Each
primitive application gets the backpropagator its registry entry builds for its input
types (`Primitive.vjp`), made of ordinary differentiable primitives, typed as built.

Example:
    >>> rev = Reverse(typed_root, argnums=(0,))                       # doctest: +SKIP
    >>> f = rev.function(typed_root); rev.finish_forward()            # doctest: +SKIP
"""

from __future__ import annotations

from myia.ad.activity import active_nodes
from myia.ad.regions import Region
from myia.ad.values import FunctionValues
from myia.branches import branches, is_loop, switch_of_call, tail_switch
from myia.errors import MyiaError, MyiaTypeError
from myia.infer.abstract import BOTTOM, AFunction, AResidual, ATuple, AZero, GraphFn, join
from myia.infer.build import Builder, never_returns, type_of, typed_constant
from myia.infer.sensitivity import sens_type
from myia.infer.walks import drop_values
from myia.ir.manager import Manager, cyclic_graphs
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import Primitive, lookup
from myia.prim.sens import materialize, sens_sum
from myia.prim.structures import ZERO

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_switch = lookup("switch")
_add = lookup("add")


class Accumulator:
    """The contributions to the sensitivities of primal nodes, in one backward graph (of
    the scope `scope`, where the closures made in it read the values they capture)."""

    def __init__(self, rev: Reverse, scope: Scope):
        self.rev = rev
        self.scope = scope
        self.parts: dict[Node, list[Node]] = {}

    def add(self, node: Node, c: Node | None, b: Builder) -> None:
        if c is None or type_of(c) in (AZero, BOTTOM):
            return
        if isinstance(node, Constant):
            g = node.value
            if isinstance(g, Graph) and self.rev.closes_over(g):
                # The sensitivity of a closure is that of each value it captures.
                self.rev.values.captured(g, c, self.scope, self, b)
            return
        if node not in self.rev.active:
            return
        self.parts.setdefault(node, []).append(c)

    def total(self, node: Node, b: Builder) -> Node | None:
        parts = self.parts.get(node)
        if not parts:
            return None
        if len(parts) > 1:
            parts[:] = [sens_sum(b, parts, node.abstract)]
        return parts[0]

    def touched(self) -> list[Node]:
        return [n for n, p in self.parts.items() if p]


class Scope:
    """Where backward code is being written: a graph, and how it reads forward values (from
    the residual of its region, then from those of the regions around it)."""

    def __init__(self, region: Region, graph: Graph, res: Node, parent: Scope | None):
        self.region = region
        self.graph = graph
        self.res = res
        self.parent = parent

    def at(self, graph: Graph) -> Scope:
        return Scope(self.region, graph, self.res, self.parent)

    def ref(self, fwd: Node, b: Builder) -> Node:
        """The forward value `fwd` as a node of this scope's graph."""
        if isinstance(fwd, Constant):
            return fwd
        if self.parent is None or self.region.owns_fwd(fwd):
            # (The residual's type may not know the slot's yet.)
            return b.call(_getitem, [self.res, self.region.slot(fwd)], type_of(fwd))
        return self.parent.ref(fwd, b)

    def primal(self, fwd: Node | None, b: Builder):
        """A function making the forward value `fwd` in this scope when it is called (None
        where there is no such value): the zeros `materialize` fills in read the value only
        where their type has no shape."""
        return None if fwd is None else lambda: self.ref(fwd, b)


class Rule:
    """What a primitive's backpropagator sees of the application it differentiates:
    `b` (a typed builder in the backward graph), `types` of the inputs, `out_type`,
    `dout`, `x(i)` (input i), `out()` (the output), `wants(i)`."""

    def __init__(self, rev: Reverse, node: Apply, scope: Scope, dout: Node, b: Builder):
        self.rev = rev
        self.node = node
        self.scope = scope
        self.b = b
        self.dout = dout
        self.types = [type_of(x) for x in node.inputs[1:]]
        self.out_type = node.abstract
        self.nargs = len(self.types)

    def x(self, i: int) -> Node:
        arg = self.node.inputs[1 + i]
        if isinstance(arg, Constant):
            return arg
        if arg not in self.rev.fmap and arg.graph in self.rev.around:
            return arg  # a value of the program around a closure being differentiated
        return self.scope.ref(self.rev.fmap[arg], self.b)

    def out(self) -> Node:
        return self.scope.ref(self.rev.fmap[self.node], self.b)

    def wants(self, i: int) -> bool:
        """Whether input `i` takes a sensitivity (active, of a differentiable type)."""
        arg = self.node.inputs[1 + i]
        return arg in self.rev.active and sens_type(type_of(arg)) is not AZero


class FunctionAD:
    """The forward graph of a function graph, and its backward graphs by `dout` type."""

    def __init__(self, rev: Reverse, graph: Graph):
        self.rev = rev
        self.graph = graph
        self.region = Region([graph], "function", rev.mng)
        self.fwd: Graph | None = None
        self.bwds: dict = {}
        self.out_types: dict = {}

    def backward(self, dout_type) -> Graph:
        dout_type = drop_values(dout_type)  # a parameter: its values are not known
        bwd = self.bwds.get(dout_type)
        if bwd is not None:
            return bwd
        rev = self.rev
        g = self.graph
        bwd = g.derive("bwd")
        res = bwd.add_parameter("res")
        res.abstract = AResidual(self.region.cell)
        dout = bwd.add_parameter("dout")
        dout.abstract = dout_type
        inputs = [*g.parameters, *rev.free_variables(g)]
        conservative = rev.recursive(g)
        if conservative:
            # A recursion reads its own backward graph before it is built: its result
            # has the sensitivity of every active input.
            self.out_types[dout_type] = ATuple(
                sens_type(n.abstract) if n in rev.active else AZero for n in inputs
            )
        self.bwds[dout_type] = bwd
        b = Builder(bwd, g.loc)
        scope = Scope(self.region, bwd, res, None)
        acc = Accumulator(rev, scope)
        rev.backprop(g, scope, acc, None if dout_type is AZero else dout, want=None)
        outs = []
        for k, n in enumerate(inputs):
            d = acc.total(n, b)
            if conservative:
                want = self.out_types[dout_type].items[k]
                d = materialize(b, d, n.abstract, scope.primal(rev.fmap.get(n), b), want=want)
            outs.append(d if d is not None else typed_constant(ZERO))
        bwd.output = b.apply(_make_tuple, *outs)
        if conservative:
            bwd.output.abstract = self.out_types[dout_type]
        else:
            self.out_types[dout_type] = bwd.output.abstract
        return bwd


class Reverse:
    """One reverse transform of a typed program (its functions share one node map)."""

    def __init__(self, root: Graph, argnums: tuple[int, ...]):
        self.root = root
        self.mng = Manager(root)
        self.active = active_nodes(self.mng, root, argnums)
        self.fmap: dict[Node, Node] = {}  # primal node -> forward node
        self.fwd_graphs: dict[Graph, Graph] = {}  # primal graph -> forward graph
        self.fwd_parent: dict[Graph, Graph | None] = {}
        self.region_of_fwd: dict[Graph, Region] = {}
        self.functions: dict[Graph, FunctionAD] = {}
        self.subregions: dict[Node, tuple] = {}  # primal call -> how its backward goes
        self.pending: list[Region] = []
        self._recursive: set | None = None
        self.values = FunctionValues(self)
        # The graphs `root` is nested in (when it is a closure): not differentiated.
        self.around: set[Graph] = set()
        g = self.mng.parents.get(root)
        while g is not None:
            self.around.add(g)
            g = self.mng.parents.get(g)

    # Program structure ------------------------------------------------------------------------

    def free_variables(self, g: Graph) -> list[Node]:
        return self.mng.ordered_free_variables(g)

    def closes_over(self, g: Graph) -> bool:
        return bool(self.mng.free_variables_total.get(g))

    def recursive(self, g: Graph) -> bool:
        """Whether `g` calls itself other than as a loop (through its callees)."""
        if self._recursive is None:
            self._recursive = {h for h in cyclic_graphs(self.mng) if not is_loop(h)}
        return g in self._recursive

    def function(self, g: Graph) -> FunctionAD:
        f = self.functions.get(g)
        if f is None:
            if "custom_bwd" in g.flags:
                from myia.ad.custom import CustomAD

                f = self.functions[g] = CustomAD(self, g)
                return f
            f = self.functions[g] = FunctionAD(self, g)
            f.fwd = g.derive("fwd")  # known to recursive calls from now on
            self.forward_region(f.region, root_graph=f.fwd)
        return f

    # Forward ----------------------------------------------------------------------------------

    def forward_region(
        self,
        region: Region,
        extra_params=(),
        owner: Graph | None = None,
        root_graph: Graph | None = None,
    ) -> Graph:
        """The forward graphs of `region` (its leaves' outputs are set by `finish_forward`,
        once the backward pass has chosen the residual's slots)."""
        again = [g for g in region.graphs if g in self.fwd_graphs]
        if again:
            # Two forward regions of one graph would share its node map (and capture each
            # other's nodes): `branches.unshare_branches` and `unshare_loops` prevent it.
            raise MyiaError(
                f"internal error: {again[0]!r} is in two forward regions (an `if` or a loop "
                "entered from two places)",
                again[0].loc,
            )
        for g in region.graphs:
            fg = root_graph if g is region.root and root_graph is not None else g.derive("fwd")
            if g in region.roots and region.kind != "branch":
                fg.flags.update(
                    {k: v for k, v in g.flags.items() if k in ("argnames", "defaults", "loop")}
                )
                for p in g.parameters:
                    q = fg.add_parameter(p.name, p.loc)
                    q.abstract = self.values.fwd_type(p.abstract)
                    self.fmap[p] = q
                for name, t in extra_params:
                    q = fg.add_parameter(name, g.loc)
                    q.abstract = t
            region.fwd_graphs[g] = fg
            self.fwd_graphs[g] = fg
            self.region_of_fwd[fg] = region
            parent = region.parent_of[g]
            self.fwd_parent[fg] = region.fwd_graphs[parent] if parent is not None else owner
        for g in region.graphs:
            fg = region.fwd_graphs[g]
            for node in region.order(g):
                self.fmap[node] = self.forward_node(node, fg, region)
            # The leaves' values and the effects are made when the region is finished; the
            # forward closures of the functions they pass on must be known before (see
            # `values`).
            out = g.output
            leaves = out.inputs[1:] if region.is_back_edge(out) else [out]
            for x in [*leaves, *g.return_.inputs[2:]]:
                if isinstance(x, Constant):
                    self.fwd_input(x)
        self.pending.append(region)
        return region.fwd_graphs[region.root]

    def fwd_input(self, x: Node) -> Node:
        if isinstance(x, Constant):
            if isinstance(x.value, Graph):
                return typed_constant(self.values.forward_of(x.value), x.loc)
            return x
        n = self.fmap.get(x)
        if n is None:
            if x.graph in self.around:
                return x  # a value of the program around a closure being differentiated
            raise MyiaError(f"internal error: no forward value for {x!r} of {x.graph!r}")
        return n

    def forward_node(self, node: Apply, fg: Graph, region: Region) -> Node | None:
        fn = node.inputs[0]
        loc = node.loc
        if node.is_apply(_switch) and self._is_branch_switch(node):
            if region.owns(node) and switch_of_call(node.graph.output) is node:
                # A switch in tail position: its branches are graphs of this region.
                inputs = [
                    node.inputs[0],
                    self.fwd_input(node.inputs[1]),
                    *[typed_constant(region.fwd_graphs[x.value], x.loc) for x in node.inputs[2:]],
                ]
                out = Apply(inputs, fg, loc)
                out.abstract = AFunction([GraphFn(x.value, None) for x in inputs[2:]])
                return out
            return None  # the switch of a joined `if`: made with its call
        sw = switch_of_call(node)
        if sw is not None:
            return self.forward_joined_switch(node, sw, fg)
        if isinstance(fn, Constant) and isinstance(fn.value, Primitive):
            out = Apply([fn, *[self.fwd_input(x) for x in node.inputs[1:]]], fg, loc, node.name)
            out.abstract = self.values.fwd_type(node.abstract)
            return out
        if isinstance(fn, Constant) and isinstance(fn.value, Graph) and is_loop(fn.value):
            from myia.ad.loops import forward_loop

            return forward_loop(self, node, fn.value, fg)
        if not (isinstance(fn, Constant) and isinstance(fn.value, Graph)):
            return self.values.forward_call(node, fg)
        f = self.function(fn.value)
        b = Builder(fg, loc)
        pair = b.call(
            f.fwd,
            [self.fwd_input(x) for x in node.inputs[1:]],
            ATuple((self.values.fwd_type(node.abstract), AResidual(f.region.cell))),
        )
        value = b.apply(_getitem, pair, 0)
        value.name = node.name
        self.subregions[node] = ("call", f, b.apply(_getitem, pair, 1))
        return value

    @staticmethod
    def _is_branch_switch(node: Apply) -> bool:
        return all(isinstance(x, Constant) and isinstance(x.value, Graph) for x in node.inputs[2:])

    def forward_joined_switch(self, node: Apply, sw: Apply, fg: Graph) -> Node:
        sub = Region(branches(sw), "branch", self.mng)
        self.forward_region(sub, owner=fg)
        fsw = Builder(fg, sw.loc).call(
            sw.inputs[0],
            [self.fwd_input(sw.inputs[1]), *[sub.fwd_graphs[g] for g in branches(sw)]],
            AFunction([GraphFn(sub.fwd_graphs[g], None) for g in branches(sw)]),
        )
        b = Builder(fg, node.loc)
        pair = b.call(fsw, [], ATuple((self.values.fwd_type(node.abstract), AResidual(sub.cell))))
        value = b.apply(_getitem, pair, 0)
        value.name = node.name
        self.subregions[node] = ("switch", sub, b.apply(_getitem, pair, 1))
        return value

    def finish_forward(self) -> None:
        """Set the leaves of the forward regions: each value with its residual tuple."""
        self.values.finish()
        while self.pending:
            self.finish_region(self.pending.pop())
        if self.values.pending:
            raise MyiaError(
                "internal error: a forward closure was asked for after the forward pass"
            )

    def finish_region(self, region: Region) -> None:
        slot_types = [BOTTOM] * len(region.slots)
        for g in region.graphs:
            fg = region.fwd_graphs[g]
            b = Builder(fg, g.loc)
            if tail_switch(g) is not None:
                continue
            values, types = [], []
            for s in region.slots:
                if self.visible(s, fg, region):
                    values.append(s)
                    types.append(type_of(s))
                else:
                    values.append(typed_constant(None))
                    types.append(BOTTOM)
            restuple = b.call(_make_tuple, values, ATuple(types))
            slot_types = [join(a, t) for a, t in zip(slot_types, types)]
            if region.kind == "loop":
                from myia.ad.loops import loop_leaf

                fg.output = loop_leaf(self, region, g, fg, restuple, b)
            else:
                value = self.fwd_input(g.output)
                fg.output = b.call(
                    _make_tuple, [value, restuple], ATuple((type_of(value), AResidual(region.cell)))
                )
                if never_returns(value):  # it raises: an effect, which the gradient keeps
                    fg.return_.inputs.append(value)
        region.cell.items = tuple(slot_types)
        for g in reversed(region.graphs):
            fg = region.fwd_graphs[g]
            sw = tail_switch(g)
            if sw is not None:
                leaf = Apply([self.fmap[sw]], fg, g.output.loc)
                leaf.abstract = BOTTOM
                for h in branches(sw):
                    leaf.abstract = join(leaf.abstract, region.fwd_graphs[h].output.abstract)
                fg.output = leaf
            fg.return_.inputs.extend(self.fwd_input(e) for e in g.return_.inputs[2:])

    def visible(self, fwd_node: Node, fg: Graph, region: Region) -> bool:
        """Whether a forward value is computed on every path to the leaf graph `fg`."""
        if not region.owns_fwd(fwd_node):
            return True
        h = fg
        while h is not None and region.owns_fwd_graph(h):
            if h is fwd_node.graph:
                return True
            h = self.fwd_parent.get(h)
        return False

    # Backward ---------------------------------------------------------------------------------

    def backprop(self, g: Graph, scope: Scope, acc: Accumulator, d_out: Node | None, want) -> None:
        """The backward code of the primal graph `g` of `scope.region`, from the sensitivity
        `d_out` of its leaf (for loops: of its leaves of kind `want` only)."""
        region = scope.region
        b = Builder(scope.graph, g.loc)
        out = g.output
        sw = tail_switch(g)
        if sw is not None:
            options = [h for h in branches(sw) if want is None or want in region.leaf_kinds[h]]
            if len(options) == 1:
                self.backprop(options[0], scope, acc, d_out, want)
            else:
                self.switch_backward(
                    sw,
                    options,
                    scope,
                    acc,
                    lambda h, sc, a: self.backprop(h, sc, a, d_out, want),
                    lambda h, graph: scope.at(graph),
                )
        elif region.is_back_edge(out):
            if d_out is not None:
                for i, a in enumerate(out.inputs[1:]):
                    acc.add(a, b.apply(_getitem, d_out, i), b)
        elif d_out is not None:
            acc.add(out, d_out, b)
        for node in reversed(region.order(g)):
            nb = Builder(scope.graph, node.loc, np_floats=True)
            d = acc.total(node, nb)
            if d is not None:
                self.backprop_node(node, d, scope, acc, nb)

    def backprop_node(
        self, node: Apply, d: Node, scope: Scope, acc: Accumulator, b: Builder
    ) -> None:
        sub = self.subregions.get(node)
        if sub is not None:
            kind = sub[0]
            if kind == "call":
                self.backprop_call(node, sub[1], sub[2], d, scope, acc, b)
            elif kind == "value":
                self.values.backward_call(node, sub[1], sub[2], d, scope, acc, b)
            elif kind == "switch":
                self.backprop_joined_switch(node, sub[1], sub[2], d, scope, acc)
            else:
                from myia.ad.loops import backprop_loop

                backprop_loop(self, node, sub[1], sub[2], d, scope, acc, b)
            return
        fn = node.inputs[0]
        if not (isinstance(fn, Constant) and isinstance(fn.value, Primitive)):
            return
        prim = fn.value
        if prim.nondiff:
            return
        if prim.vjp is None:
            raise MyiaTypeError(
                f"`{prim.name}` has no gradient rule, so it cannot be differentiated; wrap the "
                "value in myia.stop_gradient(...) if its gradient is not needed",
                node.loc,
            )
        for x, c in zip(node.inputs[1:], prim.vjp(Rule(self, node, scope, d, b))):
            if c is not None:
                acc.add(x, c, b)

    def backprop_call(self, node, f: FunctionAD, res_fwd, d, scope, acc, b) -> None:
        bwd = f.backward(type_of(d))
        out_t = f.out_types[drop_values(type_of(d))]
        s = b.call(bwd, [scope.ref(res_fwd, b), d], out_t)
        items = out_t.items
        n = len(f.graph.parameters)
        for i, a in enumerate(node.inputs[1:]):
            if items[i] is not AZero:
                acc.add(a, b.apply(_getitem, s, i), b)
        for j, fv in enumerate(self.free_variables(f.graph)):
            if items[n + j] is not AZero:
                acc.add(fv, b.apply(_getitem, s, n + j), b)

    def backprop_joined_switch(self, node, sub: Region, res_fwd, d, scope, acc) -> None:
        sw = switch_of_call(node)
        res = scope.ref(res_fwd, Builder(scope.graph, node.loc))
        self.switch_backward(
            sw,
            branches(sw),
            scope,
            acc,
            lambda h, sc, a: self.backprop(h, sc, a, d, None),
            lambda h, graph: Scope(sub, graph, res, scope),
        )

    def switch_backward(
        self, sw: Apply, options: list[Graph], scope: Scope, acc: Accumulator, run, make_scope
    ) -> None:
        """The backward code of a switch: a switch on the saved condition whose sides
        update the sensitivities of the values around them (passing on the others)."""
        b = Builder(scope.graph, sw.loc)
        cond = scope.ref(self.fwd_input(sw.inputs[1]), b)
        sides = []
        for h in options:
            bg = h.derive("bwd")
            bg.flags["branch"] = True
            sc = make_scope(h, bg)
            inner = Accumulator(self, sc)
            run(h, sc, inner)
            sides.append((bg, inner))
        inside = set().union(*(self.mng.scope(h) for h in options))
        outer = sorted(
            {n for _, inner in sides for n in inner.touched() if n.graph not in inside},
            key=lambda n: n.id,
        )
        incoming = {n: acc.total(n, b) for n in outer}
        raw = []
        for bg, inner in sides:
            bb = Builder(bg, sw.loc)
            items = []
            for n in outer:
                mine, inc = inner.total(n, bb), incoming[n]
                if mine is None:
                    mine = inc
                elif inc is not None:
                    mine = sens_sum(bb, [inc, mine], n.abstract)
                items.append(mine)
            raw.append(items)
        # Each side gives every sensitivity the type of their join: real zeros where a side
        # has none (the value after the switch is the same for all sides).
        wants = []
        for k in range(len(outer)):
            t = AZero
            for items in raw:
                if items[k] is not None:
                    t = join(t, type_of(items[k]))
            wants.append(t)
        for (bg, _), items in zip(sides, raw):
            bb = Builder(bg, sw.loc)
            sc = make_scope(None, bg)
            filled = [
                materialize(bb, d, n.abstract, sc.primal(self.fmap.get(n), bb), want=t)
                for n, d, t in zip(outer, items, wants)
            ]
            bg.output = bb.apply(_make_tuple, *filled)
        t = BOTTOM
        for bg, _ in sides:
            t = join(t, bg.output.abstract)
        fsw = b.call(
            _switch,
            [cond, *[bg for bg, _ in sides]],
            AFunction([GraphFn(bg, None) for bg, _ in sides]),
        )
        out = b.call(fsw, [], t)
        for j, n in enumerate(outer):
            acc.parts[n] = [b.apply(_getitem, out, j)]
