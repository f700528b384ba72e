"""`grad_mask(x, taken)`: the identity on `x`, whose derivatives are kept only where
`taken` holds (zero elsewhere).

vmap computes both sides of a branch on a condition that varies from example to
example and selects with `np.where` (`myia.batching.control`); the side an example does
not take may have an infinite or nan derivative there (`np.sqrt` at a negative number),
and reverse mode would multiply it by the zero sensitivity `np.where` gives that side
(0 * nan = nan). The batching of such a branch reads each value that varies from outside
a side through `grad_mask` with the examples taking the side, so that what the side adds
to the gradient of that value is zero for the other examples. `taken` is a bool array
whose shape is the leading part of the shape of `x` (one bool per example: its first
axis), or one bool (`np.any` of the examples taking the side, for a value the same for
every example: its derivative counts only where some example takes the side). In
forward code it is `x` itself (no statement); its backpropagator is
`np.where(taken, dout, 0)` and its tangent `np.where(taken, dt, 0)` (both along the
leading axes), so that gradients, tangents and second order agree with a loop over the
examples. `np.where` the user writes is not changed (NumPy's semantics: both sides'
derivatives count there, as in JAX and autograd).

Example:
    >>> import numpy as np
    >>> grad_mask(np.array([1.0, 2.0]), np.array([True, False]))
    array([1., 2.])
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.prim.arrays import expand_dims
from myia.prim.elementwise import where_
from myia.prim.emitting import template
from myia.prim.registry import primitive
from myia.prim.sens import unbroadcast


@primitive("grad_mask")
def grad_mask(x, taken):
    """`x`; its derivatives are zero where `taken` (the leading axes of `x`) is False.

    Example:
        >>> grad_mask(2.0, np.bool_(True))
        2.0
    """
    return x


def _lead(taken) -> int | None:
    """The number of leading axes a mask `taken` (a bool array, or one bool) covers."""
    if isinstance(taken, AArray) and taken.dtype == np.dtype(bool):
        return taken.ndim
    if isinstance(taken, AScalar) and np.dtype(taken.kind) == np.dtype(bool):
        return 0
    return None


@grad_mask.definfer
def _infer_grad_mask(x, taken):
    lead = _lead(taken)
    if lead == 0 and isinstance(x, (AArray, AScalar)):
        return x
    if not (lead and isinstance(x, AArray) and tuple(x.shape[:lead]) == tuple(taken.shape)):
        raise MyiaTypeError(
            f"internal error: grad_mask of {describe(x)} by {describe(taken)} (a bool array "
            "of the leading axes of the value)"
        )
    return x


grad_mask.defemit(template("{0}"))


def _masked(b, taken, lead: int, d, like):
    """`np.where(taken, d, 0)` of the type `like`, `taken` (of rank `lead`) aligned on the
    leading axes of `d`."""
    rank = like.ndim if isinstance(like, AArray) else 0
    c = b.apply(expand_dims, taken, tuple(range(lead, rank))) if rank > lead else taken
    return unbroadcast(b, b.apply(where_, c, d, 0.0), like)


@grad_mask.defvjp
def _vjp_grad_mask(r):
    if not r.wants(0):
        return [None, None]
    return [_masked(r.b, r.x(1), _lead(r.types[1]), r.dout, r.types[0]), None]


@grad_mask.defjvp
def _jvp_grad_mask(r):
    t = r.t(0)
    return None if t is None else _masked(r.b, r.x(1), _lead(r.types[1]), t, r.types[0])
