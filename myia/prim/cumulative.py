"""Cumulative operations and sorting: `np.cumsum`, `np.cumprod` (and `x.cumsum()`,
`x.cumprod()`), `np.sort`, `np.argsort` (and `x.argsort()`), with the helpers their
backpropagators use (`reverse_cumsum`, `permute_along_axis`).

`axis=None` works on the flattened array, as in NumPy. Gradient conventions: `cumprod` is
exact and finite with zeros (no division by zero); `sort` sends each sensitivity back to
the element that landed there, tied elements in the order a stable sort gives them;
`argsort` is not differentiable. (`x.sort()` sorts in place and is not supported.)
"""

from __future__ import annotations

import ast

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, AScalar
from myia.prim import arith as O
from myia.prim.arrays import attr_shape, reshape
from myia.prim.emitting import axes_view, template
from myia.prim.jvp import linear
from myia.prim.reductions import accumulate_dtype, array_of
from myia.prim.registry import REGISTRY, primitive
from myia.prim.typing import axes_of, const_value, is_none, union_map

_SORT_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _axis(t, ndim: int, what: str) -> int | None:
    """A constant single `axis` (None or an int) as a non-negative int (None: flatten)."""
    if is_none(t):
        return None
    v = const_value(t, "axis")
    if isinstance(v, tuple) or isinstance(v, bool):
        raise MyiaTypeError(f"{what} takes a single axis (an int or None), got {v!r}")
    (ax,) = axes_of(t, ndim)
    return ax


def _scan_shape(a: AArray, axis):
    """The shape of a scan or sort of `a` along `axis` (None: of the flattened `a`)."""
    return (a.size,) if axis is None else a.shape


def _flat(b, x, t):
    """`x` (of type `t`) flattened."""
    return b.apply(reshape, x, -1) if not (isinstance(t, AArray) and t.ndim == 1) else x


def _shape_back(r, d, flat: bool):
    """`d`, the sensitivity of the flattened input when `flat`, in the input's shape."""
    from myia.prim.sens import unbroadcast

    x = r.types[0]
    if flat and not (isinstance(x, AArray) and x.ndim == 1):
        if isinstance(x, AScalar):
            shape = ()
        else:
            shape = x.shape if x.known_shape else r.b.apply(attr_shape, r.x(0))
        d = r.b.apply(reshape, d, shape)
    return unbroadcast(r.b, d, x)


def _emit_axis_call(fn: str, default_axis, extra=()):
    """`np.fn(x, axis=..., <extra>=...)`, leaving out the default arguments."""

    def is_default(e, k: int, name: str) -> bool:
        ok, v = e.const(k)
        if not ok:
            return False
        if name == "axis" and default_axis is not None:  # -1: the last axis
            ndim = array_of(e.types[0], fn).ndim
            return type(v) is int and ndim > 0 and v % ndim == ndim - 1
        return v is None

    def emit(e, args):
        call = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), fn, ast.Load()), [args[0]], [])
        for k, name in enumerate(("axis", *extra), start=1):
            if not is_default(e, k, name):
                call.keywords.append(ast.keyword(name, args[k]))
        return call

    return emit


# ---------------------------------------------------------------------------------------
# Cumulative sums and products


@primitive("cumsum", py=[np.cumsum])
def cumsum(a, axis=None, dtype=None):
    """`np.cumsum(a, axis, dtype)` and `a.cumsum(...)` (of the flattened `a` when `axis`
    is None); the sensitivity of an element is the sum of those of the partial sums it is
    in (a cumulative sum from the end)."""
    return np.cumsum(a, axis=axis, dtype=dtype)


@primitive("cumprod", py=[np.cumprod])
def cumprod(a, axis=None, dtype=None):
    """`np.cumprod(a, axis, dtype)` and `a.cumprod(...)` (of the flattened `a` when
    `axis` is None). The gradient is exact and finite with zeros: before the first zero of
    a slice it is `sum(dout * out from here on) / x`, the first zero gets the products
    that skip it, the elements after it 0."""
    return np.cumprod(a, axis=axis, dtype=dtype)


REGISTRY.method("cumsum", cumsum)
REGISTRY.method("cumprod", cumprod)


def _infer_scan(name):
    def infer(x, axis, dtype):
        def one(x):
            a = array_of(x, f"np.{name}")
            ax = _axis(axis, max(a.ndim, 1), f"np.{name}")
            dt = (
                accumulate_dtype(a.dtype)
                if is_none(dtype)
                else np.dtype(const_value(dtype, "dtype"))
            )
            return AArray(dt, (1,) if not a.ndim else _scan_shape(a, ax))

        return union_map(one, x)

    return infer


cumsum.definfer(_infer_scan("cumsum"))
cumprod.definfer(_infer_scan("cumprod"))
cumsum.defemit(_emit_axis_call("cumsum", None, ("dtype",)))
cumprod.defemit(_emit_axis_call("cumprod", None, ("dtype",)))


@primitive("reverse_cumsum")
def reverse_cumsum(a, axis):
    """The cumulative sum of `a` along `axis` from the end (the adjoint of `np.cumsum`)."""
    return np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis)


@reverse_cumsum.definfer
def _infer_reverse_cumsum(x, axis):
    a = array_of(x, "reverse_cumsum")
    return AArray(accumulate_dtype(a.dtype), a.shape)


@reverse_cumsum.defvjp
def _vjp_reverse_cumsum(r):
    from myia.prim.sens import unbroadcast

    if not r.wants(0):
        return [None, None]
    return [unbroadcast(r.b, r.b.apply(cumsum, r.dout, r.x(1), None), r.types[0]), None]


@reverse_cumsum.defemit
def _emit_reverse_cumsum(e, args):
    ok, axis = e.const(1)
    t = e.types[0]
    if not (ok and isinstance(axis, (int, np.integer)) and isinstance(t, AArray) and t.ndim):
        return template("np.flip(np.cumsum(np.flip({0}, {1}), axis={1}), {1})")(e, args)
    k = int(axis) % t.ndim
    steps = [-1 if j == k else 1 for j in range(t.ndim)]  # (x[::-1].cumsum(axis=0)[::-1])
    keywords = [ast.keyword("axis", ast.Constant(k))]
    return axes_view(
        ast.Call(ast.Attribute(axes_view(args[0], steps), "cumsum"), [], keywords), steps
    )


def _scan_operand(r):
    """(the input node, the axis scanned, whether it was flattened)."""
    x = r.types[0]
    a = array_of(x, "a scan")
    ax = _axis(r.types[1], max(a.ndim, 1), "a scan")
    if ax is None or not a.ndim:
        return _flat(r.b, r.x(0), x), 0, True
    return r.x(0), ax, False


@cumsum.defvjp
def _vjp_cumsum(r):
    if not r.wants(0):
        return [None] * 3
    _, ax, flat = _scan_operand(r)
    d = r.b.apply(reverse_cumsum, r.dout, ax)
    return [_shape_back(r, d, flat), None, None]


@cumprod.defvjp
def _vjp_cumprod(r):
    if not r.wants(0):
        return [None] * 3
    b = r.b
    x, ax, flat = _scan_operand(r)
    d, out = r.dout, r.out()
    is_zero = b.apply(O.eq, x, 0)
    zeros_so_far = b.apply(cumsum, is_zero, ax, None)
    before = b.apply(O.eq, zeros_so_far, 0)  # before the first zero of the slice
    first = b.apply(O.mul, is_zero, b.apply(O.eq, zeros_so_far, 1))  # the first zero
    safe = b.apply(O.add, x, is_zero)  # every zero replaced by 1
    g = b.apply(
        O.mul,
        before,
        b.apply(O.truediv, b.apply(reverse_cumsum, b.apply(O.mul, d, out), ax), safe),
    )
    # The first zero: the partial products with it replaced by 1 (zero after a second zero).
    skipping = b.apply(cumprod, b.apply(O.add, x, first), ax, r.x(2))
    g_first = b.apply(O.mul, first, b.apply(reverse_cumsum, b.apply(O.mul, d, skipping), ax))
    return [_shape_back(r, b.apply(O.add, g, g_first), flat), None, None]


# ---------------------------------------------------------------------------------------
# Sorting


@primitive("sort", py=[np.sort])
def sort(a, axis=-1, kind=None):
    """`np.sort(a, axis, kind)` (of the flattened `a` when `axis` is None); each element
    gets the sensitivity of the place it is sorted to (tied elements in the order of a
    stable sort)."""
    return np.sort(a, axis=axis, kind=kind)


@primitive("argsort", py=[np.argsort], nondiff=True)
def argsort(a, axis=-1, kind=None):
    """`np.argsort(a, axis, kind)` and `a.argsort(...)`: the int64 indices that sort `a`
    along `axis` (of the flattened `a` when `axis` is None); not differentiable."""
    return np.argsort(a, axis=axis, kind=kind)


REGISTRY.method("argsort", argsort)


def _infer_sort(name, dtype=None):
    def infer(x, axis, kind):
        def one(x):
            a = array_of(x, f"np.{name}")
            if not is_none(kind) and const_value(kind, "kind") not in _SORT_KINDS:
                raise MyiaTypeError(
                    f"np.{name}: kind must be one of {list(_SORT_KINDS[1:])}, "
                    f"got {const_value(kind, 'kind')!r}"
                )
            if not a.ndim and not is_none(axis):
                raise MyiaShapeError(f"np.{name} of a 0-d array needs axis=None")
            ax = _axis(axis, a.ndim, f"np.{name}")
            return AArray(a.dtype if dtype is None else dtype, _scan_shape(a, ax))

        return union_map(one, x)

    return infer


sort.definfer(_infer_sort("sort"))
argsort.definfer(_infer_sort("argsort", np.dtype(np.intp)))
sort.defemit(_emit_axis_call("sort", -1, ("kind",)))
argsort.defemit(_emit_axis_call("argsort", -1, ("kind",)))


@sort.defvjp
def _vjp_sort(r):
    if not r.wants(0):
        return [None] * 3
    b = r.b
    a = array_of(r.types[0], "np.sort")
    ax = _axis(r.types[1], a.ndim, "np.sort")
    flat = ax is None
    x = _flat(b, r.x(0), r.types[0]) if flat else r.x(0)
    ax = 0 if flat else ax
    order = b.apply(argsort, x, ax, "stable")
    d = b.apply(permute_along_axis, r.dout, b.apply(argsort, order, ax, None), ax)
    return [_shape_back(r, d, flat), None, None]


@primitive("permute_along_axis")
def permute_along_axis(a, perm, axis):
    """`np.take_along_axis(a, perm, axis)` for `perm` a permutation of each slice along
    `axis` (the sensitivity goes back through the inverse permutation)."""
    return np.take_along_axis(a, perm, axis)


@permute_along_axis.definfer
def _infer_permute(x, perm, axis):
    a = array_of(x, "permute_along_axis")
    p = array_of(perm, "permute_along_axis")
    if p.ndim != a.ndim:
        raise MyiaShapeError("permute_along_axis: the permutation has the wrong rank")
    return AArray(a.dtype, a.shape)


@permute_along_axis.defvjp
def _vjp_permute(r):
    if not r.wants(0):
        return [None] * 3
    b = r.b
    inverse = b.apply(argsort, r.x(1), r.x(2), None)
    return [b.apply(permute_along_axis, r.dout, inverse, r.x(2)), None, None]


permute_along_axis.defemit(template("np.take_along_axis({0}, {1}, axis={2})"))


# ---------------------------------------------------------------------------------------
# Tangents (forward mode): the transposes of the backpropagators above (exact with the
# zeros of `cumprod`; a sort moves each tangent with its element, ties as a stable sort).

reverse_cumsum.defjvp(linear(0))
permute_along_axis.defjvp(linear(0))


@cumsum.defjvp
def _jvp_cumsum(r):
    return r.b.apply(cumsum, r.t(0), r.x(1), None)


@cumprod.defjvp
def _jvp_cumprod(r):
    b = r.b
    x, ax, flat = _scan_operand(r)
    t = _flat(b, r.t(0), r.types[0]) if flat else r.t(0)
    is_zero = b.apply(O.eq, x, 0)
    zeros_so_far = b.apply(cumsum, is_zero, ax, None)
    first = b.apply(O.mul, is_zero, b.apply(O.eq, zeros_so_far, 1))  # the first zero
    safe = b.apply(O.add, x, is_zero)  # every zero replaced by 1
    # Before the first zero of a slice: out * cumsum(t / x) (out is 0 from it on).
    g = b.apply(O.mul, r.out(), b.apply(cumsum, b.apply(O.truediv, t, safe), ax, None))
    # From the first zero on: its tangent times the products that skip it (0 after a
    # second zero).
    skipping = b.apply(cumprod, b.apply(O.add, x, first), ax, r.x(2))
    g_first = b.apply(O.mul, skipping, b.apply(cumsum, b.apply(O.mul, first, t), ax, None))
    return b.apply(O.add, g, g_first)


@sort.defjvp
def _jvp_sort(r):
    b = r.b
    a = array_of(r.types[0], "np.sort")
    ax = _axis(r.types[1], a.ndim, "np.sort")
    x, t = r.x(0), r.t(0)
    if ax is None:
        x, t, ax = _flat(b, x, r.types[0]), _flat(b, t, r.types[0]), 0
    return b.apply(permute_along_axis, t, b.apply(argsort, x, ax, "stable"), ax)
