"""Abstract interpretation of a primal program on an argument signature.

A graph is analysed once per *context*: the graph, the context its free variables live in
(for a closure, the context that made it) and the types of its arguments. A context's
analysis is a generator that yields the callee contexts whose results it needs; the driver
keeps them on an explicit stack (a call to a context in progress, recursion or a loop,
reads its current approximation), so nothing recurses in Python in proportion to the
program. When a result grows, the contexts that read it run again, to a fixed point; when
a context's node types or arguments change (a loop version widened by a back edge), so do
the contexts nested in it that read them as free variables (the branches of its test).

Values of numbers are kept where they enter a function (so `x.shape[0]`, a pinned int of
a recursion and the counters of small unrolled loops fold), with a cap per graph. A
recursion re-entered with other values of numbers (`rec(x, n - 1)`), deeper than
`UNROLL_DEPTH` calls, is one context, its arguments widened where they differ (unless the
program needs their values: see `monomorphize.specialize`). Loop
headers are different: their versions. The call from outside gives the first version,
without the values of numbers; a back edge whose types are compatible with its version's
(same kinds, ranks and structure: values, box flags, dimensions and list lengths may
differ) widens that version; a back edge with other kinds (a float that becomes an array)
makes the next version, so a loop whose first iteration changes its types is peeled, up
to `MAX_VERSIONS`. A loop over a tuple of values of different types keeps its counter's
value: it is unrolled, one version per element.

Example:
    >>> result = analyse(graph, (AArray(np.float64, (3,)),))    # doctest: +SKIP
    >>> result.root.output                                       # doctest: +SKIP
    AArray(float64, (3,))
"""

from __future__ import annotations

from myia.errors import MyiaError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    UNKNOWN,
    AbstractValue,
    AConst,
    ADict,
    AFunction,
    AList,
    AScalar,
    AStack,
    ATuple,
    AUnion,
    GraphFn,
    join,
    tuple_like,
)
from myia.infer.build import constant_type, infer_apply, try_fold
from myia.infer.walks import drop_values, kind_of, map_functions, same_kind, widen
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, toposort
from myia.prim.registry import Primitive

MAX_VERSIONS = 4  # versions of a loop whose types change from one iteration to the next
MAX_VALUE_VARIANTS = 66  # contexts of one graph that differ only by values of numbers
MAX_RUNS = 64  # analyses of one context whose result keeps changing
UNROLL_MAX = 64  # elements of a tuple a loop is unrolled over
UNROLL_DEPTH = 8  # calls of a recursion on known numbers unrolled before it is widened

NEW, RUNNING, DONE = range(3)
# Primitives whose inputs are passed around, not computed with: BOTTOM flows through.
STRUCTURAL = frozenset(
    (
        "make_tuple",
        "make_list",
        "getitem",
        "switch",
        "stack_push",
        "stack_pop",
        "make_dict",
        "unpack_seq",
        "return_",
    )
)


class Context:
    """One analysis of a graph: its lexical parent context, arguments and node types."""

    __slots__ = (
        "graph",
        "parent",
        "args",
        "values",
        "output",
        "state",
        "callers",
        "readers",
        "calls",
        "errors",
        "runs",
        "id",
        "version_of",
        "keep",
    )

    def __init__(self, graph: Graph, parent: Context | None, args: tuple, ident: int):
        self.graph = graph
        self.parent = parent
        self.args = args
        self.values: dict[Node, AbstractValue] = {}
        self.output: AbstractValue = BOTTOM
        self.state = NEW
        self.callers: set[Context] = set()
        self.readers: set[Context] = set()
        self.calls: dict[Node, list] = {}  # call node -> [(option, callee context or None)]
        self.errors: dict[Node, MyiaTypeError] = {}
        self.runs = 0
        self.id = ident
        self.version_of: tuple | None = None  # (header graph, parent) for loop versions
        self.keep: int | None = None  # the parameter of an unrolled loop that keeps its value

    def __repr__(self) -> str:
        return f"<{self.graph.name}#{self.id}>"


def compatible(a: AbstractValue, b: AbstractValue) -> bool:
    """Whether a loop variable of type `a` may become `b` without a new version: the same
    kinds, ranks and structure (values, box flags, dimensions, list lengths may differ)."""
    if a == b or a is BOTTOM or b is BOTTOM:
        return True
    if (
        tuple_like(a)
        and tuple_like(b)
        and not (isinstance(a, ATuple) and isinstance(b, ATuple) and len(a.items) == len(b.items))
    ):
        # A tuple that grows: one of run-time length, if its elements are of one kind.
        items = [*(a.items if isinstance(a, ATuple) else (a.elem,))]
        items += b.items if isinstance(b, ATuple) else (b.elem,)
        return all(compatible(items[0], x) for x in items[1:])
    if type(a) is not type(b):
        return False
    if isinstance(a, AScalar):
        return a.kind is b.kind
    if isinstance(a, ATuple):
        return len(a.items) == len(b.items) and all(map(compatible, a.items, b.items))
    if isinstance(a, AList):
        return compatible(a.elem, b.elem)
    if isinstance(a, ADict):
        return a.keys == b.keys and all(map(compatible, a.values, b.values))
    if isinstance(a, AFunction):
        return {_fn_key(o) for o in a.options} == {_fn_key(o) for o in b.options}
    if isinstance(a, AStack):
        return compatible(a.elem, b.elem)
    if isinstance(a, AConst):
        return type(a.value) is type(b.value)
    from myia.infer.abstract import AArray

    if isinstance(a, AArray):
        return a.dtype == b.dtype and a.ndim == b.ndim
    return isinstance(a, AUnion)


def _fn_key(o):
    return o.graph if isinstance(o, GraphFn) else o


class Analysis:
    """The state of one analysis: contexts, the work left, and the manager of the graphs."""

    def __init__(self, root: Graph):
        self.mng = Manager(root)
        self.contexts: dict[tuple, Context] = {}
        self.by_graph: dict[Graph, list[Context]] = {}
        self.versions: dict[tuple, list[Context]] = {}
        self.dirty: dict[Context, None] = {}
        self.orders: dict[Graph, list[Node]] = {}
        self.value_contexts: dict[tuple, Context] = {}  # (graph, owner): calls through values
        self.merged: dict[tuple, Context] = {}  # (graph, parent): closures' merged makers
        self.rules: dict[Context, Context] = {}  # custom_vjp function -> its backpropagator
        self.stack: list = []  # the contexts in progress, outermost first: (generator, context)
        self.widening = True  # whether a deep recursion on numbers is widened (`_reentered`)
        self.widened = False  # whether one was
        self.count = 0

    # Graphs -----------------------------------------------------------------------------------

    def graph_order(self, graph: Graph) -> list[Node]:
        order = self.orders.get(graph)
        if order is None:
            if graph not in self.mng.graphs:
                self.mng.add_root(graph)
            fvs = self.mng.free_variables_total
            order = [
                n
                for n in toposort(
                    graph.return_,
                    lambda n: n.graph is graph,
                    lambda g: sorted((n for n in fvs.get(g, ()) if n.graph is graph), key=_node_id),
                )
                if isinstance(n, Apply) and n.graph is graph and n is not graph.return_
            ]
            self.orders[graph] = order
        return order

    def owner_context(self, ctx: Context | None, graph: Graph) -> Context | None:
        """The context, among `ctx` and its lexical parents, where the free variables of
        `graph` live: that of the graph it is nested in (None at top level)."""
        if graph not in self.mng.graphs:
            self.mng.add_root(graph)
        parent = self.mng.parents.get(graph)
        if parent is None:
            return None
        c = ctx
        while c is not None and c.graph is not parent:
            c = c.parent
        if c is None:
            raise MyiaError(f"internal error: no context for the free variables of {graph!r}")
        return c

    # Contexts ---------------------------------------------------------------------------------

    def context(
        self, graph: Graph, parent: Context | None, args: tuple, direct: bool = False
    ) -> Context:
        """The context of `graph` (its free variables in `parent`) on `args`; for a `direct`
        call of the graph by its name, the context in progress it re-enters, if any (see
        `_reentered`)."""
        key = (graph, parent, args)
        ctx = self.contexts.get(key)
        if ctx is None and direct and self.widening:
            ctx = self._reentered(graph, parent, args)
        if ctx is None:
            others = self.by_graph.setdefault(graph, [])
            if len(others) >= MAX_VALUE_VARIANTS:
                dropped = tuple(drop_values(a) for a in args)
                if dropped != args:
                    return self.context(graph, parent, dropped)
            ctx = Context(graph, parent, args, self.count)
            self.count += 1
            self.contexts[key] = ctx
            others.append(ctx)
        return ctx

    def _reentered(self, graph: Graph, parent: Context | None, args: tuple) -> Context | None:
        """The context in progress of `graph` that a call on `args` re-enters, when their
        arguments differ only by values of numbers (`rec(x, n - 1)` in `rec(x, n)`) and
        the recursion is already `UNROLL_DEPTH` calls deep: the outermost of them, its
        arguments widened where they differ (values the same at every entry are kept), so
        that the recursion is one context, a recursive function, not one copy per value.
        None for a shallower recursion (unrolled: one context per value) and for one whose
        types change from one call to the next (a tuple that shrinks)."""
        entries = [
            c
            for _, c in self.stack
            if c.graph is graph
            and c.parent is parent
            and c.version_of is None
            and len(c.args) == len(args)
            and all(map(same_kind, c.args, args))
        ]
        if len(entries) < UNROLL_DEPTH:
            return None
        c = entries[0]
        widened = tuple(map(widen, c.args, args))
        if widened != c.args:
            self.widened = True
            self.contexts.setdefault((graph, parent, widened), c)
            self.set_args(c, widened)
        return c

    def value_context(self, graph: Graph, owner: Context | None, args: tuple, loc) -> Context:
        """The context of the calls of `graph` (made in `owner`) through function values:
        one per value, so one copy of the function, whose arguments are widened by each call
        (a call with other kinds, an array where a number was, is refused)."""
        key = (graph, owner)
        ctx = self.value_contexts.get(key)
        if ctx is None:
            ctx = self.value_contexts[key] = Context(graph, owner, args, self.count)
            self.count += 1
            self.by_graph.setdefault(graph, []).append(ctx)
            return ctx
        if not all(map(compatible, ctx.args, args)):
            raise MyiaTypeError(
                f"the function `{graph.name}` is called through a function value with "
                f"arguments of different kinds ({_signature(ctx.args)} then {_signature(args)}); "
                "myia compiles one copy of a function value: call it directly, or define one "
                "function per argument type",
                loc,
            )
        return self._widen_version(ctx, args)

    def loop_version(self, header: Graph, parent: Context | None, args: tuple, from_ctx, loc):
        """The version of the loop `header` a call with `args` from `from_ctx` goes to."""
        key = (header, parent)
        versions = self.versions.setdefault(key, [])
        inside = self._version_around(from_ctx, key)
        if inside is None:
            if not versions:
                keep = header.flags.get("counter") if self._unrolls(header, from_ctx) else None
                versions.append(self._new_version(header, parent, (), key, keep))
            entry = versions[0]
            args = tuple(a if i == entry.keep else drop_values(a) for i, a in enumerate(args))
            return self._widen_version(entry, args)
        if inside.keep is not None:
            counter = args[inside.keep]
            for v in versions:
                if v.args and v.args[inside.keep] == counter:
                    return self._widen_version(v, args)
            if len(versions) > UNROLL_MAX + 1:
                raise MyiaTypeError(
                    "a loop over a tuple of values of different types is "
                    f"unrolled, up to {UNROLL_MAX} elements",
                    loc,
                )
            v = self._new_version(header, parent, args, key, inside.keep)
            versions.append(v)
            return v
        if all(map(compatible, inside.args, args)):
            return self._widen_version(inside, args)
        index = versions.index(inside) + 1
        if index < len(versions):
            nxt = versions[index]
            if all(map(compatible, nxt.args, args)):
                return self._widen_version(nxt, args)
            raise _loop_error(header, nxt.args, args, loc)
        if index >= MAX_VERSIONS:
            raise _loop_error(header, inside.args, args, loc)
        v = self._new_version(header, parent, args, key, None)
        versions.append(v)
        return v

    def _unrolls(self, header: Graph, ctx: Context) -> bool:
        """Whether a loop indexes a tuple (or list) whose elements have different types."""
        if header.flags.get("counter") is None:
            return False
        for seq in header.flags.get("sequences", ()):
            t = self.value_of(ctx, seq)
            if (
                isinstance(t, (ATuple, AList))
                and t.items is not None
                and len(t.items) <= UNROLL_MAX
            ):
                kinds = {kind_of(x) for x in t.items}  # a float and a NumPy float: one kind
                if len(kinds) > 1:
                    return True
        return False

    def _new_version(self, header, parent, args, key, keep) -> Context:
        ctx = Context(header, parent, args, self.count)
        self.count += 1
        ctx.version_of = key
        ctx.keep = keep
        self.by_graph.setdefault(header, []).append(ctx)
        return ctx

    def _widen_version(self, ctx: Context, args: tuple) -> Context:
        if not ctx.args:
            new = args
        else:
            new = tuple(
                join(a, b) if i == ctx.keep else widen(a, b)
                for i, (a, b) in enumerate(zip(ctx.args, args))
            )
        new = self._merge_closures(new)
        if new != ctx.args:
            self.set_args(ctx, new)
        return ctx

    def _merge_closures(self, args: tuple) -> tuple:
        """`args` with the closures of one graph made in several contexts of the function
        that makes them (a loop that wraps a closure in a closure, `f = wrap(f)`: each
        iteration calls `wrap` with a function value of a new type) made in one context of
        that function, whose arguments are the widened arguments of those contexts. The
        contexts merged forward to it, so the loop converges."""
        groups: dict[tuple, set] = {}
        for a in args:
            map_functions(a, lambda o: _collect(o, groups))
        mapping: dict[Context, Context] = {}
        for (_, owner, parent), owners in sorted(groups.items(), key=lambda kv: kv[0][1].id):
            if len(owners) < 2:
                continue
            w = self.merged.get((owner, parent))
            if w is None:
                w = self.merged[(owner, parent)] = Context(owner, parent, (), self.count)
                self.count += 1
                self.by_graph.setdefault(owner, []).append(w)
            for c in owners:
                if c is not w:
                    mapping[c] = w
        if not mapping:
            return args

        def sub(t):
            return map_functions(t, lambda o: GraphFn(o.graph, mapping.get(o.context, o.context)))

        for w in sorted(set(mapping.values()), key=lambda c: c.id):
            merged = tuple(sub(a) for a in w.args) if w.args else None
            for c, target in sorted(mapping.items(), key=lambda kv: kv[0].id):
                if target is w and c.args:
                    own = tuple(sub(a) for a in c.args)
                    merged = own if merged is None else tuple(map(widen, merged, own))
            merged = tuple(sub(a) for a in merged)
            if merged != w.args:
                self.contexts[(w.graph, w.parent, merged)] = w
                self.set_args(w, merged)
        for c, w in mapping.items():
            self.contexts[(c.graph, c.parent, c.args)] = w
            for caller in sorted(c.callers, key=lambda c: c.id):
                self.mark(caller)
        return tuple(sub(a) for a in args)

    def _version_around(self, ctx: Context | None, key) -> Context | None:
        """The version of the loop `key` that `ctx` runs inside (a back edge), if any."""
        c = ctx
        while c is not None:
            if c.version_of == key:
                return c
            c = c.parent
        return None

    def mark(self, ctx: Context) -> None:
        if ctx.state != NEW:
            self.dirty[ctx] = None

    def set_args(self, ctx: Context, args: tuple) -> None:
        """Widen the arguments of `ctx` to `args`: it runs again, and so do the contexts
        nested in it that read them as free variables (the branches of a loop version's
        test, whose values may not change when its arguments do)."""
        ctx.args = args
        self.mark(ctx)
        for r in sorted(ctx.readers, key=lambda c: c.id):
            self.mark(r)

    # The driver -------------------------------------------------------------------------------

    def solve(self, root: Context) -> None:
        stack = self.stack = []
        self._push(stack, root)
        while stack or self.dirty:
            if not stack:
                ctx = next(iter(self.dirty))
                del self.dirty[ctx]
                self._push(stack, ctx)
                continue
            gen, ctx = stack[-1]
            try:
                callee = next(gen)
            except StopIteration:
                stack.pop()
                self._finish(ctx)
                continue
            if callee.state == NEW:
                self._push(stack, callee)

    def _push(self, stack, ctx: Context) -> None:
        ctx.state = RUNNING
        ctx.runs += 1
        if ctx.runs > MAX_RUNS:
            raise MyiaTypeError(
                f"the types of `{ctx.graph.name}` keep changing (its result was {ctx.output}); "
                "myia needs each value to keep one type",
                ctx.graph.loc,
            )
        self.dirty.pop(ctx, None)
        from myia.infer.interpret import run_context

        stack.append((run_context(self, ctx), ctx))

    def _finish(self, ctx: Context) -> None:
        ctx.state = DONE
        out = join(ctx.output, self.value_of(ctx, ctx.graph.output))
        if ctx.runs > MAX_RUNS // 2:
            out = widen(ctx.output, out)
        if out != ctx.output:
            ctx.output = out
            for c in sorted(ctx.callers, key=lambda c: c.id):
                self.mark(c)

    # Values -----------------------------------------------------------------------------------

    def value_of(self, ctx: Context, node: Node) -> AbstractValue:
        """The type of `node` as seen from `ctx` (a node of ctx's graph, a free variable,
        a parameter or a constant)."""
        if isinstance(node, Constant):
            v = node.value
            if isinstance(v, Graph):
                owner = self.owner_context(ctx, v)
                return AFunction([GraphFn(v, owner)])
            return constant_type(v)
        if node.graph is ctx.graph:
            if node in ctx.values:
                return ctx.values[node]
            if node.is_parameter():
                return ctx.args[node.graph.parameters.index(node)]
            return BOTTOM
        c = ctx.parent
        while c is not None:
            if c.graph is node.graph:
                c.readers.add(ctx)
                if node.is_parameter():
                    return c.args[node.graph.parameters.index(node)]
                return c.values.get(node, BOTTOM)
            c = c.parent
        raise MyiaError(f"internal error: {node!r} of {node.graph!r} is not visible from {ctx!r}")


def _loop_error(header: Graph, old: tuple, new: tuple, loc) -> MyiaTypeError:
    from myia.infer.abstract import describe

    names = [p.name for p in header.parameters]
    changed = [
        f"`{n}` is {describe(a)} then {describe(b)}"
        for n, a, b in zip(names, old, new)
        if not compatible(a, b)
    ]
    return MyiaTypeError(
        "the types of the variables of this loop keep changing from one iteration to the next ("
        + "; ".join(changed)
        + "); give each variable one type (for example start an "
        "accumulator as an array of the right shape)",
        loc or header.loc,
    )


def _collect(o: GraphFn, groups: dict) -> GraphFn:
    c = o.context
    if isinstance(c, Context) and c.version_of is None:
        groups.setdefault((o.graph, c.graph, c.parent), set()).add(c)
    return o


def _signature(args: tuple) -> str:
    from myia.infer.abstract import describe

    return "(" + ", ".join(describe(a) for a in args) + ")"


def constant_fold(prim: Primitive, types: list[AbstractValue]):
    """The type of `prim` on `types`, its value folded when every input is a constant."""
    ok, value = try_fold(prim, types)
    if ok:
        return constant_type(value), value
    return infer_apply(prim, types), UNKNOWN


def _node_id(n) -> int:
    return n.id  # a stable order (sets of nodes iterate in the order of their addresses)
