"""The NumPy backend: a typed graph compiled into a Python callable through its source.

`compile_graph(graph)` generates the module (`codegen`), compiles its text under a file
name registered in `linecache` (tracebacks show the generated lines) and returns a
`CompiledFunction`; an exception raised inside it gets a note naming the user's line.

Example:
    >>> fn = compile_graph(typed_graph)     # doctest: +SKIP
    >>> fn(2.0), fn.source                  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import linecache

from myia.backend.codegen import Module, generate
from myia.backend.source import printable
from myia.backend.targets import NUMPY, Target
from myia.errors import MyiaNestingError, annotate_runtime_error
from myia.ir.nodes import Graph

_counter = itertools.count()


# What Python floats raise where NumPy floats give inf or nan (with a warning).
_FLOAT_ERRORS = (ZeroDivisionError, OverflowError, ValueError)


class CompiledFunction:
    """A graph compiled to Python: call it; `.source` is the generated code.

    Fast code computes every float64 scalar as a Python float, which raises where NumPy
    gives inf or nan (`1.0 / 0.0`, `math.exp(1000.0)`). When it raises one of those, the
    call runs again in exact code, where each number has the type Python gives it (so
    `np.exp(1000.0)` is inf, as in NumPy, and `math.exp(1000.0)` raises, as in Python).
    Compiled code has no side effects, so running it again is safe.
    """

    def __init__(
        self, module: Module, filename: str, graph: Graph | None = None, target: Target = NUMPY
    ):
        self.module = module
        self.target = target
        self.filename = filename
        self.graph = graph  # to make the exact code from (None: this is exact code)
        self.exact: CompiledFunction | None = None
        namespace = dict(module.namespace)
        try:
            code = compile(module.text, filename, "exec")
        except IndentationError as e:  # Python's limit of 100 nested blocks
            msg = f"the generated code nests more than Python allows ({e.msg})"
            raise MyiaNestingError(msg) from None
        exec(code, namespace)
        self.fn = namespace[module.entry]
        self.source = module.text

    def __call__(self, *args):
        return call_program(self, args)

    def recover(self, exc: Exception, args: tuple):
        """The result of the call on `args` that raised `exc` in `self.fn`: that of exact
        code for an error of Python floats, else `exc` raised, naming the user's line."""
        if isinstance(exc, _FLOAT_ERRORS) and self.graph is not None:
            if self.exact is None:
                self.exact = compile_graph(self.graph, fast=False, target=self.target)
            return self.exact(*args)
        self.annotate(exc)
        raise exc

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


def compile_graph(graph: Graph, fast: bool = True, target: Target = NUMPY) -> CompiledFunction:
    """Generate, compile and load the Python code of the typed graph `graph` (`fast`: see
    `CompiledFunction`) for the library `target` describes (NumPy by default)."""
    module = generate(graph, fast, target)
    label = printable(graph.name)
    kind = "" if target is NUMPY else f":{target.name}"
    filename = f"<myia-generated-{next(_counter)}:{label}{kind}{'' if fast else ':exact'}>"
    text = module.text
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return CompiledFunction(module, filename, graph if fast else None, target)


def call_program(program, args: tuple):
    """`program.fn(*args)`, its error handed to `program.recover` (exact code for an error
    of Python floats, else the error naming the user's line): the call of every runnable
    program (`CompiledProgram`, the torch backend's, a `Boundary` around either).

    Example:
        >>> call_program(compile_graph(graph), (1.0,))  # doctest: +SKIP
    """
    try:
        return program.fn(*args)
    except Exception as e:  # raised by the generated code: recovered or re-raised, never dropped
        return program.recover(e, args)
