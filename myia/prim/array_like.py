"""Sequences passed where NumPy takes an array: `np.sum([1.0, x])`, `np.dot(v, (a, b))`.

NumPy converts a tuple or list operand (its `array_like` parameters: `a`, `x`, `x1`, ...)
with `np.array`. The NumPy functions that are primitives do the same here: their type
rule sees the array `np.asarray` makes of such an operand (`infer.build.infer_apply`), and
the specializer inserts that `asarray` before the call (`infer.monomorphize`), so the
gradient flows back into the items through the rule of `asarray`. A primitive that also
stands for a Python built-in or operator (`abs`, `+`) keeps Python's meaning of a tuple.
A list in the index of an array (`x[[0, 2]]`, `x[1:, [0, 2]]`) is an integer or boolean
array in the same way. A list whose length is known only at run time (a comprehension
over an array) becomes an array by `np.stack`, whose rules it then has; an empty one
raises ValueError at run time (NumPy would make an empty array).

Example:
    >>> import myia, numpy as np
    >>> myia.grad(lambda x: np.sum(np.sin([1.0, x * x])))(0.5)
    0.9689124217106447
"""

from __future__ import annotations

import numpy as np

from myia.infer.abstract import AArray, AConst, AList, ATuple
from myia.prim import typing as T
from myia.prim.registry import REGISTRY, Primitive
from myia.prim.structures import getitem, make_tuple

# NumPy's names of array_like operands, among the parameters of its functions.
_OPERANDS = frozenset(
    ("a", "b", "x", "x1", "x2", "y", "m", "v", "A", "arr", "ary", "array", "values", "condition")
)
_PYTHON_MODULES = ("builtins", "operator", "_operator", "math")
_POSITIONS: dict[str, tuple[int, ...]] = {}


def _of_numpy(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return isinstance(obj, np.ufunc) or module.split(".")[0] in ("numpy", "scipy")


def array_positions(prim: Primitive) -> tuple[int, ...]:
    """The positions of the parameters of `prim` that NumPy converts with `np.array`
    (none for a primitive that is not a NumPy function, or is a Python one too).

    Example:
        >>> array_positions(REGISTRY.lookup("dot")), array_positions(REGISTRY.lookup("add"))
        ((0, 1), ())
    """
    out = _POSITIONS.get(prim.name)
    if out is None:
        objects = [obj for obj, p, _ in REGISTRY._by_id.values() if p is prim]
        numpy = any(_of_numpy(o) for o in objects)
        python = any(getattr(o, "__module__", None) in _PYTHON_MODULES for o in objects)
        out = ()
        if numpy and not python and prim.name != "asarray":
            out = tuple(i for i, n in enumerate(prim.signature.parameters) if n in _OPERANDS)
        _POSITIONS[prim.name] = out
    return out


def _sequence(t) -> bool:
    return isinstance(t, (ATuple, AList))


def operand_types(prim: Primitive, types: list) -> list:
    """`types` with the type of `np.asarray(t)` for each sequence `t` passed as an array
    operand of `prim`."""
    positions = array_positions(prim)
    if not positions or not any(_sequence(types[i]) for i in positions if i < len(types)):
        return types
    from myia.prim.arrays import asarray

    return [
        asarray.infer(t, AConst(None)) if i in positions and _sequence(t) else t
        for i, t in enumerate(types)
    ]


def runtime_list_array(b, prim: Primitive, args: list):
    """`np.stack(xs)` for `np.asarray(xs)` of a list `xs` whose length is known only at
    run time (what a comprehension over an array makes; `.astype(dtype)` with a dtype):
    the same array, with the rules of `stack`; None for any other application.

    Example:
        >>> import myia
        >>> myia.grad(lambda x: np.sum(np.array([v * v for v in x])))(np.array([1.0, 2.0]))
        array([2., 4.])
    """
    from myia.prim.arrays import asarray, astype

    if prim is not asarray:
        return None
    a, dtype = args
    t = a.abstract
    if not (isinstance(t, AList) and t.items is None):
        return None
    out = _to_array(b, a)
    return out if T.is_none(dtype.abstract) else b.apply(astype, out, dtype)


def _to_array(b, x):
    """The array of the sequence node `x`: `np.stack(x)` for a list of a run-time length,
    `np.asarray(x)` otherwise."""
    from myia.prim.arrays import asarray
    from myia.prim.joining import stack

    t = x.abstract
    if isinstance(t, AList) and t.items is None:
        return b.apply(stack, x, 0)
    return b.apply(asarray, x, None)


def operand_nodes(b, prim: Primitive, args: list) -> list:
    """The typed nodes `args` with `np.asarray(x)` applied to each sequence `x` passed as
    an array operand of `prim`, or as a list in the index of an array (with the builder
    `b`)."""
    if prim is getitem:
        x, i = args
        return [x, _index_node(b, i)] if isinstance(x.abstract, AArray) else args
    positions = array_positions(prim)
    if not positions or not any(_sequence(args[i].abstract) for i in positions if i < len(args)):
        return args

    return [
        _to_array(b, x) if i in positions and _sequence(x.abstract) else x
        for i, x in enumerate(args)
    ]


def _index_node(b, i):
    """The index node `i` with each list in it (itself, or an item of a tuple index) made
    an array."""
    t = i.abstract
    if isinstance(t, AList):
        return _to_array(b, i)
    if isinstance(t, ATuple) and any(isinstance(x, AList) for x in t.items):
        built = i.is_apply(make_tuple)
        items = [i.inputs[1 + k] if built else b.apply(getitem, i, k) for k in range(len(t.items))]
        return b.apply(make_tuple, *[_index_node(b, x) for x in items])
    return i
