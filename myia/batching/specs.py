"""Batch specs: which parts of a value carry the batch axis, and the types they give.

A spec says, for a value of a per-example type, where the batch axis is: `False` (the
value is the same for every example: unbatched), `True` (a number or an array, or a list of
run-time length or a tape of reverse mode whose elements all are, with the batch axis
leading), or a tuple of
specs, one per item of a tuple, of a list of known length, per value of a dict or per
slot of the residual reverse mode keeps for a branch or an iteration (a branch whose
condition varies leaves, in the slots its other side fills, zeros). Specs are kept exact
for their type (`fit`): a tuple whose items are all unbatched is `False`, and parts that
cannot vary (None, strings, functions) are never batched. The tape of a loop whose number
of iterations varies (`masked`) holds, with each residual, which examples ran that
iteration: `(mask, residual)`.

Example:
    >>> batch_type(AArray(np.float64, (3,)), True, 8)
    AArray(float64, (8, 3))
    >>> fit(True, ATuple((AScalar(float), AConst(None))))
    (True, False)
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    AArray,
    ADict,
    AList,
    ARecord,
    AResidual,
    AScalar,
    AStack,
    ATuple,
    AUnion,
    describe,
)
from myia.prim.registry import lookup


def parts(t) -> tuple | None:
    """The item types of a structure whose parts have their own specs (None if `t` is not
    one)."""
    if isinstance(t, (ATuple, AResidual)) or (isinstance(t, AList) and t.items is not None):
        return t.items
    if isinstance(t, ADict):
        return t.values
    return None


def _leaf(t) -> bool:
    return (
        isinstance(t, (AScalar, AArray, AStack))
        or (isinstance(t, AList) and t.items is None)
        or number_dtype(t) is not None
    )


def number_dtype(t):
    """The dtype of a union of numbers of one dtype (a Python bool or a NumPy bool, as a
    chained comparison gives), None for other types."""
    if isinstance(t, AUnion) and all(isinstance(o, AScalar) for o in t.options):
        dtypes = {np.dtype(o.kind) for o in t.options}
        return dtypes.pop() if len(dtypes) == 1 else None
    return None


def fit(spec, t, _open: tuple = ()):
    """`spec` made exact for a value of type `t` (`True` on a structure: all its parts)."""
    if spec is False:
        return False
    if isinstance(t, AResidual):
        if t.cell in _open:
            raise MyiaTypeError(
                "vmap cannot batch the gradient of a recursion on values that vary from "
                "example to example (its residuals nest without bound); map the function "
                "inside the loss and differentiate that (grad of a sum of vmap), or loop "
                "over the examples"
            )
        _open = (*_open, t.cell)
    items = parts(t)
    if items is not None:
        subs = spec if isinstance(spec, tuple) else (True,) * len(items)
        out = tuple(fit(s, x, _open) for s, x in zip(subs, items))
        return False if not any(out) else out
    if isinstance(spec, tuple) and isinstance(t, AList) and any(_flat(spec)):
        raise MyiaTypeError(
            "vmap cannot batch a list of run-time length (grown in a loop) that starts from "
            "items that vary from example to example; stack the items into an array "
            "(np.stack), or make the list the same for every example (in_axes=None)"
        )
    if isinstance(spec, tuple):
        raise MyiaError(f"internal error: batch spec {spec!r} for a value of type {t!r}")
    return _leaf(t)


def _flat(spec) -> list[bool]:
    """The leaves of a spec."""
    return [b for s in spec for b in _flat(s)] if isinstance(spec, tuple) else [spec]


def rebuild(b, t, new: list):
    """The value of type `t` (a tuple, list, dict or residual) made of the parts `new`."""
    if isinstance(t, ADict):
        return b.apply(lookup("make_dict"), t.keys, b.apply(lookup("make_tuple"), *new))
    return b.apply(lookup("make_list" if isinstance(t, AList) else "make_tuple"), *new)


def join(a, b):
    """The spec batched wherever `a` or `b` is."""
    if a is False:
        return b
    if b is False or a is True:
        return a
    if b is True:
        return b
    return tuple(join(x, y) for x, y in zip(a, b))


def batch_type(t, spec, size: int, masked=frozenset()):
    """The type of a value of per-example type `t` with the batch axis (of `size`) where
    `spec` says (a residual is a tuple of its slots; `masked`: the types of the tapes
    that hold masks)."""
    if spec is False or t is BOTTOM:
        return t
    items = parts(t)
    if items is not None:
        subs = spec if isinstance(spec, tuple) else (True,) * len(items)
        new = [batch_type(x, s, size, masked) for x, s in zip(items, subs)]
        if isinstance(t, ADict):
            return ADict(t.keys, new)
        if isinstance(t, ARecord):
            return t.rebuilt(new)
        return ATuple(new) if isinstance(t, AResidual) else type(t)(new)
    if isinstance(t, AList):
        return t.of(batch_type(t.elem, True, size, masked))
    if isinstance(t, AStack):
        elem = batch_type(t.elem, fit(True, t.elem), size, masked)
        if t in masked:
            elem = ATuple((AArray(np.dtype(bool), (size,)), elem))
        return AStack(elem)
    if isinstance(t, AScalar):
        return AArray(np.dtype(t.kind), (size,))
    if number_dtype(t) is not None:
        return AArray(number_dtype(t), (size,))
    if isinstance(t, AArray):
        return AArray(t.dtype, (size, *t.shape))
    raise MyiaTypeError(
        f"vmap cannot give a value of type {describe(t)} a batch axis: it is not a number, an "
        "array or a structure of them"
    )
