"""The rest of the `math` module (`math.atan2`, `math.pow`, `math.lgamma`, `math.floor`,
`math.ceil`: Python numbers in, a Python float (an int for floor and ceil) out) and the
special functions: the polygamma functions (the derivatives of `math.lgamma`, computed
here without SciPy) and, when SciPy is installed, `scipy.special.gammaln`, `digamma` and
`polygamma`.

`math.atan2` has a NaN gradient at the origin (as `np.arctan2`), `math.pow` the gradient
of `x ** y`; `math.floor` and `math.ceil` have none.

`digamma`, `trigamma`, `tetragamma` and `pentagamma` (psi^(n) for n = 0..3) are
elementwise on numbers and arrays: a Python number gives a Python float, a NumPy scalar or
array keeps its float dtype (float64 for integers). Each is the derivative of the one
before; `pentagamma` has no gradient (the fifth derivative of lgamma is not provided).

The SciPy functions keep SciPy's results (`polygamma` gives a float64 array, 0-d for
scalars); their derivatives chain up the polygamma functions:
d gammaln(x)/dx = digamma(x), d digamma(x)/dx = polygamma(1, x),
d polygamma(n, x)/dx = polygamma(n + 1, x) (the order `n` is an int without gradient),
so every order of derivative is available.
"""

from __future__ import annotations

import math

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim import arrays as A
from myia.prim import elementwise as E
from myia.prim.emitting import template
from myia.prim.registry import primitive
from myia.prim.sens import unbroadcast
from myia.prim.typing import (
    broadcast_shapes,
    scalar_of_dtype,
    shape_of,
    ufunc_type,
    union_map,
)

try:
    import scipy.special
except ImportError:  # pragma: no cover - exercised only without SciPy
    scipy = None


def sens_like(b, d, like):
    """`unbroadcast(b, d, like)`, a Python float for a Python float input (unbroadcast
    keeps a NumPy float64 there)."""
    d = unbroadcast(b, d, like)
    if d is not None and isinstance(like, AScalar) and like.python:
        dt = type_of(d)
        if isinstance(dt, AScalar) and dt.np:
            d = b.apply(A.cast, d, like.kind)
    return d


def _real_scalar(t, what: str) -> AScalar:
    if not isinstance(t, AScalar) or np.dtype(t.kind).kind not in "biuf":
        raise MyiaTypeError(f"{what} takes a real number, not {describe(t)}")
    return t


# Bernoulli numbers B2, B4, ..., B14 of the asymptotic series.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _polygamma(n: int, x):
    """psi^(n)(x) for n in 0..3, in float64, accurate to about 1e-13 relative.

    Below 1/2 the reflection formula maps x to 1 - x; the recurrence
    psi^(n)(z) = psi^(n)(z + 1) - (-1)^n n! / z^(n+1) then lifts z to at least 10, where the
    asymptotic series (truncated after B14) is accurate to double precision. Poles
    (0, -1, -2, ...) give inf or NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        reflect = x < 0.5
        z = np.where(reflect, 1.0 - x, x)
        acc = np.zeros_like(z)
        shift = -((-1.0) ** n) * math.factorial(n)
        for _ in range(10):
            low = z < 10.0
            acc = acc + np.where(low, shift * z ** -(n + 1.0), 0.0)
            z = np.where(low, z + 1.0, z)
        # psi^(n)(z) ~ (-1)^(n+1) [(n-1)!/z^n + n!/(2 z^(n+1)) + sum B2k (2k+n-1)!/(2k)! / z^(2k+n)]
        if n == 0:
            series = np.log(z) - 0.5 / z
        else:
            series = math.factorial(n - 1) / z**n + math.factorial(n) / (2 * z ** (n + 1))
        for k, b in enumerate(_BERNOULLI, 1):
            c = math.factorial(2 * k + n - 1) / math.factorial(2 * k) if n else 1 / (2 * k)
            series = series + (1 if n else -1) * b * c * z ** (-2.0 * k - n)
        if n:
            series = (-1.0) ** (n + 1) * series
        value = series + acc
        if not np.any(reflect):
            return value
        # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x); x is reduced by the
        # nearest integer first (the terms have period 1; pi * x loses precision).
        r = np.pi * (x - np.round(x))
        s, c = np.sin(r), np.cos(r)
        if n == 0:
            mirrored = value - np.pi * c / s
        elif n == 1:
            mirrored = -value + (np.pi / s) ** 2
        elif n == 2:
            mirrored = value - 2.0 * np.pi**3 * c / s**3
        else:
            mirrored = -value + 2.0 * np.pi**4 * (2.0 * c * c + 1.0) / s**4
        return np.where(reflect, mirrored, value)


def _float_like(r, x):
    """`r` (float64) as the float type of `x`: a Python float for a Python number, else a
    NumPy scalar or array of `x`'s float dtype (float64 for integers)."""
    if isinstance(x, (bool, int, float)):
        return float(r)
    r = np.asarray(r, dtype=np.result_type(x, 1.0))
    return r if isinstance(x, np.ndarray) else r[()]


def _infer_psi(x):
    def one(x):
        if not isinstance(x, (AScalar, AArray)) or x.dtype.kind not in "biuf":
            raise MyiaTypeError(f"the polygamma functions take real numbers, not {describe(x)}")
        if isinstance(x, AScalar) and x.python:
            return AScalar(float)
        dt = np.result_type(x.dtype, 1.0)
        return AArray(dt, x.shape) if isinstance(x, AArray) else scalar_of_dtype(dt)

    return union_map(one, x)


def _psi(n: int, name: str):
    def impl(x):
        return _float_like(_polygamma(n, x), x)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"psi^({n})(x), the derivative of order {n + 1} of lgamma, elementwise."
    prim = primitive(name, elementwise=True, fresh=True)(impl)
    prim.definfer(_infer_psi)
    prim.defemit(lambda e, args: e.helper_call(name, args))
    return prim


digamma = _psi(0, "digamma")
trigamma = _psi(1, "trigamma")
tetragamma = _psi(2, "tetragamma")
pentagamma = _psi(3, "pentagamma")


def _chain(prim, slope, k: int = 0):
    """The backpropagator and the tangent rule of `prim`, whose derivative in its input
    `k` is `slope(r)` (the inputs before it, orders, have none)."""

    def vjp(r):
        d = r.b.apply(O.mul, r.dout, slope(r))
        return [*[None] * k, sens_like(r.b, d, r.types[k])]

    def jvp(r):
        t = r.t(k)
        return None if t is None else r.b.apply(O.mul, t, slope(r))

    prim.defvjp(vjp)
    prim.defjvp(jvp)


def _of_x(deriv):
    """The slope `deriv(x)` of a function of one input `x`."""
    return lambda r: r.b.apply(deriv, r.x(0))


_chain(digamma, _of_x(trigamma))
_chain(trigamma, _of_x(tetragamma))
_chain(tetragamma, _of_x(pentagamma))


# ---------------------------------------------------------------------------------------
# math


def _math_binary(name: str, fn, doc: str):
    def impl(x, y):
        return fn(x, y)

    impl.__name__ = impl.__qualname__ = f"math_{name}"
    impl.__doc__ = doc
    prim = primitive(f"math.{name}", py=[fn])(impl)

    @prim.definfer
    def infer(x, y):
        def one(x, y):
            _real_scalar(x, f"math.{name}")
            _real_scalar(y, f"math.{name}")
            return AScalar(float)

        return union_map(one, x, y)

    prim.defemit(template(f"math.{name}({{0}}, {{1}})"))
    return prim


math_atan2 = _math_binary(
    "atan2", math.atan2, "`math.atan2(y, x)`; its gradient at the origin is NaN (as NumPy's)."
)
math_pow = _math_binary("pow", math.pow, "`math.pow(x, y)` (a float); gradients as for `x ** y`.")


@math_atan2.defvjp
def _vjp_math_atan2(r):
    b = r.b
    y, x = r.x(0), r.x(1)
    inv = b.apply(E.ieee_power, b.apply(O.add, b.apply(E.square, x), b.apply(E.square, y)), -1.0)
    g = b.apply(O.mul, r.dout, inv)
    return [
        sens_like(b, b.apply(O.mul, g, x), r.types[0]) if r.wants(0) else None,
        sens_like(b, b.apply(O.neg, b.apply(O.mul, g, y)), r.types[1]) if r.wants(1) else None,
    ]


@math_pow.defvjp
def _vjp_math_pow(r):
    out = O._vjp_pow(r)
    return [None if d is None else sens_like(r.b, d, t) for d, t in zip(out, r.types)]


math_atan2.defjvp(E.atan2_tangent)
math_pow.defjvp(O._jvp_pow)


def _math_unary(name: str, fn, result, doc: str, nondiff: bool = False):
    def impl(x):
        return fn(x)

    impl.__name__ = impl.__qualname__ = f"math_{name}"
    impl.__doc__ = doc
    prim = primitive(f"math.{name}", py=[fn], nondiff=nondiff)(impl)

    @prim.definfer
    def infer(x):
        def one(x):
            _real_scalar(x, f"math.{name}")
            return AScalar(result)

        return union_map(one, x)

    prim.defemit(template(f"math.{name}({{0}})"))
    return prim


math_lgamma = _math_unary(
    "lgamma", math.lgamma, float, "`math.lgamma(x)`: log |Gamma(x)|; d/dx = digamma(x)."
)
math_floor = _math_unary("floor", math.floor, int, "`math.floor(x)` (an int); no gradient.", True)
math_ceil = _math_unary("ceil", math.ceil, int, "`math.ceil(x)` (an int); no gradient.", True)


_chain(math_lgamma, _of_x(digamma))


# ---------------------------------------------------------------------------------------
# scipy.special

if scipy is not None:

    def _scipy_unary(name: str, fn):
        def impl(x):
            return fn(x)

        impl.__name__ = impl.__qualname__ = f"special_{name}"
        prim = primitive(f"scipy.special.{name}", py=[fn], elementwise=True, fresh=True)(impl)
        prim.definfer(lambda x: union_map(lambda x: ufunc_type(fn, [x]), x))
        prim.defemit(lambda e, args: e.helper_call(prim.name, args))
        return prim

    special_gammaln = _scipy_unary("gammaln", scipy.special.gammaln)
    special_gammaln.impl.__doc__ = "`scipy.special.gammaln(x)`: log |Gamma(x)|, elementwise."
    special_digamma = _scipy_unary("digamma", scipy.special.digamma)
    special_digamma.impl.__doc__ = (
        "`scipy.special.digamma(x)`: psi(x) = d log Gamma(x) / dx, elementwise."
    )

    @primitive("scipy.special.polygamma", py=[scipy.special.polygamma], fresh=True)
    def special_polygamma(n, x):
        """`scipy.special.polygamma(n, x)`: the n-th derivative of digamma, elementwise
        (a float64 array, 0-d for scalars, as SciPy gives)."""
        return scipy.special.polygamma(n, x)

    @special_polygamma.definfer
    def _infer_special_polygamma(n, x):
        def one(n, x):
            for t in (n, x):
                if not isinstance(t, (AScalar, AArray)) or t.dtype.kind not in "biuf":
                    raise MyiaTypeError(f"scipy.special.polygamma does not support {describe(t)}")
            return AArray(np.float64, broadcast_shapes(shape_of(n), shape_of(x)))

        return union_map(one, n, x)

    special_polygamma.defemit(lambda e, args: e.helper_call("scipy.special.polygamma", args))

    _chain(special_gammaln, _of_x(special_digamma))
    _chain(special_digamma, lambda r: r.b.apply(special_polygamma, 1, r.x(0)))
    _chain(
        special_polygamma,
        lambda r: r.b.apply(special_polygamma, r.b.apply(O.add, r.x(0), 1), r.x(1)),
        k=1,
    )
