"""Helpers the backpropagators share: sensitivities given the type of their input.

`unbroadcast(b, d, like)` turns the sensitivity `d` of an operation's output into that of
an input of type `like`: it sums over the axes NumPy broadcasting added or stretched
(known from the static shapes, so the reduction is concrete `np.sum` code or nothing) and
gives it the input's dtype. An int or bool input gets no sensitivity (None).

`zeros_of(b, like, primal)` makes real zeros of the sensitivity type of `like`, where
control flow joins a path without a contribution to one with one; `materialize` fills in
the zeros a sensitivity's type says are absent; `sens_sum` adds sensitivities.

Example:
    >>> unbroadcast(b, dout, AArray(np.float64, (10,)))   # doctest: +SKIP
    (np.sum(dout, axis=(0,)) for a dout of shape (64, 10))
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import (
    AArray,
    ADict,
    AEnv,
    AFunction,
    AList,
    AResidual,
    AScalar,
    AStack,
    ATuple,
    AZero,
    describe,
)
from myia.infer.build import type_of
from myia.infer.sensitivity import holds_itself, sens_type


def unbroadcast(b, d, like, primal=None):
    """The sensitivity of an input of type `like` from `d`, that of the output (a number
    `d` for an array input whose shape is known only at run time takes the shape of the
    input's value `primal`, a node or a function making one)."""
    if d is None:
        return None
    dt = type_of(d)
    if dt is AZero or sens_type(like) is AZero:
        return None
    from myia.prim import arrays as A
    from myia.prim import reductions as R

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
        d = b.apply(R.sum_, d, _axis(tuple(range(lead))), None, False)
        dt = type_of(d)
    if isinstance(dt, AScalar):  # summed to a number: the input is a 0-d array
        return b.apply(A.asarray, d, like.dtype)
    stretched = tuple(i for i, (n, m) in enumerate(zip(like.shape, dt.shape)) if n == 1 and m != 1)
    if stretched:
        d = b.apply(R.sum_, d, _axis(stretched), None, True)
        dt = type_of(d)
    if dt.dtype != like.dtype:
        d = b.apply(A.astype, d, like.dtype)
    return d


def _axis(axes: tuple):
    """An `axis` argument as users write it (an int for one axis), so that the sums an
    adjoint makes are the same nodes as the user's (common subexpressions)."""
    return axes[0] if len(axes) == 1 else axes


def zeros_of(b, like, primal=None):
    """Real zeros with the sensitivity type of `like` (the primal node `primal` gives the
    shape where the type does not)."""
    return _zeros(b, sens_type(like), primal)


class _At:
    """Where a value is: a node (or a function making it, made only if needed) and the
    keys to it."""

    def __init__(self, root, path: tuple = ()):
        self.root = root
        self.path = path

    @staticmethod
    def of(primal):
        return primal if primal is None or isinstance(primal, _At) else _At(primal)

    def child(self, k) -> _At:
        return _At(self.root, (*self.path, k))

    def zeros(self, b):
        """`zeros_like_sens` of the value, at run time (ZERO past a residual's empty slot)."""
        from myia.prim import arrays as A

        root = self.root() if callable(self.root) else self.root
        if not self.path:
            return b.apply(A.zeros_like_sens, root)
        return b.apply(A.zeros_at, root, self.path)


def _zeros(b, s, primal):
    """Real zeros of the sensitivity type `s` (following `s`, not the primal type: the
    sensitivity of a residual that holds itself stops where it does). `primal` (where the
    value is, or None) is read only where the type has no shape."""
    from myia.prim import arrays as A
    from myia.prim.structures import ZERO, make_list, make_tuple

    at = _At.of(primal)
    if s is AZero:
        return b.node(ZERO)
    if isinstance(s, AScalar):
        return b.node(np.float64(0.0) if s.np else s.pytype(0))
    if isinstance(s, AArray) and s.known_shape:
        return b.apply(A.zeros, s.shape, s.dtype.type)
    if isinstance(s, AStack):
        return b.node(None)  # the empty stack: a tape's sensitivity grows by pushes
    if s is AEnv:
        from myia.prim.structures import EMPTY_ENV

        return b.node(EMPTY_ENV)
    if isinstance(s, (ATuple, AList)) and s.items is not None:
        items = [_zeros(b, x, at and at.child(i)) for i, x in enumerate(s.items)]
        return b.apply(make_tuple if isinstance(s, ATuple) else make_list, *items)
    if isinstance(s, ADict):
        from myia.prim.dicts import make_dict

        items = [_zeros(b, x, at and at.child(k)) for k, x in zip(s.keys, s.values)]
        return b.apply(make_dict, s.keys, b.apply(make_tuple, *items))
    if at is None:
        raise MyiaTypeError(f"internal error: zeros of {describe(s)} need the value")
    return at.zeros(b)  # arrays without a shape, lists of run-time length, recursions


def materialize(b, d, like, primal=None, want=None):
    """The sensitivity `d` (None: absent) of a value of type `like`, with real zeros
    wherever its type says a part is absent but `want` (by default the sensitivity type of
    `like`) has one: what code written for sensitivities of type `want` receives
    (`primal`, the value, shapes zeros the type does not)."""
    return _fill(b, d, sens_type(like) if want is None else want, primal)


def _fill(b, d, want, primal):
    from myia.prim.dicts import make_dict
    from myia.prim.structures import ZERO, getitem, make_list, make_tuple

    dt = AZero if d is None else type_of(d)
    if want is AZero:
        return b.node(ZERO)
    if dt is AZero:
        return _zeros(b, want, primal)
    if dt == want:
        return d

    at = _At.of(primal)
    part = lambda k: at and at.child(k)  # noqa: E731

    if isinstance(want, AResidual) and isinstance(dt, ATuple):
        # A recursion's sensitivity: its items filled, named as the residual's.
        items = [_fill(b, b.apply(getitem, d, i), w, part(i)) for i, w in enumerate(want.items)]
        return b.call(make_tuple, items, want)
    if isinstance(want, (ATuple, AList)) and want.items is not None and type(dt) is type(want):
        items = [_fill(b, b.apply(getitem, d, i), w, part(i)) for i, w in enumerate(want.items)]
        return b.apply(make_tuple if isinstance(want, ATuple) else make_list, *items)
    if isinstance(want, ADict) and isinstance(dt, ADict):
        items = [
            _fill(b, b.apply(getitem, d, k), w, part(k)) for k, w in zip(want.keys, want.values)
        ]
        return b.apply(make_dict, want.keys, b.apply(make_tuple, *items))
    return d


def sens_sum(b, parts: list, primal):
    """The sum of the sensitivities `parts` of a value of type `primal` (structures item by
    item, their absent items skipped; lists of run-time length and environments by their
    own additions)."""
    from myia.prim.dicts import make_dict
    from myia.prim.registry import lookup
    from myia.prim.structures import ZERO, getitem, make_list, make_tuple

    structured = isinstance(primal, (ATuple, ADict, AResidual)) or (
        isinstance(primal, AList) and primal.items is not None
    )
    if not structured or holds_itself(primal):
        if isinstance(primal, AList) or holds_itself(primal):
            add = lookup("sens_add")
        elif isinstance(primal, AFunction) or primal is AEnv:
            add = lookup("env_add")
        elif isinstance(primal, AStack):
            add = lookup("stack_add")
        else:
            add = lookup("add")
        acc = parts[0]
        for p in parts[1:]:
            acc = b.apply(add, acc, p)
        return acc
    items = primal.values if isinstance(primal, ADict) else primal.items
    out = []
    for i, t in enumerate(items):
        key = primal.keys[i] if isinstance(primal, ADict) else i
        sub = [s for s in (b.apply(getitem, p, key) for p in parts) if type_of(s) is not AZero]
        out.append(sens_sum(b, sub, t) if sub else b.node(ZERO))
    if isinstance(primal, ADict):
        return b.apply(make_dict, primal.keys, b.apply(make_tuple, *out))
    return b.apply(make_list if isinstance(primal, AList) else make_tuple, *out)
