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

import threading
import types
import weakref

from myia.errors import MyiaSyntaxError
from myia.ir.nodes import Constant, Graph
from myia.parser import appends, fence, scoping
from myia.parser.deps import Dependencies, guard
from myia.parser.lower import FunctionLowerer, Session
from myia.parser.resolve import Namespace, function_namespace
from myia.parser.source import source_tree

# Held weakly: a parsed graph lives as long as its function (and holds it weakly).
_CACHE: weakref.WeakKeyDictionary[types.FunctionType, Graph] = weakref.WeakKeyDictionary()
# The lock of every compile (parsing and the compile caches of `api.py`): one at a time.
COMPILE_LOCK = threading.RLock()
_DEPTH = [0]  # parses in progress (in the thread holding the lock)
_CHECKED: dict[int, Dependencies] = {}  # found unchanged during the parses in progress
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
        g.flags["rule"] = prim.name  # myia's graph, not the user's: the views hide it
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
    """The graph of a Python function (parsed once; later calls return the same graph while
    what it read, and what the functions it calls read, is unchanged: see `deps.py`).

    Thread-safe: one thread parses at a time, and no other sees a graph being built."""
    with COMPILE_LOCK:
        graph = _CACHE.get(fn)
        if graph is not None and ("parsing" in graph.flags or _unchanged(graph.flags["deps"])):
            return graph
        _DEPTH[0] += 1
        try:
            return _parse(fn)
        finally:
            _DEPTH[0] -= 1
            if not _DEPTH[0]:
                _CHECKED.clear()


def _unchanged(deps: Dependencies) -> bool:
    """Whether what a parsed function read is unchanged. During a parse, the functions it
    calls may still be being parsed, and their reads incomplete: the check made then is
    not kept, but its answer is, until that parse ends."""
    if not _DEPTH[0]:
        return deps.valid()
    if id(deps) not in _CHECKED:
        check = guard(deps)
        if check is not None and not check():
            return False
        _CHECKED[id(deps)] = deps
    return True


def _parse(fn: types.FunctionType) -> Graph:
    node, filename, line_offset, indent = source_tree(fn)
    appends.rewrite_appends(node, filename, line_offset)
    try:
        fence.check_function(node, filename, line_offset, function_namespace(fn))
    except MyiaSyntaxError as e:
        raise _decorated(fn, e) from None
    scoping.check_captures(node, filename, line_offset)
    graph = Graph(fn.__name__)
    graph.flags["parsing"] = True
    deps = graph.flags["deps"] = Dependencies(fn)
    _CACHE[fn] = graph
    try:
        session = Session(parse, filename, line_offset, indent)
        lowerer = FunctionLowerer(session, Namespace(fn, deps), fn.__name__, node, None, graph)
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
    for callee in session.called_graphs():
        if "deps" in callee.flags:
            deps.calls(callee.flags["deps"])
    graph.flags["python_function"] = weakref.ref(fn)
    return graph


def clear_cache() -> None:
    """Forget every parsed graph (the next `parse` of a function parses it again)."""
    with COMPILE_LOCK:
        _CACHE.clear()
