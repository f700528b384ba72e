"""The NumPy backend: compile a graph into a Python callable through generated source.

`compile_graph(graph)` generates the module (`myia.backend.numpy_codegen`), compiles its text
with `compile()` under a file name registered in `linecache` (so tracebacks show the
generated lines), and returns a `CompiledFunction`. An exception raised inside generated code
gets a note naming the user's file and line.

Example:
    >>> fn = compile_graph(myia.ir(f))      # doctest: +SKIP
    >>> fn(2.0), fn.source                  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import linecache

from myia.backend.numpy_codegen import Module, generate
from myia.errors import annotate_runtime_error
from myia.ir.nodes import Graph
from myia.prim.sens import ZERO

_counter = itertools.count()


class CompiledFunction:
    """A graph compiled to Python: call it; `.source` is the generated code."""

    def __init__(self, module: Module, filename: str):
        self.module = module
        self.filename = filename
        namespace = dict(module.namespace)
        namespace["ZERO"] = ZERO
        code = compile(module.text, filename, "exec")
        exec(code, namespace)
        self.fn = namespace[module.entry]
        self.source = module.text

    def __call__(self, *args):
        try:
            return self.fn(*args)
        except Exception as e:
            self.annotate(e)
            raise

    def annotate(self, exc: BaseException) -> None:
        """Add the user's file and line to `exc`, raised by the generated code."""
        annotate_runtime_error(exc, self.user_location(exc))

    def user_location(self, exc: BaseException):
        """The user's source location of the deepest generated line in the traceback."""
        tb = exc.__traceback__
        loc = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                loc = self.module.line_map.get(tb.tb_lineno, loc)
            tb = tb.tb_next
        return loc


def compile_graph(graph: Graph, types=None) -> CompiledFunction:
    """Generate, compile and load the Python code of `graph`. `types`: what inference
    knows of its nodes, if anything (see `numpy_codegen.generate`), which lets operations
    write into arrays the program no longer needs and counted loops be `for` loops."""
    module = generate(graph, types)
    filename = f"<myia-generated-{next(_counter)}:{graph.name}>"
    text = module.text
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return CompiledFunction(module, filename)
