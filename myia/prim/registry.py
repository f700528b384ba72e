"""The primitive registry: one `Primitive` entry per operation, with every rule of it.

An entry holds what each stage needs to know about one operation, side by side:

- `impl`: the Python/NumPy implementation (the reference evaluator runs it, constant
  folding calls it; its signature fixes the argument order and defaults);
- `infer(args) -> abstract value`: the shape and dtype rule, on abstract values;
- `canon(b, args)`: optional, the canonical form of an application for its argument types
  (`np.dot` of two matrices is `matmul`), built with the typed builder `b`;
- `vjp(r)`: the backpropagator, chosen from the input types: it returns the sensitivity
  contribution of each input (None for none), built from differentiable primitives;
- `jvp(r)`: the tangent rule of forward mode: the tangent of the output from those of the
  inputs (None for none; see `myia.prim.jvp` for the shared forms);
- `batch(r)`: the batching rule of `myia.vmap`: the application on inputs with a leading
  batch axis (the rules are in `myia.batching`);
- `emit(e, args)`: the NumPy source of an application (an `ast` expression);
  `emitters[backend]`: the same for another backend (`"torch"`: `myia.backend.pytorch`);
- `simplify(nodes)`: optional, a node an application to `nodes` is already equal to;
- flags the optimizer and the backend read: `nondiff` (no input has a sensitivity),
  `elementwise`, `fresh` (the result is newly allocated memory), `effect` (never folded,
  merged or moved), `commutative`, `selects` (its tangent rule passes on one input's
  tangent and drops another's where reverse mode multiplies that input's derivative by a
  zero cotangent, NaN for an inf one: `np.where`, as in JAX; `ad.gradient` keeps the
  gradients through it in reverse mode);
- `total(args) -> bool`: whether an application to inputs of those abstract values cannot
  raise (the optimizer drops an unused statement only then); by default none is, the
  total ones are declared in `myia.prim.raising`.

Python objects that user code names (`np.sin`, `math.sin`, `operator.add`) map to entries
with `py=[...]`. Rules are registered right after the implementation they describe.

Example:
    >>> REGISTRY.lookup("add").name
    'add'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any


class Primitive:
    """An operation: its name, implementation and per-stage rules (see the module).
    Calling it calls its implementation."""

    def __init__(self, name: str, impl: Callable, **flags):
        self.name = name
        self.impl = impl
        self.signature = inspect.signature(impl)
        self.nondiff = flags.pop("nondiff", False)
        self.__doc__ = impl.__doc__
        self.__wrapped__ = impl
        self.infer: Callable | None = None
        self.canon: Callable | None = None
        self.vjp: Callable | None = None
        self.jvp: Callable | None = None
        self.batch: Callable | None = None
        self.batch_spec: Callable | None = None
        self.emit: Callable | None = None
        self.emitters: dict[str, Any] = {}
        self.simplify: Callable | None = None
        self.total: Callable | None = None
        self.elementwise = flags.pop("elementwise", False)
        self.fresh = flags.pop("fresh", False)
        self.effect = flags.pop("effect", False)
        self.commutative = flags.pop("commutative", False)
        self.selects = flags.pop("selects", False)
        self.foldable = flags.pop("foldable", True)
        if flags:
            raise TypeError(f"unknown flags {sorted(flags)} for primitive {name}")

    def __call__(self, *args):
        return self.impl(*args)

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self):
        return (REGISTRY.lookup, (self.name,))

    def bind(self, args: list, kwargs: dict, missing: Callable[[str, Any], Any]) -> list:
        """Positional and keyword arguments in the positional order; `missing(name,
        default)` supplies an unfilled parameter. Raises `TypeError` as Python would."""
        bound = self.signature.bind(*args, **kwargs)
        return [
            bound.arguments[name] if name in bound.arguments else missing(name, param.default)
            for name, param in self.signature.parameters.items()
        ]

    # Rule registration: decorators that return the rule itself.
    def definfer(self, fn: Callable) -> Callable:
        self.infer = fn
        return fn

    def defcanon(self, fn: Callable) -> Callable:
        self.canon = fn
        return fn

    def defvjp(self, fn: Callable) -> Callable:
        self.vjp = fn
        return fn

    def defjvp(self, fn: Callable) -> Callable:
        """`fn(rule) -> tangent node or None`: the tangent of an application from those of
        its inputs (`myia.ad.forward.JvpRule`)."""
        self.jvp = fn
        return fn

    def defbatch(self, fn: Callable, spec: Callable | None = None) -> Callable:
        """`fn(rule) -> node`: the application on batched inputs (a leading batch axis,
        `myia.batching.transform.BatchRule`); `spec(specs, node)`, for the primitives of
        structures, says which parts of the output are batched (default: all of it when
        any input is)."""
        self.batch = fn
        self.batch_spec = spec
        return fn

    def defemit(self, fn: Callable, backend: str = "numpy") -> Callable:
        """Register `fn` as the emitter of the source of an application for `backend`."""
        if backend == "numpy":
            self.emit = fn
        else:
            self.emitters[backend] = fn
        return fn

    def deftotal(self, fn: Callable) -> Callable:
        """`fn(args) -> bool`: true when no input of the abstract values `args` makes an
        application raise (`myia.prim.raising`)."""
        self.total = fn
        return fn

    def may_raise(self, args: list) -> bool:
        """Whether an application to inputs of the abstract values `args` may raise.

        Example:
            >>> from myia.infer.abstract import AScalar
            >>> REGISTRY.lookup("add").may_raise([AScalar(float), AScalar(float)])
            False
        """
        return self.total is None or not self.total(args)

    def defsimplify(self, fn: Callable) -> Callable:
        """`fn(nodes) -> node or None`: an application of `prim` to `nodes` that is
        another node already (`getitem(make_tuple(a, b), 0)` is `a`), for builders."""
        self.simplify = fn
        return fn


class Registry:
    """Primitives by name, and the Python objects that stand for them."""

    def __init__(self):
        self.loaded = False
        self.by_name: dict[str, Primitive] = {}
        self._by_id: dict[int, tuple[Any, Primitive, dict]] = {}
        self._bound: dict[tuple[int, str], tuple[Any, Primitive]] = {}
        self.methods: dict[str, tuple[Primitive, dict]] = {}

    def primitive(
        self, name: str, *, py: Iterable[Any] = (), **flags
    ) -> Callable[[Callable], Primitive]:
        """Decorator registering `impl` as the primitive `name` (see `Primitive` flags)."""

        def register(impl: Callable) -> Primitive:
            if name in self.by_name:
                raise ValueError(f"primitive {name!r} registered twice")
            prim = Primitive(name, impl, **flags)
            self.by_name[name] = prim
            for obj in py:
                self.alias(obj, prim)
            return prim

        return register

    def alias(self, obj: Any, prim: Primitive, **fixed) -> None:
        """Make the Python object `obj` (a function, ufunc or type) stand for `prim`,
        called with the keyword arguments `fixed` besides the user's (`np.float64(x)` is
        `cast(x, to=np.float64)`)."""
        self._by_id[id(obj)] = (obj, prim, fixed)

    def alias_bound(self, instance: Any, name: str, prim: Primitive) -> None:
        """Make the bound method `instance.name` (a new object at each read, as
        `scipy.stats.norm.logpdf`) stand for `prim`."""
        self._bound[(id(instance), name)] = (instance, prim)

    def method(self, name: str, prim: Primitive, **fixed) -> None:
        """Make the array method `x.name(...)` stand for `prim(x, ...)`."""
        self.methods[name] = (prim, fixed)

    def method_for(self, name: str) -> tuple[Primitive, dict] | None:
        """(primitive, fixed keyword arguments) of the array method `x.name(...)`."""
        self.load()
        return self.methods.get(name)

    def load(self) -> None:
        """Register every family of primitives (once)."""
        if not self.loaded:
            self.loaded = True
            import myia.prim.catalog  # noqa: F401
            import myia.prim.raising  # noqa: F401  (reads the entries of every family)

    def lookup(self, name: str) -> Primitive:
        if name not in self.by_name:
            self.load()
        return self.by_name[name]

    def primitive_for(self, obj: Any) -> Primitive | None:
        """The primitive a Python object (`np.sin`, `len`) stands for, if any."""
        hit = self.binding_for(obj)
        return None if hit is None else hit[0]

    def binding_for(self, obj: Any) -> tuple[Primitive, dict] | None:
        """(primitive, fixed keyword arguments) a Python object stands for, if any."""
        if isinstance(obj, Primitive):
            return obj, {}
        self.load()
        hit = self._by_id.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1], hit[2]
        if inspect.ismethod(obj):
            bound = self._bound.get((id(obj.__self__), obj.__func__.__name__))
            if bound is not None and bound[0] is obj.__self__:
                return bound[1], {}
        return None


REGISTRY = Registry()
primitive = REGISTRY.primitive
lookup = REGISTRY.lookup
primitive_for = REGISTRY.primitive_for
