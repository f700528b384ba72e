"""The primitive registry: one `Primitive` entry per primitive operation.

An entry holds everything the pipeline needs to know about one primitive: its name, its
Python/NumPy implementation (whose signature fixes the argument order and defaults), the
Python objects that map to it when user code names them (`np.sin`, `math.sin`, ...), and
its backpropagator, written in the supported Python subset and parsed like user code so it
can be differentiated again. Later stages add their own rules to the same entry.

Example:
    >>> import numpy as np
    >>> @primitive("np.square", py=[np.square])
    ... def np_square(x):
    ...     return np.square(x)
    >>> @np_square.defbprop
    ... def bprop_np_square(x, out, dout):
    ...     return (sum_to(2.0 * x * dout, x),)   # doctest: +SKIP
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

PRIMITIVES: dict[str, Primitive] = {}
_BY_PYTHON_ID: dict[int, tuple[Any, Primitive]] = {}


class Primitive:
    """A primitive operation: a name, an implementation and its per-stage rules.

    Calling a `Primitive` calls its implementation, so backpropagators written in the
    subset are also ordinary, directly runnable Python.
    """

    def __init__(self, name: str, impl: Callable, *, nondiff: bool = False):
        self.name = name
        self.impl = impl
        self.signature = inspect.signature(impl)
        self.nargs = len(self.signature.parameters)
        self.nondiff = nondiff
        self.bprop: Callable | None = None
        self.rules: dict[str, Any] = {}
        self.__doc__ = impl.__doc__
        self.__wrapped__ = impl

    def __call__(self, *args):
        return self.impl(*args)

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self):
        return (lookup, (self.name,))

    def defbprop(self, fn: Callable) -> Callable:
        """Register `fn(*inputs, out, dout) -> tuple of input sensitivities`."""
        self.bprop = fn
        return fn

    def bind(self, args: list, kwargs: dict, missing: Callable[[str], Any]) -> list:
        """Normalize positional and keyword arguments into the positional order.

        `missing(name)` supplies a default for an unfilled parameter (the caller turns it
        into a constant node). Raises `TypeError` as Python would on a bad call.
        """
        bound = self.signature.bind(*args, **kwargs)
        out = []
        for name, param in self.signature.parameters.items():
            if name in bound.arguments:
                out.append(bound.arguments[name])
            else:
                out.append(missing(name, param.default))
        return out


def primitive(
    name: str, *, py: Iterable[Any] = (), nondiff: bool = False
) -> Callable[[Callable], Primitive]:
    """Decorator registering `impl` as the primitive `name`.

    `py` lists the Python objects (functions, ufuncs) that user code may call to reach it.
    `nondiff=True` declares that the result carries no sensitivity (comparisons, shapes,
    integer results): its backpropagator returns zero for every input.
    """

    def register(impl: Callable) -> Primitive:
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} registered twice")
        prim = Primitive(name, impl, nondiff=nondiff)
        PRIMITIVES[name] = prim
        for obj in py:
            _BY_PYTHON_ID[id(obj)] = (obj, prim)
        return prim

    return register


def lookup(name: str) -> Primitive:
    """The primitive registered as `name`."""
    return PRIMITIVES[name]


def primitive_for(obj: Any) -> Primitive | None:
    """The primitive a Python object (such as `np.sin` or `len`) stands for, if any."""
    if isinstance(obj, Primitive):
        return obj
    hit = _BY_PYTHON_ID.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    return None


def python_object_of(value: Any) -> Any:
    """The Python type a primitive stands for (`float` for the primitive of `float`), so
    that a type passed as a value (a dtype) stays a type; other values unchanged."""
    if isinstance(value, Primitive):
        for obj, prim in _BY_PYTHON_ID.values():
            if prim is value and isinstance(obj, type):
                return obj
    return value
