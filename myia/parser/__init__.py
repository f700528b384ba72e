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

from myia.errors import MyiaSyntaxError
from myia.ir.nodes import Constant, Graph
from myia.parser import appends, fence, scoping
from myia.parser.lower import FunctionLowerer, Session
from myia.parser.resolve import function_namespace
from myia.parser.source import source_tree

_CACHE: dict[types.FunctionType, Graph] = {}
_PRIM_GRAPHS: dict = {}


def primitive_graph(prim, fixed: dict | None = None) -> Graph:
    """A graph calling `prim` on its parameters (and the keyword arguments `fixed`, those a
    Python object standing for it adds: `float` is `cast(x, to=float)`): a primitive used
    as a function value, or differentiated by `myia.grad(np.sin)`."""
    fixed = fixed or {}
    key = (prim, tuple(sorted(fixed.items(), key=lambda kv: kv[0])))
    g = _PRIM_GRAPHS.get(key)
    if g is None:
        g = Graph(prim.name.split(".")[-1])
        names = [n for n in prim.signature.parameters if n not in fixed]
        params = [g.add_parameter(name) for name in names]
        args = {n: p for n, p in zip(names, params)}
        values = [args[n] if n in args else Constant(fixed[n]) for n in prim.signature.parameters]
        g.output = g.apply(prim, *values)
        g.flags["argnames"] = names
        g.flags["defaults"] = {
            k: v.default
            for k, v in prim.signature.parameters.items()
            if v.default is not v.empty and k not in fixed
        }
        _PRIM_GRAPHS[key] = g
    return g


def _decorated(fn: types.FunctionType, error: MyiaSyntaxError) -> MyiaSyntaxError:
    """`error`, refusing the wrapper a decorator returned, with a word on decorators."""
    inner = getattr(fn, "__wrapped__", None)
    if inner is None or getattr(inner, "__code__", None) is fn.__code__:
        return error
    return MyiaSyntaxError(
        f"{error.message} (`{fn.__name__}` is decorated: myia compiles the wrapper "
        f"`{fn.__code__.co_name}` its decorator returned, which must be in the subset too, e.g. "
        "`def wrapper(x): return 2 * fn(x)`; or compile the undecorated function)",
        error.loc,
    )


def parse(fn: types.FunctionType) -> Graph:
    """The graph of a Python function (parsed once; later calls return the same graph)."""
    graph = _CACHE.get(fn)
    if graph is not None:
        return graph
    node, filename, line_offset, indent = source_tree(fn)
    appends.rewrite_appends(node, filename, line_offset)
    try:
        fence.check_function(node, filename, line_offset, function_namespace(fn))
    except MyiaSyntaxError as e:
        raise _decorated(fn, e) from None
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
