"""The public API: `jit`, `grad`, `value_and_grad`, `custom_vjp`, `ir`, `source`, and the
compile cache.

This is the only module that knows the whole pipeline. A compiled function keeps one
compiled program per argument signature (types, dtypes, shapes, container structure, the
values of bools and strings, and those of the small ints that steer a recursion); a call
with a signature seen before runs the compiled program directly. Compiling runs each stage
once per order of differentiation: parse, specialize (with the gradients taken inside
expanded), reverse mode, optimize, generate code.
"""

from __future__ import annotations

import functools
import gc
import inspect
import math
import types
import weakref
from collections.abc import Callable
from typing import Any

from myia.ad.macro import make_grad_macro
from myia.backend.compiled import call_program, compile_graph
from myia.binding import bind, spread, vararg_position
from myia.boundary import at_boundary
from myia.direct import DirectFunction, direct_argnums, is_numpy_function
from myia.errors import Location, MyiaError, MyiaNestingError, MyiaTypeError
from myia.infer.steering import steering_params
from myia.ir.clone import clone
from myia.ir.nodes import Graph
from myia.ir.printer import SourceView
from myia.keys import call_key, quick_key
from myia.parser import COMPILE_LOCK, parse
from myia.parser import clear_cache as clear_parse_cache
from myia.parser.source import give_source
from myia.pipeline import (
    gradient_of,
    graph_of,
    primal_program,
    signature_types,
    tangent_program,
    transform_graph,
    typed_program,
)
from myia.prim.structures import Unbound
from myia.tracebacks import internal, shortened, walk

BACKENDS = ("numpy", "torch", "vm")
DEFAULTS = {"backend": "numpy", "optimize": True}


class Interpreted:
    """A typed program run by the reference evaluator (`backend="vm"`)."""

    def __init__(self, graph: Graph):
        from myia.backend.vm import default_vm

        vm = default_vm()
        self.graph = graph
        self.fn = lambda *args: vm.call(graph, args)

    def recover(self, exc: Exception, args: tuple):
        """Errors of the evaluator name the user's line already."""
        raise exc


class Cache(dict):
    """The compiled programs of one function and options, by signature. `guard` checks
    that what they read of the program (globals, closure cells, defaults) is unchanged
    (None: nothing to check; see `parser/deps.py`); `pinned` holds the positions of the
    steering ints (None until known); `quick` builds the key of a call on plain numbers
    (`keys.quick_key`, for the number of arguments of the last program compiled)."""

    __slots__ = ("guard", "pinned", "quick", "__weakref__")

    def __init__(self):
        super().__init__()
        self.reset()

    def reset(self) -> None:
        """Forget every compiled program."""
        self.clear()
        self.guard = None
        self.pinned: tuple[int, ...] | None = None
        self.quick: Callable[[tuple], tuple | None] | None = None


# Caches by function, held weakly: a cache lives as long as its function, and holds it
# weakly (functions that cannot be weakly referenced, primitives, are kept).
_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT: dict = {}
_ALL: weakref.WeakValueDictionary[int, Cache] = weakref.WeakValueDictionary()
# Other caches `clear_caches` empties (`transforms.reused_tangent_function`'s).
_CLEARED: list[weakref.WeakKeyDictionary] = []


def _cache_for(fn, options: tuple) -> Cache:
    try:
        try:
            by_options = _CACHES.setdefault(fn, {})
        except TypeError:  # not weakly referenceable
            by_options = _KEPT.setdefault(fn, {})
    except TypeError:  # an unhashable function object
        by_options = {}
    cache = by_options.get(options)
    if cache is None:
        cache = by_options[options] = Cache()
        _ALL[id(cache)] = cache
    return cache


def clear_caches() -> None:
    """Drop every compiled program and parsed graph: the next call of each compiled
    function compiles it again.

    Example:
        >>> import myia
        >>> myia.clear_caches()
    """
    with COMPILE_LOCK:
        for cache in list(_ALL.values()):
            cache.reset()
        for objects in _CLEARED:
            objects.clear()
        clear_parse_cache()


def cleared_cache() -> weakref.WeakKeyDictionary:
    """A new cache by function (held weakly) that `clear_caches` empties."""
    objects: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    _CLEARED.append(objects)
    return objects


def _drop_compiled() -> None:
    """Forget every compiled program (the parsed graphs stay)."""
    with COMPILE_LOCK:
        for cache in list(_ALL.values()):
            cache.reset()


class Compiled:
    """What a compiled function shares: its backend, options and cache (shared by every
    compiled function of the same function and options, so that `myia.grad(f)` written
    inside a training loop compiles once).

    Calls are thread-safe: compiling takes `COMPILE_LOCK` (one compile at a time, the
    others wait and then find the program in the cache); a call of compiled code takes no
    lock.

    A transform that `spreads` (a gradient, a Jacobian, a vjp) of a function with a
    `*args` parameter takes the positional arguments as the call passes them, one
    parameter each (`binding.spread`), as JAX numbers them for `argnums`."""

    spreads = False

    def __init__(self, key: tuple, fn, backend: str | None, optimize: bool | None, device=None):
        backend = backend or DEFAULTS["backend"]
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
        # A bound method `model.loss` is `Model.loss` with `model` as its first argument
        # (argument 0 for argnums), read at each call.
        self.bound = getattr(fn, "bound", None) if isinstance(fn, Compiled) else None
        if isinstance(fn, types.MethodType):
            self.bound, fn = fn, fn.__func__
            key = (key[0], fn, *key[2:])
        if device is not None and backend != "torch":
            raise ValueError(f"device={device!r} is an option of backend='torch' only")
        self.fn = fn
        self.backend = backend
        self.device = None if device is None else str(device)
        self.optimize = DEFAULTS["optimize"] if optimize is None else optimize
        self._argc, self._argmax = self.arity()
        self.spread_at = vararg_position(_plain(fn)) if self.spreads else None
        options = (key[0], *key[2:], backend, self.optimize, self.device)
        self.cache: Cache = _cache_for(key[1], options)
        self.compilations = 0

    def arity(self) -> tuple[float, float]:
        """The least and the most numbers of positional arguments a call may have without
        being bound by `bind` (keywords, defaults, wrong calls)."""
        return _arity(self.fn)

    def pinned(self) -> tuple[int, ...]:
        """The positions of the int arguments whose values the compiled code is
        specialized on (those that steer a recursion)."""
        cache = self.cache
        pinned = cache.pinned
        if pinned is None:
            with COMPILE_LOCK:
                graph = graph_of(self.plain())
                pinned = steering_params(graph) if self.optimize else ()
                if self.spread_at is not None:  # (the positions before `*args` stay)
                    pinned = tuple(i for i in pinned if i < self.spread_at)
                cache.pinned = pinned
        return pinned

    def plain(self):
        """The Python function (or primitive) this compiles, under its gradients."""
        inner = self.fn
        while isinstance(inner, GradFunction):
            inner = inner.fn
        return _plain(inner)

    def key(self, args: tuple) -> tuple:
        """The key of the program for a call on `args` in the cache (`keys.call_key`)."""
        return call_key(args, self.pinned())

    def program(self, args: tuple) -> Graph:
        raise NotImplementedError

    def output_type(self, graph: Graph):
        """The type the program's result leaves as (records as objects of their class)."""
        return graph.output.abstract

    def compiled(self, args: tuple, device: str | None = None):
        """The compiled program for `args` (for torch code: on `device`), compiled now if
        the cache has none (or what the cached ones read of the program changed)."""
        with COMPILE_LOCK:
            cache = self.cache
            if cache.guard is not None and not cache.guard():
                cache.reset()
            key = self.key(args) if device is None else (self.key(args), device)
            fn = cache.get(key)
            if fn is None:
                self.compilations += 1
                collecting = gc.isenabled()
                gc.disable()  # compiling makes millions of objects: cyclic collections made it
                try:  # grow faster than the program (2.7x for twice the statements, now 2x)
                    fn = self.build(self.program(args), signature_types(args), device)
                except RecursionError as e:
                    raise _too_deep(_plain(self.fn), e) from None
                finally:
                    if collecting:
                        gc.enable()
                deps = graph_of(self.plain()).flags.get("deps")
                cache.guard = deps.check() if deps is not None else None
                cache[key] = fn
                cache.quick = quick_key(len(args), self.pinned())
            return fn

    def build(self, program: Graph, arg_types: tuple, device: str | None = None):
        """The runnable form of a program this made, for arguments of `arg_types`: compiled
        code (for backend="torch": torch code on `device`), or the evaluator's; records
        cross it as objects of their classes."""
        if self.backend == "vm":
            fn = Interpreted(program)
        elif self.backend == "torch":
            from myia.backend.pytorch.calls import TorchFunction
            from myia.backend.pytorch.target import torch_target

            fn = TorchFunction(compile_graph(program, target=torch_target(device)), device)
        else:
            fn = compile_graph(program)
        return at_boundary(fn, arg_types, self.output_type(program))

    def call_args(self, args: tuple, kwargs: dict) -> tuple:
        """The arguments of a call `self(*args, **kwargs)` as the program takes them: a
        bound method's object first, keywords and defaults bound, and for a transform
        that `spreads`, the items of `*args` as positional arguments."""
        if self.bound is not None:
            args = (self.bound.__self__, *args)
        if kwargs or not self._argc <= len(args) <= self._argmax:
            args = self.bind(args, kwargs)
            if self.spread_at is not None:
                args = spread(args, self.spread_at)
        return args

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True  # noqa: F841  (pytest: the errors are the user's)
        if kwargs or self.bound is not None or not self._argc <= len(args) <= self._argmax:
            args = self.call_args(args, kwargs)
        cache = self.cache
        guard = cache.guard  # read first: a program found after it is no older than it
        try:
            if self.backend == "torch":
                return self.call_torch(args)
            quick = cache.quick  # (the first call parses in `key`: it may refuse)
            fn = cache.get((quick(args) if quick is not None else None) or self.key(args))
            if fn is None or guard is not None and not guard():
                fn = self.compiled(args)
            return run(fn, args)
        except MyiaError as e:  # a refusal: where in the user's code, not in myia's
            raise shortened(e)  # noqa: B904  (the same exception, its traceback shortened)
        except Exception as e:  # raised by compiled code (a bug of myia's stays whole)
            if not any(not internal(tb) for tb in walk(e.__traceback__)):
                raise
            raise shortened(e)  # noqa: B904

    def call_torch(self, args: tuple):
        """A call on backend="torch": compiled for what the tensors' dtypes and shapes
        are, on the device (`calls.placement`)."""
        from myia.backend.pytorch.calls import placement

        typed, device = placement(args, self.device)
        cache = self.cache
        guard = cache.guard
        fn = cache.get((self.key(typed), device))
        if fn is None or guard is not None and not guard():
            fn = self.compiled(typed, device)
        return run(fn, args)

    def bind(self, args: tuple, kwargs: dict) -> tuple:
        """Keyword and default arguments as positional ones, in the order of the Python
        signature; a wrong call raises Python's `TypeError` for the user's function, before
        anything is compiled."""
        return bind(_plain(self.fn), args, kwargs)


def run(fn, args: tuple):
    """The result of the runnable program `fn` (see `Compiled.build`) on `args`: its
    errors name the user's line; a variable read before it is bound raises here.

    Example:
        >>> run(compiled_program, (1.0,))              # doctest: +SKIP
    """
    result = call_program(fn, args)
    if isinstance(result, Unbound):
        result._fail()
    return result


def _plain(fn):
    """The Python function (or primitive) a compiled function compiles."""
    while isinstance(fn, Compiled):
        fn = fn.fn
    return getattr(fn, "fn", fn) if isinstance(fn, custom_vjp) else fn


def _too_deep(fn, e: RecursionError) -> MyiaNestingError:
    """The refusal of a function whose program nests deeper than the compiler goes."""
    code = getattr(fn, "__code__", None)
    loc = Location(code.co_filename, code.co_firstlineno) if code is not None else None
    why = e.message if isinstance(e, MyiaError) else "Python's recursion limit was reached"
    return MyiaNestingError(
        f"`{getattr(fn, '__qualname__', fn)}` nests too deeply to compile ({why}); a chain of "
        "hundreds of `elif`s, some returning and some not, nests that deep: split it into helper "
        "functions, make every branch return (or none), or select "
        "with a table (a tuple or an array indexed by the value)",
        loc,
    )


def _arity(fn) -> tuple[int, float]:
    """The least and the most numbers of positional arguments a call binds without
    keywords or defaults (those outside are bound by `bind`)."""
    code = getattr(_plain(fn), "__code__", None)
    if code is None:
        return 0, math.inf
    if code.co_kwonlyargcount or code.co_flags & inspect.CO_VARARGS:
        return 1, 0  # an empty range: every call is bound (`*args` packed into its tuple)
    return code.co_argcount, code.co_argcount


class JitFunction(Compiled):
    """A compiled function: call it like the original.

    Example:
        >>> import myia
        >>> @myia.jit
        ... def f(x, y):
        ...     return x * y + 1.0
        >>> f(2.0, 3.0)
        7.0
    """

    def __init__(
        self, fn: Callable, backend: str | None = None, optimize: bool | None = None, device=None
    ):
        super().__init__(("jit", fn), fn, backend, optimize, device)
        functools.update_wrapper(self, fn, updated=())

    def __myia_node__(self, lowerer, region, loc):
        """This function as a value of compiled code (its graph)."""
        from myia.ir.nodes import Constant

        if isinstance(self.fn, Compiled):
            return self.fn.__myia_node__(lowerer, region, loc)
        return Constant(graph_of(_plain(self.fn)), loc)

    def program(self, args: tuple) -> Graph:
        return typed_program(self.fn, args, self.pinned(), self.optimize)


def given_source(fn, source: str | None) -> None:
    """Record `source` as the text of `fn` (and of the helpers it defines), for a function
    whose source Python did not keep (`source=` of `jit`, `grad`, `jvp`, ...)."""
    if source is not None:
        give_source(getattr(fn, "__func__", fn), source)


def jit(
    fn: Callable | None = None,
    *,
    backend: str | None = None,
    optimize: bool | None = None,
    device=None,
    source: str | None = None,
):
    """Compile `fn` (a function of the supported subset); use as `jit(f)` or `@jit`.

    `backend` is "numpy" (generated Python/NumPy code, the default), "torch" (generated
    PyTorch code, on `device`: "cpu" or "cuda", by default where the tensor arguments are)
    or "vm" (the reference evaluator); `optimize=False` skips the optimizer. `source` is
    the text of `fn`'s definition (and of the helpers it calls), for a function typed at a
    plain REPL, run by `python -c` or exec'd from a string, whose source Python did not
    keep. `jit` of a function myia compiles already (`myia.grad(f)`, `myia.vmap(f)`) is
    that function.

    Example:
        >>> import numpy as np, myia
        >>> f = myia.jit(lambda x: np.sum(x * x))
        >>> f(np.ones(3))
        np.float64(3.0)
    """
    if fn is None:
        return lambda f: jit(f, backend=backend, optimize=optimize, device=device, source=source)
    if (isinstance(fn, Compiled) and not isinstance(fn, JitFunction)) or getattr(
        fn, "__myia_compiled__", False
    ):
        # A gradient, a vmap, a Jacobian...: compiled already (its own program, not its
        # function's).
        if backend is None and optimize is None and device is None and source is None:
            return fn
        raise ValueError(
            f"myia.jit of {type(fn).__name__} (a function myia compiles already) takes no "
            "options: give backend=, optimize=, device= or source= to the transform itself "
            "(myia.grad(f, backend='torch'))"
        )
    given_source(fn, source)
    if is_numpy_function(fn):
        return DirectFunction(
            fn,
            lambda spec, where: JitFunction(spec, backend, optimize, device),
            JitFunction(fn, backend, device=device),
        )
    return JitFunction(fn, backend, optimize, device)


class GradFunction(Compiled):
    """The gradient (or value and gradient) of a function, compiled per signature. It may
    be differentiated again (`myia.grad(myia.grad(f))`) and called from compiled code.

    Example:
        >>> import myia
        >>> def sq(x):
        ...     return x * x
        >>> myia.grad(sq)(3.0)
        6.0
    """

    spreads = True

    def __init__(self, fn, argnums, has_aux, with_value, backend=None, optimize=None, device=None):
        nums = argnums if isinstance(argnums, int) else tuple(argnums)
        key = ("grad", fn, nums, has_aux, with_value)
        super().__init__(key, fn, backend, optimize, device)
        self.argnums = argnums
        self.has_aux = has_aux
        self.with_value = with_value
        functools.update_wrapper(self, _plain(fn), updated=())

    def typed_gradient(self, args: tuple) -> Graph:
        """The typed program of this gradient for arguments like `args` (optimized)."""
        return self.program(args, optimize=True)

    def program(self, args: tuple, optimize: bool | None = None) -> Graph:
        return gradient_of(
            self.fn,
            args,
            self.argnums,
            self.has_aux,
            self.with_value,
            self.pinned(),
            self.optimize if optimize is None else optimize,
            spread=self.spread_at is not None,
        )

    def __myia_graph__(self) -> Graph:
        """This gradient as a graph of its own (passed as an argument to compiled code,
        or compiled by `myia.jit`): `grad_of(f, spec)` called on its parameters."""
        return transform_graph(self, _plain(self.fn), (self.argnums, self.has_aux, self.with_value))

    def __myia_node__(self, lowerer, region, loc):
        """This gradient as a value of compiled code: `grad_of(f, spec)`."""
        from myia.ir.nodes import Constant

        if isinstance(self.fn, Compiled):
            fn = self.fn.__myia_node__(lowerer, region, loc)
        else:
            fn = Constant(graph_of(self.fn), loc)
        spec = (self.argnums, self.has_aux, self.with_value)
        return lowerer.prim(region, "grad_of", [fn, Constant(spec, loc)], loc)


def _grad_factory(with_value: bool):
    def transform(
        fn=None,
        *,
        argnums=0,
        has_aux=False,
        backend=None,
        optimize=None,
        device=None,
        source=None,
    ):
        if fn is None:
            return lambda f: transform(
                f,
                argnums=argnums,
                has_aux=has_aux,
                backend=backend,
                optimize=optimize,
                device=device,
                source=source,
            )
        given_source(fn, source)
        if isinstance(fn, DirectFunction) or is_numpy_function(fn):
            inner = fn.make if isinstance(fn, DirectFunction) else lambda spec, where: spec
            fallback = fn.fallback if isinstance(fn, DirectFunction) else fn
            return DirectFunction(
                fn.fn if isinstance(fn, DirectFunction) else fn,
                lambda spec, where: GradFunction(
                    inner(spec, where),
                    direct_argnums(fn, argnums, where),
                    has_aux,
                    with_value,
                    backend,
                    optimize,
                    device,
                ),
                GradFunction(fallback, argnums, has_aux, with_value, backend, optimize, device),
            )
        return GradFunction(fn, argnums, has_aux, with_value, backend, optimize, device)

    transform.__myia_macro__ = make_grad_macro(with_value)
    return transform


grad = _grad_factory(False)
grad.__name__ = grad.__qualname__ = "grad"
grad.__doc__ = """The gradient of `fn` with respect to the arguments `argnums`.

    `grad(fn, argnums=0, has_aux=False)`, or `@grad` / `@grad(argnums=...)` as a decorator.
    For a bound method `model.loss`, argument 0 is `model` (`self`): the default
    gradient is that of the model, an object of its class. `source=TEXT` gives the source
    of a function Python kept none of (see `jit`).
    `argnums` counts the arguments as the call passes them, as JAX does (for `def f(x,
    *rest)`, `argnums=2` is the second argument given to `rest`).
    `fn` must return a float scalar (with `has_aux=True`: a pair `(scalar, aux)`, and the
    result is `(gradient, aux)`). The gradient has the structure, shape and dtype of the
    argument; with a tuple `argnums`, a tuple of gradients. `grad` may also be called inside
    compiled code, and nests (grad of grad).

    Example:
        >>> import numpy as np, myia
        >>> myia.grad(np.sin)(0.0)         # a float for a float
        1.0
        >>> myia.grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)
        (3.0, 2.0)
    """

value_and_grad = _grad_factory(True)
value_and_grad.__name__ = value_and_grad.__qualname__ = "value_and_grad"
value_and_grad.__doc__ = """Like `grad`, but returns `(value, gradient)`.

    With `has_aux=True`, returns `((value, aux), gradient)`.

    Example:
        >>> import myia
        >>> myia.value_and_grad(lambda x: x ** 3)(2.0)
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
        """Register the backpropagator `bprop(*inputs, out, dout) -> tuple`.

        A second rule replaces the first: the graphs that call this function read the rule
        when they are specialized, and the programs compiled with the old one are dropped.
        """
        replaced = self.bprop is not None and self.bprop is not bprop
        self.bprop = bprop
        if self._graph is not None:
            self._graph.flags["custom_bprop"] = bprop
        if replaced:
            _drop_compiled()
        return bprop

    def __myia_graph__(self) -> Graph:
        if self._graph is None or not self._graph.flags["deps"].valid():
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


def ir(fn: Callable, *args: Any, stage: str = "parsed", show_rules: bool = False) -> Graph:
    """The graph of `fn` at a stage of the pipeline: "parsed", "typed", "grad", "jvp" or
    "optimized".

    "typed" is the program specialized for `args`; "grad" the gradient program (the
    reverse transform of the typed program, with respect to the first argument unless `fn`
    is a `myia.grad` function) before optimization; "jvp" the forward-mode program of
    `myia.jvp(fn, args, tangents)` (tangents like `args`) before optimization; "optimized"
    is what the backend compiles for `args`. The stages after parsing are made for the
    types of `args`: without them, every argument is taken to be a float.

    The views of the graph (`print(g)`, its notebook HTML and picture, `g.to_svg()`) show
    the user's graphs: myia's own rule graphs (the graph calling a primitive used as a
    value, its backpropagator, its tangent rule) are written as one named call
    (`bprop[tanh]`), not their bodies. `show_rules=True` gives a copy of the graph whose
    views show them too.

    Example:
        >>> import myia
        >>> def f(x):
        ...     return x * x
        >>> print(myia.ir(f))
        graph @f(x) {...
        >>> print(myia.ir(f, stage="grad"))
        graph @grad:f(x) {...
    """
    try:
        with COMPILE_LOCK:
            graph = _ir(fn, args, stage)
            if show_rules:
                graph = clone(graph, total=True)
                graph.flags["show_rules"] = True
            return graph
    except MyiaError as e:  # a refusal: where in the user's code, not in myia's
        raise shortened(e)  # noqa: B904  (the same exception, its traceback shortened)


_STAGES = ("parsed", "typed", "grad", "jvp", "optimized")


def _ir(fn, args: tuple, stage: str) -> Graph:
    if stage not in _STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(_STAGES)}")
    if stage == "parsed":
        return graph_of(_plain(fn))
    c = _compiled_of(fn)
    if not args:
        try:
            return _ir(fn, (1.0,) * len(graph_of(_plain(fn)).parameters), stage)
        except MyiaError as e:
            raise type(e)(
                f"{e.message}\n(myia.ir(f, stage={stage!r}) makes the program for the types of "
                "example arguments; without them each is taken to be a float: pass example "
                f"arguments, myia.ir(f, *args, stage={stage!r}))",
                e.loc,
            ) from None
    primal = _plain(c.fn) if isinstance(c, JitFunction) else c
    if stage == "typed":  # (of the positional arguments as passed, as "grad" and "jvp")
        return primal_program(_plain(primal), args, c.pinned(), spread=True)
    if stage == "jvp":
        return tangent_program(primal, args, args, c.pinned(), False, spread=True)
    if stage == "grad":
        if not isinstance(c, GradFunction):
            c = GradFunction(_plain(fn), 0, False, False)
        return c.program(tuple(args), optimize=False)
    return c.program(c.call_args(tuple(args), {}))


def source(fn: Callable, *args: Any, backend: str | None = None) -> str:
    """The generated Python/NumPy module that runs `fn` on arguments like `args`
    (`backend="torch"`: the PyTorch module; by default that of `fn`'s backend).

    `fn` may be a `jit`, `grad` or `value_and_grad` function, or a plain function (compiled
    as with `jit`).

    Example:
        >>> import myia
        >>> def f(x):
        ...     return x * x
        >>> print(myia.source(myia.grad(f), 3.0))
        def grad_f(x):...
    """
    try:
        with COMPILE_LOCK:
            c = _compiled_of(fn)
            backend = backend or ("torch" if c.backend == "torch" else "numpy")
            if backend == "torch":
                from myia.backend.pytorch.calls import placement
                from myia.backend.pytorch.target import torch_target

                args, device = placement(c.call_args(tuple(args), {}), c.device)
                target = torch_target(device)
                return SourceView(compile_graph(c.program(args), target=target).source)
            if backend != "numpy":
                raise ValueError("myia.source shows generated code: backend 'numpy' or 'torch'")
            return SourceView(compile_graph(c.program(c.call_args(tuple(args), {}))).source)
    except MyiaError as e:
        raise shortened(e)  # noqa: B904  (the same exception, its traceback shortened)
