"""Monomorphization: one typed copy of a graph per context the analysis found.

Each context reachable from the root becomes a graph whose every node carries its type
(`node.abstract`). Calls whose callee is known go to the copy made for their arguments;
values known when compiling become constants; branches of a switch on a known condition
are gone; and each primitive with a canonical form for its argument types is replaced by
it (`np.dot` of matrices is `matmul`, `x * x` is `square(x)`), so that every spelling of
an operation reaches the same code.

A function value that leaves the scope it was made in (returned, or passed to another
function) is called through the value: its copy is the one for the arguments it is called
with, which must then be unique.
"""

from __future__ import annotations

import numpy as np

from myia.binding import Default
from myia.branches import inline_known_branches, unshare_branches, unshare_loops
from myia.errors import MyiaError, MyiaSyntaxError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    AConst,
    ADict,
    AFunction,
    AList,
    ARecord,
    ATuple,
    AUnion,
    GraphFn,
)
from myia.infer.build import FOLD_MAX_SIZE, Builder, typed_constant
from myia.infer.copies import retarget_copies
from myia.infer.engine import Analysis, Context
from myia.infer.walks import constant_value, holds_record, is_constant, map_functions
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter
from myia.parser import primitive_graph
from myia.prim.array_like import operand_nodes, runtime_list_array
from myia.prim.arrays import LiveArray
from myia.prim.records import method_arguments
from myia.prim.registry import REGISTRY, Primitive

_SWITCH = REGISTRY.lookup("switch")
_GRAD_CALL = REGISTRY.lookup("grad_call")
_RAISE = REGISTRY.lookup("raise_")
_RECORD_CALL = REGISTRY.lookup("record_call")
_APPLY = REGISTRY.lookup("apply") if "apply" in REGISTRY.by_name else None
_CALL_KEYWORDS = REGISTRY.lookup("call_keywords")
_LIVE_ARRAY = REGISTRY.lookup("live_array")
_KEEP_FLAGS = ("argnames", "defaults", "loop", "branch", "python_function", "rule")


class Monomorphizer:
    """Copies the contexts of an analysis into typed graphs."""

    def __init__(self, an: Analysis):
        self.an = an
        self.clones: dict[Context, Graph] = {}
        self.copies: set[Graph] = set()
        self.maps: dict[Context, dict[Node, Node]] = {}

    def run(self, root: Context) -> Graph:
        order = self._reachable(root)
        self.raising = _raising(order)
        for ctx in order:
            self._make(ctx)
        for ctx, rule in self.an.rules.items():
            if ctx in self.clones:
                self.clones[ctx].flags["custom_bwd"] = self.clones[rule]
        self.copies = set(self.clones.values())
        for clone in self.clones.values():
            for q in clone.parameters:
                q.abstract = self.retype(q.abstract, types_as_functions=True)
        for ctx in sorted(order, key=_depth):
            self._fill(ctx)
        return self.clones[root]

    # Which contexts ---------------------------------------------------------------------------

    def _reachable(self, root: Context) -> list[Context]:
        seen = {root}
        order = [root]
        stack = [root]
        while stack:
            ctx = stack.pop()
            found = [c for calls in ctx.calls.values() for _, c in calls if c is not None]
            if ctx in self.an.rules:
                found.append(self.an.rules[ctx])
            for node in self.an.graph_order(ctx.graph):
                for x in node.inputs:
                    if isinstance(x, Constant) and isinstance(x.value, Graph):
                        c = self._value_context(ctx, x.value)
                        if c is not None:
                            found.append(c)
            for c in found:
                p = c
                while p is not None and p not in seen:
                    seen.add(p)
                    order.append(p)
                    stack.append(p)
                    p = p.parent
        errors = [(c, n, e) for c in order for n, e in c.errors.items()]
        if errors:
            raise min(errors, key=lambda t: (t[1].loc.lineno if t[1].loc else 0, t[1].id))[2]
        return order

    def _value_context(self, ctx: Context, g: Graph) -> Context | None:
        """The context of the function value `g` made in `ctx`: that of the calls through
        values, or the only context of `g` there (None for a value never called)."""
        owner = self.an.owner_context(ctx, g)
        if g.flags.get("loop"):
            versions = self.an.versions.get((g, owner), [])
            return versions[0] if versions else None
        value = self.an.value_contexts.get((g, owner))
        if value is not None:
            return value
        candidates = [c for c in self.an.by_graph.get(g, ()) if c.parent is owner]
        if len(candidates) == 1:
            return candidates[0]
        return None

    # Copies -----------------------------------------------------------------------------------

    def _make(self, ctx: Context) -> None:
        g = ctx.graph
        clone = Graph(g.name, g.loc)
        clone.flags = {k: v for k, v in g.flags.items() if k in _KEEP_FLAGS}
        nmap: dict[Node, Node] = {}
        for p, t in zip(g.parameters, ctx.args):
            q = Parameter(clone, p.loc, p.name)
            q.abstract = t  # retyped once every copy exists (see `run`)
            clone.parameters.append(q)
            nmap[p] = q
        self.clones[ctx] = clone
        self.maps[ctx] = nmap

    def _lookup(self, ctx: Context, node: Node) -> Node:
        c = ctx
        while c is not None:
            if c.graph is node.graph:
                return self.maps[c][node]
            c = c.parent
        raise MyiaError(f"internal error: {node!r} is not visible from {ctx!r}")

    def _input(self, ctx: Context, x: Node, as_value: bool = False) -> Node:
        if isinstance(x, Constant):
            v = x.value
            if isinstance(v, Graph):
                c = self._value_context(ctx, v)
                if c is None:
                    return typed_constant(None, x.loc)  # a function value never called
                return typed_constant(self.clones[c], x.loc)
            # A primitive as a value; a type only as an argument of a function (elsewhere
            # it is a dtype).
            wrapper = self._primitive_value(v) if as_value or not isinstance(v, type) else None
            if wrapper is not None:
                return typed_constant(wrapper, x.loc)
            return typed_constant(v, x.loc)
        return self._lookup(ctx, x)

    def _fill(self, ctx: Context) -> None:
        g = ctx.graph
        clone = self.clones[ctx]
        nmap = self.maps[ctx]
        for node in self.an.graph_order(g):
            nmap[node] = self._copy(ctx, clone, node)
        ret = g.return_
        clone.output = self._input(ctx, ret.inputs[1])
        clone.return_.loc = ret.loc
        clone.return_.inputs.extend(self._input(ctx, x) for x in ret.inputs[2:])

    def _primitive_value(self, v) -> Graph | None:
        """The typed copy of the graph calling the primitive (or type) `v`, when `v` is
        called through a function value (see `interpret.call`)."""
        if isinstance(v, Primitive):
            binding = (v, {})
        elif isinstance(v, type):
            binding = REGISTRY.binding_for(v)
        else:
            return None
        if binding is None:
            return None
        c = self.an.value_contexts.get((primitive_graph(*binding), None))
        return self.clones.get(c) if c is not None else None

    def retype(self, t, types_as_functions: bool = False):
        """`t` with each function value naming the typed copy it is (the graphs of the
        program before specialization are not called after it); with
        `types_as_functions` (the type of a parameter), a type called through it too."""
        if isinstance(t, AFunction):
            options = []
            for o in t.options:
                if isinstance(o, GraphFn) and o.graph not in self.copies:
                    c = self._value_context(o.context, o.graph)
                    o = GraphFn(self.clones[c], None) if c is not None and c in self.clones else o
                elif isinstance(o, Primitive):
                    wrapper = self._primitive_value(o)
                    o = GraphFn(wrapper, None) if wrapper is not None else o
                options.append(o)
            return AFunction(options)
        if types_as_functions and isinstance(t, AConst) and isinstance(t.value, type):
            wrapper = self._primitive_value(t.value)
            return AFunction([GraphFn(wrapper, None)]) if wrapper is not None else t
        if isinstance(t, ATuple):
            return t.rebuilt(self.retype(x, types_as_functions) for x in t.items)
        if isinstance(t, AList):
            return (
                AList([self.retype(x, types_as_functions) for x in t.items])
                if t.items is not None
                else t.of(self.retype(t.elem, types_as_functions))
            )
        if isinstance(t, ADict):
            return ADict(t.keys, [self.retype(x, types_as_functions) for x in t.values])
        if isinstance(t, AUnion):
            from myia.infer.abstract import join

            out = BOTTOM
            for o in t.options:
                out = join(out, self.retype(o, types_as_functions))
            return out
        return t

    def _copy(self, ctx: Context, clone: Graph, node: Apply) -> Node:
        t = self.retype(ctx.values.get(node, BOTTOM))
        if _foldable(t) and not any(c in self.raising for _, c in ctx.calls.get(node, ())):
            # (a call that may raise stays, whatever its value: an `if` holding an assert)
            return typed_constant(constant_value(t), node.loc)
        b = Builder(clone, node.loc, fold=False)
        fn = node.inputs[0]
        as_value = not (isinstance(fn, Constant) and isinstance(fn.value, (Primitive, type)))
        args = [self._input(ctx, x, as_value) for x in node.inputs[1:]]
        if isinstance(fn, Constant) and fn.value is _APPLY:
            from myia.prim.structures import getitem

            f, packed = args
            args = [b.apply(getitem, packed, i) for i in range(len(packed.abstract.items))]
            fn = node.inputs[1]
        if isinstance(fn, Constant) and fn.value is _CALL_KEYWORDS:
            from myia.infer.interpret import keyword_binding

            rest = args[2:]
            binding = keyword_binding(self.an.value_of(ctx, node.inputs[1]), node)
            args = [
                default_node(b, x.value, node.loc) if isinstance(x, Default) else rest[x]
                for x in binding
            ]
            fn = node.inputs[1]
        calls = ctx.calls.get(node, [])
        if isinstance(fn, Constant) and fn.value is _RECORD_CALL:
            args = method_arguments(b, args)
        elif not isinstance(fn, Constant) and isinstance(self.an.value_of(ctx, fn), ARecord):
            args = [self._input(ctx, fn), *args]  # a model called: `__call__(model, ...)`
        if len(calls) == 1 and isinstance(calls[0][0], tuple):
            (_, spec), callee = calls[0]
            args = self._gradient_arguments(b, spec, callee, args, node)
            return b.call(
                _GRAD_CALL, [spec, typed_constant(self.clones[callee], node.loc), *args], t
            )
        if len(calls) == 1:
            opt, callee = calls[0]
            if callee is not None and (
                callee.graph.flags.get("loop") or _visible(ctx, opt.context)
            ):
                return b.call(self.clones[callee], self._with_defaults(b, callee, args, node), t)
            if isinstance(opt, Primitive):
                if isinstance(fn, Constant) and isinstance(fn.value, type):
                    fixed = REGISTRY.binding_for(fn.value)[1]
                    args = [*args, *[typed_constant(v, node.loc) for v in fixed.values()]]
                return self._primitive(b, opt, args, t, node)
        args = self._shared_defaults(b, calls, args, node)
        out = Apply([self._input(ctx, fn), *args], clone, node.loc, node.name)
        out.abstract = t
        return out

    def _shared_defaults(self, b: Builder, calls, args: list, node) -> list:
        """`args` with the defaults of the parameters they leave out, for a call through a
        value whose possible callees all have those defaults."""
        padded = [self._with_defaults(b, c, args, node) for _, c in calls if c is not None]
        if not padded or len(padded[0]) == len(args):
            return args
        extra = [tuple(x.abstract for x in p[len(args) :]) for p in padded]
        if any(e != extra[0] for e in extra):
            from myia.infer.interpret import other_defaults

            callees = [c.graph for _, c in calls if c is not None]
            names = [g.flags.get("argnames") or [p.name for p in g.parameters] for g in callees]
            graphs = sorted({f"`{g.name}({', '.join(n)})`" for g, n in zip(callees, names)})
            raise other_defaults(graphs, names[0][len(args) :], node.loc)
        return padded[0]

    def _gradient_arguments(self, b: Builder, spec, callee: Context, args: list, node) -> list:
        """The arguments of `myia.grad(h)(...)` or `myia.jvp(h, ...)` in compiled code, with
        the defaults of the parameters of `h` they leave out (for `jvp`, the primals, then
        the tangents: the defaults' tangents are zeros)."""
        if spec != ("jvp",):
            return self._with_defaults(b, callee, args, node)
        from myia.ad.jvp_program import zero_tangent

        n = len(args) // 2
        primals = self._with_defaults(b, callee, args[:n], node)
        names = callee.graph.flags.get("argnames") or [p.name for p in callee.graph.parameters]
        defaults = callee.graph.flags.get("defaults") or {}
        zeros = [
            typed_constant(zero_tangent(defaults[m]), node.loc) for m in names[n : len(primals)]
        ]
        return [*primals, *args[n:], *zeros]

    def _with_defaults(self, b: Builder, callee: Context, args: list, node) -> list:
        n = len(callee.graph.parameters)
        if len(args) < n:
            names = callee.graph.flags.get("argnames") or [p.name for p in callee.graph.parameters]
            defaults = callee.graph.flags.get("defaults") or {}
            args = args + [default_node(b, defaults[m], node.loc) for m in names[len(args) :]]
        return args

    def _primitive(self, b: Builder, prim: Primitive, args: list, t, node) -> Node:
        args = operand_nodes(b, prim, args)
        stacked = runtime_list_array(b, prim, args)
        if stacked is not None:
            return stacked
        if prim.canon is not None:
            return prim.canon(b, args)
        if prim is _SWITCH and is_constant(args[0].abstract):
            return args[1] if constant_value(args[0].abstract) else args[2]
        out = Apply([typed_constant(prim, node.loc), *args], b.graph, node.loc, node.name)
        out.abstract = t
        return out


def default_node(b: Builder, value, loc) -> Node:
    """The node of a parameter's default filled in by the specializer: an array is read when
    the code runs, as the parser reads the defaults of a direct call (`live_array`: a change
    in place is seen), anything else is a constant.

    Example: the default `w=W` of a function called through a value, `W` a global array, is
    `live_array(LiveArray(W))`, so `W[:] = 5.0` after compiling is seen by the next call.
    """
    if isinstance(value, np.ndarray):
        return b.apply(_LIVE_ARRAY, typed_constant(LiveArray(value), loc))
    return typed_constant(value, loc)


def _foldable(t) -> bool:
    if not is_constant(t) or holds_record(t):  # a constant's type would be a plain tuple
        return False
    try:
        v = constant_value(t)
    except TypeError:
        return False
    if isinstance(v, np.ndarray):
        return v.size <= FOLD_MAX_SIZE
    return not isinstance(v, (list, dict))


def _raising(order: list[Context]) -> set[Context]:
    """The contexts that may raise: they call `raise_`, or a context that may raise."""
    out = {c for c in order if any(o is _RAISE for cs in c.calls.values() for o, _ in cs)}
    changed = True
    while changed:
        changed = False
        for c in order:
            if c not in out and any(k in out for cs in c.calls.values() for _, k in cs):
                out.add(c)
                changed = True
    return out


def _visible(ctx: Context, owner: Context | None) -> bool:
    c = ctx
    while c is not None:
        if c is owner:
            return True
        c = c.parent
    return owner is None


def _depth(ctx: Context) -> int:
    d = 0
    while ctx.parent is not None:
        ctx = ctx.parent
        d += 1
    return d


def specialize(graph: Graph, args: tuple) -> Graph:
    """The typed program of `graph` called on arguments of the abstract values `args`.

    Example:
        >>> g = specialize(parse(f), (AArray(np.float64, (3,)),))     # doctest: +SKIP
        >>> g.output.abstract                                         # doctest: +SKIP
        AArray(float64, (3,))
    """
    if len(args) != len(graph.parameters):
        from myia.infer.interpret import _bind_defaults

        args = tuple(_bind_defaults(graph, list(args), graph.return_))
    an = Analysis(graph)
    try:
        return _typed(an, graph, tuple(args))
    except (MyiaTypeError, MyiaSyntaxError, _Imprecise):
        if not an.widened:
            raise
    # A recursion that needs the values of its numbers (`t[i]` of a tuple of values of
    # different types is a union without them): one copy per value, as deep as it goes.
    an = Analysis(graph)
    an.widening = False
    return _typed(an, graph, tuple(args))


class _Imprecise(Exception):
    """A widened recursion made a value a union of types."""


def _typed(an: Analysis, graph: Graph, args: tuple) -> Graph:
    root = an.context(graph, None, args)
    an.solve(root)
    if an.widened and any(
        isinstance(v, AUnion) for cs in an.by_graph.values() for c in cs for v in c.values.values()
    ):
        raise _Imprecise()
    if _holds_function(root.output):
        raise MyiaTypeError(
            f"`{graph.name}` returns a function: compiled code returns numbers, arrays and "
            "containers of them; call the function inside, or return what it captures",
            graph.return_.loc or graph.loc,
        )
    rule = graph.flags.get("custom_bprop")
    if rule is not None:
        # `myia.grad` of a `custom_vjp` function itself: its rule is typed as for a call.
        from myia.infer.interpret import custom_rule

        for ctx in custom_rule(an, root, rule):
            an.solve(ctx)
    program = Monomorphizer(an).run(root)
    mng = Manager(program)
    unshare_loops(mng)
    inline_known_branches(mng)  # (its copies may share the branches of an `if` they hold)
    unshare_branches(mng)
    retarget_copies(mng)
    return program


def _holds_function(t) -> bool:
    """Whether the type `t` of a program's result is, or holds, a function of the program
    (a primitive, such as `np.tanh`, is returned as itself)."""
    found = []
    map_functions(t, lambda o: found.append(o) or o)
    return bool(found)
