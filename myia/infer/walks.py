"""Walks over the structure of abstract values (`infer/abstract.py`): an abstract value
without the values of its numbers (`drop_values`, and `widen`, the join a loop carries from
one iteration to the next), whether two are of one kind (`same_kind`), the function values
inside one mapped (`map_functions`), whether one holds a record (`holds_record`), and the
constants (`is_constant`, `constant_value`).

Example:
    >>> drop_values(ATuple([AScalar(float, 1.5), AScalar(bool, True)]))
    ATuple(AScalar(float), AScalar(bool, True))
    >>> constant_value(ATuple([AScalar(int, 2), AConst("s")]))
    (2, 's')
"""

from __future__ import annotations

import numpy as np

from myia.infer.abstract import (
    UNKNOWN,
    AbstractValue,
    AConst,
    ADict,
    AFunction,
    AList,
    ARecord,
    AScalar,
    AStack,
    ATuple,
    ATupleSeq,
    AUnion,
    GraphFn,
    _kind_key,
    _union,
    join,
    tuple_elements,
    tuple_like,
)
from myia.trees import is_namedtuple_class


def drop_values(a: AbstractValue) -> AbstractValue:
    """`a` without the values of its numbers (bools, strings and structure kept)."""
    if isinstance(a, AScalar):
        return AScalar(a.kind, UNKNOWN, a.np) if a.known and a.kind is not bool else a
    if isinstance(a, ATuple):
        return a.rebuilt(drop_values(x) for x in a.items)
    if isinstance(a, AList):
        if a.items is not None:
            return AList([drop_values(x) for x in a.items])
        return a.of(drop_values(a.elem))
    if isinstance(a, ADict):
        return ADict(a.keys, [drop_values(x) for x in a.values])
    if isinstance(a, AUnion):
        return _union([drop_values(x) for x in a.options])
    return a


def same_kind(a: AbstractValue, b: AbstractValue) -> bool:
    """Whether `a` and `b` describe the same values but for the values of numbers and the
    box flags of floats (a Python float and a NumPy float are one kind), item by item."""
    return kind_of(a) == kind_of(b)


def kind_of(a: AbstractValue) -> AbstractValue:
    """`a` without the values of its numbers and the box flags of its floats: what
    `same_kind` compares.

    Example:
        >>> kind_of(AScalar(np.float64, 2.0))
        AScalar(float)
    """
    return _unboxed(drop_values(a))


def _unboxed(a: AbstractValue) -> AbstractValue:
    if isinstance(a, AScalar):
        return AScalar(a.kind, a.value, False) if a.np else a
    if isinstance(a, ATuple):
        return a.rebuilt(_unboxed(x) for x in a.items)
    if isinstance(a, AList):
        if a.items is not None:
            return AList([_unboxed(x) for x in a.items])
        return a.of(_unboxed(a.elem))
    if isinstance(a, ADict):
        return ADict(a.keys, [_unboxed(x) for x in a.values])
    if isinstance(a, AUnion):
        return _union([_unboxed(x) for x in a.options])
    return a


def map_functions(a: AbstractValue, fn) -> AbstractValue:
    """`a` with each `GraphFn` option `o` of its function values replaced by `fn(o)`."""
    return expand_functions(a, lambda o: (fn(o),))


def expand_functions(a: AbstractValue, fn) -> AbstractValue:
    """`a` with each `GraphFn` option `o` of its function values replaced by the options
    `fn(o)` returns.

    Example:
        >>> expand_functions(t, lambda o: (o, GraphFn(copy, None)))    # doctest: +SKIP
    """
    if isinstance(a, AFunction):
        return AFunction(x for o in a.options for x in (fn(o) if isinstance(o, GraphFn) else (o,)))
    if isinstance(a, ATuple):
        return a.rebuilt(expand_functions(x, fn) for x in a.items)
    if isinstance(a, AList):
        if a.items is not None:
            return AList([expand_functions(x, fn) for x in a.items])
        return a.of(expand_functions(a.elem, fn))
    if isinstance(a, ADict):
        return ADict(a.keys, [expand_functions(x, fn) for x in a.values])
    if isinstance(a, AUnion):
        return _union([expand_functions(x, fn) for x in a.options])
    if isinstance(a, AStack):
        return AStack(expand_functions(a.elem, fn))
    return a


def holds_record(a, models_only: bool = False) -> bool:
    """Whether `a` holds a record (with `models_only`: a model object, not a namedtuple)."""
    if isinstance(a, ARecord) and not (models_only and is_namedtuple_class(a.cls)):
        return True
    if isinstance(a, (ATuple, AList)):
        items = a.items if a.items is not None else (a.elem,)
        return any(holds_record(x, models_only) for x in items)
    if isinstance(a, ADict):
        return any(holds_record(x, models_only) for x in a.values)
    return False


def holds_function(a) -> bool:
    """Whether `a` holds a function value (a graph or a primitive passed as a value)."""
    if isinstance(a, AFunction):
        return True
    if isinstance(a, (ATuple, AList)):
        items = a.items if a.items is not None else (a.elem,)
        return any(holds_function(x) for x in items)
    if isinstance(a, ADict):
        return any(holds_function(x) for x in a.values)
    if isinstance(a, AUnion):
        return any(holds_function(x) for x in a.options)
    return False


def is_constant(a) -> bool:
    """Whether `a` describes exactly one known value."""
    if isinstance(a, AScalar):
        return a.known
    if isinstance(a, AConst):
        return True
    if isinstance(a, ATuple):
        return all(is_constant(x) for x in a.items)
    if isinstance(a, AList):
        return a.items is not None and all(is_constant(x) for x in a.items)
    if isinstance(a, ADict):
        return all(is_constant(x) for x in a.values)
    return False


def constant_value(a):
    """The value of a constant abstract value (see `is_constant`)."""
    if isinstance(a, AScalar):
        v = a.value
        return np.float64(v) if a.np and a.kind is float else v
    if isinstance(a, AConst):
        return a.value
    if isinstance(a, ATuple):
        return tuple(constant_value(x) for x in a.items)
    if isinstance(a, AList):
        return [constant_value(x) for x in a.items]
    if isinstance(a, ADict):
        return {k: constant_value(v) for k, v in zip(a.keys, a.values)}
    raise TypeError(f"{a!r} is not a constant")


def widen(old: AbstractValue, new: AbstractValue) -> AbstractValue:
    """`join(old, new)` without the values of numbers that changed, and with lists and
    tuples whose length changed of run-time length: what a loop carries once its arguments
    differ from one iteration to the next."""
    if old == new:
        return old
    if _kind_key(old) == _kind_key(new) and isinstance(old, ATuple):
        return old.rebuilt(widen(x, y) for x, y in zip(old.items, new.items))
    if tuple_like(old) and tuple_like(new):
        return ATupleSeq(None, drop_values(join(tuple_elements(old), tuple_elements(new))))
    return drop_values(join(old, new))
