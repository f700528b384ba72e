"""Defaults of nested functions computed at run time (`lambda v, i=i: v * i`).

Python evaluates a default when the `def` or `lambda` runs. The parser gives such a
parameter the default `MISSING` and starts the nested function with
`i = switch(is_missing(i), <the value computed at the definition>, i)`; the value is a
free variable of the nested function, so it is the one of the definition. `is_missing`
is known when compiling (from the type of the argument), so the switch folds away.

Example:
    >>> import myia
    >>> def f(x):
    ...     total = 0.0
    ...     for i in range(3):
    ...         g = lambda v, i=i: v * i
    ...         total = total + g(x)
    ...     return total
    >>> myia.grad(f)(2.0)
    3.0
"""

from __future__ import annotations

from myia.infer.abstract import AConst, AScalar
from myia.prim.registry import primitive
from myia.sentinels import Sentinel


class Missing(Sentinel):
    """The type of `MISSING`, the default of a parameter whose default is computed when
    its function is defined."""

    text = "its default"


MISSING = Missing()


@primitive("is_missing", nondiff=True)
def is_missing(x):
    """Whether `x` is `MISSING` (the caller left out the argument)."""
    return x is MISSING


@is_missing.definfer
def _infer_is_missing(x):
    return AScalar(bool, isinstance(x, AConst) and x.value is MISSING)
