"""What crosses the boundary of compiled code besides plain values: model objects go in
as the tuples of their dynamic attributes, and records (`ARecord`: namedtuples, model
objects) come out as objects of their class.

Compiled code holds a record as a tuple (see `myia/trees.py`); a namedtuple already is
one, a model object is not, so an argument holding a model object is lowered before the
call, and an output whose type holds a record is rebuilt from the type after it.

Example:
    >>> from collections import namedtuple
    >>> from myia.infer.abstract import abstract_of_value
    >>> P = namedtuple("P", "w b")
    >>> rebuild(abstract_of_value(P(1.0, 2.0)), (3.0, 4.0))
    P(w=3.0, b=4.0)
"""

from __future__ import annotations

from typing import Any

from myia.infer.abstract import AbstractValue, ADict, AList, ARecord, ATuple
from myia.infer.walks import holds_record
from myia.trees import (
    children,
    is_model,
    is_namedtuple,
    is_namedtuple_class,
    is_static,
    model_attributes,
    new_model,
)


def lower(v: Any) -> Any:
    """`v` as compiled code holds it: each model object the tuple of its dynamic
    attributes (the containers around it rebuilt)."""
    if is_model(v):
        return tuple(lower(x) for x in model_attributes(v).values() if not is_static(x))
    t = type(v)
    if t is tuple or t is list or t is dict or is_namedtuple(v):
        items, rebuild_node = children(v)
        out = [lower(x) for x in items]
        if t is dict or is_namedtuple(v):
            return rebuild_node(out)
        return t(out)
    return v


def rebuild(t: AbstractValue, v: Any) -> Any:
    """The value `v` of compiled code, of type `t`, with each record of `t` an object of
    its class (static attributes included)."""
    if isinstance(t, ARecord):
        items = [rebuild(x, y) for x, y in zip(t.items, v)]
        if is_namedtuple_class(t.cls):
            return t.cls(*items)
        return new_model(t.cls, {**dict(zip(t.names, items)), **dict(t.static)})
    if isinstance(t, ATuple) and holds_record(t):
        return tuple(rebuild(x, y) for x, y in zip(t.items, v))
    if isinstance(t, AList) and holds_record(t):
        if t.items is not None:
            return [rebuild(x, y) for x, y in zip(t.items, v)]
        return [rebuild(t.elem, y) for y in v]
    if isinstance(t, ADict) and holds_record(t):
        return {k: rebuild(x, v[k]) for k, x in zip(t.keys, t.values)}
    return v


class Boundary:
    """A compiled function whose arguments hold model objects (`lowers`) or whose output
    holds records (`out`: its type, else None): it lowers and rebuilds around `inner`."""

    def __init__(self, inner, lowers: bool, out: AbstractValue | None):
        self.inner = inner
        self.lowers = lowers
        self.out = out

    def fn(self, *args):
        if self.lowers:
            args = tuple(map(lower, args))
        result = self.inner.fn(*args)
        return rebuild(self.out, result) if self.out is not None else result

    def recover(self, exc: Exception, args: tuple):
        result = self.inner.recover(exc, tuple(map(lower, args)) if self.lowers else args)
        return rebuild(self.out, result) if self.out is not None else result


def at_boundary(compiled, arg_types: tuple, out_type: AbstractValue):
    """`compiled` itself, or a `Boundary` around it where records cross."""
    lowers = any(holds_record(t, models_only=True) for t in arg_types)
    out = out_type if holds_record(out_type) else None
    return Boundary(compiled, lowers, out) if lowers or out is not None else compiled
