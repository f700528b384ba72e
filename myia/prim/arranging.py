"""NumPy functions that rearrange arrays, written as slices, flips, concatenations and
splits: `np.pad` (modes constant, edge, reflect, symmetric, wrap), `np.roll`, `np.diff`,
`np.append`, `np.array_split`, `np.hsplit`, `np.vsplit`, `np.dsplit`, `np.kron` and
`np.cross` (of 3-vectors, stacks too).

Each is a primitive whose canonical form (applied when specializing) is made of
differentiable primitives (`getitem` of slices, `flip`, `broadcast_to`, `concatenate`,
`split`, `reshape`, `mul`, `stack`), so its gradient, tangent and every higher order are
theirs. Pad widths, shifts, axes, orders of differences and sections are constants known
when compiling, and so are the shapes of the arrays; the shape and dtype of a result
are those NumPy gives for arrays of those shapes and dtypes.

Example:
    >>> import myia
    >>> myia.jit(np.roll)(np.arange(4.0), 1)
    array([3., 0., 1., 2.])
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, AList, AScalar, ATuple, abstract_of_value, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim import typing as T
from myia.prim.arrays import asarray, broadcast_to, reshape
from myia.prim.constructors import full
from myia.prim.joining import concatenate, stack
from myia.prim.registry import primitive
from myia.prim.shapes import _along, _as_array, _axis, copy, flip, split, transpose
from myia.prim.structures import getitem, make_tuple

# ---------------------------------------------------------------------------------------
# Helpers


def _known(t, what: str) -> AArray:
    """An array (or number) type whose shape is known when compiling."""
    x = _as_array(t, what)
    if not x.known_shape:
        raise MyiaShapeError(f"{what} needs the shape of its array known when compiling")
    return x


def _stand_in(t):
    """Zeros of the shape and dtype of the array type `t` (a NumPy scalar for a number)."""
    return np.zeros(t.shape, t.dtype) if isinstance(t, AArray) else np.zeros((), t.dtype)[()]


def _by_numpy(what: str, fn, *args):
    """The type of `fn(*args)` on stand-ins: NumPy's own shape and dtype rules (a NumPy
    scalar type for a NumPy scalar)."""
    try:
        out = fn(*args)
    except (ValueError, IndexError, np.exceptions.AxisError) as e:
        raise MyiaShapeError(f"{what}: {e}") from None
    if isinstance(out, np.ndarray):
        return AArray(out.dtype, out.shape)
    return T.scalar_of_dtype(np.asarray(out).dtype)


def _slice(b, x, k: int, start, stop):
    """`x[start:stop]` along axis `k`."""
    return b.apply(getitem, x, _along(b, k, slice(start, stop)))


def _fresh(b, x, original):
    """`x`, or a copy of it where it is the input `original` (NumPy returns new arrays)."""
    return b.apply(copy, x) if x is original else x


def _join(b, parts: list, k: int):
    parts = [p for p in parts if p is not None]
    return parts[0] if len(parts) == 1 else b.apply(concatenate, b.apply(make_tuple, *parts), k)


# ---------------------------------------------------------------------------------------
# pad

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


@primitive("pad", py=[np.pad])
def pad(array, pad_width, mode="constant", constant_values=0):
    """`np.pad(array, pad_width, mode, constant_values)`: modes constant (a number, maybe
    computed, as the value: its gradient is the sum over the padding), edge, reflect,
    symmetric and wrap (one reflection or wrap at most: widths up to the axis length);
    `pad_width` an int, a pair, or a pair per axis."""
    if mode == "constant":
        return np.pad(array, pad_width, mode, constant_values=constant_values)
    return np.pad(array, pad_width, mode)


def _pad_plan(array, pad_width, mode, values):
    """(array type, a (before, after) pair per axis, mode)."""
    x = _known(array, "np.pad")
    m = T.const_value(mode, "the mode of np.pad")
    if m not in _PAD_MODES:
        raise MyiaTypeError(f"np.pad: mode {m!r} is not supported; use one of {_PAD_MODES}")
    if m == "constant" and not (isinstance(values, AScalar) or T.is_none(values)):
        raise MyiaTypeError(
            f"np.pad: constant_values must be a number, got {describe(values)}; pad each "
            "axis in its own np.pad call for different values"
        )
    width = T.const_value(pad_width, "the pad_width of np.pad")
    try:
        pairs = np.broadcast_to(np.asarray(width, dtype=np.int64), (x.ndim, 2))
    except ValueError:
        raise MyiaShapeError(
            f"np.pad: pad_width {width!r} does not fit an array of {x.ndim} dimensions"
        ) from None
    if (pairs < 0).any():
        raise MyiaShapeError("np.pad: pad_width must not be negative")
    for k, (lo, hi) in enumerate(pairs):
        n = x.shape[k]
        limit = {"reflect": n - 1, "symmetric": n, "wrap": n}.get(m)
        if limit is not None and max(lo, hi) > limit:
            raise MyiaShapeError(
                f"np.pad: mode {m!r} pads at most {limit} along an axis of length {n}, "
                f"got {max(lo, hi)}; pad in several np.pad calls"
            )
        if m == "edge" and n == 0 and lo + hi:
            raise MyiaShapeError("np.pad: mode 'edge' cannot pad an empty axis")
    return x, [(int(lo), int(hi)) for lo, hi in pairs], m


@pad.definfer
def _infer_pad(array, pad_width, mode, values):
    x, pairs, _ = _pad_plan(array, pad_width, mode, values)
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pairs))
    return AArray(x.dtype, shape)


def _pad_sides(b, x, k: int, n: int, lo: int, hi: int, mode: str, value):
    """The blocks before and after `x` along axis `k` (None where empty)."""
    t = type_of(x)

    def constant(w):
        shape = tuple(w if i == k else d for i, d in enumerate(t.shape))
        return b.apply(full, shape, value, t.dtype.type)

    def edge(start, w):
        shape = tuple(w if i == k else d for i, d in enumerate(t.shape))
        return b.apply(broadcast_to, _slice(b, x, k, start, start + 1), shape)

    if mode == "constant":
        make = {"before": constant, "after": constant}
        return [make[side](w) if w else None for side, w in (("before", lo), ("after", hi))]
    before = after = None
    if mode == "edge":
        before = edge(0, lo) if lo else None
        after = edge(n - 1, hi) if hi else None
    elif mode == "reflect":
        before = b.apply(flip, _slice(b, x, k, 1, lo + 1), k) if lo else None
        after = b.apply(flip, _slice(b, x, k, n - 1 - hi, n - 1), k) if hi else None
    elif mode == "symmetric":
        before = b.apply(flip, _slice(b, x, k, 0, lo), k) if lo else None
        after = b.apply(flip, _slice(b, x, k, n - hi, n), k) if hi else None
    else:  # wrap
        before = _slice(b, x, k, n - lo, n) if lo else None
        after = _slice(b, x, k, 0, hi) if hi else None
    return [before, after]


@pad.defcanon
def _canon_pad(b, args):
    x = args[0]
    xt, pairs, mode = _pad_plan(*(type_of(a) for a in args))
    if not isinstance(type_of(x), AArray):
        x = b.apply(asarray, x, None)
    value = args[3]
    if mode == "constant" and T.is_none(type_of(value)):
        value = 0
    for k, (lo, hi) in enumerate(pairs):
        if lo or hi:
            before, after = _pad_sides(b, x, k, xt.shape[k], lo, hi, mode, value)
            x = _join(b, [before, x, after], k)
    return _fresh(b, x, args[0])


# ---------------------------------------------------------------------------------------
# roll


@primitive("roll", py=[np.roll])
def roll(a, shift, axis=None):
    """`np.roll(a, shift, axis)`: the elements shifted (of the flattened array when `axis`
    is None), `shift` and `axis` ints or tuples of them."""
    return np.roll(a, shift, axis)


def _roll_plan(a, shift, axis):
    """(array type, [(axis, shift modulo its length)] with non-zero shifts, flattened)."""
    x = _known(a, "np.roll")
    s = T.const_value(shift, "the shift of np.roll")
    if T.is_none(axis):
        if isinstance(s, (tuple, list)):
            raise MyiaTypeError("np.roll: a tuple of shifts needs a tuple of axes")
        n = x.size
        return x, ([(0, int(s) % n)] if n else []), True
    ax = T.const_value(axis, "the axis of np.roll")
    axes = tuple(ax) if isinstance(ax, (tuple, list)) else (ax,)
    shifts = tuple(s) if isinstance(s, (tuple, list)) else (s,)
    try:
        axes, shifts = np.broadcast_arrays(np.asarray(axes, np.int64), np.asarray(shifts, np.int64))
    except ValueError:
        raise MyiaShapeError(
            "np.roll: 'shift' and 'axis' should be scalars or 1D sequences"
        ) from None
    total: dict[int, int] = {}
    for k, d in zip(axes.ravel(), shifts.ravel()):
        k = _axis(AScalar(int, int(k)), x.ndim)
        total[k] = total.get(k, 0) + int(d)
    plan = [(k, d % x.shape[k]) for k, d in sorted(total.items()) if x.shape[k]]
    return x, [(k, d) for k, d in plan if d], False


@roll.definfer
def _infer_roll(a, shift, axis):
    x, _, _ = _roll_plan(a, shift, axis)
    return x


@roll.defcanon
def _canon_roll(b, args):
    x = args[0]
    xt, plan, flat = _roll_plan(*(type_of(a) for a in args))
    if not isinstance(type_of(x), AArray):
        x = b.apply(asarray, x, None)
    if not plan:
        return b.apply(copy, x)
    if flat:
        x = b.apply(reshape, x, (xt.size,))
    for k, d in plan:
        n = type_of(x).shape[k]
        x = _join(b, [_slice(b, x, k, n - d, n), _slice(b, x, k, 0, n - d)], k)
    return b.apply(reshape, x, xt.shape) if flat else x


# ---------------------------------------------------------------------------------------
# diff


@primitive("diff", py=[np.diff])
def diff(a, n=1, axis=-1):
    """`np.diff(a, n, axis)`: the `n`-th differences along `axis`."""
    return np.diff(a, n, axis)


def _diff_plan(a, n, axis):
    x = _known(a, "np.diff")
    order = T.const_int(n, "the order n of np.diff")
    if order < 0:
        raise MyiaShapeError(f"np.diff: order must be non-negative but got {order}")
    if x.ndim == 0:
        raise MyiaShapeError("np.diff: diff requires input that is at least one dimensional")
    return x, order, _axis(axis, x.ndim)


@diff.definfer
def _infer_diff(a, n, axis):
    x, order, k = _diff_plan(a, n, axis)
    return _by_numpy("np.diff", np.diff, _stand_in(x), order, k)


@diff.defcanon
def _canon_diff(b, args):
    x = args[0]
    _, order, k = _diff_plan(*(type_of(a) for a in args))
    for _ in range(order):
        x = b.apply(O.sub, _slice(b, x, k, 1, None), _slice(b, x, k, None, -1))
    return _fresh(b, x, args[0])


# ---------------------------------------------------------------------------------------
# append


@primitive("append", py=[np.append])
def append(arr, values, axis=None):
    """`np.append(arr, values, axis)`: both flattened and joined when `axis` is None,
    else joined along `axis` (`np.concatenate((arr, values), axis)`)."""
    return np.append(arr, values, axis)


def _as_array_type(t, what: str) -> AArray:
    """The type of `np.asarray` of an array, a number or a sequence of them."""
    if isinstance(t, (ATuple, AList)):
        t = asarray.infer(t, abstract_of_value(None))
    return _known(t, what)


@append.definfer
def _infer_append(arr, values, axis):
    x = _as_array_type(arr, "np.append")
    v = _as_array_type(values, "np.append")
    k = None if T.is_none(axis) else T.const_int(axis, "the axis of np.append")
    return _by_numpy("np.append", np.append, _stand_in(x), _stand_in(v), k)


@append.defcanon
def _canon_append(b, args):
    parts = [a if isinstance(type_of(a), AArray) else b.apply(asarray, a, None) for a in args[:2]]
    if T.is_none(type_of(args[2])):
        parts = [b.apply(reshape, p, (type_of(p).size,)) for p in parts]
        return b.apply(concatenate, b.apply(make_tuple, *parts), 0)
    k = _axis(type_of(args[2]), type_of(parts[0]).ndim)
    return b.apply(concatenate, b.apply(make_tuple, *parts), k)


# ---------------------------------------------------------------------------------------
# array_split, hsplit, vsplit, dsplit


def _split_indices(what: str, x: AArray, ios, k: int):
    """The constant indices of the cuts `np.array_split(x, ios, k)` makes."""
    v = T.const_value(ios, f"the sections or indices of {what}")
    if isinstance(v, (tuple, list)):
        return tuple(int(i) for i in v)
    sections = int(v)
    if sections <= 0:
        raise MyiaShapeError(f"{what}: number sections must be larger than 0.")
    each, extra = divmod(x.shape[k], sections)
    sizes = [each + 1] * extra + [each] * (sections - extra)
    return tuple(int(i) for i in np.cumsum(sizes)[:-1])


@primitive("array_split", py=[np.array_split])
def array_split(ary, indices_or_sections, axis=0):
    """`np.array_split(ary, indices_or_sections, axis)`: `np.split` that allows unequal
    sections (the first ones one longer)."""
    return np.array_split(ary, indices_or_sections, axis)


def _array_split_args(ary, ios, axis):
    x = _known(ary, "np.array_split")
    if x.ndim == 0:
        raise MyiaShapeError("np.array_split needs an array of 1 dimension or more")
    k = _axis(axis, x.ndim)
    return x, abstract_of_value(_split_indices("np.array_split", x, ios, k)), AScalar(int, k)


array_split.definfer(lambda *ts: split.infer(*_array_split_args(*ts)))


@array_split.defcanon
def _canon_array_split(b, args):
    _, cuts, k = _array_split_args(*(type_of(a) for a in args))
    return b.apply(split, args[0], T.const_value(cuts, "cuts"), k.value)


def _directional_split(name: str, axis_of, min_ndim: int):
    numpy_fn = getattr(np, name)

    def impl(ary, indices_or_sections):
        return numpy_fn(ary, indices_or_sections)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"`np.{name}(ary, indices_or_sections)`: `np.split` along axis {axis_of(3)}."
    prim = primitive(name, py=[numpy_fn])(impl)

    def args_of(ary, ios):
        x = _as_array(ary, f"np.{name}")
        if x.ndim < min_ndim:
            raise MyiaShapeError(f"np.{name} only works on arrays of {min_ndim} or more dimensions")
        return ary, ios, AScalar(int, axis_of(x.ndim))

    prim.definfer(lambda ary, ios: split.infer(*args_of(ary, ios)))

    @prim.defcanon
    def canon(b, args):
        _, _, k = args_of(*(type_of(a) for a in args))
        return b.apply(split, args[0], args[1], k.value)

    return prim


hsplit = _directional_split("hsplit", lambda nd: 1 if nd > 1 else 0, 1)
vsplit = _directional_split("vsplit", lambda nd: 0, 2)
dsplit = _directional_split("dsplit", lambda nd: 2, 3)


# ---------------------------------------------------------------------------------------
# kron, cross


@primitive("kron", py=[np.kron])
def kron(a, b):
    """`np.kron(a, b)`: the Kronecker product, `a[i] * b[j]` at `i * len(b) + j` along
    each axis (the arrays aligned on their last axes)."""
    return np.kron(a, b)


@kron.definfer
def _infer_kron(a, b):
    x, y = _known(a, "np.kron"), _known(b, "np.kron")
    return _by_numpy("np.kron", np.kron, _stand_in(x), _stand_in(y))


@kron.defcanon
def _canon_kron(b, args):
    x, y = (_known(type_of(a), "np.kron") for a in args)
    nd = max(x.ndim, y.ndim)
    sx = (1,) * (nd - x.ndim) + x.shape
    sy = (1,) * (nd - y.ndim) + y.shape
    ex = tuple(d for n in sx for d in (n, 1))  # a[i0, 1, i1, 1, ...]
    ey = tuple(d for n in sy for d in (1, n))  # b[1, j0, 1, j1, ...]
    xa, ya = (a if isinstance(type_of(a), AArray) else b.apply(asarray, a, None) for a in args)
    prod = b.apply(O.mul, b.apply(reshape, xa, ex), b.apply(reshape, ya, ey))
    return b.apply(reshape, prod, tuple(m * n for m, n in zip(sx, sy)))


@primitive("cross", py=[np.cross])
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """`np.cross(a, b, axisa, axisb, axisc, axis)` of 3-vectors (stacks broadcast)."""
    return np.cross(a, b, axisa, axisb, axisc, axis)


def _cross_plan(a, b, axisa, axisb, axisc, axis):
    """(type of a, type of b, axis of a, axis of b, the axisc argument)."""
    x, y = _known(a, "np.cross"), _known(b, "np.cross")
    if x.ndim == 0 or y.ndim == 0:
        raise MyiaShapeError("np.cross needs arrays of vectors")
    if not T.is_none(axis):
        axisa = axisb = axisc = axis
    ka, kb = _axis(axisa, x.ndim, "axisa"), _axis(axisb, y.ndim, "axisb")
    if x.shape[ka] != 3 or y.shape[kb] != 3:
        raise MyiaShapeError(
            f"np.cross: myia supports vectors of dimension 3, got {x.shape[ka]} and "
            f"{y.shape[kb]}; write the 2-d cross product as a[..., 0] * b[..., 1] - "
            "a[..., 1] * b[..., 0]"
        )
    return x, y, ka, kb, axisc


@cross.definfer
def _infer_cross(a, b, axisa, axisb, axisc, axis):
    x, y, ka, kb, kc = _cross_plan(a, b, axisa, axisb, axisc, axis)
    axis_c = kc if T.is_none(axis) else axis
    return _by_numpy(
        "np.cross",
        lambda: np.cross(_stand_in(x), _stand_in(y), ka, kb, T.const_int(axis_c, "axisc")),
    )


def _last(b, x, k: int):
    """`x` with its axis `k` moved last."""
    nd = type_of(x).ndim
    if k == nd - 1:
        return x
    return b.apply(transpose, x, (*[i for i in range(nd) if i != k], k))


@cross.defcanon
def _canon_cross(b, args):
    ts = [type_of(a) for a in args]
    _, _, ka, kb, kc = _cross_plan(*ts)
    out_t = _infer_cross(*ts)
    x, y = _last(b, args[0], ka), _last(b, args[1], kb)

    def part(v, i):
        return b.apply(getitem, v, (Ellipsis, i))

    def term(i, j):
        ij = b.apply(O.mul, part(x, i), part(y, j))
        return b.apply(O.sub, ij, b.apply(O.mul, part(x, j), part(y, i)))

    c = b.apply(stack, b.apply(make_tuple, term(1, 2), term(2, 0), term(0, 1)), -1)
    k = _axis(ts[5] if not T.is_none(ts[5]) else kc, out_t.ndim, "axisc")
    if k != out_t.ndim - 1:
        nd = out_t.ndim
        c = b.apply(transpose, c, tuple(list(range(k)) + [nd - 1] + list(range(k, nd - 1))))
    return c
