"""The types of sensitivities: `sens_type(a)`, the type of the sensitivity of a value of type
`a` (what reverse mode gives it), and the named sensitivities of a recursion's residuals.

Example:
    >>> sens_type(AScalar(float, 2.0))
    AScalar(np.float64)
    >>> sens_type(AScalar(int))
    AZero
"""

from __future__ import annotations

import numpy as np

from myia.infer.abstract import (
    UNKNOWN,
    AArray,
    ADict,
    AEnv,
    AFunction,
    AList,
    AResidual,
    AScalar,
    AStack,
    ATuple,
    AUnion,
    AZero,
    join,
)


def sens_type(a):
    """The type of the sensitivity of a value of type `a`: floats and float arrays have
    their own type (a NumPy float for a Python float), structures the structure of their items' sensitivities, everything
    else (ints, bools, strings, None) `AZero`. A union has the join of its options'. A
    function value's is an environment (`AEnv`): the closures it may be, with the
    sensitivities of the values each captures."""
    if isinstance(a, AScalar):
        if np.dtype(a.kind).kind in "fc":
            # A NumPy float: gradients follow NumPy's arithmetic (1 / 0 is inf), whatever
            # Python would do with the primal values (see `backend.compiled`).
            return AScalar(a.kind, UNKNOWN, a.kind in (float, complex))
        return AZero
    if isinstance(a, AArray):
        return a if a.dtype.kind in "fc" else AZero
    if isinstance(a, ATuple):
        items = [sens_type(x) for x in a.items]
        return AZero if all(x is AZero for x in items) else ATuple(items)
    if isinstance(a, AList):
        if a.items is not None:
            items = [sens_type(x) for x in a.items]
            return AZero if all(x is AZero for x in items) else AList(items)
        e = sens_type(a.elem)
        return AZero if e is AZero else a.of(e)
    if isinstance(a, ADict):
        vals = [sens_type(x) for x in a.values]
        return AZero if all(x is AZero for x in vals) else ADict(a.keys, vals)
    if isinstance(a, AUnion):
        out = AZero
        for o in a.options:
            out = join(out, sens_type(o))
        return out
    if isinstance(a, AStack):
        e = sens_type(a.elem)
        return AZero if e is AZero else AStack(e)
    if isinstance(a, AFunction) or a is AEnv:
        return AEnv
    if isinstance(a, AResidual):
        if holds_itself(a):
            return AResidual(_sens_cell(a.cell))  # a recursion's: named too
        items = [sens_type(x) for x in a.items]
        return AZero if all(x is AZero for x in items) else ATuple(items)
    return AZero


class _SensCell:
    """The items of the sensitivity of a residual that holds itself (a recursion's): the
    sensitivities of its items, read when asked (the residual's items are filled late)."""

    def __init__(self, base):
        self.base = base
        self.name = f"d_{base.name}"

    @property
    def items(self) -> tuple:
        return tuple(sens_type(x) for x in self.base.items)


def _sens_cell(cell) -> _SensCell:
    sc = getattr(cell, "sens_cell", None)
    if sc is None:
        sc = cell.sens_cell = _SensCell(cell)
    return sc


def holds_itself(a) -> bool:
    """Whether `a` is a residual that holds itself (a recursion's: its size is known only
    at run time)."""
    return isinstance(a, AResidual) and _holds(a, a.cell, set())


def _holds(a, cell, seen: set) -> bool:
    """Whether the type `a` holds a residual of `cell` (through structures and residuals)."""
    if isinstance(a, AResidual):
        if a.cell is cell and seen:
            return True
        if id(a.cell) in seen:
            return False
        seen.add(id(a.cell))
        return any(_holds(x, cell, seen) for x in a.items)
    if isinstance(a, ATuple):
        return any(_holds(x, cell, seen) for x in a.items)
    if isinstance(a, AList):
        return _holds(a.elem, cell, seen)
    if isinstance(a, AStack):
        return _holds(a.elem, cell, seen)
    if isinstance(a, AUnion):
        return any(_holds(x, cell, seen) for x in a.options)
    return False
