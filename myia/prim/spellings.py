"""NumPy functions that are another spelling of a primitive: `np.fliplr` and `np.flipud`
(`np.flip` along axis 1 or 0), `np.atleast_1d`, `np.atleast_2d`, `np.atleast_3d` (the
array itself, or `np.expand_dims` of it), and `column`, a piece of `np.c_[...]` (the
parser writes `np.r_[a, b]` as `concatenate` of `atleast_1d` pieces, `np.c_[a, b]` of
`column` pieces along the last axis); the elementwise `np.deg2rad` (`np.radians`),
`np.rad2deg` (`np.degrees`), `np.fabs` and `np.logaddexp2` (products, `abs` and
`np.logaddexp`).

Each is a primitive whose canonical form (`canon`, applied when specializing) is the
primitive it spells; its gradient, tangent and second order are that primitive's.

Example:
    >>> import myia
    >>> myia.jit(np.atleast_2d)(np.ones(3)).shape
    (1, 3)
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AScalar, abstract_of_value, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim.arrays import expand_dims
from myia.prim.elementwise import LN2, absolute, logaddexp
from myia.prim.registry import primitive
from myia.prim.shapes import flip
from myia.prim.typing import ufunc_type, union_map


def _ndim(x, name: str) -> int:
    if isinstance(x, AArray):
        return x.ndim
    if isinstance(x, AScalar):
        return 0
    raise MyiaTypeError(f"np.{name} needs an array or a number, got {describe(x)}")


def _flipping(name: str, axis: int):
    numpy_fn = getattr(np, name)

    def impl(m):
        return numpy_fn(m)

    impl.__doc__ = f"`np.{name}(m)`: `np.flip(m, {axis})`."
    prim = primitive(name, py=[numpy_fn])(impl)

    @prim.definfer
    def infer(m):
        if _ndim(m, name) < axis + 1:
            raise MyiaTypeError(f"np.{name} needs an array of {axis + 1} or more dimensions")
        return flip.infer(m, AScalar(int, axis))

    @prim.defcanon
    def canon(b, args):
        return b.apply(flip, args[0], axis)

    return prim


# Where `np.atleast_Nd` puts the new axes of an array of each smaller rank.
_NEW_AXES = {1: {0: (0,)}, 2: {0: (0, 1), 1: (0,)}, 3: {0: (0, 1, 2), 1: (0, 2), 2: (2,)}}


def _atleast(n: int):
    name = f"atleast_{n}d"
    numpy_fn = getattr(np, name)

    def impl(a):
        return numpy_fn(a)

    impl.__doc__ = f"`np.{name}(a)` of one array."
    prim = primitive(name, py=[numpy_fn])(impl)

    def axes(x) -> tuple:
        return _NEW_AXES[n].get(_ndim(x, name), ())

    @prim.definfer
    def infer(a):
        new = axes(a)
        return expand_dims.infer(a, abstract_of_value(new)) if new else a

    @prim.defcanon
    def canon(b, args):
        new = axes(type_of(args[0]))
        return b.apply(expand_dims, args[0], new) if new else args[0]

    return prim


fliplr = _flipping("fliplr", 1)
flipud = _flipping("flipud", 0)
atleast_1d = _atleast(1)
atleast_2d = _atleast(2)
atleast_3d = _atleast(3)


@primitive("column")
def column(a):
    """A piece of `np.c_[...]`: a number or a vector as a column (`(1, 1)`, `(n, 1)`), an
    array of two dimensions or more as it is."""
    return np.expand_dims(a, _COLUMN_AXES.get(np.ndim(a), ()))


_COLUMN_AXES = {0: (0, 1), 1: (1,)}


@column.definfer
def _infer_column(a):
    new = _COLUMN_AXES.get(_ndim(a, "c_"), ())
    return expand_dims.infer(a, abstract_of_value(new)) if new else a


@column.defcanon
def _canon_column(b, args):
    new = _COLUMN_AXES.get(_ndim(type_of(args[0]), "c_"), ())
    return b.apply(expand_dims, args[0], new) if new else args[0]


# ---------------------------------------------------------------------------------------
# Elementwise spellings: a product by a constant, `abs`, `logaddexp` of scaled inputs


def _spelling(name: str, numpy_fns: list, rewrite):
    """The elementwise primitive `name` (NumPy's `numpy_fns`, of one input or two),
    `rewrite(b, *args)` when specializing: its gradient, tangent and second order are those
    of what it rewrites to."""
    ufunc = numpy_fns[0]

    def unary_impl(x):
        return ufunc(x)

    def binary_impl(x1, x2):
        return ufunc(x1, x2)

    impl = unary_impl if ufunc.nin == 1 else binary_impl
    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"`np.{ufunc.__name__}`, elementwise."
    prim = primitive(name, py=numpy_fns, elementwise=True, fresh=True)(impl)
    prim.definfer(lambda *ts: union_map(lambda *xs: ufunc_type(ufunc, list(xs)), *ts))
    prim.defcanon(lambda b, args: rewrite(b, *args))
    return prim


def _as_float(b, x):
    """`x`, an int or bool number or array as a float one (what a float ufunc computes)."""
    t = type_of(x)
    kind = t.dtype.kind if isinstance(t, AArray) else np.dtype(t.kind).kind
    return x if kind in "fc" else b.apply(O.mul, x, 1.0)


deg2rad = _spelling(
    "deg2rad", [np.deg2rad, np.radians], lambda b, x: b.apply(O.mul, x, np.pi / 180.0)
)
rad2deg = _spelling(
    "rad2deg", [np.rad2deg, np.degrees], lambda b, x: b.apply(O.mul, x, 180.0 / np.pi)
)
fabs = _spelling("fabs", [np.fabs], lambda b, x: b.apply(absolute, _as_float(b, x)))
logaddexp2 = _spelling(
    "logaddexp2",
    [np.logaddexp2],
    lambda b, x, y: b.apply(
        O.truediv, b.apply(logaddexp, b.apply(O.mul, x, LN2), b.apply(O.mul, y, LN2)), LN2
    ),
)
