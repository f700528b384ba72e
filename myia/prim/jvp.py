"""The shared forms of tangent rules (forward mode, `Primitive.jvp`).

- `linear(*positions)`: a primitive linear in the inputs at `positions` (the others are
  parameters: shapes, axes, indices) has as tangent the primitive applied to their tangents
  (`sum`, `reshape`, `transpose`, `make_tuple`, `getitem`, ...);
- `bilinear(i, j)`: a product's tangent is `p(ti, xj) + p(xi, tj)` (`mul`, `matmul`, ...);
- `scaled(deriv)`: an elementwise function of one input has as tangent `t * f'(x)`;
- `tangent_sum(b, parts)`: the sum of the tangent contributions that exist (None if none).

A rule returns None for a tangent that is absent; forward mode shapes what it returns into
the tangent type of the output (broadcast, cast), so a rule may return a tangent of a
broadcastable shape.

Example:
    >>> reshape.defjvp(linear(0))      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable


def linear(*positions: int) -> Callable:
    """The tangent rule of a primitive linear in its inputs at `positions`."""

    def rule(r):
        if all(r.t(i) is None for i in positions):
            return None
        args = [r.full(i) if i in positions else r.x(i) for i in range(r.nargs)]
        return r.b.apply(r.node.inputs[0].value, *args)

    return rule


def linear_all(r):
    """The tangent rule of a primitive linear in each of its inputs (`make_tuple`)."""
    return linear(*range(r.nargs))(r)


def no_tangent(r):
    """The tangent rule of a primitive whose output has no tangent (`stop_gradient`)."""
    return None


def bilinear(i: int = 0, j: int = 1) -> Callable:
    """The tangent rule of a primitive linear in input `i` and in input `j` separately."""

    def rule(r):
        prim = r.node.inputs[0].value
        args = [r.x(k) for k in range(r.nargs)]
        parts = []
        for k in (i, j):
            t = r.t(k)
            if t is not None:
                parts.append(r.b.apply(prim, *[t if m == k else a for m, a in enumerate(args)]))
        return tangent_sum(r.b, parts)

    return rule


def scaled(deriv: Callable) -> Callable:
    """The tangent rule `t * deriv(r)` of an elementwise function of its first input."""

    def rule(r):
        from myia.prim.arith import mul

        t = r.t(0)
        return None if t is None else r.b.apply(mul, t, deriv(r))

    return rule


def tangent_sum(b, parts: list):
    """The sum of the tangents `parts` (None when there are none)."""
    from myia.prim.arith import add

    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    acc = parts[0]
    for p in parts[1:]:
        acc = b.apply(add, acc, p)
    return acc
