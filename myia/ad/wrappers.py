"""Graphs of `grad` and `value_and_grad`: the J of a function, seeded and unpacked.

`grad_graph(G, ...)` is an ordinary graph with G's parameters, so a gradient is itself a
function of the IR: it can be printed, run by any backend, called from compiled code and
differentiated again (grad of grad).
"""

from __future__ import annotations

from myia.ad.grad import j_graph, run_chain_graph
from myia.errors import MyiaTypeError
from myia.ir.nodes import Constant, Graph
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
    r = g.apply(Constant(j_graph(graph, types)), None, *inputs, loc=graph.loc)
    out = g.apply(P("getitem"), r, 0)
    chain = g.apply(P("getitem"), r, 1)
    if has_aux:
        loss = g.apply(P("getitem"), g.apply(P("aux_pair"), out), 0)
        dout = g.apply(P("make_tuple"), g.apply(P("unit_sens"), loss), ZERO)
    else:
        dout = g.apply(P("unit_sens"), out)
    s = g.apply(Constant(run_chain_graph()), chain, dout)
    grads = [
        g.apply(P("grad_output"), g.apply(P("getitem"), s, 1 + i), params[i], dout)
        for i in nums
    ]
    result = grads[0] if isinstance(argnums, int) else g.apply(P("make_tuple"), *grads)
    g.output = g.apply(P("make_tuple"), out, result) if with_value else result
    if types is None:
        _CACHE[key] = g
    return g
