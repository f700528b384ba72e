"""Elementwise NumPy primitives (`np.add` ... `np.greater_equal`) and their backpropagators.

Each primitive is registered as "np.NAME" and reached from user code through `np.NAME`
(`np.abs` and `np.absolute` both map to "np.abs"). Implementations take explicit
parameters named as NumPy names them (`x`, `x1, x2`, `a, a_min, a_max`, `condition, x, y`)
and accept Python floats, numpy scalars and arrays, with NumPy broadcasting. Every
backpropagator ends with `sum_to(sensitivity, input)`, which undoes broadcasting and gives
the sensitivity its input's type and dtype (and `ZERO` for int and bool inputs).

Conventions where the derivative is not defined:

- `maximum` / `minimum`: at ties `x1 == x2` the sensitivity splits 0.5 / 0.5.
- `abs`: the derivative at 0 is 0 (`sign(0) == 0`).
- `clip`: at a boundary (`a == a_min` or `a == a_max`) the sensitivity passes through to
  `a`; a bound gets the sensitivity only where it is strictly active. A bound given as
  None gets `ZERO`. For `a_min > a_max` the result is `a_max` everywhere, as in NumPy.
- `power`: wrt `x1`, `x2 * x1 ** (x2 - 1)` with the exponent replaced where `x2 == 0`, so
  `0 ** 0` and integer-valued exponents at `x1 == 0` give no NaN. Wrt `x2`, `out * log(x1)`,
  0 where `x1 == 0`; where `x1 < 0` (an integer-valued exponent) `out * log|x1|`, the real
  part of the complex derivative. No `log(0)` or `log` of a negative number is computed.
- `logaddexp`: the weights `exp(x - out)`; 0 at `(-inf, -inf)`; where the result is `+inf`
  they split as `maximum`'s do.
- `sign`, `floor`, `ceil`, `round`, `isnan`, `isfinite`, `logical_*` and the comparisons
  are nondifferentiable (`nondiff=True`): their inputs get `ZERO`.

Backpropagators are written in the supported subset (see shared/SUBSET.md): every call in
one is a registered primitive or a plain helper function of this module.
"""

from __future__ import annotations

import numpy as np

from myia.prim.registry import Primitive, primitive
from myia.prim.sens import ZERO, sum_to


def _unary(name: str, fn, *, py=None, nondiff: bool = False) -> Primitive:
    """Register `fn(x)` as the primitive "np.NAME" (`py` defaults to `[fn]`)."""

    def impl(x):
        return fn(x)

    _describe(impl, name, "x")
    return primitive(f"np.{name}", py=py or [fn], nondiff=nondiff)(impl)


def _binary(name: str, fn, *, nondiff: bool = False) -> Primitive:
    """Register `fn(x1, x2)` as the primitive "np.NAME"."""

    def impl(x1, x2):
        return fn(x1, x2)

    _describe(impl, name, "x1, x2")
    return primitive(f"np.{name}", py=[fn], nondiff=nondiff)(impl)


def _describe(impl, name: str, params: str) -> None:
    impl.__name__ = impl.__qualname__ = f"np_{name}"
    impl.__doc__ = f"`np.{name}({params})`, elementwise with NumPy broadcasting."


def _split_weight(x1, x2):
    """The share of `x1` in `maximum(x1, x2)`: 1 where it is larger, 0.5 at ties, else 0."""
    return np.where(x1 > x2, 1.0, np.where(x1 == x2, 0.5, 0.0))


# ---------------------------------------------------------------- arithmetic

np_add = _binary("add", np.add)


@np_add.defbprop
def bprop_np_add(x1, x2, out, dout):
    return (sum_to(dout, x1), sum_to(dout, x2))


np_subtract = _binary("subtract", np.subtract)


@np_subtract.defbprop
def bprop_np_subtract(x1, x2, out, dout):
    return (sum_to(dout, x1), sum_to(-dout, x2))


np_multiply = _binary("multiply", np.multiply)


@np_multiply.defbprop
def bprop_np_multiply(x1, x2, out, dout):
    return (sum_to(dout * x2, x1), sum_to(dout * x1, x2))


np_divide = _binary("divide", np.divide)


@np_divide.defbprop
def bprop_np_divide(x1, x2, out, dout):
    return (sum_to(dout / x2, x1), sum_to(-dout * out / x2, x2))


np_negative = _unary("negative", np.negative)


@np_negative.defbprop
def bprop_np_negative(x, out, dout):
    return (sum_to(-dout, x),)


np_power = _binary("power", np.power)


@np_power.defbprop
def bprop_np_power(x1, x2, out, dout):
    # Where x2 == 0 the factor x2 zeroes d1; the exponent 1 there keeps 0 ** -1 out of it.
    d1 = x2 * np.power(x1, np.where(x2 == 0, 1.0, x2 - 1))
    # out * log(x1), with log(0) and the log of a negative base kept out of the computation.
    nonzero = x1 != 0
    d2 = np.where(nonzero, out, 0.0) * np.log(np.where(nonzero, np.abs(x1), 1.0))
    return (sum_to(dout * d1, x1), sum_to(dout * d2, x2))


np_square = _unary("square", np.square)


@np_square.defbprop
def bprop_np_square(x, out, dout):
    return (sum_to(2.0 * x * dout, x),)


np_sqrt = _unary("sqrt", np.sqrt)


@np_sqrt.defbprop
def bprop_np_sqrt(x, out, dout):
    return (sum_to(dout / (2.0 * out), x),)


np_sign = _unary("sign", np.sign, nondiff=True)

np_abs = _unary("abs", np.abs, py=[np.abs, np.absolute])


@np_abs.defbprop
def bprop_np_abs(x, out, dout):
    return (sum_to(dout * np.sign(x), x),)


# ---------------------------------------------------------------- exponentials and logarithms

np_exp = _unary("exp", np.exp)


@np_exp.defbprop
def bprop_np_exp(x, out, dout):
    return (sum_to(dout * out, x),)


np_exp2 = _unary("exp2", np.exp2)


@np_exp2.defbprop
def bprop_np_exp2(x, out, dout):
    return (sum_to(dout * out * 0.6931471805599453, x),)  # log(2)


np_expm1 = _unary("expm1", np.expm1)


@np_expm1.defbprop
def bprop_np_expm1(x, out, dout):
    return (sum_to(dout * (out + 1.0), x),)


np_log = _unary("log", np.log)


@np_log.defbprop
def bprop_np_log(x, out, dout):
    return (sum_to(dout / x, x),)


np_log1p = _unary("log1p", np.log1p)


@np_log1p.defbprop
def bprop_np_log1p(x, out, dout):
    return (sum_to(dout / (1.0 + x), x),)


np_log2 = _unary("log2", np.log2)


@np_log2.defbprop
def bprop_np_log2(x, out, dout):
    return (sum_to(dout / (x * 0.6931471805599453), x),)  # log(2)


np_logaddexp = _binary("logaddexp", np.logaddexp)


@np_logaddexp.defbprop
def bprop_np_logaddexp(x1, x2, out, dout):
    # The weights are exp(x - out). Where out is infinite that is inf - inf: at out == -inf
    # (both inputs -inf) shifting by 0 gives exp(-inf) == 0; at out == inf the weights
    # split as maximum's, and the exponent is replaced so nothing overflows.
    top = out == np.inf
    shift = np.where(np.logical_or(top, out == -np.inf), 0.0, out)
    w1 = np.where(top, _split_weight(x1, x2), np.exp(np.where(top, 0.0, x1) - shift))
    w2 = np.where(top, _split_weight(x2, x1), np.exp(np.where(top, 0.0, x2) - shift))
    return (sum_to(dout * w1, x1), sum_to(dout * w2, x2))


# ---------------------------------------------------------------- trigonometric

np_sin = _unary("sin", np.sin)


@np_sin.defbprop
def bprop_np_sin(x, out, dout):
    return (sum_to(dout * np.cos(x), x),)


np_cos = _unary("cos", np.cos)


@np_cos.defbprop
def bprop_np_cos(x, out, dout):
    return (sum_to(-dout * np.sin(x), x),)


np_tan = _unary("tan", np.tan)


@np_tan.defbprop
def bprop_np_tan(x, out, dout):
    return (sum_to(dout * (1.0 + out * out), x),)


np_arcsin = _unary("arcsin", np.arcsin)


@np_arcsin.defbprop
def bprop_np_arcsin(x, out, dout):
    return (sum_to(dout / np.sqrt(1.0 - x * x), x),)


np_arccos = _unary("arccos", np.arccos)


@np_arccos.defbprop
def bprop_np_arccos(x, out, dout):
    return (sum_to(-dout / np.sqrt(1.0 - x * x), x),)


np_arctan = _unary("arctan", np.arctan)


@np_arctan.defbprop
def bprop_np_arctan(x, out, dout):
    return (sum_to(dout / (1.0 + x * x), x),)


np_arctan2 = _binary("arctan2", np.arctan2)


@np_arctan2.defbprop
def bprop_np_arctan2(x1, x2, out, dout):
    scale = dout / (x1 * x1 + x2 * x2)
    return (sum_to(scale * x2, x1), sum_to(-scale * x1, x2))


# ---------------------------------------------------------------- hyperbolic

np_sinh = _unary("sinh", np.sinh)


@np_sinh.defbprop
def bprop_np_sinh(x, out, dout):
    return (sum_to(dout * np.cosh(x), x),)


np_cosh = _unary("cosh", np.cosh)


@np_cosh.defbprop
def bprop_np_cosh(x, out, dout):
    return (sum_to(dout * np.sinh(x), x),)


np_tanh = _unary("tanh", np.tanh)


@np_tanh.defbprop
def bprop_np_tanh(x, out, dout):
    return (sum_to(dout * (1.0 - out * out), x),)


np_arcsinh = _unary("arcsinh", np.arcsinh)


@np_arcsinh.defbprop
def bprop_np_arcsinh(x, out, dout):
    return (sum_to(dout / np.sqrt(x * x + 1.0), x),)


np_arctanh = _unary("arctanh", np.arctanh)


@np_arctanh.defbprop
def bprop_np_arctanh(x, out, dout):
    return (sum_to(dout / (1.0 - x * x), x),)


# ---------------------------------------------------------------- selection

np_maximum = _binary("maximum", np.maximum)


@np_maximum.defbprop
def bprop_np_maximum(x1, x2, out, dout):
    w1 = _split_weight(x1, x2)
    return (sum_to(dout * w1, x1), sum_to(dout * (1.0 - w1), x2))


np_minimum = _binary("minimum", np.minimum)


@np_minimum.defbprop
def bprop_np_minimum(x1, x2, out, dout):
    w1 = _split_weight(x2, x1)
    return (sum_to(dout * w1, x1), sum_to(dout * (1.0 - w1), x2))


@primitive("np.clip", py=[np.clip])
def np_clip(a, a_min, a_max):
    """`np.clip(a, a_min, a_max)`; either bound may be None.

    Example:
        >>> np_clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
        array([0. , 0.5, 1. ])
    """
    return np.clip(a, a_min, a_max)


@np_clip.defbprop
def bprop_np_clip(a, a_min, a_max, out, dout):
    # NumPy computes minimum(maximum(a, a_min), a_max). At a boundary the sensitivity
    # passes through to `a`; a bound gets it only where it is strictly active.
    if a_min is None:
        if a_max is None:
            return (sum_to(dout, a), ZERO, ZERO)
        to_max = a > a_max
        d_max = np.where(to_max, dout, 0.0)
        return (sum_to(np.where(to_max, 0.0, dout), a), ZERO, sum_to(d_max, a_max))
    if a_max is None:
        to_min = a < a_min
        d_min = np.where(to_min, dout, 0.0)
        return (sum_to(np.where(to_min, 0.0, dout), a), sum_to(d_min, a_min), ZERO)
    to_max = np.logical_or(a > a_max, a_min > a_max)
    to_min = np.logical_and(a < a_min, np.logical_not(to_max))
    d_a = np.where(np.logical_or(to_min, to_max), 0.0, dout)
    d_min = np.where(to_min, dout, 0.0)
    d_max = np.where(to_max, dout, 0.0)
    return (sum_to(d_a, a), sum_to(d_min, a_min), sum_to(d_max, a_max))


@primitive("np.where", py=[np.where])
def np_where(condition, x, y):
    """`np.where(condition, x, y)`: `x` where `condition` holds, `y` elsewhere.

    Example:
        >>> np_where(np.array([True, False]), 1.0, np.array([5.0, 6.0]))
        array([1., 6.])
    """
    return np.where(condition, x, y)


@np_where.defbprop
def bprop_np_where(condition, x, y, out, dout):
    return (
        ZERO,
        sum_to(np.where(condition, dout, 0.0), x),
        sum_to(np.where(condition, 0.0, dout), y),
    )


# ---------------------------------------------------------------- rounding and tests (nondiff)

np_floor = _unary("floor", np.floor, nondiff=True)
np_ceil = _unary("ceil", np.ceil, nondiff=True)


@primitive("np.round", py=[np.round], nondiff=True)
def np_round(a, decimals=0):
    """`np.round(a, decimals)`: round half to even, to `decimals` decimal places.

    Example:
        >>> np_round(np.array([0.5, 1.5, 2.5, 0.123]), 1)
        array([0.5, 1.5, 2.5, 0.1])
        >>> np_round(np.array([0.5, 1.5, 2.5]))
        array([0., 2., 2.])
    """
    return np.round(a, decimals)


np_isnan = _unary("isnan", np.isnan, nondiff=True)
np_isfinite = _unary("isfinite", np.isfinite, nondiff=True)

# ---------------------------------------------------------------- logic and comparisons (nondiff)

np_logical_and = _binary("logical_and", np.logical_and, nondiff=True)
np_logical_or = _binary("logical_or", np.logical_or, nondiff=True)
np_logical_not = _unary("logical_not", np.logical_not, nondiff=True)
np_equal = _binary("equal", np.equal, nondiff=True)
np_not_equal = _binary("not_equal", np.not_equal, nondiff=True)
np_less = _binary("less", np.less, nondiff=True)
np_less_equal = _binary("less_equal", np.less_equal, nondiff=True)
np_greater = _binary("greater", np.greater, nondiff=True)
np_greater_equal = _binary("greater_equal", np.greater_equal, nondiff=True)
