"""The parser: Python functions of the supported subset to graphs of the IR.

`parse(fn)` reads the source of `fn`, checks it against the fence (everything outside the
subset is refused here, with the user's file and line), and lowers it. Results are cached
per function object; functions it calls are parsed lazily, when first met.

Example:
    >>> def f(x):
    ...     return x * 2.0
    >>> parse(f).name            # doctest: +SKIP
    'f'
"""

from __future__ import annotations

import types

from myia.ir.nodes import Graph
from myia.next.parser.lower import FunctionLowerer, Session
from myia.next.parser.resolve import function_namespace
from myia.parser import _source_tree, fence, scoping

_CACHE: dict[types.FunctionType, Graph] = {}
_PRIM_GRAPHS: dict = {}


def primitive_graph(prim) -> Graph:
    """A graph calling `prim` on its parameters: a primitive used as a function (compiled
    directly, or differentiated by `myia.grad(np.sin)`)."""
    g = _PRIM_GRAPHS.get(prim)
    if g is None:
        g = Graph(prim.name.split(".")[-1])
        params = [g.add_parameter(name) for name in prim.signature.parameters]
        g.output = g.apply(prim, *params)
        g.flags["argnames"] = list(prim.signature.parameters)
        g.flags["defaults"] = {
            k: v.default for k, v in prim.signature.parameters.items() if v.default is not v.empty
        }
        _PRIM_GRAPHS[prim] = g
    return g


def parse(fn: types.FunctionType) -> Graph:
    """The graph of a Python function (parsed once; later calls return the same graph)."""
    graph = _CACHE.get(fn)
    if graph is not None:
        return graph
    node, filename, line_offset, indent = _source_tree(fn)
    fence.check_function(node, filename, line_offset)
    scoping.check_captures(node, filename, line_offset)
    graph = Graph(fn.__name__)
    graph.flags["parsing"] = True
    _CACHE[fn] = graph
    try:
        session = Session(parse, filename, line_offset, indent)
        lowerer = FunctionLowerer(session, function_namespace(fn), fn.__name__, node, None, graph)
        defaults = {}
        if fn.__defaults__:
            names = node.args.args
            for a, v in zip(names[len(names) - len(fn.__defaults__) :], fn.__defaults__):
                defaults[a.arg] = v
        lowerer.lower(defaults)
        session.finalize()
    except BaseException:
        del _CACHE[fn]
        raise
    finally:
        graph.flags.pop("parsing", None)
    graph.flags["python_function"] = fn
    return graph
