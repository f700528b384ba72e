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

import ast
import inspect
import textwrap
import types

from myia.errors import Location, MyiaSyntaxError
from myia.ir.nodes import Graph
from myia.parser import fence, scoping
from myia.parser.lower import FunctionLowerer, Session
from myia.parser.resolve import function_namespace

_CACHE: dict[types.FunctionType, Graph] = {}


def _source_tree(fn: types.FunctionType) -> tuple[ast.AST, str, int, int]:
    code = fn.__code__
    filename = inspect.getsourcefile(fn) or code.co_filename
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as e:
        raise MyiaSyntaxError(
            f"cannot read the source of `{fn.__qualname__}` ({e}); myia compiles functions from "
            "their source, so define them in a file (or a notebook cell)",
            Location(code.co_filename, code.co_firstlineno),
        ) from None
    src = "".join(lines)
    dedented = textwrap.dedent(src)
    indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    try:
        tree = ast.parse(dedented)
    except SyntaxError:
        tree = ast.parse("(\n" + dedented.strip().rstrip(",") + "\n)")
        first -= 1
    line_offset = max(first, 1) - 1
    if fn.__name__ == "<lambda>":
        lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
        argnames = list(code.co_varnames[: code.co_argcount])
        lambdas = [n for n in lambdas if [a.arg for a in n.args.args] == argnames] or lambdas
        if len(lambdas) != 1:
            raise MyiaSyntaxError(
                "cannot tell which lambda of this line to compile; bind it on a line of its own",
                Location(filename, code.co_firstlineno),
            )
        return lambdas[0], filename, line_offset, indent
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.__name__:
            return node, filename, line_offset, indent
    raise MyiaSyntaxError(f"cannot find the source of `{fn.__qualname__}`", Location(filename, code.co_firstlineno))


def parse(fn: types.FunctionType) -> Graph:
    """The graph of a Python function (parsed once; later calls return the same graph)."""
    graph = _CACHE.get(fn)
    if graph is not None:
        return graph
    node, filename, line_offset, indent = _source_tree(fn)
    fence.check_function(node, filename, line_offset)
    scoping.check_captures(node, filename, line_offset)
    graph = Graph(fn.__name__)
    _CACHE[fn] = graph
    try:
        session = Session(parse, filename, line_offset, indent)
        lowerer = FunctionLowerer(session, function_namespace(fn), fn.__name__, node, None, graph)
        defaults = {}
        if fn.__defaults__:
            names = lowerer.node.args.args
            for a, v in zip(names[len(names) - len(fn.__defaults__):], fn.__defaults__):
                defaults[a.arg] = v
        lowerer.lower(defaults)
        session.finalize()
    except BaseException:
        del _CACHE[fn]
        raise
    graph.flags["python_function"] = fn
    return graph
