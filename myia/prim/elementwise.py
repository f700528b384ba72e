"""Elementwise functions: NumPy's (`np.sin`, `np.maximum`, `np.where`, ...) and the `math`
module's, one family per function.

A function with a `math` counterpart is registered twice from one definition: `sin` (what
`np.sin` calls: NumPy semantics, a NumPy result) and `math.sin` (Python semantics: a
number in, a Python float out). Both share the derivative and compile to the same scalar
code (`math.sin(x)`) on a float; see `myia.backend` for how NumPy's results at
special values are kept.

The NumPy spellings of Python's operators (`np.add`, `np.multiply`, `np.negative`, ...)
are canonicalized to the operators on numbers and arrays, with a cast where NumPy's result
would be a NumPy scalar.

Conventions where the derivative is not defined (see docs/numerics.md): ties of
`maximum`/`minimum` (and `fmax`/`fmin`) split the sensitivity 0.5/0.5, and `fmax`/`fmin`
give it all to the argument that is not NaN; `abs` has derivative 0 at 0; `clip`
passes the sensitivity to `x` at its bounds; `power` at 0 and with negative bases as
`myia.prim.arith.pow`. The tangent rules (forward mode) are the transposes of the
backpropagators, with the same conventions.
"""

from __future__ import annotations

import ast
import math

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.prim import arith as O
from myia.prim.emitting import scalar_or_array, template
from myia.prim.jvp import scaled, tangent_sum
from myia.prim.registry import REGISTRY, Primitive, lookup, primitive
from myia.prim.sens import unbroadcast
from myia.prim.typing import ufunc_type, union_map

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _math_rule(name: str, result=float):
    def one(x):
        if not isinstance(x, AScalar) or np.dtype(x.kind).kind not in "biuf":
            raise MyiaTypeError(
                f"math.{name} takes a real number, not {describe(x)}; use np.{name} for arrays"
            )
        return AScalar(result)

    return lambda x: union_map(one, x)


FLAVOR: dict[Primitive, tuple[str, str]] = {}  # primitive -> (function name, flavor)


def same_flavor(prim: Primitive, name: str) -> Primitive:
    """The primitive of the function `name` with the flavor of `prim` (math.cos for
    math.sin), NumPy's when the flavor has none."""
    _, flavor = FLAVOR.get(prim, (None, "np"))
    if flavor == "math":
        try:
            return lookup("math." + name)
        except KeyError:
            pass
    return lookup(name)


def unary(
    name: str, ufunc, *, math_fn=None, math_name=None, deriv=None, nondiff=False, fast=None, py=()
):
    """Register the elementwise function `name` (and its `math` flavor when `math_fn`).

    `deriv(b, prim, x, out)` builds the derivative from the primal input and output
    nodes; `fast` is the scalar form of the fast code (default `math.<name>`).
    """

    def impl(x):
        return ufunc(x)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"`np.{ufunc.__name__}(x)`, elementwise."
    prim = primitive(name, py=[ufunc, *py], elementwise=True, fresh=True, nondiff=nondiff)(impl)
    prim.definfer(lambda x: union_map(lambda x: ufunc_type(ufunc, [x]), x))
    FLAVOR[prim] = (name, "np")
    mname = math_name or (math_fn.__name__ if math_fn else None)
    prim.defemit(
        scalar_or_array(fast or f"math.{mname}({{0}})", f"np.{ufunc.__name__}({{0}})")
        if mname
        else template(f"np.{ufunc.__name__}({{0}})")
    )
    prims = [prim]
    if math_fn is not None:
        mprim = primitive(f"math.{mname}", py=[math_fn], nondiff=nondiff)(_math_impl(math_fn))
        mprim.impl.__name__ = mname
        mprim.impl.__doc__ = f"`math.{mname}(x)`."
        mprim.definfer(_math_rule(mname))
        mprim.defemit(template(f"math.{mname}({{0}})"))
        FLAVOR[mprim] = (name, "math")
        prims.append(mprim)
    if deriv is not None:
        for p in prims:
            chain_rules(p, deriv)
    return prim


def _math_impl(fn):
    def impl(x):
        return fn(x)

    return impl


def _unary_vjp(prim, deriv):
    def vjp(r):
        b = r.b
        g = deriv(b, prim, r.x, r.out)
        return [unbroadcast(b, b.apply(O.mul, r.dout, g), r.types[0])]

    return vjp


def chain_rules(prim, deriv):
    """The backpropagator (`dout * f'(x)`) and the tangent rule (`t * f'(x)`) of the
    elementwise function `prim` of one input, `deriv(b, prim, x, out)` building f'(x)."""
    prim.defvjp(_unary_vjp(prim, deriv))
    prim.defjvp(scaled(lambda r: deriv(r.b, prim, r.x, r.out)))


def _sign_of_x(b, p, x, out):
    """The derivative of `abs` (0 at 0)."""
    return b.apply(sign, x(0))


def _f(prim, name):
    return same_flavor(prim, name)


def _one_minus_square(b, v):
    return b.apply(O.sub, 1.0, b.apply(square, v))


sin = unary("sin", np.sin, math_fn=math.sin, deriv=lambda b, p, x, out: b.apply(_f(p, "cos"), x(0)))
cos = unary(
    "cos",
    np.cos,
    math_fn=math.cos,
    deriv=lambda b, p, x, out: b.apply(O.neg, b.apply(_f(p, "sin"), x(0))),
)
tan = unary(
    "tan",
    np.tan,
    math_fn=math.tan,
    deriv=lambda b, p, x, out: b.apply(O.add, 1.0, b.apply(square, out())),
)
exp = unary("exp", np.exp, math_fn=math.exp, deriv=lambda b, p, x, out: out())
exp2 = unary(
    "exp2", np.exp2, fast="2.0 ** {0}", deriv=lambda b, p, x, out: b.apply(O.mul, out(), LN2)
)
expm1 = unary(
    "expm1", np.expm1, math_fn=math.expm1, deriv=lambda b, p, x, out: b.apply(O.add, out(), 1.0)
)
log = unary(
    "log", np.log, math_fn=math.log, deriv=lambda b, p, x, out: b.apply(O.truediv, 1.0, x(0))
)
log1p = unary(
    "log1p",
    np.log1p,
    math_fn=math.log1p,
    deriv=lambda b, p, x, out: b.apply(O.truediv, 1.0, b.apply(O.add, 1.0, x(0))),
)
log2 = unary(
    "log2",
    np.log2,
    math_name="log2",
    deriv=lambda b, p, x, out: b.apply(O.truediv, 1.0, b.apply(O.mul, x(0), LN2)),
)
log10 = unary(
    "log10",
    np.log10,
    math_name="log10",
    deriv=lambda b, p, x, out: b.apply(O.truediv, 1.0, b.apply(O.mul, x(0), LN10)),
)
sqrt = unary(
    "sqrt", np.sqrt, math_fn=math.sqrt, deriv=lambda b, p, x, out: b.apply(O.truediv, 0.5, out())
)
tanh = unary(
    "tanh", np.tanh, math_fn=math.tanh, deriv=lambda b, p, x, out: _one_minus_square(b, out())
)
sinh = unary("sinh", np.sinh, math_name="sinh", deriv=lambda b, p, x, out: b.apply(cosh, x(0)))
cosh = unary("cosh", np.cosh, math_name="cosh", deriv=lambda b, p, x, out: b.apply(sinh, x(0)))
arcsin = unary(
    "arcsin",
    np.arcsin,
    math_name="asin",
    deriv=lambda b, p, x, out: b.apply(O.truediv, 1.0, b.apply(sqrt, _one_minus_square(b, x(0)))),
)
arccos = unary(
    "arccos",
    np.arccos,
    math_name="acos",
    deriv=lambda b, p, x, out: b.apply(O.truediv, -1.0, b.apply(sqrt, _one_minus_square(b, x(0)))),
)
arctan = unary(
    "arctan",
    np.arctan,
    math_name="atan",
    deriv=lambda b, p, x, out: b.apply(O.truediv, 1.0, b.apply(O.add, 1.0, b.apply(square, x(0)))),
)
arcsinh = unary(
    "arcsinh",
    np.arcsinh,
    math_name="asinh",
    deriv=lambda b, p, x, out: b.apply(
        O.truediv, 1.0, b.apply(sqrt, b.apply(O.add, b.apply(square, x(0)), 1.0))
    ),
)
arccosh = unary(
    "arccosh",
    np.arccosh,
    math_name="acosh",
    deriv=lambda b, p, x, out: b.apply(
        O.truediv, 1.0, b.apply(sqrt, b.apply(O.sub, b.apply(square, x(0)), 1.0))
    ),
)
arctanh = unary(
    "arctanh",
    np.arctanh,
    math_name="atanh",
    deriv=lambda b, p, x, out: b.apply(O.truediv, 1.0, _one_minus_square(b, x(0))),
)
reciprocal = unary(
    "reciprocal",
    np.reciprocal,
    fast="1.0 / {0}",
    deriv=lambda b, p, x, out: b.apply(O.neg, b.apply(square, out())),
)
sign = unary("sign", np.sign, nondiff=True)
floor = unary("floor", np.floor, nondiff=True)
ceil = unary("ceil", np.ceil, nondiff=True)
isnan = unary("isnan", np.isnan, nondiff=True)
isfinite = unary("isfinite", np.isfinite, nondiff=True)
logical_not = unary("logical_not", np.logical_not, nondiff=True)


# abs: the NumPy function and Python's built-in (which keeps the type of its argument).

absolute = unary("abs", np.abs, py=[np.absolute], fast="abs({0})", deriv=_sign_of_x)


@primitive("builtin.abs", py=[abs], elementwise=True)
def builtin_abs(x):
    """`abs(x)`; its derivative at 0 is 0."""
    return abs(x)


@builtin_abs.definfer
def _infer_builtin_abs(x):
    def one(x):
        if isinstance(x, AScalar) and x.python:
            return AScalar(int if x.kind is bool else (float if x.kind is complex else x.kind))
        return ufunc_type(np.abs, [x])

    return union_map(one, x)


builtin_abs.defemit(template("abs({0})"))
chain_rules(builtin_abs, _sign_of_x)


@primitive("math.fabs", py=[math.fabs])
def math_fabs(x):
    """`math.fabs(x)`; its derivative at 0 is 0."""
    return math.fabs(x)


math_fabs.definfer(_math_rule("fabs"))
math_fabs.defemit(template("math.fabs({0})"))
chain_rules(math_fabs, _sign_of_x)


@primitive("math.erf", py=[math.erf])
def math_erf(x):
    """`math.erf(x)`; d/dx = 2 / sqrt(pi) * exp(-x * x)."""
    return math.erf(x)


math_erf.definfer(_math_rule("erf"))
math_erf.defemit(template("math.erf({0})"))
chain_rules(
    math_erf,
    lambda b, p, x, out: b.apply(
        O.mul,
        TWO_OVER_SQRT_PI,
        b.apply(lookup("math.exp"), b.apply(O.neg, b.apply(square, x(0)))),
    ),
)


# ---------------------------------------------------------------------------------------
# Binary functions


def binary(name: str, ufunc, *, nondiff=False, py=(), fast=None):
    def impl(x1, x2):
        return ufunc(x1, x2)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"`np.{ufunc.__name__}(x1, x2)`, elementwise with broadcasting."
    prim = primitive(name, py=[ufunc, *py], elementwise=True, fresh=True, nondiff=nondiff)(impl)
    prim.definfer(lambda a, b: union_map(lambda a, b: ufunc_type(ufunc, [a, b]), a, b))
    np_form = f"np.{ufunc.__name__}({{0}}, {{1}})"
    if fast:
        prim.defemit(_binary_fast(fast, np_form))
    else:
        prim.defemit(template(np_form))
    FLAVOR[prim] = (name, "np")
    return prim


def _binary_fast(fast, np_form):
    f, s = template(fast), template(np_form)

    def emit(e, args):
        return f(e, args) if e.fast_scalar(0) and e.fast_scalar(1) else s(e, args)

    return emit


maximum = binary("maximum", np.maximum)
minimum = binary("minimum", np.minimum)
fmax = binary("fmax", np.fmax)
fmin = binary("fmin", np.fmin)
arctan2 = binary("arctan2", np.arctan2, fast="math.atan2({0}, {1})")
hypot = binary("hypot", np.hypot, fast="math.hypot({0}, {1})")
logaddexp = binary("logaddexp", np.logaddexp)
logical_and = binary("logical_and", np.logical_and, nondiff=True)
logical_or = binary("logical_or", np.logical_or, nondiff=True)


def _tie_weight(b, x1, x2, out_type):
    """1 where x1 > x2, 0.5 at ties, 0 elsewhere (NaN included): the share of x1 in
    maximum(x1, x2). On arrays, half the count of `x1 > x2` and `x1 >= x2` (in uint8: the
    masks are summed in a byte each, and only the half is a float, of the result's dtype)."""
    if isinstance(out_type, AArray):
        count = b.apply(lookup("astype"), b.apply(O.gt, x1, x2), np.dtype(np.uint8))
        kind = out_type.dtype.type
        half = kind(0.5) if out_type.dtype.kind == "f" and kind is not np.float64 else 0.5
        return b.apply(O.mul, half, b.apply(O.add, count, b.apply(O.ge, x1, x2)))
    return b.apply(
        O.add,
        b.apply(O.mul, b.apply(O.gt, x1, x2), 1.0),
        b.apply(O.mul, b.apply(O.eq, x1, x2), 0.5),
    )


def _extremum_share(r, greater: bool, nan_skipping: bool = False):
    """The share of x1 in maximum(x1, x2) (`greater`) or minimum(x1, x2); for fmax and
    fmin (`nan_skipping`), all of it where x2 is NaN (none where x1 alone is)."""
    x1, x2 = r.x(0), r.x(1)
    w = _tie_weight(r.b, *((x1, x2) if greater else (x2, x1)), r.out_type)
    if nan_skipping:
        w = r.b.apply(where_, r.b.apply(isnan, x2), 1.0, w)
    return w


def _extremum_vjp(greater: bool, nan_skipping: bool = False):
    def vjp(r):
        b = r.b
        w = _extremum_share(r, greater, nan_skipping)
        d1 = b.apply(O.mul, r.dout, w) if r.wants(0) else None
        d2 = b.apply(O.sub, r.dout, b.apply(O.mul, r.dout, w)) if r.wants(1) else None
        return [unbroadcast(b, d1, r.types[0]), unbroadcast(b, d2, r.types[1])]

    return vjp


def _extremum_jvp(greater: bool, nan_skipping: bool = False):
    def jvp(r):
        b = r.b
        w = _extremum_share(r, greater, nan_skipping)
        t1, t2 = r.t(0), r.t(1)
        return tangent_sum(
            b,
            [
                None if t1 is None else b.apply(O.mul, t1, w),
                None if t2 is None else b.apply(O.sub, t2, b.apply(O.mul, t2, w)),
            ],
        )

    return jvp


maximum.defvjp(_extremum_vjp(True))
minimum.defvjp(_extremum_vjp(False))
maximum.defjvp(_extremum_jvp(True))
minimum.defjvp(_extremum_jvp(False))
fmax.defvjp(_extremum_vjp(True, nan_skipping=True))
fmin.defvjp(_extremum_vjp(False, nan_skipping=True))
fmax.defjvp(_extremum_jvp(True, nan_skipping=True))
fmin.defjvp(_extremum_jvp(False, nan_skipping=True))


@arctan2.defvjp
def _vjp_arctan2(r):
    b = r.b
    y, x = r.x(0), r.x(1)
    inv = b.apply(O.truediv, r.dout, b.apply(O.add, b.apply(square, x), b.apply(square, y)))
    return [
        unbroadcast(b, b.apply(O.mul, inv, x), r.types[0]),
        unbroadcast(b, b.apply(O.neg, b.apply(O.mul, inv, y)), r.types[1]),
    ]


@hypot.defvjp
def _vjp_hypot(r):
    b = r.b
    g = b.apply(O.truediv, r.dout, r.out())
    return [
        unbroadcast(b, b.apply(O.mul, g, r.x(0)), r.types[0]),
        unbroadcast(b, b.apply(O.mul, g, r.x(1)), r.types[1]),
    ]


@logaddexp.defvjp
def _vjp_logaddexp(r):
    b = r.b
    w1 = b.apply(logaddexp_weight, r.x(0), r.x(1), r.out())
    w2 = b.apply(logaddexp_weight, r.x(1), r.x(0), r.out())
    return [
        unbroadcast(b, b.apply(O.mul, r.dout, w1), r.types[0]),
        unbroadcast(b, b.apply(O.mul, r.dout, w2), r.types[1]),
    ]


@primitive("logaddexp_weight", elementwise=True, fresh=True)
def logaddexp_weight(x, y, out):
    """d logaddexp(x, y) / dx = exp(x - out): 0 at (-inf, -inf), and split as maximum's
    where the result is +inf; differentiated as exp(x - out) (`y` is a tie breaker)."""
    with np.errstate(all="ignore"):
        w = np.exp(np.subtract(x, out))
        inf = np.isposinf(out)
        tie = np.where(np.equal(x, y), 0.5, np.where(np.greater(x, y), 1.0, 0.0))
        w = np.where(inf, tie, np.where(np.isnan(w), 0.0, w))
    return w[()] if np.ndim(w) == 0 else w


logaddexp_weight.definfer(lambda x, y, o: ufunc_type(np.add, [x, y]))
logaddexp_weight.defemit(lambda e, args: e.helper_call("logaddexp_weight", args))


@logaddexp_weight.defvjp
def _vjp_logaddexp_weight(r):
    # exp(x - out) is its own derivative in x, its opposite in out.
    b = r.b
    d = b.apply(O.mul, r.dout, r.out())
    return [unbroadcast(b, d, r.types[0]), None, unbroadcast(b, b.apply(O.neg, d), r.types[2])]


@logaddexp_weight.defjvp
def _jvp_logaddexp_weight(r):
    t = tangent_sum(r.b, [r.t(0), None if r.t(2) is None else r.b.apply(O.neg, r.t(2))])
    return None if t is None else r.b.apply(O.mul, t, r.out())


def _over(b, num, den):
    """`num / den` as IEEE divides (inf or NaN at 0: a Python float's tangent is a Python
    float, and Python's division by zero raises)."""
    return b.apply(O.mul, num, b.apply(ieee_power, den, -1.0))


def atan2_tangent(r):
    """The tangent of atan2(y, x): (x * ty - y * tx) / (x**2 + y**2), NaN at the origin."""
    b = r.b
    y, x = r.x(0), r.x(1)
    ty, tx = r.t(0), r.t(1)
    num = tangent_sum(
        b,
        [
            None if ty is None else b.apply(O.mul, x, ty),
            None if tx is None else b.apply(O.neg, b.apply(O.mul, y, tx)),
        ],
    )
    return _over(b, num, b.apply(O.add, b.apply(square, x), b.apply(square, y)))


arctan2.defjvp(atan2_tangent)


@hypot.defjvp
def _jvp_hypot(r):
    b = r.b
    t0, t1 = r.t(0), r.t(1)
    parts = [
        None if t0 is None else b.apply(O.mul, r.x(0), t0),
        None if t1 is None else b.apply(O.mul, r.x(1), t1),
    ]
    return _over(b, tangent_sum(b, parts), r.out())


@logaddexp.defjvp
def _jvp_logaddexp(r):
    b = r.b
    parts = []
    for k in (0, 1):
        t = r.t(k)
        if t is not None:
            w = b.apply(logaddexp_weight, r.x(k), r.x(1 - k), r.out())
            parts.append(b.apply(O.mul, t, w))
    return tangent_sum(b, parts)


# ---------------------------------------------------------------------------------------
# where, clip and the helpers of power's derivative


@primitive("where", py=[np.where], elementwise=True, fresh=True, selects=True)
def where_(condition, x, y):
    """`np.where(condition, x, y)`."""
    return np.where(condition, x, y)


@where_.definfer
def _infer_where(c, x, y):
    from myia.prim.typing import broadcast_shapes, shape_of, ufunc_dtype

    def one(c, x, y):
        dtype = (
            ufunc_dtype(np.add, [x, y])
            if not (x == y)
            else (x.dtype if isinstance(x, AArray) else np.dtype(x.kind))
        )
        if isinstance(x, AScalar) and isinstance(y, AScalar) and x.kind is y.kind:
            dtype = np.dtype(x.kind)
        return AArray(dtype, broadcast_shapes(shape_of(c), shape_of(x), shape_of(y)))

    return union_map(one, c, x, y)


where_.defemit(template("np.where({0}, {1}, {2})"))


@where_.defvjp
def _vjp_where(r):
    b = r.b
    c = r.x(0)
    d = r.dout
    dx = unbroadcast(b, b.apply(where_, c, d, 0.0), r.types[1]) if r.wants(1) else None
    dy = unbroadcast(b, b.apply(where_, c, 0.0, d), r.types[2]) if r.wants(2) else None
    return [None, dx, dy]


@primitive("clip", py=[np.clip], elementwise=True, fresh=True)
def clip(a, a_min, a_max):
    """`np.clip(a, a_min, a_max)` and `a.clip(a_min, a_max)`; a bound may be None."""
    return np.clip(a, a_min, a_max)


REGISTRY.method("clip", clip)


@clip.definfer
def _infer_clip(a, lo, hi):
    from myia.prim.typing import is_none

    ops = [t for t in (a, lo, hi) if not is_none(t)]
    out = ufunc_type(np.minimum, ops[:2]) if len(ops) >= 2 else ops[0]
    if len(ops) == 3:
        out = ufunc_type(np.minimum, [out, ops[2]])
    return out


clip.defemit(template("np.clip({0}, {1}, {2})"))


def _clip_masks(r):
    """Where clip(a, a_min, a_max) follows `a`, `a_min` and `a_max` (None: everywhere
    for `a`, nowhere for an absent bound); at a bound, it follows `a`."""
    from myia.prim.typing import is_none

    b = r.b
    a = r.x(0)
    inside = below = above = None
    if not is_none(r.types[1]):
        below = b.apply(O.lt, a, r.x(1))
        inside = b.apply(logical_not, below)
    if not is_none(r.types[2]):
        above = b.apply(O.gt, a, r.x(2))
        keep = b.apply(logical_not, above)
        inside = keep if inside is None else b.apply(logical_and, inside, keep)
    return [inside, below, above]


@clip.defvjp
def _vjp_clip(r):
    b = r.b
    masks = _clip_masks(r)
    out = [None, None, None]
    for k in (1, 2):
        if masks[k] is not None and r.wants(k):
            out[k] = unbroadcast(b, b.apply(where_, masks[k], r.dout, 0.0), r.types[k])
    if r.wants(0):
        da = r.dout if masks[0] is None else b.apply(where_, masks[0], r.dout, 0.0)
        out[0] = unbroadcast(b, da, r.types[0])
    return out


@clip.defjvp
def _jvp_clip(r):
    # The transpose of the backpropagator, masks as factors (np.where would make a 0-d
    # array of a number).
    b = r.b
    parts = []
    for k, mask in enumerate(_clip_masks(r)):
        t = r.t(k)
        if t is not None:
            parts.append(t if mask is None else b.apply(O.mul, t, mask))
    return tangent_sum(b, parts)


@primitive("ieee_power", elementwise=True, fresh=True)
def ieee_power(x, y):
    """`x ** y` giving inf and NaN as IEEE does instead of raising (0.0 ** -0.5 is inf)."""
    with np.errstate(all="ignore"):
        r = np.power(np.asarray(x, dtype=np.result_type(x, y, 1.0)), y)
    return r[()] if r.ndim == 0 else r


ieee_power.definfer(lambda x, y: ufunc_type(np.power, [x, y]))


@ieee_power.defemit
def _emit_ieee_power(e, args):
    # A float to an int power is `**` in fast code (0.0 ** -1 and overflows raise, and the
    # call runs again in exact code); a float exponent could make a complex number.
    if e.fast and e.fast_scalar(0) and isinstance(e.types[1], AScalar) and e.types[1].kind is int:
        return ast.BinOp(args[0], ast.Pow(), args[1])
    return e.helper_call("ieee_power", args)


ieee_power.defvjp(O._vjp_pow)
ieee_power.defjvp(O._jvp_pow)


@primitive("pow_log", elementwise=True, fresh=True)
def pow_log(x):
    """log|x| as d(x ** y)/dy uses it: 0 at x == 0 (0 ** y is flat in y), the real part
    of the complex derivative for x < 0."""
    r = np.log(np.abs(np.where(np.equal(x, 0), 1, x)))
    return r[()] if np.ndim(r) == 0 else r


pow_log.definfer(lambda x: ufunc_type(np.log, [x]))
pow_log.defemit(lambda e, args: e.helper_call("pow_log", args))


def _pow_log_slope(b, d, x):
    """`d` times the derivative of pow_log: d / x, 0 at x == 0."""
    nz = b.apply(O.ne, x, 0)
    return b.apply(O.truediv, b.apply(O.mul, d, nz), b.apply(O.add, x, b.apply(O.eq, x, 0)))


@pow_log.defvjp
def _vjp_pow_log(r):
    return [unbroadcast(r.b, _pow_log_slope(r.b, r.dout, r.x(0)), r.types[0])]


pow_log.defjvp(lambda r: _pow_log_slope(r.b, r.t(0), r.x(0)))


# ---------------------------------------------------------------------------------------
# square: `x * x`, `x ** 2` and `np.square(x)` (canonical forms in `arith` and below)


@primitive("square", elementwise=True, fresh=True)
def square(x):
    """`x * x`, keeping the type `x * x` has (a Python float for a Python float)."""
    return x * x


square.definfer(lambda x: O.mul.infer(x, x))
square.defemit(template("{0} * {0}"))
square.defvjp(_unary_vjp(square, lambda b, p, x, out: b.apply(O.mul, 2.0, x(0))))


@O.mul.defcanon
def _canon_mul(b, args):
    if args[0] is args[1]:
        return b.apply(square, args[0])
    return b.apply(O.mul, *args)


@O.pow_.defcanon
def _canon_pow(b, args):
    from myia.infer.build import type_of
    from myia.prim.arrays import cast

    base, e = type_of(args[0]), type_of(args[1])
    if isinstance(e, AScalar) and e.known and e.value == 2 and isinstance(base, (AScalar, AArray)):
        out = b.apply(square, args[0])
        want = O.pow_.infer(base, e)
        if isinstance(want, AScalar) and type_of(out) != want:
            out = b.apply(cast, out, want.pytype)
        return out
    return b.apply(O.pow_, *args)


# ---------------------------------------------------------------------------------------
# NumPy's spellings of the operators


def _as_array(t):
    """The type NumPy converts a tuple or list operand to."""
    if isinstance(t, (AScalar, AArray)):
        return t
    from myia.infer.abstract import NONE
    from myia.prim.arrays import asarray

    return asarray.infer(t, NONE)


def _np_operator(name: str, ufunc, op: Primitive, nargs: int = 2):
    if nargs == 2:

        def impl(x1, x2):
            return ufunc(x1, x2)
    else:

        def impl(x):
            return ufunc(x)

    impl.__name__ = impl.__qualname__ = f"np_{name}"
    impl.__doc__ = f"`np.{ufunc.__name__}(...)`: the operator `{op.name}` with NumPy's types."
    prim = primitive(f"np.{name}", py=[ufunc], elementwise=True)(impl)
    prim.definfer(
        lambda *ts: union_map(lambda *ts: ufunc_type(ufunc, [_as_array(t) for t in ts]), *ts)
    )

    @prim.defcanon
    def canon(b, args):
        from myia.infer.build import type_of
        from myia.prim.arrays import asarray, cast

        types = [type_of(a) for a in args]
        args = [
            a if isinstance(t, (AScalar, AArray)) else b.apply(asarray, a, None)
            for a, t in zip(args, types)
        ]
        want = ufunc_type(ufunc, [type_of(a) for a in args])
        if isinstance(want, AScalar) and want.np:  # on NumPy floats: inf and nan, not errors
            args = [
                b.apply(cast, a, want.pytype)
                if isinstance(t, AScalar) and t.pytype is not want.pytype
                else a
                for a, t in zip(args, map(type_of, args))
            ]
        out = b.apply(op, *args)
        got = type_of(out)
        if isinstance(want, AScalar) and got != want:
            out = b.apply(cast, out, want.pytype)
        return out

    return prim


np_add = _np_operator("add", np.add, O.add)
np_subtract = _np_operator("subtract", np.subtract, O.sub)
np_multiply = _np_operator("multiply", np.multiply, O.mul)
np_divide = _np_operator("divide", np.divide, O.truediv)
np_power = _np_operator("power", np.power, O.pow_)
np_negative = _np_operator("negative", np.negative, O.neg, 1)
np_mod = _np_operator("mod", np.mod, O.mod)
np_square = _np_operator("square", np.square, square, 1)
np_equal = _np_operator("equal", np.equal, O.eq)
np_not_equal = _np_operator("not_equal", np.not_equal, O.ne)
np_less = _np_operator("less", np.less, O.lt)
np_less_equal = _np_operator("less_equal", np.less_equal, O.le)
np_greater = _np_operator("greater", np.greater, O.gt)
np_greater_equal = _np_operator("greater_equal", np.greater_equal, O.ge)


# Tangents (forward mode) of the functions written out above


@square.defjvp
def _jvp_square(r):
    return r.b.apply(O.mul, r.t(0), r.b.apply(O.mul, 2.0, r.x(0)))


@where_.defjvp
def _jvp_where(r):
    # A side without a tangent (an int constant, a constant array) contributes zeros.
    sides = [r.t(i) if r.t(i) is not None else r.b.node(0.0) for i in (1, 2)]
    return r.b.apply(where_, r.x(0), *sides)
