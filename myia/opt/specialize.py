"""Specialization on the values of the ints that steer recursion.

`pow(x, n) = 1 if n == 0 else x * pow(x, n - 1)` runs n nested calls, and its gradient n
more. With the value of `n` known, each test `n == 0` folds, every call is to a graph of its
own (`pow` with `n` bound to 20, to 19, ...), each called once, and the optimizer inlines
them all into straight-line code.

- `steering_params(graph)`: the int parameters of a recursive function that its tests read.
  The compiled function's cache key holds their values (when small: `UNROLL_MAX`), and the
  optimizer makes them constants of the program it compiles.
- `specialized_call`: the rewrite behind the unrolling (registered in `myia.opt.rewrites`):
  a call of a recursive graph with constant ints or bools where the graph tests them
  becomes a call of a copy of the graph with those constants bound. Only graphs of
  recursion proper are copied (called by a recursive graph other than in tail position),
  not those of loops, which would unroll. At most `SPECIALIZE_MAX` copies are made of a
  graph.

Example:
    >>> steering_params(parse(recursive_pow))      # doctest: +SKIP
    (1,)
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from myia.ir.clone import inline_clone
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter
from myia.prim import lookup as P

# The largest |value| of an int argument the compiled code is specialized on.
UNROLL_MAX = 64
# The most copies the specializer makes of one graph.
SPECIALIZE_MAX = UNROLL_MAX + 2
_TESTS = frozenset(P(n) for n in ("eq", "ne", "lt", "le", "gt", "ge", "truth"))
_STEERING: WeakKeyDictionary = WeakKeyDictionary()


def steering_params(graph: Graph) -> tuple[int, ...]:
    """The positions of the parameters of `graph` that a test reads, when `graph` is
    recursive (its value may decide how deep the recursion goes); for a gradient graph,
    those of the function differentiated (the parameters are the same). Kept per graph:
    the parsed and transformed graphs it is asked about do not change."""
    found = _STEERING.get(graph)
    if found is None:
        spec = graph.flags.get("gradient_of")
        if spec is not None:
            found = steering_params(spec[0])
        else:
            mng = Manager(graph)
            found = ()
            if calls_itself(mng, graph):
                found = tuple(i for i, p in enumerate(graph.parameters) if steers(mng, p))
        _STEERING[graph] = found
    return found


def pinned_value(v):
    """The value of an argument at a steering position that compiled code is specialized
    on (a small int), or None."""
    return v if type(v) is int and -UNROLL_MAX <= v <= UNROLL_MAX else None


def steers(mng: Manager, p: Node) -> bool:
    """Whether a test (a comparison, `truth`) reads the parameter `p`."""
    for user, i in mng.uses.get(p, ()):
        fn = user.inputs[0]
        if i > 0 and isinstance(fn, Constant) and fn.value in _TESTS:
            return True
    return False


def calls_itself(mng: Manager, graph: Graph) -> bool:
    """Whether `graph` can call itself (through the graphs it uses)."""
    seen: set[Graph] = set()
    stack = list(mng.graph_constants[graph])
    while stack:
        g = stack.pop()
        if g is graph:
            return True
        if g not in seen:
            seen.add(g)
            stack.extend(mng.graph_constants[g])
    return False


def _unrollable(opt) -> set[Graph]:
    """The recursive graphs that a recursive graph calls other than in tail position:
    recursion proper, not loops (whose graphs call each other in tail position only)."""
    rec = opt.recursive_graphs()
    cached = opt.analyses.get("unrollable")
    if cached is not None and cached[0] is rec:
        return cached[1]
    out = set()
    for node in opt.mng.all_nodes:
        if isinstance(node, Constant) and isinstance(node.value, Graph) and node.value in rec:
            for user, i in opt.mng.uses.get(node, ()):
                if i == 0 and user.graph in rec and user is not user.graph.output:
                    out.add(node.value)
    opt.analyses["unrollable"] = (rec, out)
    return out


def specialize(opt, node: Apply) -> Node | None:
    """The rewrite `specialized_call` (see the module's docstring)."""
    fn = node.inputs[0]
    if not (isinstance(fn, Constant) and isinstance(fn.value, Graph)):
        return None
    g = fn.value
    if g not in _unrollable(opt):
        return None
    if len(node.inputs) - 1 != len(g.parameters):
        return None
    bound = {
        i: a.value
        for i, a in enumerate(node.inputs[1:])
        if isinstance(a, Constant)
        and type(a.value) in (int, bool)
        and steers(opt.mng, g.parameters[i])
    }
    if not bound:
        return None
    key = (g, tuple(sorted(bound.items())))
    spec = opt.specializations.get(key)
    if spec is None:
        if opt.specialization_counts[g] >= SPECIALIZE_MAX:
            return None
        opt.specialization_counts[g] += 1
        spec = Graph(
            f"{g.name}[{','.join(f'{g.parameters[i].name}={v}' for i, v in bound.items())}]", g.loc
        )
        spec.flags = {k: v for k, v in g.flags.items() if k not in ("argnames", "defaults")}
        args: list[Node] = []
        for i, p in enumerate(g.parameters):
            if i in bound:
                args.append(Constant(bound[i], node.loc))
            else:
                args.append(Parameter(spec, p.loc, p.name))
                spec.parameters.append(args[-1])
        spec.output = inline_clone(g, spec, args, opt.mng)
        opt.specializations[key] = spec
    rest = [a for i, a in enumerate(node.inputs[1:]) if i not in bound]
    return Apply([Constant(spec, fn.loc), *rest], node.graph, node.loc, node.name)
