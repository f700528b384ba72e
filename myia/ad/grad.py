"""Reverse mode by source transformation: the J transform.

For a graph G with parameters (p1..pn), J(G) is a graph with parameters (k, p1..pn) that
returns `(value, chain)`. `k` is the *backpropagator chain* of the caller (see
`myia.ad.chain`): a linked list of backpropagators still to run after this call's own.
J(G) pushes its backpropagator onto `k` and returns the result, so that a call in tail
position (a jump between blocks, a loop's next iteration) stays a tail call in J(G): the
forward pass of a loop runs in constant stack, and the backward pass walks the chain in a
loop (`run_chain`).

A backpropagator of G takes the sensitivity of what G returned and returns
`(fv_sens, d_param1, ..., d_paramN)`, where `fv_sens` is the tuple of the sensitivities of
G's free variables in the order the manager fixes (`Manager.ordered_free_variables`). That
tuple *is* the sensitivity of a closure over G: a closure's sensitivity is structural, built
and taken apart with ordinary differentiable primitives (`make_tuple`, `sens_get`), so
adjoints differentiate again (grad of grad). When G ends with a tail call, the
backpropagator it pushes takes the callee's sensitivities instead (of the callee and of
each argument) and carries on from there.

Inside J(G), a call `f(a, b)` not in tail position becomes `J(f)(None, J(a), J(b))`, whose
chain the backpropagator runs with `run_chain`. Contributions of several uses are added with
`gadd`, and the sensitivity of each closure used in G goes to the variables it captured.
Primitives get J graphs built from the backpropagator of their registry entry (parsed from
the subset like user code), guarded so that a symbolic `ZERO` sensitivity skips the work.

With the primal program's types (`j_graph(graph, types)`, an inference result of the
primal graph on the caller's signature), a primitive applied to plain numbers and arrays
gets a backpropagator *specialized* to those types: its rule optimized with the types of
its inputs, its output and its sensitivity (the output's type), so that the structure
tests, broadcasting reductions and dispatch of the generic rule fold away. Primal types
are sound where adjoint types are not: a primal value has one type in every context its
graph runs in (joined over them), while a sensitivity may be `ZERO` in one and not another.
"""

from __future__ import annotations

from myia.ad.activity import active_nodes
from myia.ad.chain import run_chain
from myia.errors import MyiaTypeError
from myia.infer import AScalar, ATop, abstract_of_value, is_float_kind, is_number_or_array
from myia.infer.abstract import drop_numbers
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, toposort
from myia.opt.pipeline import optimize
from myia.parser import parse
from myia.prim import lookup as P
from myia.prim.registry import Primitive
from myia.prim.sens import ZERO

_make_tuple = P("make_tuple")
_make_list = P("make_list")
_getitem = P("getitem")
_gadd = P("gadd")
_gadd_numbers = P("gadd_numbers")
_sens_get = P("sens_get")
_switch = P("switch")
_is_zero = P("is_zero")
_apply = P("apply")
_truth = P("truth")

_GLOBAL_J: dict[Graph, Graph] = {}
_CLOSURE_J: dict[Graph, Graph] = {}
_PRIM_J: dict[tuple[Primitive, int | None], Graph] = {}
_SPECIALIZED_J: dict[tuple, Graph] = {}
# Primitives whose J graph `j_primitive` builds by their structure, not from a rule.
_STRUCTURAL_J = frozenset(("make_tuple", "make_list", "apply", "grad_of"))


def run_chain_graph() -> Graph:
    """The graph of `run_chain` (parsed once)."""
    g = parse(run_chain)
    g.flags["run_chain"] = True
    return g


def _j_skeleton(name: str, names: list[str]) -> tuple[Graph, Node, list[Node], Graph, Node]:
    """A J graph `(k, *params)` and an empty backpropagator graph nested in it."""
    jg = Graph(f"J:{name}")
    k = jg.add_parameter("k")
    params = [jg.add_parameter(n) for n in names]
    b = Graph(f"B:{name}")
    b.flags["rule_bprop"] = True  # small, and inlined wherever it is called
    dout = b.add_parameter("dout")
    return jg, k, params, b, dout


def _finish(jg: Graph, k: Node, value: Node, b: Graph) -> Graph:
    jg.output = jg.apply(_make_tuple, value, jg.apply(_make_tuple, b, k))
    return jg


def _bprop_graph(prim: Primitive) -> Graph:
    if prim.bprop is None:
        raise MyiaTypeError(
            f"the primitive `{prim.name}` has no backpropagator yet, so it cannot be "
            "differentiated; wrap the call in myia.stop_gradient(...) if its gradient is not needed"
        )
    return parse(prim.bprop)


def _build_j_of_call(
    callee, nargs: int, bprop: Graph | None, name: str, custom: bool = False
) -> Graph:
    """J of a function with a backpropagator rule (`bprop(*inputs, out, dout)`)."""
    jg, k, params, b, dout = _j_skeleton(name, [f"x{i}" for i in range(nargs)])
    jg.flags["j_rule"] = True
    out = jg.apply(callee, *params)
    if bprop is None:
        b.output = Constant((ZERO,) * (nargs + 1))
    else:
        real = Graph(f"B:{name}:nonzero")
        r = real.apply(bprop, *params, out, dout)
        if custom:
            # A user's rule: check it returned one sensitivity per input, and give each the
            # structure, shape and dtype of its input.
            r = real.apply(P("rule_result"), r, nargs, name)
            sens = [
                real.apply(P("sum_to"), real.apply(_getitem, r, i), params[i]) for i in range(nargs)
            ]
        else:
            sens = [real.apply(_getitem, r, i) for i in range(nargs)]
        real.output = real.apply(_make_tuple, ZERO, *sens)
        zero = Graph(f"B:{name}:zero")
        zero.output = Constant((ZERO,) * (nargs + 1))
        sw = b.apply(_switch, b.apply(_is_zero, dout), zero, real)
        b.output = b.apply(sw)
    return _finish(jg, k, out, b)


def _build_j_sequence(prim: Primitive, nargs: int) -> Graph:
    """J of `make_tuple`/`make_list` of `nargs` elements (variadic, so built per arity)."""
    jg, k, params, b, dout = _j_skeleton(f"{prim.name}{nargs}", [f"x{i}" for i in range(nargs)])
    out = jg.apply(prim, *params)
    b.output = b.apply(_make_tuple, ZERO, *[b.apply(_sens_get, dout, i) for i in range(nargs)])
    return _finish(jg, k, out, b)


def _build_j_apply() -> Graph:
    """J of `apply(f, args)`: call the J of `f` on `args`, split its sensitivities."""
    jg, k, (f, args), b, dout = _j_skeleton("apply", ["f", "args"])
    r = jg.apply(_apply, f, jg.apply(P("add"), Constant((None,)), args))
    chain = jg.apply(_getitem, r, 1)
    s = b.apply(Constant(run_chain_graph()), chain, dout)
    b.output = b.apply(
        _make_tuple, ZERO, b.apply(_getitem, s, 0), b.apply(_getitem, s, slice(1, None))
    )
    return _finish(jg, k, jg.apply(_getitem, r, 0), b)


def _build_j_grad_of(prim: Primitive) -> Graph:
    """J of `grad_of(f, spec, level)`: the same gradient one J level up.

    The sensitivity of a gradient closure is the tuple of its free variables'
    sensitivities, which are the free variables of `f` in the same order: it passes through.
    """
    jg, k, (f, spec, level), b, dout = _j_skeleton("grad_of", ["f", "spec", "level"])
    r = jg.apply(prim, f, spec, jg.apply(P("add"), level, 1))
    b.output = b.apply(_make_tuple, ZERO, dout, ZERO, ZERO)
    return _finish(jg, k, r, b)


def j_primitive(prim: Primitive, nargs: int | None) -> Graph:
    """The J graph of a primitive called with `nargs` arguments."""
    key = (prim, nargs if prim in (_make_tuple, _make_list) else None)
    jg = _PRIM_J.get(key)
    if jg is not None:
        return jg
    if prim.name not in _STRUCTURAL_J:
        bprop = None if prim.nondiff else _bprop_graph(prim)
        jg = _build_j_of_call(prim, prim.nargs, bprop, prim.name)
    elif prim in (_make_tuple, _make_list):
        if nargs is None:
            raise MyiaTypeError(f"`{prim.name}` cannot be differentiated as a function value")
        jg = _build_j_sequence(prim, nargs)
    elif prim is _apply:
        jg = _build_j_apply()
    else:
        jg = _build_j_grad_of(prim)
    _PRIM_J[key] = jg
    return jg


def j_primitive_specialized(prim: Primitive, inputs: tuple, out) -> Graph | None:
    """The J graph of `prim` on inputs of the abstract values `inputs` giving `out`, with
    its backpropagator optimized for those types; None when the generic rule must do."""
    if prim.nondiff or prim.bprop is None or prim.name in _STRUCTURAL_J:
        return None
    if prim.nargs != len(inputs) or not all(map(is_number_or_array, (*inputs, out))):
        return None
    key = (prim, inputs, out)
    jg = _SPECIALIZED_J.get(key)
    if jg is None:
        # The sensitivity of a float has the output's type; that of an int is not known
        # (but sum_to makes it ZERO for every int input).
        dout = out if is_float_kind(out) else ATop
        bprop = optimize(_bprop_graph(prim), args=(*inputs, out, dout))
        jg = _build_j_specialized(prim, len(inputs), bprop)
        _SPECIALIZED_J[key] = jg
    return jg


def _build_j_specialized(prim: Primitive, nargs: int, bprop: Graph) -> Graph:
    """J of a primitive with a specialized rule: each input's sensitivity is computed by
    itself, under its own ZERO guard, so that the unused ones are dead code and the
    ones the rule makes ZERO (ints) are constants."""
    jg, k, params, b, dout = _j_skeleton(prim.name, [f"x{i}" for i in range(nargs)])
    jg.flags["j_rule"] = True
    out = jg.apply(prim, *params)
    result = bprop.output
    known = (
        result.inputs[1:] if isinstance(result, Apply) and result.is_apply(_make_tuple) else None
    )
    guard = b.apply(_is_zero, dout)
    zero = Graph(f"B:{prim.name}:zero")
    zero.output = Constant(ZERO)
    sens = []
    for i in range(nargs):
        if known is not None and isinstance(known[i], Constant) and known[i].value is ZERO:
            sens.append(Constant(ZERO))
            continue
        real = Graph(f"B:{prim.name}:d{i}")
        real.output = real.apply(_getitem, real.apply(bprop, *params, out, dout), i)
        sens.append(b.apply(b.apply(_switch, guard, zero, real)))
    b.output = b.apply(_make_tuple, ZERO, *sens)
    return _finish(jg, k, out, b)


# Graphs -------------------------------------------------------------------------------------


def j_graph(graph: Graph, types=None, argnums=None) -> Graph:
    """J of a graph (cached; with `types`, specialized to them and not cached).

    For a graph with free variables (a closure's graph), the free variables stay bound to
    the primal values around it: this is the J used by a gradient taken inside compiled code.
    `types` is the inference result of `graph` on the signature the J graph will be called
    with (see the module's docstring). With `types`, `argnums` (the parameters whose
    sensitivities are wanted) leaves out the sensitivities of the values that do not
    depend on them (`myia.ad.activity`).
    """
    if types is not None:
        mng = Manager(graph)
        active = None if argnums is None else active_nodes(mng, graph, argnums)
        return GradTransform(mng, types, active=active).transform(graph)
    jg = _GLOBAL_J.get(graph) or _CLOSURE_J.get(graph)
    if jg is None:
        transform = GradTransform(Manager(graph))
        jg = transform.transform(graph)
        if transform.fvs(graph):
            _CLOSURE_J[graph] = jg
    return jg


class GradTransform:
    """One J transform: a graph and every graph nested in it share one node map.

    Nodes of graphs outside the transformed scope map to themselves: that is how a
    gradient taken inside compiled code closes over the primal values around it.
    """

    def __init__(self, mng: Manager, types=None, closed: dict | None = None, active=None):
        self.mng = mng
        self.types = types
        self.active = active
        # J of closed graphs: shared by every transform when generic, per types otherwise.
        self.closed = _GLOBAL_J if types is None else ({} if closed is None else closed)
        self.node_map: dict[Node, Node] = {}
        self.graph_map: dict[Graph, Graph] = {}

    def fvs(self, graph: Graph) -> list[Node]:
        return self.mng.ordered_free_variables(graph)

    def transform(self, graph: Graph) -> Graph:
        """J of `graph`, nested like `graph` (its free variables map to their J values)."""
        jg = self.graph_map.get(graph)
        if jg is not None:
            return jg
        if graph not in self.mng.graphs:
            self.mng.add_root(graph)
        closed = not self.fvs(graph)
        if closed:
            cached = self.closed.get(graph)
            if cached is not None:
                return cached
            if self.graph_map:
                return GradTransform(self.mng, self.types, self.closed, self.active).transform(
                    graph
                )
        custom = graph.flags.get("custom_bprop")
        if custom is not None:
            jg = _build_j_of_call(
                graph, len(graph.parameters), parse(custom), graph.name, custom=True
            )
        else:
            jg = Graph(f"J:{graph.name}", graph.loc)
        jg.flags["j_of"] = (graph, self)
        if "argnames" in graph.flags:
            jg.flags["argnames"] = ["k", *graph.flags["argnames"]]
            jg.flags["defaults"] = dict(graph.flags.get("defaults", {}))
        self.graph_map[graph] = jg
        if closed:
            self.closed[graph] = jg
        if custom is None:
            self._transform_body(graph, jg)
        return jg

    def _jnode(self, node: Node, nargs: int | None = None) -> Node:
        if isinstance(node, Constant):
            v = node.value
            if isinstance(v, Graph):
                return Constant(self.transform(v), node.loc)
            if isinstance(v, Primitive):
                return Constant(j_primitive(v, nargs), node.loc)
            return Constant(v, node.loc)
        return self.node_map.get(node, node)

    def _abstract(self, node: Node):
        """The abstract value of a primal node (numbers without their values)."""
        if isinstance(node, Constant):
            return drop_numbers(abstract_of_value(node.value))
        return drop_numbers(self.types.abstract(node))

    def _numeric(self, node: Node) -> bool:
        """Whether the primal types say `node` is a number or an array (its sensitivities
        add without walking structures)."""
        if self.types is None or isinstance(node, Constant):
            return False
        try:
            return is_number_or_array(self._abstract(node))
        except Exception:  # noqa: BLE001 - a node the analysis did not see
            return False

    def _bool_already(self, node: Apply) -> bool:
        """Whether `node` is `truth(x)` of an `x` the primal types say is a bool (the test
        of a loop or branch on numbers): it is `x` itself, with no gradient."""
        if self.types is None or not node.is_apply(_truth) or isinstance(node.args[0], Constant):
            return False
        try:
            a = self._abstract(node.args[0])
        except Exception:  # noqa: BLE001 - a node the analysis did not see
            return False
        return isinstance(a, AScalar) and a.kind is bool

    def _specialized(self, node: Apply) -> Node | None:
        """The J of a primitive's application specialized to its primal types, or None."""
        fn = node.fn
        if self.types is None or not (isinstance(fn, Constant) and isinstance(fn.value, Primitive)):
            return None
        try:
            inputs = tuple(self._abstract(a) for a in node.args)
            jg = j_primitive_specialized(fn.value, inputs, self._abstract(node))
        except Exception:  # noqa: BLE001 - no types for this node: the generic rule
            return None
        return None if jg is None else Constant(jg, fn.loc)

    def _transform_body(self, graph: Graph, jg: Graph) -> None:
        k = jg.add_parameter("k", graph.loc)
        for p in graph.parameters:
            self.node_map[p] = jg.add_parameter(p.name, p.loc)
        order = toposort(
            graph.output,
            lambda n: n.graph is graph,
            lambda g: [n for n in self.fvs(g) if n.graph is graph],
        )
        out = graph.output
        tail = out if isinstance(out, Apply) and out.graph is graph else None
        chains: dict[Apply, Node] = {}
        for node in order:
            if isinstance(node, Apply) and node.graph is graph and node is not tail:
                if self._bool_already(node):
                    self.node_map[node] = self._jnode(node.args[0])
                    continue
                fn = self._specialized(node) or self._jnode(node.fn, len(node.inputs) - 1)
                args = [self._jnode(a) for a in node.args]
                call = Apply([fn, Constant(None), *args], jg, node.loc)
                value = Apply([Constant(_getitem), call, Constant(0)], jg, node.loc, node.name)
                chains[node] = Apply([Constant(_getitem), call, Constant(1)], jg, node.loc)
                self.node_map[node] = value
        b = self._backprop(graph, order, chains, tail)
        if tail is None:
            jg.output = jg.apply(
                _make_tuple, self._jnode(out), jg.apply(_make_tuple, b, k), loc=graph.loc
            )
        else:
            fn = self._specialized(tail) or self._jnode(tail.fn, len(tail.inputs) - 1)
            args = [self._jnode(a) for a in tail.args]
            k2 = Apply([Constant(_make_tuple), Constant(b), k], jg, tail.loc)
            jg.output = Apply([fn, k2, *args], jg, tail.loc)

    def _backprop(self, graph: Graph, order: list[Node], chains: dict, tail: Apply | None) -> Graph:
        """The backpropagator of `graph`: from the sensitivity of its output (or, when it
        ends with a tail call, of that call's callee and arguments) to `(fv_sens, *d_params)`."""
        b = Graph(f"B:{graph.name}", graph.loc)
        d = b.add_parameter("dout")
        sens: dict[Node, list[Node]] = {}

        def contribute(node: Node, value: Node) -> None:
            if isinstance(node, Constant) and not (
                isinstance(node.value, Graph) and self.fvs(node.value)
            ):
                return
            if self.active is not None and node not in self.active:
                return  # its value does not depend on the inputs differentiated
            sens.setdefault(node, []).append(value)

        def total(node: Node) -> Node:
            parts = sens.get(node)
            if not parts:
                return Constant(ZERO)
            add = _gadd_numbers if self._numeric(node) else _gadd
            acc = parts[0]
            for p in parts[1:]:
                acc = Apply([Constant(add), acc, p], b, node.loc)
            return acc

        def distribute(node: Apply, r: Node) -> None:
            fn = node.fn
            nondiff = (
                isinstance(fn, Constant) and isinstance(fn.value, Primitive) and fn.value.nondiff
            )
            if nondiff:
                return
            for i, inp in enumerate(node.inputs):
                contribute(inp, Apply([Constant(_getitem), r, Constant(i)], b, node.loc))

        if tail is None:
            contribute(graph.output, d)
        else:
            distribute(tail, d)
        for node in reversed(order):
            if isinstance(node, Apply) and node.graph is graph and node is not tail:
                if node not in sens:
                    continue
                fn = node.fn
                if (
                    isinstance(fn, Constant)
                    and isinstance(fn.value, Primitive)
                    and fn.value.nondiff
                ):
                    continue
                r = Apply([Constant(run_chain_graph()), chains[node], total(node)], b, node.loc)
                distribute(node, r)
            elif isinstance(node, Constant) and node in sens:
                s = total(node)
                for j, fv in enumerate(self.fvs(node.value)):
                    contribute(fv, Apply([Constant(_sens_get), s, Constant(j)], b, node.loc))
        fv_sens = Apply(
            [Constant(_make_tuple), *[total(fv) for fv in self.fvs(graph)]], b, graph.loc
        )
        b.output = Apply(
            [Constant(_make_tuple), fv_sens, *[total(p) for p in graph.parameters]], b, graph.loc
        )
        return b
