"""Pytrees: the structures myia sees through (tuples, lists, dicts, namedtuples and model
objects), `tree_leaves` and `tree_map`, and the parts of a *record* (a namedtuple or a
model object) that compiled code is given.

A tree is a leaf (an array, a number, anything else) or a node: a tuple, a list, a dict
(its values in sorted key order, as JAX orders them), a namedtuple (its fields), a model
object, or None (an empty subtree, no leaves). A *model object* is an instance of a
class of the program (a plain class or a dataclass, not a builtin, NumPy, torch or myia type)
whose attributes live in its `__dict__`: its children are its attributes, in the order
they were set. Inside compiled code only its *dynamic* attributes travel (arrays, floats,
containers of them, and other records); ints, bools, strings, None and functions
(`self.activation = np.tanh`) are *static*: part
of the compiled signature, like an int argument, and part of the tree's structure (not
leaves: `tree_map` keeps them as they are).

A record rebuilt from new leaves (the gradient of a model, `tree_map` over a model) is a
new instance made with `object.__new__` whose attributes are set one by one: `__init__`
does not run, for dataclasses too (frozen ones included).

Example:
    >>> from collections import namedtuple
    >>> P = namedtuple("P", "w b")
    >>> tree_leaves({"b": (1.0, None), "a": P(2.0, [3.0])})
    [2.0, 3.0, 1.0]
    >>> tree_map(lambda x, y: x + y, P(1.0, 2.0), P(10.0, 20.0))
    P(w=11.0, b=22.0)
"""

from __future__ import annotations

import enum
import types
from collections.abc import Callable
from typing import Any

_FOREIGN_MODULES = ("builtins", "numpy", "myia", "functools", "collections", "typing", "torch")


def is_namedtuple(v: Any) -> bool:
    """Whether `v` is an instance of a namedtuple class (collections or typing)."""
    return isinstance(v, tuple) and is_namedtuple_class(type(v))


def is_namedtuple_class(cls: type) -> bool:
    """Whether `cls` is a namedtuple class (collections or typing)."""
    return issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)


def is_model(v: Any) -> bool:
    """Whether `v` is a model object: an instance of a class of the program (plain or
    dataclass, not an enum member) with its attributes in `__dict__` (see the module)."""
    t = type(v)
    if isinstance(v, (type, types.FunctionType, types.MethodType, types.ModuleType, enum.Enum)):
        return False
    if t.__module__.split(".")[0] in _FOREIGN_MODULES or not hasattr(v, "__dict__"):
        return False
    return not hasattr(v, "__myia_node__") and not hasattr(v, "__myia_graph__")


def is_static(v: Any) -> bool:
    """Whether a model attribute is static (see the module): an int, bool, str, None, or a
    function (a class, a NumPy function: anything callable but a model)."""
    return v is None or type(v) in (int, bool, str) or (callable(v) and not is_model(v))


def model_attributes(obj: Any) -> dict:
    """The attributes of the model object `obj`, in the order they were set."""
    return dict(vars(obj))


def children(v: Any) -> tuple[list, Callable[[list], Any]] | None:
    """The children of the node `v` and the function that rebuilds a node like it from new
    children; None for a leaf."""
    t = type(v)
    if v is None:
        return [], lambda _: None
    if t is tuple or t is list:
        return list(v), t
    if t is dict:  # leaves by sorted key (as JAX); a rebuilt dict keeps the key order of `v`
        keys = sorted(v)
        return [v[k] for k in keys], lambda xs: {k: dict(zip(keys, xs))[k] for k in v}
    if is_namedtuple(v):
        return list(v), lambda xs: t(*xs)
    if is_model(v):  # its static attributes are part of its structure, not leaves
        attrs = model_attributes(v)
        names = [k for k, x in attrs.items() if not is_static(x)]
        return [attrs[k] for k in names], lambda xs: new_model(t, {**attrs, **dict(zip(names, xs))})
    return None


def new_model(cls: type, attrs: dict) -> Any:
    """A new instance of `cls` with the attributes `attrs` (no `__init__` runs).

    Example:
        >>> class M:
        ...     pass
        >>> new_model(M, {"w": 1.0}).w
        1.0
    """
    obj = object.__new__(cls)
    for k, x in attrs.items():
        object.__setattr__(obj, k, x)  # a frozen dataclass's __setattr__ refuses
    return obj


def tree_leaves(tree: Any) -> list:
    """The leaves of `tree`, left to right (dict values in sorted key order; None has none).

    Example:
        >>> tree_leaves([1.0, {"y": 2.0, "x": (3.0, None)}])
        [1.0, 3.0, 2.0]
    """
    out: list = []
    stack = [tree]
    while stack:
        v = stack.pop()
        parts = children(v)
        if parts is None:
            out.append(v)
        else:
            stack.extend(reversed(parts[0]))
    return out


def tree_map(fn: Callable, tree: Any, *rest: Any) -> Any:
    """`tree` with each leaf `x` replaced by `fn(x, *ys)`, where `ys` are the leaves at the
    same place of the trees `rest` (which must have `tree`'s structure; they may go on
    below a leaf of `tree`, as in JAX). The result has `tree`'s structure (a dict keeps
    the order of its keys, so that compiled code called with it is not compiled again).

    Example:
        >>> import numpy as np
        >>> params = {"w": np.ones(2), "b": 0.5}
        >>> grads = {"w": np.full(2, 2.0), "b": 1.0}
        >>> tree_map(lambda p, g: p - 0.1 * g, params, grads)
        {'w': array([0.8, 0.8]), 'b': 0.4}
    """
    parts = children(tree)
    if parts is None:
        return fn(tree, *rest)
    items, rebuild = parts
    others = []
    for r in rest:
        theirs = children(r)
        if theirs is None or type(r) is not type(tree) or len(theirs[0]) != len(items):
            raise ValueError(
                f"tree_map: the trees differ in structure: {_kind(tree)} and {_kind(r)}"
            )
        if type(tree) is dict and sorted(tree) != sorted(r):
            raise ValueError(f"tree_map: dicts with different keys: {sorted(tree)} and {sorted(r)}")
        others.append(theirs[0])
    return rebuild([tree_map(fn, x, *ys) for x, *ys in zip(items, *others)])


def _kind(v: Any) -> str:
    n = children(v)
    return f"{type(v).__name__} of {len(n[0])}" if n is not None else f"a leaf ({type(v).__name__})"
