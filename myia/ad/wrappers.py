"""Graphs of `grad` and `value_and_grad`: the J of a function, seeded and unpacked.

`grad_graph(G, ...)` is an ordinary graph with G's parameters, so a gradient is itself a
function of the IR: it can be printed, run by any backend, called from compiled code and
differentiated again (grad of grad). The optimizer's rewrite `specialized_gradient`,
registered here, replaces such a gradient called on arguments of known types by the one
built for those types.
"""

from __future__ import annotations

from myia.ad.grad import j_graph, run_chain_graph
from myia.errors import MyiaTypeError
from myia.infer import infer
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph
from myia.opt.pipeline import optimize
from myia.opt.rewrites import REWRITES, STRUCTURAL, rewrite
from myia.prim import lookup as P
from myia.prim.sens import ZERO

_CACHE: dict[tuple, Graph] = {}


def normalize_argnums(argnums, nparams: int, name: str) -> tuple[int, ...]:
    """`argnums` as a tuple of valid, non-negative parameter indices."""
    items = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    out = []
    for a in items:
        if not isinstance(a, int) or not -nparams <= a < nparams:
            raise MyiaTypeError(
                f"argnums={argnums!r} does not name a parameter of `{name}`, which has {nparams}"
            )
        out.append(a % nparams)
    return tuple(out)


def grad_graph(graph: Graph, argnums, has_aux: bool, with_value: bool, types=None) -> Graph:
    """The graph computing the gradient of `graph` (and its value when `with_value`); with
    `types` (inference of `graph` on a signature), specialized to them (see `j_graph`)."""
    nums = normalize_argnums(argnums, len(graph.parameters), graph.name)
    key = (graph, nums, isinstance(argnums, int), has_aux, with_value)
    g = _CACHE.get(key) if types is None else None
    if g is not None:
        return g
    kind = "value_and_grad" if with_value else "grad"
    g = Graph(f"{kind}:{graph.name}", graph.loc)
    g.flags["argnames"] = list(graph.flags.get("argnames", [p.name for p in graph.parameters]))
    g.flags["defaults"] = dict(graph.flags.get("defaults", {}))
    params = [g.add_parameter(p.name, p.loc) for p in graph.parameters]
    inputs = [
        g.apply(P("check_differentiable"), p) if i in nums else p for i, p in enumerate(params)
    ]
    r = g.apply(Constant(j_graph(graph, types, nums)), None, *inputs, loc=graph.loc)
    out = g.apply(P("getitem"), r, 0)
    chain = g.apply(P("getitem"), r, 1)
    if has_aux:
        loss = g.apply(P("getitem"), g.apply(P("aux_pair"), out), 0)
        dout = g.apply(P("make_tuple"), g.apply(P("unit_sens"), loss), ZERO)
    else:
        dout = g.apply(P("unit_sens"), out)
    s = g.apply(Constant(run_chain_graph()), chain, dout)
    grads = [
        g.apply(P("grad_output"), g.apply(P("getitem"), s, 1 + i), params[i], dout) for i in nums
    ]
    result = grads[0] if isinstance(argnums, int) else g.apply(P("make_tuple"), *grads)
    g.output = g.apply(P("make_tuple"), out, result) if with_value else result
    if types is None:
        g.flags["gradient_of"] = (graph, argnums, has_aux, with_value)
        _CACHE[key] = g
    return g


def gradient_program(graph: Graph, abstract: tuple) -> Graph:
    """The optimized program of the gradient graph `graph` (made by `grad_graph`) for
    arguments of the abstract values `abstract`, before its loops go on tapes, so that
    it can be differentiated again.

    The gradient is built from the primal program's types (`j_graph(graph, types)`). The
    primal program is itself made for `abstract` first when it computes gradients: the
    program of the inner gradient (grad of grad), or the function optimized, so that what
    is differentiated is straight code, not a generic gradient with its chains of
    closures. Otherwise the tuples it builds and takes apart itself are simplified.
    """
    primal, argnums, has_aux, with_value = graph.flags["gradient_of"]
    if "gradient_of" in primal.flags:
        primal = gradient_program(primal, abstract)
    elif _takes_gradients(primal):
        primal = optimize(primal, args=abstract)
    else:
        primal = optimize(primal, rewrites=[(n, rw) for n, rw in REWRITES if n in STRUCTURAL])
    try:
        types = infer(primal, abstract)
    except Exception:  # noqa: BLE001 - the generic gradient works without types
        types = None
    return optimize(
        grad_graph(primal, argnums, has_aux, with_value, types), args=abstract, adjoint=True
    )


def _takes_gradients(graph: Graph) -> bool:
    """Whether `graph` computes gradients (a J transform is among the graphs it uses)."""
    return any("j_of" in g.flags for g in Manager(graph).graphs)


@rewrite(before="inline")
def specialized_gradient(opt, node):
    """A call of a gradient graph (`myia.grad` inside compiled code) on arguments of known
    types => a call of the gradient built for those types (as `grad` builds it), whose
    backpropagators fold into straight code."""
    fn = node.inputs[0] if isinstance(node, Apply) else None
    if not (isinstance(fn, Constant) and isinstance(fn.value, Graph)):
        return None
    spec = fn.value.flags.get("gradient_of")
    if spec is None:
        return None
    args = [opt.abstract(a) for a in node.inputs[1:]]
    if any(a is None for a in args):
        return None
    try:
        g = gradient_program(fn.value, tuple(args))
    except Exception:  # noqa: BLE001 - the generic gradient stays
        return None
    return Apply([Constant(g, fn.loc), *node.inputs[1:]], node.graph, node.loc, node.name)
