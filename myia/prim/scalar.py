"""Primitives of Python's scalar vocabulary: the operators (`+ - * / // % ** @`, unary
operators, comparisons), the `math` functions, and the builtins `abs min max sum float
int isinstance tuple list round`, with their backpropagators.

Operators work on Python numbers, NumPy scalars and arrays (with broadcasting) as Python
and NumPy define them; `+` and `*` also concatenate and repeat tuples and lists. The
`math` functions keep Python's semantics (Python floats in and out). The private
primitives at the end (IEEE power, the polygamma functions, sequence sensitivities,
matmul's axis shuffles) exist so that every backpropagator here is itself built from
differentiable primitives.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from myia.prim.registry import Primitive, primitive
from myia.prim.sens import ZERO, gadd, instantiate, sum_to
from myia.prim.structures import truth

_PY_NUMBER = (bool, int, float)


def _float_like(r, x):
    """`r` (float64) as the float type of `x`: a Python float for a Python number, else a
    NumPy scalar or array of `x`'s float dtype (float64 for integers)."""
    if isinstance(x, _PY_NUMBER):
        return float(r)
    r = np.asarray(r, dtype=np.result_type(x, 1.0))
    return r[()] if isinstance(x, np.generic) else r


# ---------------------------------------------------------------------------------------
# Arithmetic operators


@primitive("add", py=[operator.add])
def add(a, b):
    """`a + b`: numbers and arrays with broadcasting, or tuple/list concatenation."""
    return a + b


@add.defbprop
def bprop_add(a, b, out, dout):
    if isinstance(a, (tuple, list)):
        return (dout[: len(a)], dout[len(a) :])
    return (sum_to(dout, a), sum_to(dout, b))


@primitive("sub", py=[operator.sub])
def sub(a, b):
    """`a - b`."""
    return a - b


@sub.defbprop
def bprop_sub(a, b, out, dout):
    return (sum_to(dout, a), sum_to(-dout, b))


@primitive("mul", py=[operator.mul])
def mul(a, b):
    """`a * b`: numbers and arrays with broadcasting, or a tuple/list repeated an int times."""
    return a * b


@mul.defbprop
def bprop_mul(a, b, out, dout):
    if isinstance(a, (tuple, list)):
        return (seq_fold(dout, a, b), ZERO)
    if isinstance(b, (tuple, list)):
        return (ZERO, seq_fold(dout, b, a))
    return (sum_to(dout * b, a), sum_to(a * dout, b))


@primitive("truediv", py=[operator.truediv])
def truediv(a, b):
    """`a / b`."""
    return a / b


@truediv.defbprop
def bprop_truediv(a, b, out, dout):
    return (sum_to(dout / b, a), sum_to(-dout * out / b, b))


@primitive("floordiv", py=[operator.floordiv], nondiff=True)
def floordiv(a, b):
    """`a // b` (piecewise constant: no sensitivity)."""
    return a // b


@primitive("mod", py=[operator.mod])
def mod(a, b):
    """`a % b`; since `a % b == a - b * (a // b)`, d/da = 1 and d/db = -(a // b)."""
    return a % b


@mod.defbprop
def bprop_mod(a, b, out, dout):
    return (sum_to(dout, a), sum_to(-dout * (a // b), b))


@primitive("pow", py=[operator.pow])
def pow_(a, b):
    """`a ** b`; an int or bool exponent gets ZERO; d/db is 0 where a == 0 and uses log|a|
    where a < 0; d/da at a == 0 is inf for b < 1 (no exception), 0 for b == 0."""
    return a**b


@pow_.defbprop
def bprop_pow(a, b, out, dout):
    # The exponent b - 1 becomes 1 where b == 0 (as autograd does): b * a ** (b - 1) is then
    # 0 at a == 0 instead of 0 * inf. ieee_pow gives inf, not ZeroDivisionError, at a == 0.
    da = sum_to(dout * b * ieee_pow(a, b - 1 + 2 * (b == 0)), a)
    db = ZERO if isinstance(b, int) else sum_to(dout * out * pow_log(a), b)
    return (da, db)


@primitive("matmul", py=[operator.matmul])
def matmul(a, b):
    """`a @ b`: vectors, matrices and stacks of matrices with broadcast batch dimensions."""
    return a @ b


@matmul.defbprop
def bprop_matmul(a, b, out, dout):
    # Promote 1-D operands as matmul does (a to a row, b to a column), take the matrix
    # gradients, then drop the axes the promotion added; sum_to undoes batch broadcasting.
    am = a if a.ndim > 1 else insert_axis(a, 0)
    bm = b if b.ndim > 1 else insert_axis(b, 1)
    g = dout if b.ndim > 1 else insert_axis(dout, -1)
    g = g if a.ndim > 1 else insert_axis(g, -2)
    da = g @ swap_last_axes(bm)
    db = swap_last_axes(am) @ g
    da = da if a.ndim > 1 else remove_axis(da, -2)
    db = db if b.ndim > 1 else remove_axis(db, -1)
    return (sum_to(da, a), sum_to(db, b))


# ---------------------------------------------------------------------------------------
# Unary operators and comparisons


@primitive("neg", py=[operator.neg])
def neg(a):
    """`-a`."""
    return -a


@neg.defbprop
def bprop_neg(a, out, dout):
    return (sum_to(-dout, a),)


@primitive("pos", py=[operator.pos])
def pos(a):
    """`+a`."""
    return +a


@pos.defbprop
def bprop_pos(a, out, dout):
    return (sum_to(dout, a),)


@primitive("not_", py=[operator.not_], nondiff=True)
def not_(a):
    """`not a`."""
    return not a


@primitive("eq", py=[operator.eq], nondiff=True)
def eq(a, b):
    """`a == b`."""
    return a == b


@primitive("ne", py=[operator.ne], nondiff=True)
def ne(a, b):
    """`a != b`."""
    return a != b


@primitive("lt", py=[operator.lt], nondiff=True)
def lt(a, b):
    """`a < b`."""
    return a < b


@primitive("le", py=[operator.le], nondiff=True)
def le(a, b):
    """`a <= b`."""
    return a <= b


@primitive("gt", py=[operator.gt], nondiff=True)
def gt(a, b):
    """`a > b`."""
    return a > b


@primitive("ge", py=[operator.ge], nondiff=True)
def ge(a, b):
    """`a >= b`."""
    return a >= b


# ---------------------------------------------------------------------------------------
# The math module


@primitive("math.sin", py=[math.sin])
def math_sin(x):
    """`math.sin(x)`."""
    return math.sin(x)


@math_sin.defbprop
def bprop_math_sin(x, out, dout):
    return (sum_to(dout * math.cos(x), x),)


@primitive("math.cos", py=[math.cos])
def math_cos(x):
    """`math.cos(x)`."""
    return math.cos(x)


@math_cos.defbprop
def bprop_math_cos(x, out, dout):
    return (sum_to(-dout * math.sin(x), x),)


@primitive("math.tan", py=[math.tan])
def math_tan(x):
    """`math.tan(x)`."""
    return math.tan(x)


@math_tan.defbprop
def bprop_math_tan(x, out, dout):
    return (sum_to(dout * (1.0 + out * out), x),)


@primitive("math.exp", py=[math.exp])
def math_exp(x):
    """`math.exp(x)`."""
    return math.exp(x)


@math_exp.defbprop
def bprop_math_exp(x, out, dout):
    return (sum_to(dout * out, x),)


@primitive("math.log", py=[math.log])
def math_log(x):
    """`math.log(x)` (natural logarithm; the two-argument form is not supported)."""
    return math.log(x)


@math_log.defbprop
def bprop_math_log(x, out, dout):
    return (sum_to(dout / x, x),)


@primitive("math.log1p", py=[math.log1p])
def math_log1p(x):
    """`math.log1p(x)`."""
    return math.log1p(x)


@math_log1p.defbprop
def bprop_math_log1p(x, out, dout):
    return (sum_to(dout / (1.0 + x), x),)


@primitive("math.expm1", py=[math.expm1])
def math_expm1(x):
    """`math.expm1(x)`."""
    return math.expm1(x)


@math_expm1.defbprop
def bprop_math_expm1(x, out, dout):
    return (sum_to(dout * (out + 1.0), x),)


@primitive("math.sqrt", py=[math.sqrt])
def math_sqrt(x):
    """`math.sqrt(x)`; its derivative at 0 is inf, as NumPy's (no special case)."""
    return math.sqrt(x)


@math_sqrt.defbprop
def bprop_math_sqrt(x, out, dout):
    return (sum_to(0.5 * dout * ieee_pow(x, -0.5), x),)


@primitive("math.tanh", py=[math.tanh])
def math_tanh(x):
    """`math.tanh(x)`."""
    return math.tanh(x)


@math_tanh.defbprop
def bprop_math_tanh(x, out, dout):
    return (sum_to(dout * (1.0 - out * out), x),)


@primitive("math.atan2", py=[math.atan2])
def math_atan2(y, x):
    """`math.atan2(y, x)`; its gradient at the origin is NaN, as NumPy's."""
    return math.atan2(y, x)


@math_atan2.defbprop
def bprop_math_atan2(y, x, out, dout):
    r = ieee_pow(x * x + y * y, -1.0)
    return (sum_to(dout * x * r, y), sum_to(-dout * y * r, x))


@primitive("math.pow", py=[math.pow])
def math_pow(x, y):
    """`math.pow(x, y)`; gradients as for `x ** y`."""
    return math.pow(x, y)


math_pow.defbprop(bprop_pow)


@primitive("math.fabs", py=[math.fabs])
def math_fabs(x):
    """`math.fabs(x)`; its derivative at 0 is 0."""
    return math.fabs(x)


@math_fabs.defbprop
def bprop_math_fabs(x, out, dout):
    return (sum_to(dout * (x > 0) - dout * (x < 0), x),)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@primitive("math.erf", py=[math.erf])
def math_erf(x):
    """`math.erf(x)`; d/dx = 2 / sqrt(pi) * exp(-x * x)."""
    return math.erf(x)


@math_erf.defbprop
def bprop_math_erf(x, out, dout):
    return (sum_to(dout * _TWO_OVER_SQRT_PI * math.exp(-x * x), x),)


@primitive("math.lgamma", py=[math.lgamma])
def math_lgamma(x):
    """`math.lgamma(x)`; d/dx = digamma(x)."""
    return math.lgamma(x)


@math_lgamma.defbprop
def bprop_math_lgamma(x, out, dout):
    return (sum_to(dout * digamma(x), x),)


@primitive("math.floor", py=[math.floor], nondiff=True)
def math_floor(x):
    """`math.floor(x)` (an int)."""
    return math.floor(x)


@primitive("math.ceil", py=[math.ceil], nondiff=True)
def math_ceil(x):
    """`math.ceil(x)` (an int)."""
    return math.ceil(x)


# ---------------------------------------------------------------------------------------
# Polygamma functions (the derivatives of lgamma), elementwise on floats and arrays

# Bernoulli numbers B2, B4, ..., B14 of the asymptotic series.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _polygamma(n, x):
    """psi^(n)(x) for n in (0, 1, 2), in float64, accurate to about 1e-14 relative.

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
        shift = (-1.0, 1.0, -2.0)[n]
        for _ in range(10):
            low = z < 10.0
            acc = acc + np.where(low, shift * z ** -(n + 1.0), 0.0)
            z = np.where(low, z + 1.0, z)
        if n == 0:
            series = np.log(z) - 0.5 / z
            for k, b in enumerate(_BERNOULLI, 1):
                series = series - b / (2 * k) * z ** (-2.0 * k)
        elif n == 1:
            series = 1.0 / z + 0.5 / z**2
            for k, b in enumerate(_BERNOULLI, 1):
                series = series + b * z ** (-2.0 * k - 1)
        else:
            series = -1.0 / z**2 - 1.0 / z**3
            for k, b in enumerate(_BERNOULLI, 1):
                series = series - (2 * k + 1) * b * z ** (-2.0 * k - 2)
        value = series + acc
        if not np.any(reflect):
            return value
        # Reduce x by the nearest integer first: the terms have period 1 and pi * x loses
        # precision for large |x|.
        r = np.pi * (x - np.round(x))
        if n == 0:
            mirrored = value - np.pi / np.tan(r)
        elif n == 1:
            mirrored = -value + (np.pi / np.sin(r)) ** 2
        else:
            mirrored = value - 2.0 * np.pi**3 * np.cos(r) / np.sin(r) ** 3
        return np.where(reflect, mirrored, value)


@primitive("math.digamma")
def digamma(x):
    """The digamma function psi(x) = d lgamma(x) / dx, elementwise."""
    return _float_like(_polygamma(0, x), x)


@digamma.defbprop
def bprop_digamma(x, out, dout):
    return (sum_to(dout * polygamma1(x), x),)


@primitive("math.polygamma1")
def polygamma1(x):
    """The trigamma function psi'(x), elementwise."""
    return _float_like(_polygamma(1, x), x)


@polygamma1.defbprop
def bprop_polygamma1(x, out, dout):
    return (sum_to(dout * polygamma2(x), x),)


@primitive("math.polygamma2", nondiff=True)
def polygamma2(x):
    """psi''(x), elementwise; marked nondiff: lgamma's fourth derivative is not provided."""
    return _float_like(_polygamma(2, x), x)


# ---------------------------------------------------------------------------------------
# Builtins


@primitive("builtin.abs", py=[abs])
def builtin_abs(x):
    """`abs(x)`; its derivative at 0 is 0."""
    return abs(x)


@builtin_abs.defbprop
def bprop_builtin_abs(x, out, dout):
    return (sum_to(dout * (x > 0) - dout * (x < 0), x),)


@primitive("builtin.max", py=[max])
def builtin_max(a, b=None):
    """`max(a, b)`, or `max(a)` of a tuple/list `a` when `b` is None (the parser packs three
    or more arguments into one tuple). Tied maxima share the sensitivity equally."""
    if b is None:
        return max(a)
    return max(a, b)


@builtin_max.defbprop
def bprop_builtin_max(a, b, out, dout):
    if b is None:
        return (seq_scale(seq_fill(a, dout), seq_ties(a, out)), ZERO)
    tie = 0.5 * (a == b)
    return (sum_to(dout * ((a > b) + tie), a), sum_to(dout * ((b > a) + tie), b))


@primitive("builtin.min", py=[min])
def builtin_min(a, b=None):
    """`min(a, b)`, or `min(a)` of a tuple/list `a` when `b` is None (the parser packs three
    or more arguments into one tuple). Tied minima share the sensitivity equally."""
    if b is None:
        return min(a)
    return min(a, b)


@builtin_min.defbprop
def bprop_builtin_min(a, b, out, dout):
    if b is None:
        return (seq_scale(seq_fill(a, dout), seq_ties(a, out)), ZERO)
    tie = 0.5 * (a == b)
    return (sum_to(dout * ((a < b) + tie), a), sum_to(dout * ((b < a) + tie), b))


@primitive("builtin.sum", py=[sum])
def builtin_sum(iterable, start=0):
    """`sum(iterable, start)` of a tuple/list (its elements may broadcast together)."""
    return sum(iterable, start)


@builtin_sum.defbprop
def bprop_builtin_sum(iterable, start, out, dout):
    return (seq_fill(iterable, dout), sum_to(dout, start))


@primitive("builtin.float", py=[float])
def builtin_float(x):
    """`float(x)`; the sensitivity passes through, converted to the type of `x`."""
    return float(x)


@builtin_float.defbprop
def bprop_builtin_float(x, out, dout):
    return (sum_to(dout, x),)


@primitive("builtin.int", py=[int], nondiff=True)
def builtin_int(x):
    """`int(x)`."""
    return int(x)


@primitive("builtin.round", py=[round], nondiff=True)
def builtin_round(number, ndigits=None):
    """`round(number, ndigits)`."""
    return round(number, ndigits)


@primitive("builtin.isinstance", py=[isinstance], nondiff=True)
def builtin_isinstance(obj, class_or_tuple):
    """`isinstance(obj, class_or_tuple)`; also accepts the primitives that stand for the
    types `bool int float tuple list` in parsed code."""
    return isinstance(obj, _as_type(class_or_tuple))


def _as_type(cls):
    if isinstance(cls, tuple):
        return tuple(_as_type(c) for c in cls)
    if isinstance(cls, Primitive):
        return _TYPE_OF_PRIMITIVE[cls]
    return cls


@primitive("builtin.tuple", py=[tuple])
def builtin_tuple(iterable=()):
    """`tuple(iterable)`."""
    return tuple(iterable)


@builtin_tuple.defbprop
def bprop_builtin_tuple(iterable, out, dout):
    return (iter_sens(iterable, dout),)


@primitive("builtin.list", py=[list])
def builtin_list(iterable=()):
    """`list(iterable)`."""
    return list(iterable)


@builtin_list.defbprop
def bprop_builtin_list(iterable, out, dout):
    return (iter_sens(iterable, dout),)


_TYPE_OF_PRIMITIVE = {
    truth: bool,
    builtin_int: int,
    builtin_float: float,
    builtin_tuple: tuple,
    builtin_list: list,
}


# ---------------------------------------------------------------------------------------
# Helpers of the backpropagators above: IEEE power and pow's logarithm


@primitive("ieee_pow")
def ieee_pow(x, y):
    """`x ** y` giving inf/NaN as IEEE does instead of raising (0.0 ** -0.5 is inf); ints
    are raised as floats; Python numbers give a Python float."""
    with np.errstate(all="ignore"):
        r = np.power(np.asarray(x, dtype=np.result_type(x, y, 1.0)), y)
    if isinstance(x, _PY_NUMBER) and isinstance(y, _PY_NUMBER):
        return float(r)
    return r


ieee_pow.defbprop(bprop_pow)


@primitive("pow_log")
def pow_log(x):
    """log|x| as d(x ** y)/dy = x ** y * log(x) uses it: 0 at x == 0 (where 0 ** y is flat
    in y), and for x < 0 (integer-valued y) the real part of the complex derivative, as
    `np.power`'s backpropagator does."""
    r = np.log(np.abs(np.where(np.equal(x, 0), 1, x)))
    return _float_like(r, x)


@pow_log.defbprop
def bprop_pow_log(x, out, dout):
    return (sum_to(dout * (x != 0) / (x + (x == 0)), x),)


# ---------------------------------------------------------------------------------------
# Helpers of matmul's backpropagator: axis shuffles, each the other's adjoint


@primitive("insert_axis")
def insert_axis(x, axis):
    """`np.expand_dims(x, axis)` for one int axis."""
    return np.expand_dims(x, axis)


@insert_axis.defbprop
def bprop_insert_axis(x, axis, out, dout):
    return (remove_axis(dout, axis), ZERO)


@primitive("remove_axis")
def remove_axis(x, axis):
    """`np.squeeze(x, axis)` for one int axis of length 1."""
    return np.squeeze(x, axis)


@remove_axis.defbprop
def bprop_remove_axis(x, axis, out, dout):
    return (insert_axis(dout, axis), ZERO)


@primitive("swap_last_axes")
def swap_last_axes(x):
    """`np.swapaxes(x, -1, -2)`: the transpose of a stack of matrices."""
    return np.swapaxes(x, -1, -2)


@swap_last_axes.defbprop
def bprop_swap_last_axes(x, out, dout):
    return (swap_last_axes(dout),)


# ---------------------------------------------------------------------------------------
# Helpers of the sequence backpropagators: sensitivities of tuples and lists (ZERO entries
# stay ZERO), in adjoint pairs so that they differentiate again


@primitive("seq_fill")
def seq_fill(like, v):
    """A tuple/list shaped like `like` holding `sum_to(v, e)` for each element `e`."""
    return type(like)(ZERO if e is ZERO else sum_to(v, e) for e in like)


@seq_fill.defbprop
def bprop_seq_fill(like, v, out, dout):
    return (ZERO, seq_sum(dout, v))


@primitive("seq_sum")
def seq_sum(s, like):
    """The sum of the sensitivities in the tuple/list `s`, broadcast or summed to `like`."""
    terms = [e for e in s if e is not ZERO]
    if not terms:
        return ZERO
    acc = np.zeros_like(like, dtype=np.result_type(like, 1.0))  # at least like's shape
    for e in terms:
        acc = acc + e
    return sum_to(acc, like)


@seq_sum.defbprop
def bprop_seq_sum(s, like, out, dout):
    return (seq_fill(s, dout), ZERO)


@primitive("seq_ties", nondiff=True)
def seq_ties(seq, best):
    """Weights sharing a sensitivity among the elements of `seq` equal to `best`: 1/k for
    each of the k ties, 0.0 elsewhere (the convention of `max`/`min` over a sequence)."""
    hits = tuple(bool(e == best) for e in seq)
    return tuple(h / sum(hits) for h in hits)


@primitive("seq_scale")
def seq_scale(s, w):
    """The tuple/list of sensitivities `s[i] * w[i]`, ZERO where `s[i]` is ZERO or `w[i]`
    is 0 (its own adjoint)."""
    return type(s)(ZERO if e is ZERO or k == 0 else e * k for e, k in zip(s, w))


@seq_scale.defbprop
def bprop_seq_scale(s, w, out, dout):
    return (seq_scale(dout, w), ZERO)


@primitive("seq_fold")
def seq_fold(d, like, n):
    """The sensitivity of the tuple/list `like` when `like * n` has sensitivity `d`: the sum
    of the `n` chunks of `d` (ZERO when `n <= 0`)."""
    if n <= 0:
        return ZERO
    k = len(like)
    acc = list(d[:k])
    for j in range(1, n):
        acc = [gadd(a, b) for a, b in zip(acc, d[j * k : (j + 1) * k])]
    return type(like)(acc)


@seq_fold.defbprop
def bprop_seq_fold(d, like, n, out, dout):
    return (dout * n, ZERO, ZERO)


@primitive("iter_sens")
def iter_sens(like, d):
    """The sensitivity of the iterable `like` given `d`, that of `tuple(like)` or
    `list(like)`: converted back to a tuple or list, stacked for an array (ZERO rows become
    zeros), ZERO for anything else (a range)."""
    if isinstance(like, tuple):
        return tuple(d)
    if isinstance(like, list):
        return list(d)
    if isinstance(like, np.ndarray):
        if len(like) == 0:
            return np.zeros_like(like)
        return np.stack(instantiate(tuple(d), tuple(like)))
    return ZERO


@iter_sens.defbprop
def bprop_iter_sens(like, d, out, dout):
    return (ZERO, tuple(dout) if isinstance(d, tuple) else list(dout))
