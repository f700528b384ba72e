"""The tangent rules (forward mode) of the built-in functions of `myia.prim.builtins`:
`max` and `min` (ties share the tangent as they share the sensitivity), `sum`, `tuple`
and `list` (linear), and the `seq_*` and `rows_stack` primitives of the sensitivities of
lists of run-time length (linear, so `jvp(grad(f))` runs through them).

Example:
    >>> myia.jvp(lambda x: max(x, 2.0 * x), (1.0,), (1.0,))      # doctest: +SKIP
    (2.0, 2.0)
"""

from __future__ import annotations

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AList, AScalar, ATuple, AZero
from myia.prim import arith as O
from myia.prim import reductions as R
from myia.prim import structures as S
from myia.prim.builtins import (
    builtin_list,
    builtin_max,
    builtin_min,
    builtin_sum,
    builtin_tuple,
    pair_shares,
    rows_stack,
    seq_fill,
    seq_shares,
    seq_total,
    seq_weighted,
    seq_wsum,
)
from myia.prim.jvp import bilinear, linear, tangent_sum
from myia.prim.typing import is_none


def _weighted(b, t, w):
    return None if t is None else b.apply(O.mul, t, w)


def _jvp_extremum(cmp):
    """The tangent rule of `max` (`cmp` O.gt) or `min` (O.lt): the tangents of the
    arguments weighted by their shares in the result."""

    def rule(r):
        b = r.b
        if not is_none(r.types[1]):
            shares = pair_shares(r, cmp)
            return tangent_sum(b, [_weighted(b, r.t(k), w) for k, w in enumerate(shares)])
        a, t, w = r.types[0], r.t(0), seq_shares(r)
        if isinstance(a, AArray):
            return b.apply(R.sum_, b.apply(O.mul, t, w), None, None, False)
        if a.items is None:
            return b.apply(seq_wsum, w, t, r.out())
        items = [b.apply(S.getitem, t, i) for i in range(len(w))]
        return tangent_sum(b, [_weighted(b, x, s) for x, s in zip(items, w) if s is not None])

    return rule


@builtin_sum.defjvp
def _jvp_sum(r):
    from myia.ad.forward import tangent_type

    b = r.b
    seq, start = r.types
    ts, t_start = r.t(0), r.t(1)
    if ts is None:
        return t_start
    if not isinstance(start, (AScalar, AArray)):
        raise MyiaTypeError("the tangent of sum() of tuples or lists is not supported")
    if isinstance(seq, (ATuple, AList)) and seq.items is not None:
        parts = [
            b.apply(S.getitem, ts, i)
            for i, t in enumerate(seq.items)
            if tangent_type(t) is not AZero
        ]
        return tangent_sum(b, [*parts, t_start])
    return b.apply(builtin_sum, ts, 0 if t_start is None else t_start)


builtin_max.defjvp(_jvp_extremum(O.gt))
builtin_min.defjvp(_jvp_extremum(O.lt))
builtin_tuple.defjvp(linear(0))
builtin_list.defjvp(linear(0))
rows_stack.defjvp(linear(0))
seq_fill.defjvp(linear(1))
seq_total.defjvp(linear(0))
seq_weighted.defjvp(bilinear(0, 1))
seq_wsum.defjvp(bilinear(0, 1))
