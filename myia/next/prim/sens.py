"""Helpers the backpropagators share: sensitivities given the type of their input.

`unbroadcast(b, d, like)` turns the sensitivity `d` of an operation's output into that of
an input of type `like`: it sums over the axes NumPy broadcasting added or stretched
(known from the static shapes, so the reduction is concrete `np.sum` code or nothing) and
gives it the input's dtype. An int or bool input gets no sensitivity (None).

`zeros_of(b, like, primal)` makes real zeros of the sensitivity type of `like`, where
control flow joins a path without a contribution to one with one.

Example:
    >>> unbroadcast(b, dout, AArray(np.float64, (10,)))   # doctest: +SKIP
    (np.sum(dout, axis=(0,)) for a dout of shape (64, 10))
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.next.infer.abstract import (
    AArray,
    AList,
    AScalar,
    AStack,
    ATuple,
    AZero,
    describe,
    sens_type,
)
from myia.next.infer.build import type_of


def unbroadcast(b, d, like, primal=None):
    """The sensitivity of an input of type `like` from `d`, that of the output (a number
    `d` for an array input whose shape is known only at run time takes the shape of the
    input's value `primal`, a node or a function making one)."""
    if d is None:
        return None
    dt = type_of(d)
    if dt is AZero or sens_type(like) is AZero:
        return None
    from myia.next.prim import arrays as A
    from myia.next.prim import reductions as R

    if isinstance(like, AScalar):
        if isinstance(dt, AArray):
            d = b.apply(R.sum_, d, None, None, False)
            dt = type_of(d)
        if isinstance(dt, AScalar) and dt.kind is not like.kind:
            d = b.apply(A.cast, d, like.pytype)
        return d
    if not isinstance(like, AArray):
        return d
    if isinstance(dt, AScalar):
        if like.known_shape:
            shape = like.shape
        elif primal is not None:
            shape = b.apply(A.attr_shape, primal() if callable(primal) else primal)
        else:
            raise MyiaTypeError(
                f"internal error: a number's sensitivity for {describe(like)} needs the input"
            )
        d = b.apply(A.broadcast_to, d, shape)
        dt = type_of(d)
    lead = dt.ndim - like.ndim
    if lead > 0:
        d = b.apply(R.sum_, d, tuple(range(lead)), None, False)
        dt = type_of(d)
    stretched = tuple(i for i, (n, m) in enumerate(zip(like.shape, dt.shape)) if n == 1 and m != 1)
    if stretched:
        d = b.apply(R.sum_, d, stretched, None, True)
        dt = type_of(d)
    if dt.dtype != like.dtype:
        d = b.apply(A.astype, d, like.dtype)
    return d


def zeros_of(b, like, primal=None):
    """Real zeros with the sensitivity type of `like` (the primal node `primal` gives the
    shape where the type does not)."""
    from myia.next.prim import arrays as A
    from myia.next.prim.structures import ZERO, make_list, make_tuple

    s = sens_type(like)
    if s is AZero:
        return b.node(ZERO)
    if isinstance(s, AScalar):
        return b.node(np.float64(0.0) if s.np else s.pytype(0))
    if isinstance(s, AArray):
        if s.known_shape:
            return b.apply(A.zeros, s.shape, s.dtype.type)
        return b.apply(A.zeros_like, primal)
    if isinstance(s, AStack):
        return b.node(None)  # the empty stack: a tape's sensitivity grows by pushes
    if isinstance(s, (ATuple, AList)) and s.items is not None:
        from myia.next.prim.structures import getitem

        items = [
            zeros_of(b, x, None if primal is None else b.apply(getitem, primal, i))
            for i, x in enumerate(like.items)
        ]
        return b.apply(make_tuple if isinstance(s, ATuple) else make_list, *items)
    return b.apply(A.zeros_like_sens, primal)
