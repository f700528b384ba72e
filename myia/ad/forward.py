"""Forward mode on typed graphs: each graph computes its value and its tangent together.

For a graph G the transform builds `jvp:G`: G's parameters, then one tangent parameter
per parameter whose type has a tangent (floats, float arrays and structures of them), in;
the pair `(value, tangent)` out. The structure of the program is kept: a call is a call of
the transformed callee (a tail call stays a tail call, so a loop is still a loop, in
constant stack), a `switch` selects the transformed branches, a closure is the transformed
closure, nested in the transformed graph of its parent, so the values and the tangents it
captures are free variables of it. Function values have no tangent of their own: a
closure's tangent is that of what it captures, which it closes over.

Each primitive application gets the tangent its registry entry builds from the tangents
of its inputs (`Primitive.jvp`, see `myia.prim.jvp` for the shared forms: linear,
bilinear, elementwise). A tangent that is structurally absent (an int, a constant, the
input of a primitive that is not differentiable) is None while the transform runs: no
code computes it, and it becomes real zeros only where a value must be passed on (an
argument, a result).

Example:
    >>> fwd = Forward(Manager(typed_root)); jg = fwd.graph(typed_root); fwd.run()  # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque

from myia.errors import MyiaError, MyiaTypeError
from myia.infer.abstract import (
    AArray,
    ADict,
    AFunction,
    AList,
    AScalar,
    AStack,
    ATuple,
    AZero,
    GraphFn,
    join,
)
from myia.infer.build import Builder, never_returns, type_of, typed_constant
from myia.infer.sensitivity import sens_type
from myia.infer.walks import holds_function, map_functions
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.registry import Primitive, lookup
from myia.prim.sens import materialize
from myia.prim.structures import ZERO

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_switch = lookup("switch")
_cast = lookup("cast")


def tangent_type(a):
    """The type of the tangent of a value of type `a`: that of its sensitivity, except
    that a function value has none (its closure carries the tangents it captures). An
    environment (the sensitivities of what closures capture, a value of gradient programs)
    has one: an environment of their tangents."""
    if isinstance(a, AFunction):
        return AZero
    if isinstance(a, AStack):
        e = tangent_type(a.elem)
        return AZero if e is AZero else AStack(e)
    if isinstance(a, ATuple):
        items = [tangent_type(x) for x in a.items]
        return AZero if all(x is AZero for x in items) else ATuple(items)
    if isinstance(a, AList) and a.items is not None:
        items = [tangent_type(x) for x in a.items]
        return AZero if all(x is AZero for x in items) else AList(items)
    if isinstance(a, ADict):
        vals = [tangent_type(x) for x in a.values]
        return AZero if all(x is AZero for x in vals) else ADict(a.keys, vals)
    return sens_type(a)


class JvpRule:
    """What a primitive's tangent rule sees of the application it differentiates: `b` (a
    typed builder in the transformed graph), `types` of the inputs, `out_type`, `x(i)`
    (the value of input i), `t(i)` (its tangent, None when absent), `out()` (the value of
    the application) and `zeros(i)` (real zeros for input i's tangent)."""

    def __init__(self, fwd: Forward, node: Apply, out: Node, b: Builder):
        self.fwd = fwd
        self.node = node
        self.b = b
        self._out = out
        self.types = [type_of(x) for x in node.inputs[1:]]
        self.out_type = node.abstract
        self.nargs = len(self.types)

    def x(self, i: int) -> Node:
        return self.fwd.value(self.node.inputs[1 + i])

    def t(self, i: int) -> Node | None:
        return self.fwd.tangent(self.node.inputs[1 + i])

    def out(self) -> Node:
        return self._out

    def zeros(self, i: int) -> Node:
        return materialize(self.b, None, self.types[i], self.x(i))

    def full(self, i: int) -> Node:
        """The tangent of input i, with real zeros where it is absent."""
        return materialize(self.b, self.t(i), self.types[i], self.x(i))


def covers(mng: Manager) -> bool:
    """Whether the forward-mode transform of the graphs `mng` holds would be made without
    a refusal and is known to be right at every order: no graph has a custom_vjp rule
    (`Forward.graph` refuses it), every primitive applied to values with tangents has a
    tangent rule (`Forward.primitive_tangent` refuses it), and no graph takes or returns
    function values. Forward mode differentiates those (`myia.jvp` of a closure carried
    through a loop, tests/ad/test_forward_closures.py); the gradients of functions of one
    float that pass functions around are left to reverse mode, whose checks of closures
    at first and second order (tests/test_grad_higher.py) use such functions."""
    for g in mng.graphs:
        if "custom_bwd" in g.flags:
            return False
        ends = [p.abstract for p in g.parameters] + [getattr(g.output, "abstract", None)]
        if any(t is not None and holds_function(t) for t in ends):
            return False
        for node in mng.nodes[g]:
            fn = node.inputs[0] if isinstance(node, Apply) else None
            if isinstance(fn, Constant) and isinstance(fn.value, Primitive):
                if _lacks_rule(fn.value, node):
                    return False
    return True


def _lacks_rule(prim: Primitive, node: Apply) -> bool:
    """Whether `node`, an application of `prim`, has a tangent that no rule builds."""
    return prim.jvp is None and not prim.nondiff and tangent_type(node.abstract) is not AZero


class Forward:
    """The forward-mode transform of the graphs a manager holds (see the module)."""

    def __init__(self, mng: Manager):
        self.mng = mng
        self.graphs: dict[Graph, Graph] = {}
        self.values: dict[Node, Node] = {}
        self.tangents: dict[Node, Node | None] = {}
        self.pending: deque[Graph] = deque()
        self._returns: dict[Graph, object] | None = None

    # Graphs -----------------------------------------------------------------------------------

    def graph(self, g: Graph) -> Graph:
        """The transformed graph of `g` (made now, filled by `run`)."""
        jg = self.graphs.get(g)
        if jg is not None:
            return jg
        if "custom_bwd" in g.flags:
            raise MyiaTypeError(
                f"forward mode cannot use the custom_vjp rule of `{g.name}` (a rule for "
                "reverse mode); use myia.grad or myia.vjp for it, as in JAX",
                g.loc,
            )
        parent = self.mng.parents.get(g)
        if parent is not None:  # filled first: a closure reads the values of its parent
            self.graph(parent)
            jg = self.graphs.get(g)
            if jg is not None:  # made while the parent was: its parameters' types name it
                return jg
        jg = self.graphs[g] = g.derive("jvp")
        jg.flags.update({k: v for k, v in g.flags.items() if k in ("loop", "branch")})
        for p in g.parameters:
            q = jg.add_parameter(p.name, p.loc)
            q.abstract = self.value_type(p.abstract)
            self.values[p] = q
        for p in g.parameters:
            tt = tangent_type(p.abstract)
            if tt is AZero:
                self.tangents[p] = None
                continue
            q = jg.add_parameter(f"d_{p.name or 'p'}", p.loc)
            q.abstract = tt
            self.tangents[p] = q
        self.pending.append(g)
        return jg

    def run(self) -> None:
        """Fill every transformed graph asked for (parents before the closures in them)."""
        while self.pending:
            self.fill(self.pending.popleft())

    def fill(self, g: Graph) -> None:
        jg = self.graphs[g]
        out = g.output
        tail = (
            isinstance(out, Apply)
            and out.graph is g
            and self.is_call(out)
            and all(u is g.return_ and i == 1 for u, i in self.mng.uses.get(out, ()))
        )  # (a call read elsewhere too, by a closure or an effect, needs its value first)
        for node in _order(self.mng, g, skip=out if tail else None):
            self.transform(node, jg)
        b = Builder(jg, g.return_.loc or g.loc)
        if tail:
            jg.output = self.call(out, jg)
        else:
            like = self.returns().get(g, type_of(out))
            jg.output = b.apply(
                _make_tuple, self.value(out), fit(b, self.tangent(out), like, self.value(out))
            )
            if never_returns(out):
                jg.return_.inputs.append(self.value(out))
        jg.return_.inputs.extend(self.value(e) for e in g.return_.inputs[2:])

    # Types ------------------------------------------------------------------------------------

    def returns(self) -> dict:
        """For each graph called, the type its calls have: the join of what its branches
        return (a branch that leaves a variable unbound returns a narrower type than the
        `if`, so its tangent must have the type of the `if`'s)."""
        if self._returns is None:
            self._returns = {}
            for g in sorted(self.mng.graphs, key=lambda h: h.id):
                for node in self.mng.nodes[g]:
                    if isinstance(node, Apply) and node is not g.return_ and self.is_call(node):
                        for callee in self.callees(node):
                            t = self._returns.get(callee)
                            self._returns[callee] = (
                                node.abstract if t is None else join(t, node.abstract)
                            )
        return self._returns

    def value_type(self, t):
        """The type of a value in the transformed program: each function is transformed."""
        return map_functions(
            t, lambda o: GraphFn(self.graph(o.graph), None) if o.graph in self.mng.graphs else o
        )

    # Values and tangents ----------------------------------------------------------------------

    def value(self, node: Node) -> Node:
        if isinstance(node, Constant):
            v = node.value
            if isinstance(v, Graph):
                return typed_constant(self.graph(v), node.loc)
            return node
        out = self.values.get(node)
        if out is None:
            raise MyiaError(f"internal error: no forward-mode value for {node!r}")
        return out

    def tangent(self, node: Node) -> Node | None:
        if isinstance(node, Constant):
            return None
        return self.tangents[node]

    # Nodes ------------------------------------------------------------------------------------

    @staticmethod
    def is_call(node: Apply) -> bool:
        fn = node.inputs[0]
        return not (isinstance(fn, Constant) and isinstance(fn.value, Primitive))

    def transform(self, node: Apply, jg: Graph) -> None:
        fn = node.inputs[0]
        if self.is_call(node):
            pair = self.call(node, jg)
            b = Builder(jg, node.loc)
            self.values[node] = b.apply(_getitem, pair, 0)
            t = pair.abstract.items[1]
            self.tangents[node] = None if t is AZero else b.apply(_getitem, pair, 1)
            return
        prim = fn.value
        value = Apply([fn, *[self.value(x) for x in node.inputs[1:]]], jg, node.loc, node.name)
        value.abstract = self.value_type(node.abstract)
        self.values[node] = value
        self.tangents[node] = self.primitive_tangent(prim, node, value, jg)

    def primitive_tangent(self, prim: Primitive, node: Apply, value: Node, jg: Graph):
        if tangent_type(node.abstract) is AZero or prim.nondiff:
            return None
        if all(self.tangent(x) is None for x in node.inputs[1:]):
            return None
        if _lacks_rule(prim, node):
            raise MyiaTypeError(
                f"forward mode has no tangent rule for `{prim.name}` yet; use myia.grad "
                "(reverse mode) for this function",
                node.loc,
            )
        b = Builder(jg, node.loc, np_floats=True)
        t = prim.jvp(JvpRule(self, node, value, b))
        if t is None or type_of(t) is AZero:
            return None
        return fit(b, t, node.abstract, value)

    def call(self, node: Apply, jg: Graph) -> Apply:
        """The transformed call `node`: the pair (value, tangent)."""
        b = Builder(jg, node.loc)
        args = [self.value(x) for x in node.inputs[1:]]
        params = self.parameters_of(node)
        tangents = [
            fit(b, self.tangent(x), p.abstract, self.value(x))
            for x, p in zip(node.inputs[1:], params)
            if tangent_type(p.abstract) is not AZero
        ]
        out_t = ATuple((self.value_type(node.abstract), tangent_type(node.abstract)))
        return b.call(self.value(node.inputs[0]), [*args, *tangents], out_t)

    def parameters_of(self, call: Apply) -> list:
        """The parameters of the graph `call` calls (of each graph it may call: they have
        the same types), whose types say which tangents the transformed graph takes (an
        argument may be narrower: None for a tape that starts empty)."""
        graphs = self.callees(call)
        if not graphs:
            raise MyiaTypeError(
                f"forward mode cannot differentiate a call of {call.inputs[0]!r}: its callee is not known",
                call.loc,
            )
        takes = {tuple(tangent_type(p.abstract) is not AZero for p in g.parameters) for g in graphs}
        if len(takes) > 1:
            names = ", ".join(sorted(g.name for g in graphs))
            raise MyiaError(
                f"internal error: the graphs this call may call ({names}) take different "
                "tangents; please report it with this function",
                call.loc,
            )
        return graphs[0].parameters

    @staticmethod
    def callees(call: Apply) -> list[Graph]:
        """The graphs `call` may call."""
        fn = call.inputs[0]
        if isinstance(fn, Constant) and isinstance(fn.value, Graph):
            return [fn.value]
        return [o.graph for o in getattr(type_of(fn), "options", ()) if isinstance(o, GraphFn)]


def value_and_tangent(b: Builder, primal: Graph, args: list) -> tuple[Node, Node | None]:
    """Call the forward-mode transform of the typed program `primal` (made here) in the
    graph `b` builds, on `args` (`primal`'s arguments, then the tangents of those that
    have one, of their tangent types: `fit`), and split its pair: the value and the
    tangent of the output (None when the output has none).

    Example:
        >>> value, t = value_and_tangent(b, primal, [x, fit(b, dx, x_type, x)])  # doctest: +SKIP
    """
    fwd = Forward(Manager(primal))
    jg = fwd.graph(primal)
    fwd.run()
    out_t = primal.output.abstract
    pair = b.call(jg, args, ATuple((out_t, tangent_type(out_t))))
    value = b.apply(_getitem, pair, 0)
    return value, None if tangent_type(out_t) is AZero else b.apply(_getitem, pair, 1)


def fit(b: Builder, t: Node | None, like, value: Node) -> Node:
    """The tangent `t` (None: absent) of a value of type `like` as a value of its tangent
    type: real zeros where it is absent, the number type of the tangent type."""
    want = tangent_type(like)
    if want is AZero:
        return b.node(ZERO)
    t = materialize(b, t, like, value, want=want)
    tt = type_of(t)
    if isinstance(want, AScalar) and isinstance(tt, AScalar) and tt.kind is not want.kind:
        return b.apply(_cast, t, want.pytype)
    if isinstance(want, AArray):
        from myia.prim import arrays as A

        if isinstance(tt, AScalar) or (isinstance(tt, AArray) and tt.shape != want.shape):
            shape = want.shape if want.known_shape else b.apply(A.attr_shape, value)
            t = b.apply(A.broadcast_to, t, shape)
            tt = type_of(t)
        if isinstance(tt, AArray) and tt.dtype != want.dtype:
            t = b.apply(A.astype, t, want.dtype)
    return t


def _order(mng: Manager, g: Graph, skip: Node | None) -> list[Apply]:
    """The applications of `g`, each after the applications of `g` it uses (those only
    closures use too)."""
    nodes = sorted(
        (n for n in mng.nodes[g] if isinstance(n, Apply) and n is not g.return_ and n is not skip),
        key=lambda n: n.id,
    )
    done: set[Node] = set()
    out: list[Apply] = []
    for start in nodes:
        if start in done:
            continue
        stack = [(start, False)]
        while stack:
            n, expanded = stack.pop()
            if n in done:
                continue
            if expanded:
                done.add(n)
                out.append(n)
                continue
            stack.append((n, True))
            for x in reversed(n.inputs):
                if isinstance(x, Apply) and x.graph is g and x not in done and x is not skip:
                    stack.append((x, False))
    return out
