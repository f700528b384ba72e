"""The checks the parser leaves for the specializer: refusals that depend on types.

`x += v` is `x = x + v` for a number or a tuple, but for an array or a list Python updates
the object `x` names in place, which a caller or another name holding it would see. The
aliasing rule (`parser/aliasing.py`) finds the augmented assignments where that could show
and reads their target through `refuse_mutable(x, message)`: the identity, whose shape rule
refuses the program (a `MyiaSyntaxError` with `message`, at the user's line) where `x` may
be an array or a list, and which specialization replaces by `x` otherwise. `x[i] += v`
where `x` holds objects named elsewhere reads `x[i]` through it the same way: a number is
rebound in its slot, an array or a list would be changed in place.

Example:
    >>> refuse_mutable(2.0, "unused at run time")
    2.0
"""

from __future__ import annotations

from myia.errors import MyiaSyntaxError
from myia.infer.abstract import AArray, AList, AUnion
from myia.infer.walks import constant_value
from myia.prim.registry import primitive


@primitive("refuse_mutable", nondiff=True, foldable=False)
def refuse_mutable(x, message):
    """`x`; refused when specialized for an array or a list (see the module)."""
    return x


@refuse_mutable.definfer
def _infer_refuse_mutable(x, message):
    options = x.options if isinstance(x, AUnion) else (x,)
    if any(isinstance(o, (AArray, AList)) for o in options):
        raise MyiaSyntaxError(constant_value(message))
    return x


@refuse_mutable.defcanon
def _canon_refuse_mutable(b, args):
    return args[0]
