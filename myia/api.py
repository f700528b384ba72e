"""The public API: `jit`, `grad`, `value_and_grad`, `custom_vjp`, `ir`, `source`, and the
compile cache.

This is the only module that knows the whole pipeline: parse, differentiate, optimize,
generate code, run. A compiled function keeps one compiled callable per argument signature
(types, dtypes and shapes, container structure); the second call with the same signature
does no parsing, transformation or code generation.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from myia.ad.grad import j_graph
from myia.ad.runtime import make_grad_macro, primitive_graph
from myia.ad.tape import loops_on_tapes
from myia.ad.wrappers import grad_graph, gradient_program
from myia.backend.numpy_backend import compile_graph
from myia.backend.vm import default_vm
from myia.errors import MyiaTypeError
from myia.infer import AScalar, abstract_of_value, infer, known_array
from myia.infer.abstract import drop_numbers
from myia.ir.clone import clone
from myia.ir.nodes import Graph, Node
from myia.ir.printer import SourceView
from myia.opt.pipeline import optimize as optimize_graph
from myia.opt.specialize import pinned_value, steering_params
from myia.parser import parse
from myia.parser.lower import Unbound
from myia.prim import primitive_for

BACKENDS = ("numpy", "vm")
# The typed pipeline (myia/next), chosen with MYIA_PIPELINE=typed while it is being built.
TYPED = __import__("os").environ.get("MYIA_PIPELINE") == "typed"
DEFAULTS = {"backend": "numpy", "optimize": True}


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


# Types whose cache key is the type itself (the loop below avoids a call for them).
_PLAIN = frozenset((float, int, complex, type(None), np.float64, np.float32, np.int64))


def signature(args: tuple) -> tuple:
    """The cache key of an argument tuple: types, dtypes and shapes, structure."""
    out = []
    for a in args:
        t = type(a)
        out.append(t if t in _PLAIN else _sig(a))
    return tuple(out)


def _sig(a):
    t = type(a)
    if t is np.ndarray:
        return (t, a.dtype, a.shape)  # dtypes compare by kind, size and byte order
    if t is tuple or t is list:
        return (t, tuple(map(_sig, a)))
    if t is dict:
        return (t, tuple((k, _sig(v)) for k, v in a.items()))
    if t is bool or t is str:
        return (t, a)  # they steer control flow; compiled code is specialized on them
    return t


def pinned_signature(args: tuple, pinned: tuple[int, ...]) -> tuple:
    """The cache key of `args` for a function specialized on the values of the ints at the
    positions `pinned` (those that steer its recursion, when small)."""
    sig = signature(args)
    if not pinned:
        return sig
    values = []
    for i in pinned:
        values.append(pinned_value(args[i]) if i < len(args) else None)
    return (sig, tuple(values))


def signature_abstract(args: tuple, pinned: tuple[int, ...] = ()) -> tuple:
    """What inference may assume of `args`: exactly what the cache key pins down (types,
    dtypes, shapes, structure, bool and str values, the pinned ints; not the values of
    other numbers)."""
    return tuple(
        abstract_of_value(a)
        if i in pinned and pinned_value(a) is not None
        else drop_numbers(abstract_of_value(a))
        for i, a in enumerate(args)
    )


# The inference that finds types for the code generator gives up sooner than the
# optimizer's: an optimized program is small, and its code is good without them.
CODEGEN_TYPES_JOINS = 5_000


class CodegenTypes:
    """What inference knows of the nodes of a program, as the code generator asks it:
    `array(node)`, the (shape, dtype) of an array of known shape (for buffer reuse), and
    `is_int(node)`, whether the value is an int (for `for` loops)."""

    def __init__(self, inferred):
        self.inferred = inferred

    def _abstract(self, node: Node):
        try:
            return self.inferred.abstract(node)
        except Exception:  # noqa: BLE001 - a node the analysis did not see
            return None

    def array(self, node: Node):
        return known_array(self._abstract(node))

    def is_int(self, node: Node) -> bool:
        a = self._abstract(node)
        return isinstance(a, AScalar) and a.kind is int


def codegen_types(graph: Graph, args: tuple) -> CodegenTypes | None:
    """The types of `graph` run on `args` for the code generator, or None when inference
    fails (the code is then written without them)."""
    try:
        return CodegenTypes(infer(graph, args, max_joins=CODEGEN_TYPES_JOINS))
    except Exception:  # noqa: BLE001 - types only make the code faster
        return None


def default_backend_call(graph: Graph, args) -> Any:
    """Run `graph` on `args` with the default backend and optimizer settings."""
    return GraphFunction(graph)(*args)


class Interpreted:
    """A graph run by the reference evaluator (`backend="vm"`), called like a
    `CompiledFunction`."""

    def __init__(self, graph: Graph):
        vm = default_vm()
        self.graph = graph
        self.fn = lambda *args: vm.call(graph, args)

    def __call__(self, *args):
        return self.fn(*args)

    def annotate(self, exc: BaseException) -> None:
        """Errors of the evaluator name the user's line already."""


_CACHES: dict[tuple, dict] = {}


class Compiled:
    """What a compiled function shares: the graph to compile, the backend and the cache.

    Caches are shared by every compiled function made of the same function and options, so
    `myia.grad(f)` written inside a training loop compiles once.
    """

    def __init__(self, key: tuple, backend: str | None, optimize: bool | None):
        backend = backend or DEFAULTS["backend"]
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
        self.backend = backend
        self.optimize = DEFAULTS["optimize"] if optimize is None else optimize
        self._pinned: tuple[int, ...] | None = None
        try:
            self.cache: dict[tuple, Callable] = _CACHES.setdefault(
                (*key, backend, self.optimize), {}
            )
        except TypeError:  # an unhashable function object
            self.cache = {}
        self.compilations = 0

    def graph(self) -> Graph:
        raise NotImplementedError

    def pinned(self) -> tuple[int, ...]:
        """The positions of the int arguments whose values the compiled code is
        specialized on (see `myia.opt.specialize`); none without the optimizer."""
        if self._pinned is None:
            self._pinned = steering_params(self.graph()) if self.optimize else ()
        return self._pinned

    def abstract(self, args: tuple) -> tuple:
        """What the optimizer may assume of `args` (what the cache key pins down)."""
        return signature_abstract(args, self.pinned())

    def optimized(self, args: tuple) -> Graph:
        """The graph this function runs for `args` (a copy, optimized when enabled)."""
        g = self.graph()
        if not self.optimize:
            return clone(g, total=True)
        check = isinstance(self, JitFunction)
        return optimize_graph(g, args=self.abstract(args), check=check)

    def compiled(self, args: tuple) -> Callable:
        key = pinned_signature(args, self.pinned())
        fn = self.cache.get(key)
        if fn is None:
            self.compilations += 1
            if TYPED and isinstance(self, JitFunction) and self.backend == "numpy":
                from myia.next.pipeline import compile_jit

                fn = compile_jit(self.fn, args, self.pinned())
            elif TYPED and isinstance(self, GradFunction) and self.backend == "numpy":
                from myia.next.pipeline import compile_grad

                fn = compile_grad(
                    self.fn, args, self.argnums, self.has_aux, self.with_value, self.pinned()
                )
            elif self.backend == "vm":
                fn = Interpreted(self.optimized(args) if self.optimize else self.graph())
            else:
                graph = self.optimized(args)
                fn = compile_graph(
                    graph, codegen_types(graph, self.abstract(args)) if self.optimize else None
                )
            self.cache[key] = fn
        return fn

    def __call__(self, *args, **kwargs):
        if kwargs or TYPED and self.fn is not None and len(args) < _arity(self.fn):
            args = self.bind(args, kwargs)
        pinned = self._pinned
        fn = self.cache.get(
            signature(args) if pinned == () else pinned_signature(args, self.pinned())
        )
        if fn is None:
            fn = self.compiled(args)
        try:
            result = fn.fn(*args)  # what `fn(*args)` runs, one call less
        except Exception as e:
            fn.annotate(e)
            raise
        if isinstance(result, Unbound):
            result._fail()
        return result

    def bind(self, args: tuple, kwargs: dict) -> tuple:
        """Keyword arguments as positional ones, in the order of the Python signature."""
        import inspect

        bound = inspect.signature(self.fn).bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments.values())


def _arity(fn) -> int:
    code = getattr(fn, "__code__", None)
    return code.co_argcount if code is not None else 0


class JitFunction(Compiled):
    """A compiled function: call it like the original.

    Example:
        >>> import myia
        >>> @myia.jit
        ... def f(x, y):
        ...     return x * y + 1.0
        >>> f(2.0, 3.0)          # doctest: +SKIP
        7.0
    """

    def __init__(self, fn: Callable, backend: str | None = None, optimize: bool | None = None):
        super().__init__(("jit", fn), backend, optimize)
        self.fn = fn
        functools.update_wrapper(self, fn, updated=())

    def __myia_graph__(self) -> Graph:
        return _graph_of(self.fn)

    graph = __myia_graph__


class GraphFunction(Compiled):
    """A graph of the IR as a compiled function (for tools that build graphs directly)."""

    def __init__(self, graph: Graph, backend: str | None = None, optimize: bool | None = None):
        super().__init__(("graph", graph), backend, optimize)
        self._graph = graph
        self.fn = None

    def graph(self) -> Graph:
        return self._graph

    def optimized(self, args: tuple) -> Graph:
        """A gradient graph is compiled as `grad` compiles it (see `gradient_program`)."""
        if self.optimize and "gradient_of" in self._graph.flags:
            return loops_on_tapes(gradient_program(self._graph, self.abstract(args)))
        return super().optimized(args)

    def bind(self, args: tuple, kwargs: dict) -> tuple:
        raise TypeError("a graph takes positional arguments only")


def jit(fn: Callable | None = None, *, backend: str | None = None, optimize: bool | None = None):
    """Compile `fn` (a function of the supported subset); use as `jit(f)` or `@jit`.

    `backend` is "numpy" (generated Python/NumPy code, the default) or "vm" (the reference
    evaluator); `optimize=False` skips the optimizer.

    Example:
        >>> import numpy as np, myia
        >>> f = myia.jit(lambda x: np.sum(x * x))
        >>> f(np.ones(3))         # doctest: +SKIP
        3.0
    """
    if fn is None:
        return lambda f: JitFunction(f, backend, optimize)
    return JitFunction(fn, backend, optimize)


class GradFunction(Compiled):
    """The gradient (or value and gradient) of a function, compiled per signature.

    It is also a function of the IR, so it can be called from compiled code and
    differentiated again.

    Example:
        >>> import myia
        >>> def sq(x):
        ...     return x * x
        >>> myia.grad(sq)(3.0)             # doctest: +SKIP
        6.0
    """

    def __init__(self, fn, argnums, has_aux, with_value, backend=None, optimize=None):
        nums = argnums if isinstance(argnums, int) else tuple(argnums)
        super().__init__(("grad", fn, nums, has_aux, with_value), backend, optimize)
        self.fn = fn
        self.argnums = argnums
        self.has_aux = has_aux
        self.with_value = with_value
        functools.update_wrapper(self, fn, updated=())

    def __myia_graph__(self) -> Graph:
        return grad_graph(_graph_of(self.fn), self.argnums, self.has_aux, self.with_value)

    def typed_gradient(self, args: tuple) -> Graph:
        """The optimized typed program of this gradient for arguments like `args`."""
        from myia.next.pipeline import gradient_of

        return gradient_of(
            self.fn, args, self.argnums, self.has_aux, self.with_value, self.pinned()
        )

    graph = __myia_graph__

    def optimized(self, args: tuple) -> Graph:
        """With the optimizer on, the gradient is built for the primal program's types on
        `args` (backpropagators specialized to them), optimized, and its loops put on
        tapes."""
        if not self.optimize:
            return super().optimized(args)
        return loops_on_tapes(gradient_program(self.graph(), self.abstract(args)))


def _grad_factory(with_value: bool):
    def transform(fn=None, *, argnums=0, has_aux=False, backend=None, optimize=None):
        if fn is None:
            return lambda f: GradFunction(f, argnums, has_aux, with_value, backend, optimize)
        return GradFunction(fn, argnums, has_aux, with_value, backend, optimize)

    if TYPED:
        from myia.next.ad.macro import make_grad_macro as typed_macro

        transform.__myia_macro__ = typed_macro(with_value)
    else:
        transform.__myia_macro__ = make_grad_macro(with_value)
    return transform


grad = _grad_factory(False)
grad.__name__ = grad.__qualname__ = "grad"
grad.__doc__ = """The gradient of `fn` with respect to the arguments `argnums`.

    `grad(fn, argnums=0, has_aux=False)`, or `@grad` / `@grad(argnums=...)` as a decorator.
    `fn` must return a float scalar (with `has_aux=True`: a pair `(scalar, aux)`, and only
    the gradient is returned). The gradient has the structure, shape and dtype of the
    argument; with a tuple `argnums`, a tuple of gradients. `grad` may also be called inside
    compiled code, and nests (grad of grad).

    Example:
        >>> import numpy as np, myia
        >>> myia.grad(np.sin)(0.0)                       # doctest: +SKIP
        1.0
        >>> myia.grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)   # doctest: +SKIP
        (3.0, 2.0)
    """

value_and_grad = _grad_factory(True)
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
            if self.bprop is None:
                raise MyiaTypeError(
                    f"custom_vjp function `{self.fn.__name__}` has no rule yet: decorate its "
                    f"backpropagator with @{self.fn.__name__}.defvjp"
                )
            g = clone(parse(self.fn))
            g.flags["custom_bprop"] = self.bprop
            self._graph = g
        return self._graph

    def __call__(self, *args):
        return self.fn(*args)


def _compiled_of(fn: Any) -> Compiled:
    return fn if isinstance(fn, Compiled) else JitFunction(fn)


def ir(fn: Callable, *args: Any, stage: str = "parsed") -> Graph:
    """The graph of `fn` at a stage of the pipeline: "parsed", "grad" or "optimized".

    "grad" is the adjoint program (the J transform of `fn`) before optimization;
    "optimized" is what the backend compiles for `args` (for a `myia.grad` function, the
    optimized gradient).

    Example:
        >>> import myia
        >>> def f(x):
        ...     return x * x
        >>> print(myia.ir(f))                              # doctest: +SKIP
        >>> print(myia.ir(myia.grad(f), 3.0, stage="optimized"))   # doctest: +SKIP
    """
    if stage == "parsed":
        return _graph_of(fn)
    if stage == "grad":
        return j_graph(_graph_of(fn))
    if stage == "optimized":
        if args:
            return _compiled_of(fn).optimized(tuple(args))
        return optimize_graph(_graph_of(fn))
    raise ValueError(f"unknown stage {stage!r}; expected 'parsed', 'grad' or 'optimized'")


def source(fn: Callable, *args: Any) -> str:
    """The generated Python/NumPy module that runs `fn` on arguments like `args`.

    `fn` may be a `jit`, `grad` or `value_and_grad` function, or a plain function (compiled
    as with `jit`).

    Example:
        >>> import myia
        >>> def f(x):
        ...     return x * x
        >>> print(myia.source(myia.grad(f), 3.0))         # doctest: +SKIP
    """
    c = _compiled_of(fn)
    if c.backend != "numpy":
        c = (
            JitFunction(c.fn)
            if isinstance(c, JitFunction)
            else GradFunction(c.fn, c.argnums, c.has_aux, c.with_value)
        )
    compiled = c.compiled(tuple(args))
    return SourceView(compiled.source)
