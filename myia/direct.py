"""A NumPy function compiled itself: `myia.jit(np.sum)(x, axis=0, keepdims=True)`,
`myia.jit(np.einsum)("ij,jk->ik", a, b)`, `myia.grad(np.sum)(x, axis=1)`.

The call is bound as the parser binds a call of the same function in compiled code
(keywords, defaults, the operands of `np.einsum` packed into one tuple). The arguments
that hold no array and no float (axes, `keepdims`, subscripts, dtypes) are fixed in the
program, which is compiled once per set of their values; the others are its parameters.

Example:
    >>> import numpy as np, myia
    >>> myia.jit(np.sum)(np.ones((2, 3)), axis=0, keepdims=True)
    array([[2., 2., 2.]])
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

from myia.errors import MyiaTypeError
from myia.parser import primitive_graph
from myia.parser.expressions import pack_start
from myia.prim.registry import REGISTRY

_STATIC_LEAVES = (bool, int, str, type, np.dtype, type(None))


def is_numpy_function(fn: Any) -> bool:
    """Whether `fn` is a NumPy (or builtin) function that stands for a primitive.

    Example:
        >>> is_numpy_function(np.sum), is_numpy_function(lambda x: x)
        (True, False)
    """
    return not isinstance(fn, types.FunctionType) and REGISTRY.binding_for(fn) is not None


class Specialized:
    """The primitive `prim` with the arguments `static` fixed: a function of its other
    parameters, in the order of its signature (compiled like a Python function)."""

    def __init__(self, prim, static: dict):
        self.prim = prim
        self.static = tuple(static.items())
        self.__name__ = prim.name.split(".")[-1]

    def __eq__(self, other):
        return isinstance(other, Specialized) and (self.prim, self.static) == (
            other.prim,
            other.static,
        )

    def __hash__(self):
        return hash((self.prim.name, self.static))

    def __myia_graph__(self):
        return primitive_graph(self.prim, dict(self.static))


def _is_static(v) -> bool:
    if type(v) is tuple:
        return all(map(_is_static, v))
    return isinstance(v, _STATIC_LEAVES) and not isinstance(v, np.ndarray)


def bind_call(fn, args: tuple, kwargs: dict) -> tuple[Specialized, tuple, list]:
    """The program of a call of the NumPy function `fn` on `args` and `kwargs`, the values
    it takes, and for each positional argument its index among them (None where it is fixed
    or packed with others).

    Example:
        >>> spec, values, where = bind_call(np.sum, (np.ones(3),), {"axis": 0})
        >>> spec.static, where
        ((('axis', 0), ('dtype', None), ('keepdims', False)), [0])
    """
    prim, fixed = REGISTRY.binding_for(fn)
    name = getattr(fn, "__name__", prim.name)
    args = list(args)
    where: list[int | None] = list(range(len(args)))
    k = pack_start(prim.name, len(args))
    if k is not None:
        args = args[:k] + [tuple(args[k:])]
        where = where[:k] + [None] * (len(where) - k)
    try:
        bound = prim.bind(args, {**kwargs, **fixed}, lambda _, default: default)
    except TypeError as e:
        raise MyiaTypeError(f"bad call to `np.{name}`: {e}") from None
    static, values, index = {}, [], {}
    for i, (param, v) in enumerate(zip(prim.signature.parameters, bound)):
        if param in fixed or _is_static(v):
            static[param] = v
        else:
            index[i] = len(values)
            values.append(v)
    where = [None if w is None or w >= len(args) else index.get(w) for w in where]
    try:
        spec = Specialized(prim, static)
        hash(spec)
    except TypeError:
        raise MyiaTypeError(
            f"np.{name}: an argument that is neither an array nor a number and cannot be "
            "compiled as a constant; call it inside a compiled function instead"
        ) from None
    return spec, tuple(values), where


class DirectFunction:
    """`myia.jit` or `myia.grad` of a NumPy function: each call binds its arguments
    (`bind_call`) and runs the compiled program of the fixed ones; `fallback` is the
    compiled function of the primitive itself, for a use inside compiled code."""

    def __init__(self, fn, make: Callable, fallback):
        self.fn = fn
        self.make = make
        self.fallback = fallback
        self.programs: dict = {}
        self.__name__ = getattr(fn, "__name__", "function")

    def __call__(self, *args, **kwargs):
        spec, values, where = bind_call(self.fn, args, kwargs)
        key = (spec, tuple(where))
        compiled = self.programs.get(key)
        if compiled is None:
            compiled = self.programs[key] = self.make(spec, where)
        return compiled(*values)

    def __myia_node__(self, lowerer, region, loc):
        """This function as a value of compiled code."""
        return self.fallback.__myia_node__(lowerer, region, loc)


def direct_argnums(fn, argnums, where: list):
    """The parameters of a direct call's program that the positional arguments `argnums`
    of the user's call are (`where` from `bind_call`).

    Example:
        >>> direct_argnums(np.sum, 0, [0])
        0
    """
    items = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    out = []
    for a in items:
        w = where[a] if isinstance(a, int) and -len(where) <= a < len(where) else None
        if w is None:
            raise MyiaTypeError(
                f"myia.grad(np.{getattr(fn, '__name__', fn)}, argnums={argnums!r}): argument "
                f"{a} is not an array or a float of the call (an axis, a flag, an operand "
                "packed with others); differentiate a function that makes the call instead"
            )
        out.append(w)
    return out[0] if isinstance(argnums, int) else tuple(out)


def bind_primals(fn, primals: tuple, what: str) -> tuple[Specialized, tuple, list]:
    """`bind_call` of the positional `primals` of `myia.vjp` or `myia.jvp` (`what`) of the
    NumPy function `fn`: the program, its values (the defaults it takes as values too)
    and, for each primal, its index among them (None for a static one: an axis, a flag).
    An array or float packed with others (an operand of `np.einsum`) is refused.

    Example:
        >>> spec, values, where = bind_primals(np.append, (np.ones(2), 3.0), "vjp")
        >>> spec.static, where
        ((('axis', None),), [0, 1])
    """
    spec, values, where = bind_call(fn, primals, {})
    for p, w in zip(primals, where):
        if w is None and not _is_static(p):
            raise MyiaTypeError(
                f"myia.{what}(np.{getattr(fn, '__name__', fn)}, ...): an operand packed with "
                "others has no cotangent of its own; differentiate a function that makes the "
                "call instead"
            )
    return spec, values, where
