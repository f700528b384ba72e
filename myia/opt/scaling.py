"""Scalings by powers of two: rewrites that move `* 2`, `* -4`, `-x` outward through
products and sums so that they merge, and an adjoint computes fewer products.

Second derivatives are full of them: the adjoint of `t ** 2` multiplies by 2, negations
come from `1 - t * t`, and a Hessian-vector product scales the same terms again. On
floating-point values, multiplying by a power of two and negating are exact (they change
only the exponent and the sign), so these rewrites change no result, except where an
intermediate value overflows or underflows in one order and not in the other:

- `scaled_factor`: `(a * c) * b => (a * b) * c`, `(a * c1) * c2 => a * (c1 c2)`,
  `-(a * c) => a * -c`, `-(-a) => a`;
- `scaled_terms`: `a * c1 + b * c2 => (a * (c1 / c) + b * (c2 / c)) * c` (c the smaller
  scale), `x + x => x * 2`, `x + -y => x - y`, `x - -y => x + y`.

`c` is a Python int or float `±2**k`; `-a` is `a` scaled by -1. They apply only to
values known to be floats or complex (from the types, or because a float takes part in
the operation), where the order of operations decides nothing else, and only in gradient
programs (`adjoint_only`: a `jit` function keeps the order the user wrote).

Example:
    (x * 2) * t * v * -t + (x * 2) * s   ==>   ((x * t * v * t) * -2 + x * s) * 2
"""

from __future__ import annotations

import math

import numpy as np

from myia.infer import AArray, AScalar
from myia.ir.nodes import Apply, Constant, Node, Parameter
from myia.opt.rewrites import prim_of, rewrite
from myia.prim import lookup as P

_mul = P("mul")
_add = P("add")
_sub = P("sub")
_neg = P("neg")
_truediv = P("truediv")
_ARITH = (_mul, _add, _sub, _neg, _truediv)


def _inexact_abstract(a) -> bool:
    if isinstance(a, AArray):
        return np.dtype(a.dtype).kind in "fc"
    return (
        isinstance(a, AScalar)
        and isinstance(a.kind, type)
        and issubclass(a.kind, (float, complex, np.inexact))
    )


def inexact(opt, node: Node, depth: int = 6) -> bool:
    """Whether `node`'s value is a float or complex number or array: its type says so, or
    it is arithmetic in which such a value takes part (NumPy's promotion then gives a
    float or a complex, whatever the other operand)."""
    if isinstance(node, Constant):
        return type(node.value) in (float, complex)
    if _inexact_abstract(opt.abstract(node)):
        return True
    if depth <= 0 or isinstance(node, Parameter) or prim_of(node) not in _ARITH:
        return False
    return any(inexact(opt, a, depth - 1) for a in node.inputs[1:])


def _power_of_two(v) -> bool:
    if type(v) is int:
        return v != 0 and abs(v) & (abs(v) - 1) == 0 and abs(v) <= 2**60
    if type(v) is float:
        if not math.isfinite(v) or v == 0.0:
            return False
        m, e = math.frexp(abs(v))
        return m == 0.5 and -60 <= e <= 61
    return False


def _scale_of(node: Node):
    """(base, c) when `node` is `base * c` or `c * base` for a power of two c (a Python
    number), or `-base` (c = -1); else None."""
    prim = prim_of(node)
    if prim is _neg:
        return node.inputs[1], -1
    if prim is _mul:
        a, b = node.inputs[1], node.inputs[2]
        for base, k in ((a, b), (b, a)):
            if (
                isinstance(k, Constant)
                and not isinstance(base, Constant)
                and _power_of_two(k.value)
            ):
                return base, k.value
    return None


def _scaled(node: Node, base: Node, c) -> Node:
    """`base * c` (`base` for 1, `-base` for -1)."""
    if c == 1:
        return base
    if c == -1:
        return Apply([Constant(_neg), base], node.graph, node.loc)
    return Apply([Constant(_mul), base, Constant(c)], node.graph, node.loc)


def _product(c1, c2):
    out = c1 * c2
    return int(out) if type(c1) is int and type(c2) is int else float(out)


def _ratio(c1, c):
    """c1 / c for powers of two with |c| <= |c1| (an int when both are)."""
    return c1 // c if type(c1) is int and type(c) is int else float(c1 / c)


def _hoists(opt, scaled: Node) -> bool:
    """Whether moving the scale out of `scaled` removes it: every use is a product or a
    negation, which take the scale out too (or there is one use)."""
    uses = opt.mng.uses.get(scaled, ())
    return len(uses) == 1 or all(prim_of(u) in (_mul, _neg) for u, _ in uses)


@rewrite(prims=("mul", "neg"), adjoint_only=True)
def scaled_factor(opt, node):
    """(a * c) * b => (a * b) * c; (a * c1) * c2 => a * (c1 c2); -(a * c) => a * -c;
    -(-a) => a (c, c1, c2 powers of two; see the module docstring)."""
    if not inexact(opt, node):
        return None
    if prim_of(node) is _neg:
        s = _scale_of(node.inputs[1])
        if s is None or not inexact(opt, s[0]):
            return None
        return _scaled(node, s[0], _product(s[1], -1))
    x, y = node.inputs[1], node.inputs[2]
    if isinstance(x, Constant) and isinstance(y, Constant):
        return None
    for a, k in ((x, y), (y, x)):
        if isinstance(k, Constant):
            s = _scale_of(a)
            if s is None or not _power_of_two(k.value) or not inexact(opt, s[0]):
                return None
            return _scaled(node, s[0], _product(s[1], k.value))
    sx, sy = _scale_of(x), _scale_of(y)
    if sx is None and sy is None:
        return None
    c = 1
    bases = []
    for operand, s in ((x, sx), (y, sy)):
        if s is not None and inexact(opt, s[0]) and _hoists(opt, operand):
            bases.append(s[0])
            c = _product(c, s[1])
        else:
            bases.append(operand)
    if c == 1 and bases == [x, y]:
        return None
    return _scaled(node, Apply([Constant(_mul), *bases], node.graph, node.loc), c)


@rewrite(prims=("add", "sub"), adjoint_only=True)
def scaled_terms(opt, node):
    """a * c1 + b * c2 => (a * (c1 / c) + b * (c2 / c)) * c; x + x => x * 2;
    x + -y => x - y; x - -y => x + y (see the module docstring)."""
    prim = prim_of(node)
    x, y = node.inputs[1], node.inputs[2]
    if not inexact(opt, node):
        return None
    if prim is _add and x is y:
        s = _scale_of(x)
        if s is not None and inexact(opt, s[0]):
            return _scaled(node, s[0], _product(s[1], 2))
        return _scaled(node, x, 2)
    sx = _scale_of(x) if len(opt.mng.uses.get(x, ())) == 1 else None
    sy = _scale_of(y) if len(opt.mng.uses.get(y, ())) == 1 else None
    if sy is not None and sy[1] == -1:
        other = _add if prim is _sub else _sub
        return Apply([Constant(other), x, sy[0]], node.graph, node.loc)
    if prim is _add and sx is not None and sx[1] == -1:
        return Apply([Constant(_sub), y, sx[0]], node.graph, node.loc)
    if sx is not None and sy is not None and inexact(opt, sx[0]) and inexact(opt, sy[0]):
        (a, ca), (b, cb) = sx, sy
        c = ca if abs(ca) <= abs(cb) else cb
        inner = Apply(
            [Constant(prim), _scaled(node, a, _ratio(ca, c)), _scaled(node, b, _ratio(cb, c))],
            node.graph,
            node.loc,
        )
        return _scaled(node, inner, c)
    return None
