"""The probability functions of SciPy, when it is installed: `scipy.special.logsumexp`
(axis, keepdims, weights `b`), `expit`, `logit`, `erf`, `erfc`, `ndtr`, `xlogy`, and the
normal distribution's `scipy.stats.norm.logpdf`, `norm.pdf` and `norm.cdf` (`loc`,
`scale`), and `scipy.stats.multivariate_normal.logpdf(x, mean, cov)` (x of shape (D,) or
(N, D): `-(D log 2 pi + log det cov + (x - mean) cov^-1 (x - mean)) / 2`, through
`np.linalg.solve` and `slogdet` of the symmetric matrix of `cov`'s lower triangle, the
one SciPy reads; squeezed as SciPy does). Without SciPy the module
registers nothing.

`logsumexp` and the `norm` functions are primitives whose canonical form is made of
differentiable primitives (`logsumexp` shifted by its maximum, which has no gradient:
the gradient is the softmax); the elementwise functions chain their derivatives:
d expit = expit (1 - expit), d logit = 1 / (x (1 - x)), d erf = -d erfc = 2 / sqrt(pi)
exp(-x^2), d ndtr = exp(-x^2 / 2) / sqrt(2 pi). `xlogy(x, y)` has `d x = log(y)` (as JAX) and
`d y = x / y`, 0 where `x` is 0 (finite at `y = 0` too). Results have SciPy's types
(the `norm` functions give float64).

Example:
    >>> import myia, scipy.special
    >>> float(myia.grad(scipy.special.expit)(0.0))
    0.25
"""

from __future__ import annotations

import math

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim import elementwise as E
from myia.prim import typing as T
from myia.prim.arranging import _as_array_type, _by_numpy, _stand_in
from myia.prim.arrays import astype, cast, reshape, transpose
from myia.prim.reductions import amax, sum_
from myia.prim.registry import REGISTRY, primitive
from myia.prim.sens import unbroadcast
from myia.prim.structures import stop_gradient
from myia.prim.typing import ufunc_type, union_map

try:
    import scipy.special
    import scipy.stats
except ImportError:  # pragma: no cover - exercised only without SciPy
    scipy = None


def _operand(t, what: str):
    """A stand-in value of the number or array type `t`."""
    if not isinstance(t, (AScalar, AArray)) or t.dtype.kind not in "biuf":
        raise MyiaTypeError(f"{what} takes real numbers or arrays, not {describe(t)}")
    return _stand_in(t)


def _as_float64(b, x):
    """`x` as float64 (a NumPy float64 for a number), as SciPy's distributions compute."""
    t = type_of(x)
    if isinstance(t, AArray):
        return x if t.dtype == np.float64 else b.apply(astype, x, np.float64)
    return b.apply(cast, x, np.float64)


if scipy is not None:
    from myia.prim.special import _chain, _scipy_unary

    # -----------------------------------------------------------------------------------
    # logsumexp

    @primitive("scipy.special.logsumexp", py=[scipy.special.logsumexp])
    def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
        """`scipy.special.logsumexp(a, axis, b, keepdims)`: `log(sum(b * exp(a)))` computed
        stably; its gradient is the softmax (weighted by `b`)."""
        return scipy.special.logsumexp(a, axis, b, keepdims, return_sign)

    @logsumexp.definfer
    def _infer_logsumexp(a, axis, b, keepdims, return_sign):
        if T.const_value(return_sign, "the return_sign of scipy.special.logsumexp"):
            raise MyiaTypeError(
                "scipy.special.logsumexp: return_sign=True is not supported; compute the "
                "sign with np.sign(np.sum(b * np.exp(a - m))) where m is the maximum of a"
            )
        x = _operand(_as_array_type(a, "scipy.special.logsumexp"), "scipy.special.logsumexp")
        w = None if T.is_none(b) else _operand(b, "the b of scipy.special.logsumexp")
        ax = None if T.is_none(axis) else T.const_value(axis, "the axis of logsumexp")
        keep = bool(T.const_value(keepdims, "the keepdims of logsumexp"))
        return _by_numpy("scipy.special.logsumexp", scipy.special.logsumexp, x, ax, w, keep)

    @logsumexp.defcanon
    def _canon_logsumexp(bb, args):
        a, axis, w, keepdims, _ = args
        keep = bool(T.const_value(type_of(keepdims), "keepdims"))
        t = type_of(a)
        if not isinstance(t, AArray) or t.dtype.kind not in "f":
            a = bb.apply(astype, bb.apply(REGISTRY.lookup("asarray"), a, None), np.float64)

        m = bb.apply(amax, a, axis, True)
        m = bb.apply(stop_gradient, bb.apply(E.where_, bb.apply(E.isfinite, m), m, 0.0))
        e = bb.apply(E.exp, bb.apply(O.sub, a, m))
        if not T.is_none(type_of(w)):
            e = bb.apply(O.mul, e, w)
        total = bb.apply(sum_, e, axis, None, keep)
        if not keep:  # the kept axes of length 1 summed away
            m = bb.apply(sum_, m, axis, None, False)
        return bb.apply(O.add, bb.apply(E.log, total), m)

    # -----------------------------------------------------------------------------------
    # expit, logit, erf, ndtr

    special_expit = _scipy_unary("expit", scipy.special.expit)
    special_expit.impl.__doc__ = "`scipy.special.expit(x)`: 1 / (1 + exp(-x)), elementwise."
    special_logit = _scipy_unary("logit", scipy.special.logit)
    special_logit.impl.__doc__ = "`scipy.special.logit(x)`: log(x / (1 - x)), elementwise."
    special_erf = _scipy_unary("erf", scipy.special.erf)
    special_erf.impl.__doc__ = "`scipy.special.erf(x)`: the error function, elementwise."
    special_erfc = _scipy_unary("erfc", scipy.special.erfc)
    special_erfc.impl.__doc__ = "`scipy.special.erfc(x)`: 1 - erf(x), elementwise."
    special_ndtr = _scipy_unary("ndtr", scipy.special.ndtr)
    special_ndtr.impl.__doc__ = (
        "`scipy.special.ndtr(x)`: the standard normal distribution function, elementwise."
    )
    for _p in (special_expit, special_logit, special_erf, special_erfc, special_ndtr):
        _p.impl.__module__ = __name__  # the generated code imports them from here

    def _expit_slope(r):
        out = r.out()
        return r.b.apply(O.mul, out, r.b.apply(O.sub, 1.0, out))

    def _logit_slope(r):
        x = r.x(0)
        return r.b.apply(O.truediv, 1.0, r.b.apply(O.mul, x, r.b.apply(O.sub, 1.0, x)))

    def _gaussian(scale: float, width: float):
        """The slope `scale * exp(-x^2 / width)`."""

        def slope(r):
            x = r.x(0)
            sq = r.b.apply(O.mul, x, x)
            return r.b.apply(O.mul, scale, r.b.apply(E.exp, r.b.apply(O.truediv, sq, -width)))

        return slope

    _chain(special_expit, _expit_slope)
    _chain(special_logit, _logit_slope)
    _chain(special_erf, _gaussian(2.0 / math.sqrt(math.pi), 1.0))
    _chain(special_erfc, _gaussian(-2.0 / math.sqrt(math.pi), 1.0))
    _chain(special_ndtr, _gaussian(1.0 / math.sqrt(2.0 * math.pi), 2.0))

    # -----------------------------------------------------------------------------------
    # xlogy

    @primitive("scipy.special.xlogy", py=[scipy.special.xlogy], elementwise=True, fresh=True)
    def special_xlogy(x, y):
        """`scipy.special.xlogy(x, y)`: `x * log(y)`, 0 where `x` is 0."""
        return scipy.special.xlogy(x, y)

    special_xlogy.definfer(
        lambda x, y: union_map(lambda x, y: ufunc_type(scipy.special.xlogy, [x, y]), x, y)
    )
    special_xlogy.defemit(lambda e, args: e.helper_call("scipy.special.xlogy", args))

    def _xlogy_slopes(b, x, y):
        """(d/dx, d/dy): `log(y)` and `x / y`, 0 where x is 0."""
        zero = b.apply(O.eq, x, 0.0)
        dy = b.apply(O.truediv, x, b.apply(E.where_, zero, 1.0, y))
        return b.apply(E.log, y), dy

    @special_xlogy.defvjp
    def _vjp_xlogy(r):
        b = r.b
        dx, dy = _xlogy_slopes(b, r.x(0), r.x(1))
        return [
            unbroadcast(b, b.apply(O.mul, r.dout, dx), r.types[0]) if r.wants(0) else None,
            unbroadcast(b, b.apply(O.mul, r.dout, dy), r.types[1]) if r.wants(1) else None,
        ]

    @special_xlogy.defjvp
    def _jvp_xlogy(r):
        from myia.prim.jvp import tangent_sum

        b = r.b
        dx, dy = _xlogy_slopes(b, r.x(0), r.x(1))
        tx, ty = r.t(0), r.t(1)
        return tangent_sum(
            b,
            [
                None if tx is None else b.apply(O.mul, tx, dx),
                None if ty is None else b.apply(O.mul, ty, dy),
            ],
        )

    # -----------------------------------------------------------------------------------
    # scipy.stats.norm

    _LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)

    def _norm_function(name: str, canon_of_z):
        method = getattr(scipy.stats.norm, name)

        def impl(x, loc=0.0, scale=1.0):
            return method(x, loc, scale)

        impl.__name__ = impl.__qualname__ = f"norm_{name}"
        impl.__doc__ = f"`scipy.stats.norm.{name}(x, loc, scale)` (float64)."
        prim = primitive(f"scipy.stats.norm.{name}")(impl)
        REGISTRY.alias_bound(scipy.stats.norm, name, prim)

        @prim.definfer
        def infer(x, loc, scale):
            what = f"scipy.stats.norm.{name}"
            return _by_numpy(what, method, *[_operand(t, what) for t in (x, loc, scale)])

        @prim.defcanon
        def canon(b, args):
            x, loc, scale = [_as_float64(b, a) for a in args]
            z = b.apply(O.truediv, b.apply(O.sub, x, loc), scale)
            return canon_of_z(b, z, scale)

        return prim

    def _logpdf(b, z, scale):
        half_sq = b.apply(O.mul, 0.5, b.apply(O.mul, z, z))
        return b.apply(
            O.sub, b.apply(O.neg, half_sq), b.apply(O.add, b.apply(E.log, scale), _LOG_SQRT_2PI)
        )

    norm_logpdf = _norm_function("logpdf", _logpdf)
    norm_pdf = _norm_function("pdf", lambda b, z, scale: b.apply(E.exp, _logpdf(b, z, scale)))
    norm_cdf = _norm_function("cdf", lambda b, z, scale: b.apply(special_ndtr, z))

    # -----------------------------------------------------------------------------------
    # scipy.stats.multivariate_normal.logpdf

    _MVN = "scipy.stats.multivariate_normal.logpdf"

    def _mvn(x, mean, cov):
        return scipy.stats.multivariate_normal.logpdf(x, mean, cov)

    _mvn.__name__ = _mvn.__qualname__ = "multivariate_normal_logpdf"
    _mvn.__doc__ = f"`{_MVN}(x, mean, cov)` (float64)."
    mvn_logpdf = primitive(_MVN)(_mvn)
    REGISTRY.alias_bound(scipy.stats.multivariate_normal, "logpdf", mvn_logpdf)

    def _mvn_plan(x, mean, cov) -> tuple[int, tuple]:
        """(D, the shape of the result: that of the points, squeezed as SciPy does)."""
        if not (
            isinstance(x, AArray)
            and x.ndim in (1, 2)
            and isinstance(mean, AArray)
            and mean.ndim == 1
            and isinstance(cov, AArray)
            and cov.ndim == 2
        ):
            raise MyiaTypeError(
                f"{_MVN} takes points x of shape (D,) or (N, D), a mean of shape (D,) and a "
                f"covariance matrix of shape (D, D); got {describe(x)}, {describe(mean)} and "
                f"{describe(cov)}"
            )
        d = mean.shape[0]
        if d is None or cov.shape != (d, d) or x.shape[-1] != d:
            raise MyiaShapeError(
                f"{_MVN}: points of shape {x.shape}, a mean of shape {mean.shape} and a "
                f"covariance of shape {cov.shape} do not fit (D known when compiling)"
            )
        return d, tuple(n for n in x.shape[:-1] if n != 1)

    @mvn_logpdf.definfer
    def _infer_mvn(x, mean, cov):
        _, shape = _mvn_plan(x, mean, cov)
        return AArray(np.dtype(np.float64), shape) if shape else T.scalar_of_dtype(np.float64)

    @mvn_logpdf.defcanon
    def _canon_mvn(b, args):
        from myia.prim.decompositions import slogdet
        from myia.prim.np_linalg import solve
        from myia.prim.shapes import tril
        from myia.prim.structures import getitem

        d, shape = _mvn_plan(*(type_of(a) for a in args))
        x, mean, cov = [_as_float64(b, a) for a in args]
        # SciPy reads the lower triangle of `cov` (an eigendecomposition): so does this.
        cov = b.apply(
            O.add, b.apply(tril, cov, 0), b.apply(transpose, b.apply(tril, cov, -1), None)
        )
        rows = type_of(args[0]).ndim == 2
        diff = b.apply(O.sub, x, mean)
        sol = b.apply(solve, cov, b.apply(transpose, diff, None) if rows else diff)
        sol = b.apply(transpose, sol, None) if rows else sol
        maha = b.apply(sum_, b.apply(O.mul, diff, sol), -1, None, False)
        logdet = b.apply(getitem, b.apply(slogdet, cov), 1)
        total = b.apply(O.add, b.apply(O.add, maha, logdet), d * math.log(2.0 * math.pi))
        out = b.apply(O.mul, -0.5, total)
        if rows and not shape:
            return b.apply(getitem, b.apply(reshape, out, ()), ())
        return out
