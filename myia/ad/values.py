"""Function values in reverse mode: closures passed, returned, stored and chosen at run time.

A call of a function by its name (`Constant<g>(x)`) goes to g's forward graph, which
returns the value and the residual, and its backward graph takes that residual. A call
through a function value (`f(x)`, `f` a parameter, a tuple item, the result of an `if`)
cannot: which function `f` is, and so the type of its residual, is known only at run time.
So a function *value* is differentiated as Myia does it: the forward value of the closure
of g is the closure of `fwdv:g`, which returns the value and a backpropagator, the closure
`bprop:g` over the residual. A call through a value calls the backpropagator it got back.

Every backpropagator of a function value returns the same thing whatever function it came
from: the sensitivities of the parameters, with real zeros where nothing reached one, and
the *environment* of the closure (`AEnv`): a dict from the tag of its graph to the
sensitivities of the values it captures (see `prim.adjoint`). Environments are added
(`env_add`) and reach the place the closure was made, where the sensitivities of the
captured values are read out of them (`env_get`). For a closure called where it is made,
the optimizer folds all of it away again.

Example:
    >>> fv = rev.fwd_input(Constant(g))      # doctest: +SKIP   (Constant<fwdv:g>)
"""

from __future__ import annotations

from myia.errors import MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    ADict,
    AEnv,
    AFunction,
    AList,
    AResidual,
    AStack,
    ATuple,
    AUnion,
    AZero,
    GraphFn,
    describe,
    join,
)
from myia.infer.build import Builder, type_of, typed_constant
from myia.infer.sensitivity import sens_type
from myia.infer.walks import drop_values, same_kind
from myia.ir.nodes import Apply, Graph, Node
from myia.prim.registry import lookup
from myia.prim.sens import materialize
from myia.prim.structures import EMPTY_ENV, ZERO

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_env_single = lookup("env_single")
_env_get = lookup("env_get")


class FunctionValues:
    """The function-value side of one reverse transform: forward types, the `fwdv` and
    `bprop` graphs of each function used as a value, and the tags of their environments."""

    def __init__(self, rev):
        self.rev = rev
        self.tags: dict[Graph, int] = {}
        self.fwdv: dict[Graph, Graph] = {}
        self.bprops: dict[Graph, Graph] = {}
        self.pending: list[Graph] = []  # forward closures to build
        self.built: set[Graph] = set()
        self.bodies: list = []  # backpropagators to build
        self.types: dict = {}

    def tag(self, g: Graph) -> int:
        """The key of g's closures in environments."""
        return self.tags.setdefault(g, len(self.tags))

    # Forward types ----------------------------------------------------------------------------

    def fwd_type(self, t):
        """The type of the forward value of a primal value of type `t`: each function in
        it is the forward closure (`fwdv`) of the function."""
        out = self.types.get(t)
        if out is None:
            out = self.types[t] = self._fwd_type(t)
        return out

    def _fwd_type(self, t):
        if isinstance(t, AFunction):
            # (An option outside the program is a function value never called: its value
            # is None, and it has no forward.)
            return AFunction(
                GraphFn(self.forward_of(o.graph), None)
                if isinstance(o, GraphFn) and o.graph in self.rev.mng.graphs
                else o
                for o in sorted(t.options, key=_option_order)
            )
        if isinstance(t, ATuple):
            return t.rebuilt(self.fwd_type(x) for x in t.items)
        if isinstance(t, AList):
            if t.items is not None:
                return AList([self.fwd_type(x) for x in t.items])
            return t.of(self.fwd_type(t.elem))
        if isinstance(t, ADict):
            return ADict(t.keys, [self.fwd_type(x) for x in t.values])
        if isinstance(t, AUnion):
            out = BOTTOM
            for o in t.ordered:
                out = join(out, self.fwd_type(o))
            return out
        if isinstance(t, AStack):
            return AStack(self.fwd_type(t.elem))
        return t

    # The forward closure of a function --------------------------------------------------------

    def forward_of(self, g: Graph) -> Graph:
        """`fwdv:g`: g's parameters in, `(value, bprop:g closure)` out (its body is built
        by `finish`: a type may name it before the values g captures have forward values)."""
        fv = self.fwdv.get(g)
        if fv is not None:
            return fv
        fv = self.fwdv[g] = g.derive("fwdv")
        fv.flags.update({k: v for k, v in g.flags.items() if k in ("argnames", "defaults")})
        for p in g.parameters:
            q = fv.add_parameter(p.name, p.loc)
            q.abstract = self.fwd_type(p.abstract)
        bp = self.bprops[g] = g.derive("bprop")
        d = bp.add_parameter("dout")
        d.abstract = sens_type(drop_values(g.output.abstract))
        self.pending.append(g)
        return fv

    def _build_forward(self, g: Graph) -> None:
        if g in self.built:
            return
        self.built.add(g)
        # The functions g is nested in come first: their nodes are what g captures.
        h = self.rev.mng.parents.get(g)
        while h is not None:
            if h in self.fwdv:
                self._build_forward(h)
            h = self.rev.mng.parents.get(h)
        f = self.rev.function(g)
        fv, bp = self.fwdv[g], self.bprops[g]
        b = Builder(fv, g.loc)
        pair = b.call(
            f.fwd,
            fv.parameters,
            ATuple((self.fwd_type(g.output.abstract), AResidual(f.region.cell))),
        )
        fv.output = b.apply(_make_tuple, b.apply(_getitem, pair, 0), typed_constant(bp, g.loc))
        self.bodies.append((f, fv.parameters, b.apply(_getitem, pair, 1), bp))

    def out_type(self, g: Graph):
        """What `bprop:g` returns: the sensitivity of each parameter, and the environment."""
        return ATuple([*(sens_type(drop_values(p.abstract)) for p in g.parameters), AEnv])

    def finish(self) -> None:
        """Build the bodies of the forward closures and backpropagators, once the forward
        program is built (backpropagators call backward graphs, which choose residual
        slots)."""
        while self.pending or self.bodies:
            while self.pending:
                self._build_forward(self.pending.pop(0))
            while self.bodies:
                self._build_bprop(*self.bodies.pop())

    def _build_bprop(self, f, params: list[Node], res: Node, bp: Graph) -> None:
        rev = self.rev
        g = f.graph
        b = Builder(bp, g.loc)
        dout = bp.parameters[0]
        bwd = f.backward(dout.abstract)
        out_t = f.out_types[drop_values(dout.abstract)]
        s = b.call(bwd, [res, dout], out_t)
        item = lambda k: None if out_t.items[k] is AZero else b.apply(_getitem, s, k)  # noqa: E731
        outs = [
            materialize(b, item(i), p.abstract, q)
            for i, (p, q) in enumerate(zip(g.parameters, params))
        ]
        n = len(params)
        captured = []
        for j, fv in enumerate(rev.free_variables(g)):
            if fv in rev.active:
                captured.append(materialize(b, item(n + j), fv.abstract, rev.fwd_input(fv)))
            else:
                captured.append(typed_constant(ZERO))
        if all(type_of(c) is AZero for c in captured):
            env = typed_constant(EMPTY_ENV)
        else:
            env = b.apply(_env_single, self.tag(g), b.apply(_make_tuple, *captured))
        bp.output = b.apply(_make_tuple, *outs, env)

    # Where a closure is made ------------------------------------------------------------------

    def captured(self, g: Graph, env: Node, scope, acc, b: Builder) -> None:
        """Give the values the closure of `g` captures their sensitivities from the
        environment `env` of the closure made here."""
        rev = self.rev
        if type_of(env) is not AEnv:
            raise MyiaTypeError(f"internal error: the sensitivity of a closure is {type_of(env)}")
        fvs = rev.free_variables(g)
        like = b.apply(
            _make_tuple,
            *[
                scope.ref(rev.fwd_input(fv), b) if fv in rev.active else typed_constant(ZERO)
                for fv in fvs
            ],
        )
        items = b.apply(_env_get, env, self.tag(g), like)
        if type_of(items) is AZero:
            return
        for j, fv in enumerate(fvs):
            if fv in rev.active:
                acc.add(fv, b.apply(_getitem, items, j), b)

    # Calls through values ---------------------------------------------------------------------

    def options(self, node: Apply) -> list[Graph]:
        """The graphs a call through a value may call (refused for other callees)."""
        fn = node.inputs[0]
        t = type_of(fn)
        if not isinstance(t, AFunction):
            raise MyiaTypeError(
                f"the gradient of a call of {describe(t)} is not supported", node.loc
            )
        out = []
        for o in sorted(t.options, key=_option_order):
            if not isinstance(o, GraphFn):
                raise MyiaTypeError(
                    f"internal error: `{o.name}` called through a value was not made a function",
                    node.loc,
                )
            out.append(o.graph)
        return out

    def forward_call(self, node: Apply, fg: Graph) -> Node:
        """The forward of a call through a value: its value; the backpropagator it returns
        is kept for the backward pass."""
        rev = self.rev
        graphs = self.options(node)
        for h in graphs:
            self.forward_of(h)
        kinds = [self.out_type(h) for h in graphs]
        if any(not same_kind(kinds[0], k) for k in kinds[1:]):
            raise MyiaTypeError(
                "the gradient of a call of one of several functions chosen at run time needs "
                "functions whose parameters have the same types",
                node.loc,
            )
        bp_type = AFunction([GraphFn(self.bprops[h], None) for h in graphs])
        b = Builder(fg, node.loc)
        fwd_inputs = [rev.fwd_input(x) for x in node.inputs]
        pair = b.call(
            fwd_inputs[0], fwd_inputs[1:], ATuple((self.fwd_type(node.abstract), bp_type))
        )
        value = b.apply(_getitem, pair, 0)
        value.name = node.name
        rev.subregions[node] = ("value", graphs, b.apply(_getitem, pair, 1))
        return value

    def backward_call(self, node: Apply, graphs: list[Graph], bp_fwd: Node, d, scope, acc, b):
        """The backward of a call through a value: the backpropagator called on the
        sensitivity of the value (zeros filled in), its results given to the arguments and
        to the function value."""
        rev = self.rev
        bp = scope.ref(bp_fwd, b)
        dd = materialize(b, d, node.abstract, scope.primal(rev.fmap[node], b))
        out_t = None
        for h in graphs:
            t = self.out_type(h)
            out_t = t if out_t is None else join(out_t, t)
        s = b.call(bp, [dd], out_t)
        for i, a in enumerate(node.inputs[1:]):
            if out_t.items[i] is not AZero:
                acc.add(a, b.apply(_getitem, s, i), b)
        acc.add(node.inputs[0], b.apply(_getitem, s, len(node.inputs) - 1), b)


def _option_order(o) -> int:
    return getattr(getattr(o, "graph", None), "id", -1)  # not the order of a set
