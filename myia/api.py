"""The public API: `jit`, `grad`, `value_and_grad`, `ir`, `source`, and the compile cache.

This is the only module that knows the whole pipeline: parse, differentiate, optimize,
generate code, run.
"""

from __future__ import annotations

import functools
import types
from typing import Any, Callable

from myia.ad.grad import j_graph
from myia.ad.runtime import make_grad_macro, primitive_graph
from myia.errors import MyiaTypeError
from myia.prim import primitive_for
from myia.ad.wrappers import grad_graph
from myia.backend.vm import default_vm
from myia.ir.nodes import Graph
from myia.parser import parse


def _graph_of(fn: Any) -> Graph:
    if hasattr(fn, "__myia_graph__"):
        return fn.__myia_graph__()
    if isinstance(fn, Graph):
        return fn
    prim = primitive_for(fn)
    if prim is not None:
        return primitive_graph(prim)
    if not isinstance(fn, types.FunctionType):
        raise MyiaTypeError(
            f"myia compiles Python functions written in the supported subset; got "
            f"{type(fn).__name__} {fn!r}"
        )
    return parse(fn)


def default_backend_call(graph: Graph, args) -> Any:
    """Run `graph` on `args` with the default backend."""
    return default_vm().call(graph, tuple(args))


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


class GradFunction:
    """The gradient (or value and gradient) of a function, compiled on first call.

    It is also a function of the IR, so it can be called from compiled code and
    differentiated again.

    Example:
        >>> import myia
        >>> dsq = myia.grad(lambda x: x * x)
        >>> dsq(3.0)             # doctest: +SKIP
        6.0
    """

    def __init__(self, fn: Callable, argnums, has_aux: bool, with_value: bool):
        self.fn = fn
        self.argnums = argnums
        self.has_aux = has_aux
        self.with_value = with_value
        functools.update_wrapper(self, fn, updated=())

    def __myia_graph__(self) -> Graph:
        return grad_graph(_graph_of(self.fn), self.argnums, self.has_aux, self.with_value)

    def __call__(self, *args):
        return default_vm().call(self.__myia_graph__(), args)


def _grad_factory(with_value: bool):
    def transform(fn=None, *, argnums=0, has_aux=False):
        if fn is None:
            return lambda f: GradFunction(f, argnums, has_aux, with_value)
        return GradFunction(fn, argnums, has_aux, with_value)

    return transform


grad = _grad_factory(False)
grad.__myia_macro__ = make_grad_macro(False)
grad.__name__ = grad.__qualname__ = "grad"
grad.__doc__ = """The gradient of `fn` with respect to the arguments `argnums`.

    `grad(fn, argnums=0, has_aux=False)`, or `@grad` / `@grad(argnums=...)` as a decorator.
    `fn` must return a float scalar (with `has_aux=True`: a pair `(scalar, aux)`, and only
    the gradient is returned). The gradient has the structure, shape and dtype of the
    argument; with a tuple `argnums`, a tuple of gradients.

    Example:
        >>> import numpy as np, myia
        >>> myia.grad(np.sin)(0.0)                       # doctest: +SKIP
        1.0
        >>> myia.grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)   # doctest: +SKIP
        (3.0, 2.0)
    """

value_and_grad = _grad_factory(True)
value_and_grad.__myia_macro__ = make_grad_macro(True)
value_and_grad.__name__ = value_and_grad.__qualname__ = "value_and_grad"
value_and_grad.__doc__ = """Like `grad`, but returns `(value, gradient)`.

    With `has_aux=True`, returns `((value, aux), gradient)`.

    Example:
        >>> import myia
        >>> myia.value_and_grad(lambda x: x ** 3)(2.0)   # doctest: +SKIP
        (8.0, 12.0)
    """


class custom_vjp:  # noqa: N801  (a decorator, named like JAX's)
    """A function with a user-written backpropagator.

    The rule is Myia-style: `bprop(*inputs, out, dout)` returns a tuple with one
    sensitivity per input. It is parsed and compiled like user code, so it is
    differentiable too (grad of grad).

    Example:
        >>> import numpy as np, myia
        >>> @myia.custom_vjp
        ... def safe_log(x):
        ...     return np.log(x)
        >>> @safe_log.defvjp
        ... def safe_log_bprop(x, out, dout):
        ...     return (dout / np.maximum(x, 1e-12),)
    """

    def __init__(self, fn: Callable):
        self.fn = fn
        self.bprop: Callable | None = None
        self._graph: Graph | None = None
        functools.update_wrapper(self, fn)

    def defvjp(self, bprop: Callable) -> Callable:
        """Register the backpropagator `bprop(*inputs, out, dout) -> tuple`."""
        self.bprop = bprop
        self._graph = None
        return bprop

    def __myia_graph__(self) -> Graph:
        if self._graph is None:
            from myia.ir.clone import clone

            g = clone(parse(self.fn))
            if self.bprop is None:
                from myia.errors import MyiaTypeError

                raise MyiaTypeError(
                    f"custom_vjp function `{self.fn.__name__}` has no rule yet: decorate its "
                    "backpropagator with @{self.fn.__name__}.defvjp"
                )
            g.flags["custom_bprop"] = self.bprop
            self._graph = g
        return self._graph

    def __call__(self, *args):
        return self.fn(*args)


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
    if stage == "grad":
        return j_graph(_graph_of(fn))
    raise ValueError(f"unknown stage {stage!r}; expected 'parsed', 'grad' or 'optimized'")
