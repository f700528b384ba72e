"""Reductions: `np.sum`, `np.mean`, `np.prod`, `np.max`/`np.amax`, `np.min`/`np.amin`,
`np.var`, `np.std`, `np.argmax`, `np.argmin`, `np.all`, `np.any` and the matching methods
(`x.sum()`, `x.prod()`, `x.var()`, ...), with `axis` (None, an int or a tuple, known when
compiling), `keepdims`, and `dtype` and `ddof` where NumPy has them. The cumulative
operations and sorting are in `myia.prim.cumulative`.

Gradient conventions (docs/numerics.md): ties of `max`/`min` share the sensitivity
equally; `prod` is exact with zeros (one zero in a reduced slice gets the product of the
others, two or more zeros give 0, nothing is divided by zero); `std` has gradient 0 where
it is 0 (a constant slice, a reduced axis of length 1) instead of NaN. `argmax`, `argmin`,
`all` and `any` are not differentiable.
"""

from __future__ import annotations

import ast

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AScalar, describe
from myia.prim import arith as O
from myia.prim.arrays import attr_shape, broadcast_to
from myia.prim.jvp import linear
from myia.prim.registry import REGISTRY, primitive
from myia.prim.typing import axes_of, const_value, is_none, scalar_of_dtype, union_map


def array_of(x, what: str = "a reduction") -> AArray:
    """The array type of a number or array type `x` (a number is a 0-d array)."""
    if isinstance(x, AArray):
        return x
    if isinstance(x, AScalar):
        return AArray(x.dtype, ())
    raise MyiaTypeError(f"{what} needs a number or an array, got {describe(x)}")


def _reduced(x, axis, keepdims):
    """(input array type, axes reduced, output shape)."""
    a = array_of(x)
    axes = axes_of(axis, a.ndim)
    if axes is None:
        axes = tuple(range(a.ndim))
    keep = bool(const_value(keepdims, "keepdims"))
    shape = (
        tuple(1 if i in axes else d for i, d in enumerate(a.shape))
        if keep
        else tuple(d for i, d in enumerate(a.shape) if i not in axes)
    )
    return a, axes, shape


def _result(dtype, shape):
    return AArray(dtype, shape) if shape else scalar_of_dtype(dtype)


def accumulate_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype of `np.add`/`np.multiply` reductions and accumulations without a `dtype`:
    bools and ints narrower than the platform int widen to it (NumPy's rule)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.dtype(np.int_)
    if dtype.kind == "i" and dtype.itemsize < np.dtype(np.int_).itemsize:
        return np.dtype(np.int_)
    if dtype.kind == "u" and dtype.itemsize < np.dtype(np.uint).itemsize:
        return np.dtype(np.uint)
    return dtype


def _given_dtype(dtype, default: np.dtype) -> np.dtype:
    return default if is_none(dtype) else np.dtype(const_value(dtype, "dtype"))


_DEFAULTS = {"keepdims": False, "ddof": 0, "kind": None}


def _emit_reduction(fn: str, extra=()):
    """`x.fn(axis=..., <extra>..., keepdims=...)` of an array (`np.fn(x, ...)` of a
    number), leaving out default arguments and writing the axes as NumPy users do
    (`axis=0`, no axis for all of them)."""
    names = ("axis", *extra, "keepdims")

    def emit(e, args):
        if isinstance(e.types[0], AArray):  # (the method: no call through NumPy's Python layer)
            call = ast.Call(ast.Attribute(args[0], fn, ast.Load()), [], [])
        else:
            call = ast.Call(
                ast.Attribute(ast.Name("np", ast.Load()), fn, ast.Load()), [args[0]], []
            )
        for k, name in enumerate(names, start=1):
            ok, v = e.const(k)
            arg = args[k]
            if ok and name == "axis" and isinstance(v, tuple):
                ndim = array_of(e.types[0]).ndim
                if sorted(int(i) % ndim for i in v) == list(range(ndim)) and (v or not ndim):
                    continue
                if len(v) == 1:
                    arg = ast.Constant(int(v[0]))
            default = _DEFAULTS.get(name)
            if ok and (v is default or (name == "ddof" and not isinstance(v, bool) and v == 0)):
                continue
            call.keywords.append(ast.keyword(name, arg))
        return call

    return emit


def _expand_back(r, d, axes, keep: bool):
    """`d`, of the shape of a reduction over `axes` (with `keep`: keepdims), broadcast
    back to the shape of the reduced input."""
    from myia.prim.arrays import expand_dims

    b = r.b
    a = array_of(r.types[0])
    if not a.ndim:
        return d
    if not keep and axes and not isinstance(d.abstract, AScalar):  # a number broadcasts as is
        d = b.apply(expand_dims, d, axes)
    if isinstance(d.abstract, AArray) and d.abstract.shape == a.shape and a.known_shape:
        return d
    target = a.shape if a.known_shape else b.apply(attr_shape, r.x(0))
    return b.apply(broadcast_to, d, target)


def _keep(t) -> bool:
    return bool(const_value(t, "keepdims"))


def _count(a, axes):
    """The number of elements a reduction over `axes` combines (None: not known)."""
    n = 1
    for i in axes:
        if a.shape[i] is None:
            return None
        n *= a.shape[i]
    return n


def _count_node(r, a, axes):
    """That number as an int when known, else as a node (the product of the run-time
    lengths of the reduced axes)."""
    from myia.prim.structures import getitem

    n = _count(a, axes)
    if n is not None:
        return n
    b = r.b
    shape = b.apply(attr_shape, r.x(0))
    known = 1
    node = None
    for i in axes:
        if a.shape[i] is not None:
            known *= a.shape[i]
        else:
            dim = b.apply(getitem, shape, i)
            node = dim if node is None else b.apply(O.mul, node, dim)
    return node if known == 1 else b.apply(O.mul, node, known)


# ---------------------------------------------------------------------------------------
# Sums, means and products


@primitive("sum", py=[np.sum])
def sum_(a, axis=None, dtype=None, keepdims=False):
    """`np.sum(a, axis, dtype, keepdims)` and `a.sum(...)`; the sensitivity of every
    element is that of its sum."""
    return np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


REGISTRY.method("sum", sum_)


@sum_.definfer
def _infer_sum(x, axis, dtype, keepdims):
    def one(x):
        a, axes, shape = _reduced(x, axis, keepdims)
        return _result(_given_dtype(dtype, accumulate_dtype(a.dtype)), shape)

    return union_map(one, x)


@sum_.defvjp
def _vjp_sum(r):
    from myia.prim.sens import unbroadcast

    if not r.wants(0):
        return [None] * 4
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[3])
    d = _expand_back(r, r.dout, axes, _keep(r.types[3]))
    return [unbroadcast(r.b, d, r.types[0]), None, None, None]


sum_.defemit(_emit_reduction("sum", ("dtype",)))


@primitive("mean", py=[np.mean])
def mean(a, axis=None, dtype=None, keepdims=False):
    """`np.mean(a, axis, dtype, keepdims)` and `a.mean(...)`; every element gets the
    sensitivity of its mean divided by the number of elements averaged."""
    return np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)


REGISTRY.method("mean", mean)


def _float_dtype(dt: np.dtype) -> np.dtype:
    """The dtype of a mean or variance of `dt`: floats keep theirs, the rest float64."""
    return dt if dt.kind in "fc" else np.dtype(np.float64)


@mean.definfer
def _infer_mean(x, axis, dtype, keepdims):
    def one(x):
        a, axes, shape = _reduced(x, axis, keepdims)
        return _result(_given_dtype(dtype, _float_dtype(a.dtype)), shape)

    return union_map(one, x)


@mean.defvjp
def _vjp_mean(r):
    from myia.prim.sens import unbroadcast

    if not r.wants(0):
        return [None] * 4
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[3])
    n = _count_node(r, a, axes)
    if isinstance(n, int):
        scaled = b.apply(O.mul, r.dout, 1.0 / n) if n > 1 else r.dout
    else:
        scaled = b.apply(O.truediv, r.dout, n)
    d = _expand_back(r, scaled, axes, _keep(r.types[3]))
    return [unbroadcast(b, d, r.types[0]), None, None, None]


mean.defemit(_emit_reduction("mean", ("dtype",)))


@primitive("prod", py=[np.prod])
def prod(a, axis=None, dtype=None, keepdims=False):
    """`np.prod(a, axis, dtype, keepdims)` and `a.prod(...)`.

    The gradient is exact with zeros: with one zero in a reduced slice, the zero gets the
    product of the others and the rest 0; with two or more, all get 0 (nothing is divided
    by zero). Second-order gradients are exact away from zeros.
    """
    return np.prod(a, axis=axis, dtype=dtype, keepdims=keepdims)


REGISTRY.method("prod", prod)
prod.definfer(_infer_sum)


@prod.defvjp
def _vjp_prod(r):
    from myia.prim.sens import unbroadcast

    if not r.wants(0):
        return [None] * 4
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[3])
    keep = _keep(r.types[3])
    if not axes:
        return [unbroadcast(b, r.dout, r.types[0]), None, None, None]
    coef, others = _prod_factors(b, r.x(0), axes, True)
    d = _expand_back(r, r.dout, axes, keep)
    g = b.apply(O.mul, b.apply(O.mul, d, others), coef)
    return [unbroadcast(b, g, r.types[0]), None, None, None]


def _prod_factors(b, x, axes, keepdims):
    """The derivative of a product over `axes` is `coef * others`, exact at zeros:
    `others` is the product of the other elements where a slice has no zero (`coef` is
    `1 / x`), the product of the rest where it has one zero (`coef` is 1 at it, 0
    elsewhere), and 0 where it has more."""
    is_zero = b.apply(O.eq, x, 0)
    zeros = b.apply(sum_, is_zero, axes, None, True)
    safe = b.apply(O.add, x, is_zero)  # the zeros replaced by ones
    coef = b.apply(
        O.add,
        b.apply(O.truediv, b.apply(O.eq, zeros, 0), safe),
        b.apply(O.mul, b.apply(O.eq, zeros, 1), is_zero),
    )
    return coef, b.apply(prod, safe, axes, None, keepdims)


prod.defemit(_emit_reduction("prod", ("dtype",)))


# ---------------------------------------------------------------------------------------
# Variance and standard deviation


@primitive("var", py=[np.var])
def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """`np.var(a, axis, dtype, ddof=ddof, keepdims=keepdims)` and `a.var(...)`: the mean
    squared deviation from the mean, with `n - ddof` in place of `n`; the sensitivity of
    an element is `2 * (x - mean) / (n - ddof)` times that of its variance."""
    return np.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)


@primitive("std", py=[np.std])
def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """`np.std(a, axis, dtype, ddof=ddof, keepdims=keepdims)` and `a.std(...)`: the square
    root of `np.var`; the sensitivity of an element is `(x - mean) / ((n - ddof) * std)`
    times that of its deviation, and 0 where the deviation is 0 (a constant slice, an axis
    of length 1) instead of NaN."""
    return np.std(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)


REGISTRY.method("var", var)
REGISTRY.method("std", std)


def _infer_var(x, axis, dtype, ddof, keepdims):
    def one(x):
        a, axes, shape = _reduced(x, axis, keepdims)
        if not (isinstance(ddof, AScalar) and np.dtype(ddof.kind).kind in "biuf"):
            raise MyiaTypeError(f"ddof must be a number, got {describe(ddof)}")
        dt = _given_dtype(dtype, _float_dtype(a.dtype))
        if dt.kind == "c":
            dt = np.finfo(dt).dtype
        return _result(dt, shape)

    return union_map(one, x)


var.definfer(_infer_var)
std.definfer(_infer_var)


def _centered_and_divisor(r, a, axes):
    """`x - mean(x)` over `axes` (keeping them) and `n - ddof` (at least 0) as an int
    or a node."""
    b = r.b
    x = r.x(0)
    centered = (
        b.apply(O.sub, x, b.apply(mean, x, axes, None, True)) if axes else b.apply(O.sub, x, x)
    )
    n = _count_node(r, a, axes)
    ddof = r.types[3]
    if isinstance(n, int) and ddof.known:
        return centered, max(n - ddof.value, 0)
    from myia.prim.elementwise import maximum

    return centered, b.apply(maximum, b.apply(O.sub, n, r.x(3)), 0)


def _over(b, value, divisor):
    """`value / divisor` for a divisor that may be a constant 0 (inf or NaN as NumPy)."""
    if isinstance(divisor, (int, float)) and divisor == 0:
        return b.apply(O.mul, value, float("inf"))
    return b.apply(O.truediv, value, divisor)


@var.defvjp
def _vjp_var(r):
    from myia.prim.sens import unbroadcast

    if not r.wants(0):
        return [None] * 5
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[4])
    centered, divisor = _centered_and_divisor(r, a, axes)
    d = _expand_back(r, r.dout, axes, _keep(r.types[4]))
    g = _over(b, b.apply(O.mul, b.apply(O.mul, d, centered), 2.0), divisor)
    return [unbroadcast(b, g, r.types[0]), None, None, None, None]


@std.defvjp
def _vjp_std(r):
    from myia.prim.sens import unbroadcast

    if not r.wants(0):
        return [None] * 5
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[4])
    centered, divisor = _centered_and_divisor(r, a, axes)
    out = r.out()
    # Where the deviation is 0, so is every centered value: divide by 1 there instead.
    safe = b.apply(O.add, out, b.apply(O.eq, out, 0))
    d = _expand_back(r, b.apply(O.truediv, r.dout, safe), axes, _keep(r.types[4]))
    g = _over(b, b.apply(O.mul, d, centered), divisor)
    return [unbroadcast(b, g, r.types[0]), None, None, None, None]


var.defemit(_emit_reduction("var", ("dtype", "ddof")))
std.defemit(_emit_reduction("std", ("dtype", "ddof")))


# ---------------------------------------------------------------------------------------
# Extrema


def _extremum(name, fn, py):
    def impl(a, axis=None, keepdims=False):
        return fn(a, axis=axis, keepdims=keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"`np.{name}(a, axis, keepdims)`; tied extrema share the sensitivity equally."
    prim = primitive(name, py=py)(impl)

    @prim.definfer
    def infer(x, axis, keepdims):
        def one(x):
            a, axes, shape = _reduced(x, axis, keepdims)
            return _result(a.dtype, shape)

        return union_map(one, x)

    @prim.defvjp
    def vjp(r):
        from myia.prim.sens import unbroadcast

        if not r.wants(0):
            return [None] * 3
        b = r.b
        a, axes, shape = _reduced(r.types[0], r.types[1], r.types[2])
        keep = _keep(r.types[2])
        out_b = _expand_back(r, r.out(), axes, keep)
        hit = b.apply(O.eq, r.x(0), out_b)
        count = b.apply(sum_, hit, axes, None, True)
        w = b.apply(O.truediv, hit, count)
        d = _expand_back(r, r.dout, axes, keep)
        return [unbroadcast(b, b.apply(O.mul, d, w), r.types[0]), None, None]

    prim.defemit(_emit_reduction(fn.__name__))
    return prim


amax = _extremum("max", np.max, [np.max, np.amax])
amin = _extremum("min", np.min, [np.min, np.amin])
REGISTRY.method("max", amax)
REGISTRY.method("min", amin)


def _arg_extremum(name, fn):
    def impl(a, axis=None, keepdims=False):
        return fn(a, axis=axis, keepdims=keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = (
        f"`np.{name}(a, axis, keepdims=keepdims)` and `a.{name}(...)`: the index (int64) "
        f"of the first {'largest' if name == 'argmax' else 'smallest'} element, in the "
        "flattened array when `axis` is None; not differentiable."
    )
    prim = primitive(name, py=[fn], nondiff=True)(impl)
    REGISTRY.method(name, prim)

    @prim.definfer
    def infer(x, axis, keepdims):
        def one(x):
            a = array_of(x, f"np.{name}")
            if not is_none(axis) and isinstance(const_value(axis, "axis"), tuple):
                raise MyiaTypeError(f"np.{name} takes a single axis (an int), not a tuple")
            keep = bool(const_value(keepdims, "keepdims"))
            if is_none(axis):
                shape = (1,) * a.ndim if keep else ()
            else:
                (ax,) = axes_of(axis, max(a.ndim, 1))
                if a.ndim:
                    shape = a.shape[:ax] + ((1,) if keep else ()) + a.shape[ax + 1 :]
                else:
                    shape = ()
            return _result(np.dtype(np.intp), shape)

        return union_map(one, x)

    prim.defemit(_emit_reduction(name))
    return prim


argmax = _arg_extremum("argmax", np.argmax)
argmin = _arg_extremum("argmin", np.argmin)


# ---------------------------------------------------------------------------------------
# Logical reductions


def _logical(name, fn):
    def impl(a, axis=None, keepdims=False):
        return fn(a, axis=axis, keepdims=keepdims)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = (
        f"`np.{name}(a, axis, keepdims)` and `a.{name}(...)`: whether "
        f"{'every' if name == 'all' else 'some'} element is true (a NumPy bool); not "
        "differentiable."
    )
    prim = primitive(name, py=[fn], nondiff=True)(impl)
    REGISTRY.method(name, prim)

    @prim.definfer
    def infer(x, axis, keepdims):
        def one(x):
            a, axes, shape = _reduced(x, axis, keepdims)
            return _result(np.dtype(np.bool_), shape)

        return union_map(one, x)

    prim.defemit(_emit_reduction(name))
    return prim


all_ = _logical("all", np.all)
any_ = _logical("any", np.any)


# Tangents (forward mode): the transposes of the backpropagators above, with the same
# conventions (zeros of `prod`, ties of `max` and `min`, constant slices of `std`).
sum_.defjvp(linear(0))
mean.defjvp(linear(0))


def _reduced_sum(r, v, axes):
    """`v` (of the input's shape) summed over the reduced `axes`, as the output is shaped."""
    return r.b.apply(sum_, v, axes, None, _keep(r.types[r.nargs - 1]))


@prod.defjvp
def _jvp_prod(r):
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[3])
    t = r.t(0)
    if not axes:
        return t
    coef, others = _prod_factors(b, r.x(0), axes, _keep(r.types[3]))
    return b.apply(O.mul, _reduced_sum(r, b.apply(O.mul, t, coef), axes), others)


@var.defjvp
def _jvp_var(r):
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[4])
    centered, divisor = _centered_and_divisor(r, a, axes)
    s = _reduced_sum(r, b.apply(O.mul, r.t(0), centered), axes)
    return _over(b, b.apply(O.mul, s, 2.0), divisor)


@std.defjvp
def _jvp_std(r):
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[4])
    centered, divisor = _centered_and_divisor(r, a, axes)
    out = r.out()
    safe = b.apply(O.add, out, b.apply(O.eq, out, 0))  # 0 where the deviation is 0
    s = _reduced_sum(r, b.apply(O.mul, r.t(0), centered), axes)
    return b.apply(O.truediv, _over(b, s, divisor), safe)


def _jvp_extremum(r):
    """The mean of the tangents at the positions of the extremum (ties share it)."""
    b = r.b
    a, axes, shape = _reduced(r.types[0], r.types[1], r.types[2])
    hit = b.apply(O.eq, r.x(0), _expand_back(r, r.out(), axes, _keep(r.types[2])))
    count = b.apply(sum_, hit, axes, None, True)
    return _reduced_sum(r, b.apply(O.mul, r.t(0), b.apply(O.truediv, hit, count)), axes)


amax.defjvp(_jvp_extremum)
amin.defjvp(_jvp_extremum)
