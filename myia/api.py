"""The public API: `jit`, `grad`, `value_and_grad`, `ir`, `source`, and the compile cache.

This is the only module that knows the whole pipeline: parse, differentiate, optimize,
generate code, run.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from myia.backend.vm import default_vm
from myia.ir.nodes import Graph
from myia.parser import parse


def _graph_of(fn: Any) -> Graph:
    if hasattr(fn, "__myia_graph__"):
        return fn.__myia_graph__()
    if isinstance(fn, Graph):
        return fn
    return parse(fn)


class JitFunction:
    """A compiled function: call it like the original.

    Example:
        >>> import myia
        >>> @myia.jit
        ... def f(x, y):
        ...     return x * y + 1.0
        >>> f(2.0, 3.0)          # doctest: +SKIP
        7.0
    """

    def __init__(self, fn: Callable, backend: str = "vm"):
        self.fn = fn
        self.backend = backend
        functools.update_wrapper(self, fn)

    def __myia_graph__(self) -> Graph:
        return parse(self.fn)

    def __call__(self, *args):
        return default_vm().call(parse(self.fn), args)


def jit(fn: Callable | None = None, *, backend: str = "vm"):
    """Compile `fn` (a function of the supported subset); use as `jit(f)` or `@jit`.

    Example:
        >>> import numpy as np, myia
        >>> f = myia.jit(lambda x: np.sum(x * x))
        >>> f(np.ones(3))         # doctest: +SKIP
        3.0
    """
    if fn is None:
        return lambda f: JitFunction(f, backend)
    return JitFunction(fn, backend)


def ir(fn: Callable, *args: Any, stage: str = "parsed") -> Graph:
    """The graph of `fn` at a stage of the pipeline: "parsed", "grad" or "optimized".

    Example:
        >>> import myia
        >>> def f(x):
        ...     return x * x
        >>> print(myia.ir(f))      # doctest: +SKIP
    """
    if stage == "parsed":
        return _graph_of(fn)
    raise ValueError(f"unknown stage {stage!r}; expected 'parsed', 'grad' or 'optimized'")
